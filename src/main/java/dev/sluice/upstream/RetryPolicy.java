// When a route retries a failed upstream attempt on another target.
package dev.sluice.upstream;

import java.util.Set;

/**
 * {@code route.<name>.retries} and {@code route.<name>.retry-on}. A request is retried on a
 * different target of the same pool, at most {@code retries} times and only while the
 * upstream's retry budget allows:
 * <ul>
 *   <li>for any method when the attempt was never sent (connect failure), and</li>
 *   <li>for idempotent methods when the connection broke before a response ({@code reset}), the
 *       upstream timed out before answering ({@code timeout}), or it answered a listed status.</li>
 * </ul>
 * A request whose body was streamed upstream is retried only when the body was small enough to
 * be kept ({@code proxy.retry.max-body}).
 */
public record RetryPolicy(int retries, boolean onConnectFailure, boolean onReset, boolean onTimeout, Set<Integer> statuses)
{
    public static final String ALLOWED = "connect-failure, reset, timeout and status codes 500-599";
    public static final RetryPolicy DEFAULT = new RetryPolicy(2, true, true, false, Set.of());
    public static final RetryPolicy NONE = new RetryPolicy(0, false, false, false, Set.of());

    /** The methods RFC 9110 calls idempotent and that Sluice retries after they were sent. */
    private static final Set<String> IDEMPOTENT = Set.of("GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE");

    public RetryPolicy
    {
        statuses = Set.copyOf(statuses);
    }

    /** How an attempt ended, as far as retrying is concerned. */
    public enum Failure
    {
        /** No connection: nothing was sent. */
        CONNECT,
        /** The connection broke after the request went out, before a response. */
        RESET,
        /** The upstream did not answer in time. */
        TIMEOUT
    }

    public static boolean idempotent(String method)
    {
        return IDEMPOTENT.contains(method);
    }

    /**
     * Whether an attempt that failed before any response may be retried.
     *
     * @param sent whether any of the request reached the connection
     */
    public boolean retries(String method, Failure failure, boolean sent)
    {
        if (retries == 0)
        {
            return false;
        }
        if (!sent)
        {
            // Nothing reached the upstream, so it cannot have acted on it: safe for any method.
            return onConnectFailure;
        }
        return idempotent(method) && switch (failure)
        {
            case CONNECT -> onConnectFailure;
            case RESET -> onReset;
            case TIMEOUT -> onTimeout;
        };
    }

    /** Whether a response with this status is discarded and the request retried. */
    public boolean retries(String method, int status)
    {
        return retries > 0 && statuses.contains(status) && idempotent(method);
    }
}
