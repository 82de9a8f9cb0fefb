// JMH: the rate-limit decision per request, in process and with one round trip to a real Redis.
package dev.sluice.bench.jmh;

import java.net.URI;
import java.time.Duration;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import dev.sluice.auth.Consumer;
import dev.sluice.auth.Identity;
import dev.sluice.ratelimit.KeyType;
import dev.sluice.ratelimit.Limit;
import dev.sluice.ratelimit.LocalBucketStore;
import dev.sluice.ratelimit.RateLimitPolicy;
import dev.sluice.ratelimit.RateLimiter;
import dev.sluice.ratelimit.RedisBucketStore;
import dev.sluice.testing.RedisServer;
import io.github.bucket4j.TimeMeter;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link RateLimiter#decide} as the filter calls it, for a consumer under two limits that never
 * refuse here ({@code 100000000/s, 999999999/d}): choosing the limits, building the key, taking a
 * token and computing the four headers. Local: a Bucket4j local bucket in the Caffeine-bounded store.
 * Redis: the same through Bucket4j's Lettuce compare-and-swap on a redis-server on loopback.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class RateLimitBenchmark
{
    private RedisServer redis;
    private RateLimiter local;
    private RateLimiter remote;
    private RateLimitPolicy policy;
    private RateLimiter.Caller caller;

    @Setup
    public void setUp() throws Exception
    {
        redis = RedisServer.start();
        local = new RateLimiter(new LocalBucketStore(100_000, TimeMeter.SYSTEM_MILLISECONDS));
        remote = new RateLimiter(new RedisBucketStore(URI.create(redis.uri()), Duration.ofSeconds(1), "bench:"));
        policy = new RateLimitPolicy(Limit.parseList("100000000/s, 999999999/d"), KeyType.CONSUMER, null, Map.of(), Map.of(), 0, true, true);
        Consumer consumer = new Consumer("bench", "bench", null, Set.of());
        caller = new RateLimiter.Caller(new Identity(consumer, "main", Set.of(), Set.of(), false, Map.of(), Identity.CONSUMERS), "203.0.113.7", null, "/orders/1");
        if (!local.decide("orders", policy, caller).allowed() || !remote.decide("orders", policy, caller).allowed())
        {
            throw new IllegalStateException("the benchmark's requests must be allowed");
        }
    }

    @TearDown
    public void tearDown() throws Exception
    {
        local.store().close();
        remote.store().close();
        redis.close();
    }

    @Benchmark
    public Object localDecision()
    {
        return local.decide("orders", policy, caller);
    }

    @Benchmark
    public Object redisDecision()
    {
        return remote.decide("orders", policy, caller);
    }

}
