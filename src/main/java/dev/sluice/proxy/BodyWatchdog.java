// Cuts off a client whose request body trickles or stalls, so it cannot hold an upstream connection.
package dev.sluice.proxy;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

import dev.sluice.exchange.Exchange;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * While a request body streams to the upstream, the upstream's connection is the client's. A
 * client sending one byte a second would hold it for as long as it liked (the container's idle
 * timeout only counts silence), and a few hundred such clients empty an upstream's pool. Once
 * a second this checks the body's progress: no byte for {@code idleTimeout}, or, after the
 * first {@code GRACE}, fewer than {@code minRate} bytes per second on average, fails the
 * exchange as the client's ({@link TimeoutException}, answered 408). Container-independent:
 * the same in the launcher, Jetty and Tomcat. Stops by itself when the body has been read or
 * the exchange failed.
 */
final class BodyWatchdog implements Runnable
{
    /** Averages are not judged before this much of a body's time has passed. */
    static final long GRACE_NANOS = TimeUnit.SECONDS.toNanos(5);
    private static final long PERIOD_MILLIS = 1000;

    private final Scheduler scheduler;
    private final Exchange exchange;
    private final long idleNanos;
    private final long minRate;
    private final Consumer<TimeoutException> onSlow;
    private final long startNanos = System.nanoTime();
    private long lastBytes;
    private long lastProgressNanos = startNanos;

    private BodyWatchdog(Scheduler scheduler, Exchange exchange, Duration idleTimeout, long minRate, Consumer<TimeoutException> onSlow)
    {
        this.scheduler = scheduler;
        this.exchange = exchange;
        this.idleNanos = idleTimeout.toNanos();
        this.minRate = minRate;
        this.onSlow = onSlow;
    }

    /**
     * @param minRate bytes per second a body must average after the grace period; 0 = no minimum
     * @param onSlow fails the exchange with the reason; called at most once
     */
    static void watch(Scheduler scheduler, Exchange exchange, Duration idleTimeout, long minRate, Consumer<TimeoutException> onSlow)
    {
        if (idleTimeout.isZero() && minRate == 0)
        {
            return;
        }
        BodyWatchdog watchdog = new BodyWatchdog(scheduler, exchange, idleTimeout, minRate, onSlow);
        scheduler.schedule(watchdog, PERIOD_MILLIS, TimeUnit.MILLISECONDS);
    }

    @Override
    public void run()
    {
        if (exchange.requestBodyRead() || exchange.outcome() != Exchange.Outcome.OK)
        {
            return;
        }
        String reason = check(System.nanoTime(), exchange.bytesIn());
        if (reason != null)
        {
            onSlow.accept(new TimeoutException(reason));
            return;
        }
        scheduler.schedule(this, PERIOD_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Why the body is too slow at {@code now} with {@code bytes} received, or null while it is fine. */
    String check(long now, long bytes)
    {
        if (bytes > lastBytes)
        {
            lastBytes = bytes;
            lastProgressNanos = now;
        }
        if (idleNanos > 0 && now - lastProgressNanos >= idleNanos)
        {
            return "no request body byte for " + TimeUnit.NANOSECONDS.toMillis(now - lastProgressNanos) + " ms";
        }
        long elapsed = now - startNanos;
        if (minRate > 0 && elapsed >= GRACE_NANOS && bytes * 1_000_000_000L < minRate * elapsed)
        {
            return "request body at " + bytes * 1_000_000_000L / elapsed + " bytes/s, under the minimum of " + minRate;
        }
        return null;
    }
}
