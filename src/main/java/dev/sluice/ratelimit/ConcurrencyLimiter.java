// The most requests one key may have in flight at once, for load shedding.
package dev.sluice.ratelimit;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts in-flight requests per key in this process (also when buckets live in Redis: a count of
 * requests in flight on this node is what protects this node). A key's counter is removed when
 * it drops to zero, so idle keys cost nothing.
 */
public final class ConcurrencyLimiter
{
    private final ConcurrentHashMap<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();

    /**
     * Takes a slot, or returns false when {@code max} are taken.
     */
    public boolean tryAcquire(String key, int max)
    {
        boolean[] acquired = new boolean[1];
        inFlight.compute(key, (ignored, count) ->
        {
            AtomicInteger current = count == null ? new AtomicInteger() : count;
            if (current.get() < max)
            {
                current.incrementAndGet();
                acquired[0] = true;
            }
            return current.get() == 0 ? null : current;
        });
        return acquired[0];
    }

    public void release(String key)
    {
        inFlight.computeIfPresent(key, (ignored, count) -> count.decrementAndGet() <= 0 ? null : count);
    }

    int inFlight(String key)
    {
        AtomicInteger count = inFlight.get(key);
        return count == null ? 0 : count.get();
    }
}
