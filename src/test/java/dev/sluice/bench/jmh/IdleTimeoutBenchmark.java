// JMH: what an upstream connection's idle timeout costs per exchange when the exchange's and the pool's differ, and when they do not.
package dev.sluice.bench.jmh;

import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.io.ByteArrayEndPoint;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
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
 * Jetty's client sets a connection's idle timeout to the exchange's when it sends and back to the
 * client's on release ({@code HttpConnectionOverHTTP}). Lowering an idle timeout cancels the
 * connection's timer and schedules a new one; raising it or leaving it does nothing. With the
 * pool's timeout at 30 s and the route's at 60 s (Sluice's defaults before the change) every
 * exchange lowered it; with the pool's at the longer of the two it never does.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class IdleTimeoutBenchmark
{
    private final ScheduledExecutorScheduler scheduler = new ScheduledExecutorScheduler("bench-scheduler", true);
    private ByteArrayEndPoint lowered;
    private ByteArrayEndPoint kept;

    @Setup
    public void start() throws Exception
    {
        scheduler.start();
        lowered = new ByteArrayEndPoint(scheduler, 30_000);
        kept = new ByteArrayEndPoint(scheduler, 60_000);
    }

    @TearDown
    public void stop() throws Exception
    {
        lowered.close();
        kept.close();
        scheduler.stop();
    }

    /** The exchange's 60 s on send, the pool's 30 s on release. */
    @Benchmark
    public long poolShorterThanTheRoute()
    {
        lowered.setIdleTimeout(60_000);
        lowered.setIdleTimeout(30_000);
        return lowered.getIdleTimeout();
    }

    /** The pool's timeout the longer of the two: 60 s both times. */
    @Benchmark
    public long poolAsLongAsTheRoute()
    {
        kept.setIdleTimeout(60_000);
        kept.setIdleTimeout(60_000);
        return kept.getIdleTimeout();
    }
}
