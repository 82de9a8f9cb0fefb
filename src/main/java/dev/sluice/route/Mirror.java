// route.<name>.mirror: a copy of each (or a share of) the route's requests sent to another upstream, its answer thrown away.
package dev.sluice.route;

/**
 * Shadow traffic, as nginx's {@code mirror} and Envoy's {@code request_mirror_policies}: a new
 * version of a back-end sees real requests while clients keep getting the old one's answers.
 *
 * @param upstream the upstream the copies go to ({@code route.<name>.mirror})
 * @param percent the share of requests copied, 0 to 100 ({@code mirror.percent}, default 100)
 * @param maxBody the largest request body copied ({@code mirror.max-body}, default 64KB); a request
 *        with a longer body, or a body of unknown length, is not copied
 * @param maxInFlight copies of this route's requests under way at once ({@code mirror.max-in-flight},
 *        default 64); past it a request is not copied, so a slow mirror never holds memory without bound
 */
public record Mirror(String upstream, int percent, long maxBody, int maxInFlight)
{
    public static final int DEFAULT_PERCENT = 100;
    public static final long DEFAULT_MAX_BODY = 64 * 1024;
    public static final int DEFAULT_MAX_IN_FLIGHT = 64;
}
