// What Sluice has learned about one target at run time: health, ejection, load and latency.
package dev.sluice.upstream;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runtime state of one target, kept across configuration reloads that keep the target (by
 * upstream name and authority). Health and ejection fields change only under the owning
 * {@link Pool}'s lock; the in-flight count and latency have their own.
 */
public final class TargetState
{
    /** The decay time of the latency average, as in Finagle's peak EWMA. */
    static final double DECAY_NANOS = 10e9;
    /** The cost of a target with requests in flight and no latency observed yet. */
    private static final double UNOBSERVED_PENALTY_NANOS = 1e9;

    final AtomicInteger inFlight = new AtomicInteger();

    // Peak EWMA of time to response headers, guarded by the lock on this object.
    private double ewmaNanos;
    private long ewmaStamp;

    // Guarded by the pool's lock; volatile where the request path reads them without it.
    volatile boolean activeHealthy = true;
    int activeSuccesses;
    int activeFailures;
    volatile int consecutiveFailures;
    int ejections;
    volatile boolean ejected;
    volatile long ejectedUntil;
    volatile boolean probing;
    long returnedAt;
    /** When the target last joined or came back to the pool, for slow start (pool nanoseconds); 0 when never since start. */
    volatile long warmingSince;
    volatile boolean checkRunning;

    /** Whether a new request may go here now (a half-open probe slot counts). */
    boolean available(long now)
    {
        return activeHealthy && (!ejected || (now >= ejectedUntil && !probing));
    }

    /**
     * Records a latency (peak-sensitive: a slower observation replaces the average at once; faster ones decay it).
     */
    synchronized void observe(long latencyNanos, long now)
    {
        double elapsed = Math.max(now - ewmaStamp, 0);
        double weight = Math.exp(-elapsed / DECAY_NANOS);
        ewmaStamp = now;
        if (latencyNanos > ewmaNanos)
        {
            ewmaNanos = latencyNanos;
        }
        else
        {
            ewmaNanos = ewmaNanos * weight + latencyNanos * (1 - weight);
        }
    }

    /** The latency average as of now, decayed towards zero since the last observation. */
    synchronized double ewma(long now)
    {
        double elapsed = Math.max(now - ewmaStamp, 0);
        return ewmaNanos * Math.exp(-elapsed / DECAY_NANOS);
    }

    /** Latency times load: what the latency-aware balancer minimises. */
    double cost(long now)
    {
        int pending = inFlight.get();
        double latency = ewma(now);
        if (latency == 0 && pending > 0)
        {
            return UNOBSERVED_PENALTY_NANOS + pending;
        }
        return latency * (pending + 1);
    }

    public int inFlight()
    {
        return inFlight.get();
    }
}
