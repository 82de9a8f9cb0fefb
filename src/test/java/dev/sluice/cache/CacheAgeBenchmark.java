// JMH: a cache hit's Age, computed from the stored Date and Age lines on every hit (before) or once per stored response (now).
package dev.sluice.cache;

import java.util.List;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** {@code bench/jmh.sh CacheAgeBenchmark}. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class CacheAgeBenchmark
{
    private CachedResponse stored;
    private long now;

    @Setup
    public void setUp()
    {
        long fetched = System.currentTimeMillis() - 5_000;
        stored = new CachedResponse(200, List.of(
            new String[]{"Content-Type", "application/json"},
            new String[]{"Date", HttpDates.format(fetched - 2_000)},
            new String[]{"Cache-Control", "max-age=600"},
            new String[]{"ETag", "\"v1\""},
            new String[]{"Age", "3"}), new byte[200], fetched - 10, fetched, "http://example.com/x", null, -1);
        now = System.currentTimeMillis();
    }

    /** What every hit did before: parse Date and Age, then the RFC 9111 §4.2.3 arithmetic. */
    @Benchmark
    public long ageParsedEveryHit()
    {
        return CachePolicy.initialAge(stored) + Math.max(0, now - stored.responseTime());
    }

    /** What a hit does now: the initial age kept on the stored response, plus the time since. */
    @Benchmark
    public long ageKept()
    {
        return CachePolicy.age(stored, now);
    }
}
