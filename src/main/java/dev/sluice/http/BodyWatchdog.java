// Judges whether a request body trickles or stalls, so a slow client cannot hold an upstream connection.
package dev.sluice.http;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * While a request body streams to the upstream, the upstream's connection is the client's. A
 * client sending one byte a second would hold it for as long as it liked (the container's idle
 * timeout only counts silence), and a few hundred such clients empty an upstream's pool. The
 * proxy servlet's sweep asks each body in flight about its progress: no byte for
 * {@code idleTimeout}, or, after the first {@link #GRACE_NANOS}, fewer than {@code minRate}
 * bytes per second on average, ends the exchange as the client's (408). A body Sluice reads whole
 * itself ({@link RequestBodies#readUpTo}) is judged the same way as it arrives. Plain logic with
 * the time passed in; container-independent, so the same in the launcher, Jetty and Tomcat.
 */
public final class BodyWatchdog
{
    /** Averages are not judged before this much of a body's time has passed. */
    public static final long GRACE_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final long idleNanos;
    private final long minRate;
    private final long startNanos;
    private long lastBytes;
    private long lastProgressNanos;

    /**
     * @param minRate bytes per second a body must average after the grace period; 0 = no minimum
     */
    public BodyWatchdog(Duration idleTimeout, long minRate, long startNanos)
    {
        this.idleNanos = idleTimeout.toNanos();
        this.minRate = minRate;
        this.startNanos = startNanos;
        this.lastProgressNanos = startNanos;
    }

    /** Whether there is anything to watch with these settings. */
    public static boolean enabled(Duration idleTimeout, long minRate)
    {
        return !idleTimeout.isZero() || minRate > 0;
    }

    /** Why the body is too slow at {@code now} with {@code bytes} received, or null while it is fine. Called from one thread. */
    public String check(long now, long bytes)
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
