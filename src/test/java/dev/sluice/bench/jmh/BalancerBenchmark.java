// JMH: what choosing a target costs per request, per algorithm, on a 3-target pool.
package dev.sluice.bench.jmh;

import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.sluice.upstream.Member;
import dev.sluice.upstream.Pool;
import dev.sluice.upstream.PoolSettings;
import dev.sluice.upstream.Target;
import dev.sluice.upstream.TargetState;
import dev.sluice.upstream.Upstream;
import dev.sluice.upstream.UpstreamTls;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link Pool#choose} then {@link Pool#finished} with a latency, as the proxy servlet calls them
 * for one attempt: the availability scan, the balancer, the in-flight count and (for latency)
 * the EWMA update. {@code single} is a one-target pool with round-robin, the cost every
 * plain upstream pays; {@code zoned} is round-robin over 3 targets with zone preference on.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class BalancerBenchmark
{
    @Param({"single", "round-robin", "least-in-flight", "latency", "hash", "zoned"})
    public String pool;

    private Pool chosen;
    private long counter;

    @Setup
    public void setUp()
    {
        List<Target> targets = List.of(new Target("10.0.0.1", 8080, 2, "a"), new Target("10.0.0.2", 8080, 1, "a"), new Target("10.0.0.3", 8080, 1, "b"));
        PoolSettings.Balance balance = switch (pool)
        {
            case "least-in-flight" -> PoolSettings.Balance.LEAST_IN_FLIGHT;
            case "latency" -> PoolSettings.Balance.LATENCY;
            case "hash" -> PoolSettings.Balance.HASH;
            default -> PoolSettings.Balance.ROUND_ROBIN;
        };
        PoolSettings settings = new PoolSettings(balance,
            balance == PoolSettings.Balance.HASH ? new PoolSettings.HashOn(PoolSettings.HashOn.Kind.IP, null) : null,
            pool.equals("zoned") ? "a" : null, 50, 0, null, PoolSettings.DEFAULT_OUTLIERS, 20, 5);
        Upstream upstream = new Upstream("bench", "http", "", pool.equals("single") ? targets.subList(0, 1) : targets, UpstreamTls.DEFAULT, settings);
        chosen = new Pool(upstream, Clock.systemUTC(), authority -> new TargetState());
    }

    @Benchmark
    public Member chooseAndFinish()
    {
        String key = pool.equals("hash") ? "203.0.113." + (counter++ & 255) : null;
        Member member = chosen.choose(key, List.of());
        chosen.finished(member, Pool.Result.SUCCESS, 1_000_000L);
        return member;
    }
}
