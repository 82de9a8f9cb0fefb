// One request's upstream attempts: the pool, the targets tried, the retry policy and the kept body.
package dev.sluice.proxy;

import java.util.ArrayList;
import java.util.List;

import dev.sluice.exchange.Exchange;
import dev.sluice.http.BodyWatchdog;
import dev.sluice.upstream.Member;
import dev.sluice.upstream.Pool;
import dev.sluice.upstream.RetryPolicy;
import org.eclipse.jetty.client.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Created by the proxy servlet in {@code rewriteTarget}; read by each attempt's listener. */
final class Attempts
{
    private static final Logger LOG = LoggerFactory.getLogger(Attempts.class);

    final Exchange exchange;
    final Pool pool;
    final RetryPolicy policy;
    final String hashKey;
    /** The client's sticky cookie for this pool, when the upstream has one and the client sent it. */
    String stickyCookie;
    final List<Member> tried = new ArrayList<>(2);
    volatile Member member;
    volatile Request current;
    volatile ReplayableBody body;
    /** The body is being read whole ({@code request-buffering}); the first attempt waits for it. */
    volatile boolean buffered;
    volatile boolean streamed;
    /** For a streamed HTTP/2 body: an answer given while it still comes waits for its end. */
    volatile BodyAfterAnswer afterAnswer;
    /** The request's cache exchange, or null when the route does not cache. */
    volatile dev.sluice.cache.CacheExchange cache;
    /** The container timed the request out as it stopped, and it was answered then. */
    volatile boolean endedByContainer;
    /** When the current attempt was handed to the client, and whether it has a connection yet. */
    volatile long sentNanos;
    volatile boolean connected;
    /** The status a client-side failure is answered with (400, or 408 for a slow or stalled body), else 0. */
    volatile int clientStatus;
    /** Progress of the request body, when the settings watch it. */
    volatile BodyWatchdog bodyWatch;
    /** Set once sending starts, for the sweep. */
    volatile jakarta.servlet.http.HttpServletRequest clientRequest;
    int retries;
    /** The request was sent again after a pooled connection turned out closed (at most once). */
    volatile boolean staleResent;
    /** A copy of this request goes to the route's mirror (sampled, and its body, if any, is kept whole). */
    volatile boolean mirrored;
    /** The route's fault.delay drawn for this request, in milliseconds; 0 for none. */
    volatile long delayMillis;
    /** Whether the request may go upstream again once sent ({@link RetryPolicy#repeatable}). */
    final boolean repeatable;

    Attempts(Exchange exchange, Pool pool, RetryPolicy policy, String hashKey, boolean repeatable)
    {
        this.exchange = exchange;
        this.pool = pool;
        this.policy = policy;
        this.hashKey = hashKey;
        this.repeatable = repeatable;
    }

    /**
     * Whether the body is worth keeping whole to send again on a new connection when the pooled
     * one it went out on was closed under it: only for requests that may be repeated.
     */
    boolean mayResendOnStaleConnection()
    {
        return policy.onReset() && repeatable;
    }

    /**
     * Whether the body is worth keeping whole to send again when an HTTP/2 upstream turns the
     * request away unprocessed ({@link dev.sluice.http.ClientFailures#unprocessed}): for any method, where the route
     * retries connect failures, as gRPC's maximum connection age and front ends that rotate
     * their connections do this routinely.
     */
    boolean mayResendUnprocessed()
    {
        return policy.onConnectFailure() && pool.upstream().http2();
    }

    /**
     * The target for a retry, counted in flight, or null when the attempts or the budget are
     * spent, no untried target may take it, or the body cannot be sent again.
     */
    Member next()
    {
        if (retries >= policy.retries() || streamed)
        {
            return null;
        }
        Member next = pool.choose(hashKey, tried);
        if (next == null)
        {
            return null;
        }
        if (!pool.tryRetry())
        {
            pool.finished(next, Pool.Result.NEUTRAL, -1);
            exchange.retryRefused(true);
            LOG.debug("{} retry budget of upstream '{}' spent", exchange.id(), pool.upstream().name());
            return null;
        }
        retries++;
        tried.add(next);
        return next;
    }

    /**
     * Sluice's own fields on the client's answer from the upstream, added after the upstream's
     * (whose first field of a name replaces what is there): those a filter asked for (a
     * forward-auth service's refreshed cookie), and the upstream's sticky cookie when the
     * client's does not already name the target that answered (none, a target gone, or one that
     * failed and was retried elsewhere). Beside the upstream's own {@code Set-Cookie} fields,
     * never replacing them, and not stored by the cache (which keeps the upstream's fields).
     *
     * @param secure whether the client came over HTTPS (the sticky cookie is then {@code Secure})
     */
    void addOwnFields(jakarta.servlet.http.HttpServletResponse response, boolean secure)
    {
        List<String[]> fields = exchange.clientHeaders();
        if (!fields.isEmpty())
        {
            for (String[] field : fields)
            {
                response.addHeader(field[0], field[1]);
            }
        }
        dev.sluice.upstream.Sticky sticky = pool.upstream().sticky();
        Member answered = member;
        if (sticky == null || answered == null)
        {
            return;
        }
        String id = pool.stickyId(answered);
        if (!id.equals(stickyCookie))
        {
            response.addHeader("Set-Cookie", sticky.setCookie(id, secure));
        }
    }
}
