// route.<name>.fault.*: delays and failures injected on purpose, to see how clients cope.
package dev.sluice.route;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Envoy's fault filter (and Istio's fault injection): a share of a route's requests waits
 * before going upstream, or is answered with an error instead, so that a client's timeouts,
 * retries and fallbacks can be tried against the real gateway. Applied after the route's
 * filters (auth, limits, guards), as an upstream's slowness or failure would be.
 *
 * @param delay how long a delayed request waits before it is sent upstream, or null for none
 * @param delayPercent the share of requests delayed, 0 to 100
 * @param abortStatus the status of an aborted request (400 to 599), or 0 for none
 * @param abortPercent the share of requests aborted, 0 to 100
 */
public record Fault(Duration delay, int delayPercent, int abortStatus, int abortPercent)
{
    /** Whether this request is aborted (drawn per request). */
    public boolean aborts()
    {
        return abortStatus != 0 && drawn(abortPercent);
    }

    /** How long this request waits before going upstream, in milliseconds; 0 for not at all (drawn per request). */
    public long delayMillis()
    {
        return delay != null && drawn(delayPercent) ? delay.toMillis() : 0;
    }

    private static boolean drawn(int percent)
    {
        return percent >= 100 || percent > 0 && ThreadLocalRandom.current().nextInt(100) < percent;
    }
}
