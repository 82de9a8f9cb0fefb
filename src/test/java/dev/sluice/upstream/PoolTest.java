// The pool's decisions, driven directly with a hand-moved clock: balancing, ejection, zones, health.
package dev.sluice.upstream;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.sluice.testing.MutableClock;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PoolTest
{
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-28T12:00:00Z"));

    private static Target target(String host, int weight, String zone)
    {
        return new Target(host, 80, weight, zone);
    }

    private static PoolSettings settings(PoolSettings.Balance balance)
    {
        return new PoolSettings(balance, balance == PoolSettings.Balance.HASH ? new PoolSettings.HashOn(PoolSettings.HashOn.Kind.IP, null) : null,
            null, 50, 0, null, PoolSettings.DEFAULT_OUTLIERS, 20, 5);
    }

    private Pool pool(PoolSettings settings, Target... targets)
    {
        Upstream upstream = new Upstream("api", "http", "", List.of(targets), UpstreamTls.DEFAULT, settings);
        return new Pool(upstream, clock, authority -> new TargetState());
    }

    /** Chooses and immediately finishes with success, n times; counts by host. */
    private static Map<String, Integer> spread(Pool pool, int n)
    {
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < n; i++)
        {
            Member member = pool.choose("key-" + i, List.of());
            counts.merge(member.target().host(), 1, Integer::sum);
            pool.finished(member, Pool.Result.SUCCESS, 1_000_000);
        }
        return counts;
    }

    @Test
    void smoothRoundRobinFollowsWeightsWithoutBursts()
    {
        Pool pool = pool(settings(PoolSettings.Balance.ROUND_ROBIN), target("a", 5, null), target("b", 1, null), target("c", 1, null));
        StringBuilder order = new StringBuilder();
        for (int i = 0; i < 7; i++)
        {
            Member member = pool.choose(null, List.of());
            order.append(member.target().host());
            pool.finished(member, Pool.Result.SUCCESS, -1);
        }
        // nginx's sequence for 5,1,1: never five a's in a row.
        assertEquals("aabacaa", order.toString());
        Map<String, Integer> counts = spread(pool, 7000);
        assertEquals(Map.of("a", 5000, "b", 1000, "c", 1000), counts);
    }

    @Test
    void weightZeroDrainsATarget()
    {
        Pool pool = pool(settings(PoolSettings.Balance.ROUND_ROBIN), target("a", 1, null), target("b", 0, null));
        assertEquals(Map.of("a", 100), spread(pool, 100));
    }

    @Test
    void leastInFlightPrefersTheIdleTarget()
    {
        Pool pool = pool(settings(PoolSettings.Balance.LEAST_IN_FLIGHT), target("a", 1, null), target("b", 1, null), target("c", 1, null));
        Member busy = pool.choose(null, List.of());
        Member alsoBusy = pool.choose(null, List.of());
        Member third = pool.choose(null, List.of());
        assertEquals(3, Set.of(busy, alsoBusy, third).size(), "an idle pool is shared");
        pool.finished(third, Pool.Result.SUCCESS, -1);
        // Two targets hold one request each; the third is idle and takes the next ones until it is as busy.
        assertEquals(third, pool.choose(null, List.of()));
    }

    @Test
    void peakEwmaSendsLittleToASlowTarget()
    {
        Pool pool = pool(settings(PoolSettings.Balance.LATENCY), target("fast1", 1, null), target("fast2", 1, null), target("slow", 1, null));
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < 3000; i++)
        {
            Member member = pool.choose(null, List.of());
            counts.merge(member.target().host(), 1, Integer::sum);
            long latency = member.target().host().equals("slow") ? 200_000_000L : 2_000_000L;
            pool.finished(member, Pool.Result.SUCCESS, latency);
            clock.advance(Duration.ofMillis(1));
        }
        int slow = counts.getOrDefault("slow", 0);
        assertTrue(slow < 3000 * 0.05, "slow target got " + counts);
        assertTrue(slow >= 1, "the slow target is still probed as its average decays: " + counts);
    }

    @Test
    void consistentHashingKeepsKeysAndMovesAboutOneNthWhenATargetIsAdded()
    {
        Pool three = pool(settings(PoolSettings.Balance.HASH), target("a", 1, null), target("b", 1, null), target("c", 1, null));
        Pool four = pool(settings(PoolSettings.Balance.HASH), target("a", 1, null), target("b", 1, null), target("c", 1, null), target("d", 1, null));
        int keys = 10_000;
        int moved = 0;
        Map<String, Integer> share = new HashMap<>();
        for (int i = 0; i < keys; i++)
        {
            String key = "user-" + i;
            Member before = three.choose(key, List.of());
            three.finished(before, Pool.Result.SUCCESS, -1);
            Member again = three.choose(key, List.of());
            three.finished(again, Pool.Result.SUCCESS, -1);
            assertEquals(before.target(), again.target(), "a key stays on its target");
            Member after = four.choose(key, List.of());
            four.finished(after, Pool.Result.SUCCESS, -1);
            share.merge(before.target().host(), 1, Integer::sum);
            if (!after.target().host().equals(before.target().host()))
            {
                moved++;
                assertEquals("d", after.target().host(), "keys move only to the new target");
            }
        }
        double fraction = moved / (double)keys;
        assertTrue(fraction > 0.18 && fraction < 0.32, "moved " + fraction + " of keys; about 1/4 expected");
        share.values().forEach(count -> assertTrue(count > keys / 3 * 0.75 && count < keys / 3 * 1.25, "balanced: " + share));
    }

    @Test
    void hashingSkipsAnEjectedTargetAndReturnsKeysWhenItIsBack()
    {
        Pool pool = pool(settings(PoolSettings.Balance.HASH), target("a", 1, null), target("b", 1, null), target("c", 1, null));
        String key = "user-42";
        Member home = pool.choose(key, List.of());
        for (int i = 0; i < 5; i++)
        {
            pool.finished(home, Pool.Result.FAILURE, -1);
            if (i < 4)
            {
                assertEquals(home, pool.choose(key, List.of()));
            }
        }
        Member elsewhere = pool.choose(key, List.of());
        assertNotEquals(home, elsewhere);
        pool.finished(elsewhere, Pool.Result.SUCCESS, -1);
        clock.advance(Duration.ofSeconds(31));
        Member probe = pool.choose(key, List.of());
        assertEquals(home, probe, "after the ejection the key's own target is probed");
        pool.finished(probe, Pool.Result.SUCCESS, -1);
        Member back = pool.choose(key, List.of());
        assertEquals(home, back);
        pool.finished(back, Pool.Result.SUCCESS, -1);
    }

    @Test
    void consecutiveFailuresEjectATargetThatReturnsThroughOneHalfOpenProbe()
    {
        Pool pool = pool(settings(PoolSettings.Balance.ROUND_ROBIN), target("a", 1, null), target("b", 1, null), target("c", 1, null));
        Member a = pool.byAuthority().get("a:80");
        for (int i = 0; i < 5; i++)
        {
            a.state.inFlight.incrementAndGet();
            pool.finished(a, Pool.Result.FAILURE, -1);
        }
        assertEquals("ejected", view(pool, "a:80").state());
        assertEquals(0, spread(pool, 60).getOrDefault("a", 0), "an ejected target gets nothing");
        assertEquals(Duration.ofSeconds(30), pool.retryAfter());

        clock.advance(Duration.ofSeconds(30));
        assertEquals("probing", view(pool, "a:80").state());
        List<Member> chosen = new ArrayList<>();
        for (int i = 0; i < 6; i++)
        {
            chosen.add(pool.choose(null, List.of()));
        }
        assertEquals(1, chosen.stream().filter(member -> member == a).count(), "one probe at a time");
        // The probe fails: ejected again, twice as long.
        pool.finished(a, Pool.Result.FAILURE, -1);
        chosen.stream().filter(member -> member != a).forEach(member -> pool.finished(member, Pool.Result.SUCCESS, -1));
        assertEquals("ejected", view(pool, "a:80").state());
        clock.advance(Duration.ofSeconds(59));
        assertEquals("ejected", view(pool, "a:80").state());
        clock.advance(Duration.ofSeconds(1));
        Member probe = null;
        for (int i = 0; i < 10 && probe != a; i++)
        {
            probe = pool.choose(null, List.of());
            if (probe != a)
            {
                pool.finished(probe, Pool.Result.SUCCESS, -1);
            }
        }
        assertEquals(a, probe);
        pool.finished(a, Pool.Result.SUCCESS, -1);
        assertEquals("healthy", view(pool, "a:80").state());
        assertTrue(spread(pool, 30).get("a") >= 9);
    }

    @Test
    void ejectionTimeGrowsOnRepeatsAndIsCapped()
    {
        PoolSettings.Outliers outliers = new PoolSettings.Outliers(1, Set.of(503), Duration.ofSeconds(10), Duration.ofSeconds(35), 100);
        Pool pool = pool(new PoolSettings(PoolSettings.Balance.ROUND_ROBIN, null, null, 50, 0, null, outliers, 20, 5),
            target("a", 1, null), target("b", 1, null));
        Member a = pool.byAuthority().get("a:80");
        long[] expected = {10, 20, 35, 35};
        for (long seconds : expected)
        {
            a.state.inFlight.incrementAndGet();
            pool.finished(a, Pool.Result.FAILURE, -1);
            Instant until = view(pool, "a:80").ejectedUntil();
            assertEquals(clock.instant().plusSeconds(seconds), until);
            clock.advance(Duration.ofSeconds(seconds));
            assertTrue(a.state.available(nanos()));
            assertTrue(pool.choose(null, List.of(pool.byAuthority().get("b:80"))) == a);
        }
    }

    @Test
    void maxEjectionPercentKeepsPartOfThePoolIn()
    {
        Pool pool = pool(settings(PoolSettings.Balance.ROUND_ROBIN), target("a", 1, null), target("b", 1, null), target("c", 1, null));
        for (Member member : pool.members())
        {
            for (int i = 0; i < 5; i++)
            {
                member.state.inFlight.incrementAndGet();
                pool.finished(member, Pool.Result.FAILURE, -1);
            }
        }
        // 50% of 3 targets: one may be ejected, the other two stay.
        long ejected = pool.view().stream().filter(view -> view.state().equals("ejected")).count();
        assertEquals(1, ejected);
        assertEquals(2, spread(pool, 10).size());
    }

    @Test
    void activeChecksMarkUnhealthyAndHealthyAfterTheirThresholds()
    {
        PoolSettings.HealthCheck check = new PoolSettings.HealthCheck("/health", Duration.ofSeconds(5), Duration.ofSeconds(1), 2, 3,
            StatusRanges.parse(List.of("200-399")));
        Pool pool = pool(new PoolSettings(PoolSettings.Balance.ROUND_ROBIN, null, null, 50, 0, check, PoolSettings.DEFAULT_OUTLIERS, 20, 5),
            target("a", 1, null), target("b", 1, null));
        Member a = pool.byAuthority().get("a:80");
        pool.checked(a, false, "status 500");
        pool.checked(a, false, "status 500");
        assertEquals("healthy", view(pool, "a:80").state());
        pool.checked(a, false, "status 500");
        assertEquals("unhealthy", view(pool, "a:80").state());
        assertEquals(Map.of("b", 10), spread(pool, 10));
        pool.checked(a, true, null);
        assertEquals("unhealthy", view(pool, "a:80").state());
        pool.checked(a, true, null);
        assertEquals("healthy", view(pool, "a:80").state());
    }

    @Test
    void noAvailableTargetGivesNullAndARetryAfterFromTheEarliestReturn()
    {
        PoolSettings.Outliers outliers = new PoolSettings.Outliers(1, Set.of(503), Duration.ofSeconds(7), Duration.ofMinutes(1), 100);
        Pool pool = pool(new PoolSettings(PoolSettings.Balance.ROUND_ROBIN, null, null, 50, 0, null, outliers, 20, 5),
            target("a", 1, null), target("b", 1, null));
        for (Member member : pool.members())
        {
            member.state.inFlight.incrementAndGet();
            pool.finished(member, Pool.Result.FAILURE, -1);
        }
        assertNull(pool.choose(null, List.of()));
        assertEquals(Duration.ofSeconds(7), pool.retryAfter());
        clock.advance(Duration.ofMillis(6500));
        assertEquals(Duration.ofSeconds(1), pool.retryAfter());
    }

    @Test
    void zoneAwareRoutingStaysLocalAndSpillsOverWhenLocalTargetsAreOutOrBusy()
    {
        PoolSettings settings = new PoolSettings(PoolSettings.Balance.ROUND_ROBIN, null, "eu-1", 50, 3, null,
            new PoolSettings.Outliers(1, Set.of(503), Duration.ofSeconds(30), Duration.ofMinutes(5), 100), 20, 5);
        Pool pool = pool(settings, target("l1", 1, "eu-1"), target("l2", 1, "eu-1"), target("r1", 1, "eu-2"), target("r2", 1, "eu-2"));
        assertEquals(Map.of("l1", 50, "l2", 50), spread(pool, 100));

        // Three requests in flight on each local target: the zone is busy, the next request spills over.
        List<Member> held = new ArrayList<>();
        for (int i = 0; i < 6; i++)
        {
            held.add(pool.choose(null, List.of()));
        }
        assertTrue(held.stream().allMatch(member -> "eu-1".equals(member.target().zone())));
        Member spilled = pool.choose(null, List.of());
        assertEquals("eu-2", spilled.target().zone());
        pool.finished(spilled, Pool.Result.SUCCESS, -1);
        held.forEach(member -> pool.finished(member, Pool.Result.SUCCESS, -1));

        // One of two local targets out: 50% is still enough.
        Member l1 = pool.byAuthority().get("l1:80");
        l1.state.inFlight.incrementAndGet();
        pool.finished(l1, Pool.Result.FAILURE, -1);
        assertEquals(Map.of("l2", 20), spread(pool, 20));
        // Both out: every request goes to the other zone.
        Member l2 = pool.byAuthority().get("l2:80");
        l2.state.inFlight.incrementAndGet();
        pool.finished(l2, Pool.Result.FAILURE, -1);
        assertEquals(Map.of("r1", 10, "r2", 10), spread(pool, 20));
    }

    @Test
    void aRetryNeverPicksATargetAlreadyTried()
    {
        Pool pool = pool(settings(PoolSettings.Balance.ROUND_ROBIN), target("a", 1, null), target("b", 1, null));
        Member first = pool.choose(null, List.of());
        Member second = pool.choose(null, List.of(first));
        assertNotNull(second);
        assertNotEquals(first, second);
        assertNull(pool.choose(null, List.of(first, second)));
    }

    private long nanos()
    {
        Instant now = clock.instant();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    /** Ejects the target by consecutive failures, waits out the ejection and lets its probe succeed: it is back in the pool. */
    private void ejectAndReturn(Pool pool, Member member)
    {
        for (int i = 0; i < 5; i++)
        {
            member.state.inFlight.incrementAndGet();
            pool.finished(member, Pool.Result.FAILURE, -1);
        }
        clock.advance(Duration.ofSeconds(30));
        Member probe;
        do
        {
            probe = pool.choose(null, List.of());
            pool.finished(probe, Pool.Result.SUCCESS, -1);
        }
        while (probe != member);
        assertTrue(List.of("healthy", "warming").contains(view(pool, member.target().authority()).state()));
    }

    @Test
    void aTargetBackInThePoolWarmsUpOverTheSlowStartWindow()
    {
        // Round-robin weighs the warming target by turns (weights 1/10, then 1/2, of a's: shares
        // of 1/11 and 1/3); least-in-flight offers it as a candidate that share of the time, and
        // an idle pool's rotation gives it half of those (1/20, then 1/4). Then half, as before.
        Map<PoolSettings.Balance, int[]> expected = Map.of(
            PoolSettings.Balance.ROUND_ROBIN, new int[] {60, 140, 400, 600},
            PoolSettings.Balance.LEAST_IN_FLIGHT, new int[] {25, 95, 300, 450});
        for (Map.Entry<PoolSettings.Balance, int[]> entry : expected.entrySet())
        {
            PoolSettings.Balance balance = entry.getKey();
            int[] range = entry.getValue();
            PoolSettings slow = new PoolSettings(balance, null, null, 50, 0, null, PoolSettings.DEFAULT_OUTLIERS, 20, 5, Duration.ofSeconds(60));
            Pool pool = pool(slow, target("a", 1, null), target("b", 1, null));
            ejectAndReturn(pool, pool.byAuthority().get("b:80"));
            assertEquals("warming", view(pool, "b:80").state(), balance.label());
            int atFirst = spread(pool, 1100).getOrDefault("b", 0);
            clock.advance(Duration.ofSeconds(30));
            int halfway = spread(pool, 1500).getOrDefault("b", 0);
            clock.advance(Duration.ofSeconds(30));
            assertEquals("healthy", view(pool, "b:80").state(), balance.label());
            int after = spread(pool, 1000).getOrDefault("b", 0);
            assertTrue(atFirst >= range[0] && atFirst <= range[1], balance.label() + " at first: " + atFirst + " of 1100");
            assertTrue(halfway >= range[2] && halfway <= range[3], balance.label() + " halfway: " + halfway + " of 1500");
            assertTrue(after >= 420 && after <= 580, balance.label() + " after: " + after + " of 1000");
        }
    }

    @Test
    void withoutSlowStartATargetBackInThePoolTakesItsShareAtOnce()
    {
        Pool pool = pool(settings(PoolSettings.Balance.ROUND_ROBIN), target("a", 1, null), target("b", 1, null));
        ejectAndReturn(pool, pool.byAuthority().get("b:80"));
        assertEquals("healthy", view(pool, "b:80").state());
        assertEquals(Map.of("a", 500, "b", 500), spread(pool, 1000));
    }

    private static Pool.TargetView view(Pool pool, String authority)
    {
        return pool.view().stream().filter(view -> view.target().equals(authority)).findFirst().orElseThrow();
    }
}
