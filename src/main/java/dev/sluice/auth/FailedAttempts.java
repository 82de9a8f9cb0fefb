// Counts failed authentication attempts per client address, so credentials cannot be guessed at full speed.
package dev.sluice.auth;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

/**
 * A fixed window per address, opened by its first failure: after {@code max} failures within
 * {@code window} the address is refused (429) until the window ends, whatever it sends. Only
 * attempts that presented a credential count (a client sending none is not guessing). Plain
 * logic with the time passed in; at most {@code capacity} addresses are remembered, the least
 * recently failing forgotten first.
 */
final class FailedAttempts
{
    private final Cache<String, Window> windows;

    private record Window(long startMillis, AtomicInteger failures)
    {
    }

    FailedAttempts(int capacity)
    {
        this.windows = Caffeine.newBuilder().maximumSize(capacity).build();
    }

    /** Seconds until {@code address} may try again, or 0 when it may now. */
    long blockedSeconds(String address, int max, Duration window, long nowMillis)
    {
        if (max <= 0)
        {
            return 0;
        }
        Window current = windows.getIfPresent(address);
        if (current == null || current.failures().get() < max)
        {
            return 0;
        }
        long left = current.startMillis() + window.toMillis() - nowMillis;
        return left <= 0 ? 0 : Math.max(1, TimeUnit.MILLISECONDS.toSeconds(left + 999));
    }

    void failed(String address, Duration window, long nowMillis)
    {
        Window current = windows.asMap().compute(address, (key, existing) ->
            existing == null || nowMillis - existing.startMillis() >= window.toMillis() ? new Window(nowMillis, new AtomicInteger()) : existing);
        current.failures().incrementAndGet();
    }
}
