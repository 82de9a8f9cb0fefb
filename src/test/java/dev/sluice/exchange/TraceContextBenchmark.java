// JMH: what joining or starting a W3C trace costs per request (ExchangeFilter) and the upstream header text.
package dev.sluice.exchange;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** {@code bench/jmh.sh TraceContextBenchmark}. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class TraceContextBenchmark
{
    private final String incoming = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    @Benchmark
    public String joinAndForward()
    {
        return TraceContext.accept(incoming, "congo=t61rcWkgMzE", false).upstreamTraceparent();
    }

    @Benchmark
    public String startAndForward()
    {
        return TraceContext.accept(null, null, false).upstreamTraceparent();
    }
}
