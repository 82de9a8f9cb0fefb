// Chooses one target among the available ones; one implementation per algorithm.
package dev.sluice.upstream;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Given the members that may take a request now (healthy, not ejected, not already tried, in
 * the preferred zone when that applies; never empty), picks one. Plain Java, no I/O.
 */
interface Balancer
{
    Member choose(List<Member> candidates, String hashKey, long now);

    /**
     * @param slowStartNanos how long a joining or returning target takes to reach its full
     *        weight; 0 for at once. Round-robin lowers a warming target's weight; for the other
     *        algorithms the pool offers it as a candidate only that share of the time.
     */
    static Balancer of(PoolSettings.Balance balance, List<Member> members, long slowStartNanos)
    {
        return switch (balance)
        {
            case ROUND_ROBIN -> new SmoothRoundRobin(slowStartNanos);
            case LEAST_IN_FLIGHT -> new LeastInFlight();
            case LATENCY -> new PeakEwma();
            case HASH -> new HashRing(members);
        };
    }

    /**
     * nginx's smooth weighted round-robin: each pick adds every candidate's weight to its running
     * total, takes the largest and subtracts the sum from it. Weights 5,1,1 give a a b a c a a,
     * never five in a row.
     */
    final class SmoothRoundRobin implements Balancer
    {
        private final long slowStartNanos;

        SmoothRoundRobin(long slowStartNanos)
        {
            this.slowStartNanos = slowStartNanos;
        }

        @Override
        public synchronized Member choose(List<Member> candidates, String hashKey, long now)
        {
            long total = 0;
            Member best = null;
            for (Member member : candidates)
            {
                long weight = member.weight(now, slowStartNanos);
                member.current += weight;
                total += weight;
                if (best == null || member.current > best.current)
                {
                    best = member;
                }
            }
            best.current -= total;
            return best;
        }
    }

    /**
     * Fewest requests in flight relative to weight; ties go round the candidates so an idle
     * pool is still shared.
     */
    final class LeastInFlight implements Balancer
    {
        private final AtomicInteger rotation = new AtomicInteger();

        @Override
        public Member choose(List<Member> candidates, String hashKey, long now)
        {
            int size = candidates.size();
            int start = Math.floorMod(rotation.getAndIncrement(), size);
            Member best = null;
            long bestLoad = 0;
            for (int i = 0; i < size; i++)
            {
                Member member = candidates.get((start + i) % size);
                long load = member.state.inFlight.get();
                // load / weight < bestLoad / bestWeight, without division.
                if (best == null || load * best.target.weight() < bestLoad * member.target.weight())
                {
                    best = member;
                    bestLoad = load;
                }
            }
            return best;
        }
    }

    /**
     * Finagle's and Linkerd's peak EWMA with power of two choices: two distinct random
     * candidates, the one with the lower latency × (in flight + 1) / weight wins. A slow target
     * keeps a high cost until its average decays, so it gets a small share; a target with no
     * observation yet is tried.
     */
    final class PeakEwma implements Balancer
    {
        @Override
        public Member choose(List<Member> candidates, String hashKey, long now)
        {
            int size = candidates.size();
            if (size == 1)
            {
                return candidates.get(0);
            }
            ThreadLocalRandom random = ThreadLocalRandom.current();
            int first = random.nextInt(size);
            int second = random.nextInt(size - 1);
            if (second >= first)
            {
                second++;
            }
            Member a = candidates.get(first);
            Member b = candidates.get(second);
            double costA = a.state.cost(now) / a.target.weight();
            double costB = b.state.cost(now) / b.target.weight();
            return costB < costA ? b : a;
        }
    }
}
