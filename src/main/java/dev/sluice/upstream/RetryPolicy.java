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
 * With {@code idempotency-key} listed, a request of any method that carries an
 * {@code Idempotency-Key} (the IETF httpapi draft; Stripe's and others' APIs) counts as idempotent
 * too: its upstream promises to apply a key once, so sending it again cannot apply it twice. Go's
 * HTTP client resends such requests on a dead keep-alive connection for the same reason. Only for
 * upstreams that keep that promise, so never by default.
 * A request whose body was streamed upstream is retried only when the body was small enough to
 * be kept ({@code proxy.retry.max-body}).
 */
public record RetryPolicy(int retries, boolean onConnectFailure, boolean onReset, boolean onTimeout, Set<Integer> statuses, boolean idempotencyKey)
{
    public static final String ALLOWED = "connect-failure, reset, timeout, idempotency-key and status codes 500-599";
    public static final RetryPolicy DEFAULT = new RetryPolicy(2, true, true, false, Set.of(), false);
    public static final RetryPolicy NONE = new RetryPolicy(0, false, false, false, Set.of(), false);
    /** The request field that makes a request idempotent when the policy says so. */
    public static final String IDEMPOTENCY_KEY = "Idempotency-Key";

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
     * Whether a request may be sent again once it has reached the upstream: an idempotent
     * method, or, when this policy takes them, a non-blank {@code Idempotency-Key}.
     *
     * @param headers the request's header values by name
     */
    public boolean repeatable(String method, java.util.function.UnaryOperator<String> headers)
    {
        if (idempotent(method))
        {
            return true;
        }
        // Looked up only on routes that take keys: most requests never pay for it.
        String key = idempotencyKey ? headers.apply(IDEMPOTENCY_KEY) : null;
        return key != null && !key.isBlank();
    }

    /**
     * Whether an attempt that failed before any response may be retried.
     *
     * @param repeatable {@link #repeatable} for the request
     * @param sent whether any of the request reached the connection
     */
    public boolean retries(boolean repeatable, Failure failure, boolean sent)
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
        return repeatable && switch (failure)
        {
            case CONNECT -> onConnectFailure;
            case RESET -> onReset;
            case TIMEOUT -> onTimeout;
        };
    }

    /** Whether a response with this status is discarded and the request retried. */
    public boolean retries(boolean repeatable, int status)
    {
        return retries > 0 && statuses.contains(status) && repeatable;
    }
}
