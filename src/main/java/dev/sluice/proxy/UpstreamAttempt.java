// One upstream attempt's response listener: whether its outcome goes to the client, to another attempt or to the cache, and what it says of the target.
package dev.sluice.proxy;

import java.io.IOException;
import java.net.URI;
import java.util.List;

import dev.sluice.cache.CacheExchange;
import dev.sluice.exchange.Exchange;
import dev.sluice.route.RouteMatch;
import dev.sluice.upstream.Member;
import dev.sluice.upstream.Pool;
import dev.sluice.upstream.RetryPolicy;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One attempt's response listener. Until the outcome is known to be final it keeps it from
 * the client: a failure before any response, or a status the route retries, starts the next
 * attempt instead; everything else goes to Jetty's own listener unchanged.
 */
final class UpstreamAttempt implements Response.Listener
{
    private static final Logger LOG = LoggerFactory.getLogger(SluiceProxyServlet.class);

    private final SluiceProxyServlet servlet;
    private final HttpServletRequest clientRequest;
    private final HttpServletResponse proxyResponse;
    private final Request proxyRequest;
    private final Attempts attempts;
    private final Member member;
    private final long startNanos = System.nanoTime();
    private volatile long headersNanos = -1;
    volatile boolean sent;
    private volatile boolean forwarded;
    private int headerCount;
    private volatile Member next;
    private volatile CacheExchange.Intercept intercept;
    private volatile List<String[]> interceptHeaders;
    private Response.Listener delegate;
    /** This attempt's span id when the exchange is recorded for span export, else null. */
    volatile String spanId;
    volatile int index;

    UpstreamAttempt(SluiceProxyServlet servlet, HttpServletRequest clientRequest, HttpServletResponse proxyResponse, Request proxyRequest, Attempts attempts,
        Member member)
    {
        this.servlet = servlet;
        this.clientRequest = clientRequest;
        this.proxyResponse = proxyResponse;
        this.proxyRequest = proxyRequest;
        this.attempts = attempts;
        this.member = member;
    }

    private Response.Listener delegate()
    {
        if (delegate == null)
        {
            delegate = servlet.responseListener(clientRequest, proxyResponse);
        }
        return delegate;
    }

    @Override
    public void onBegin(Response response)
    {
        int status = response.getStatus();
        if (status < 200 || status > 599)
        {
            // The upstream clients' protocol handlers take 100 (when expected), 102 and 103 before
            // this listener. Jetty's client cannot read past any other 1xx, and Sluice never
            // forwards Upgrade, so no client asked for a 101: a 502 rather than a hang. A status
            // past 599 is not HTTP's (RFC 9110 §15: take it as a server error); libraries use
            // them for their own failures, and clients do not know what to make of them.
            response.abort(new UpstreamFailure.UnexpectedAnswer("a " + status + " answer Sluice cannot pass on"));
            return;
        }
        headersNanos = System.nanoTime();
        if (attempts.policy.retries(attempts.repeatable, response.getStatus()) && (next = attempts.next()) != null)
        {
            LOG.debug("{} upstream target {} answered {}; retrying on {}", attempts.exchange.id(), member, response.getStatus(), next);
            response.abort(new RetriedStatus(response.getStatus()));
            return;
        }
        CacheExchange cache = CacheExchange.of(clientRequest);
        if (cache != null && (intercept = cache.intercept(response.getStatus())) != null)
        {
            // The client gets a stored response instead; this one is read and dropped.
            return;
        }
        forwarded = true;
        delegate().onBegin(response);
    }

    @Override
    public boolean onHeader(Response response, HttpField field)
    {
        if (++headerCount > attempts.exchange.settings().proxy().maxResponseHeaders())
        {
            response.abort(new UpstreamFailure.HeadersTooLarge(attempts.exchange.settings().proxy().maxResponseHeaders()));
            return false;
        }
        return !forwarded || delegate().onHeader(response, field);
    }

    @Override
    public void onHeaders(Response response)
    {
        if (forwarded)
        {
            delegate().onHeaders(response);
        }
        else if (intercept != null)
        {
            interceptHeaders = FieldPairs.of(response.getHeaders());
        }
    }

    @Override
    public void onContent(Response response, Content.Chunk chunk, Runnable demander) throws Exception
    {
        if (forwarded)
        {
            delegate().onContent(response, chunk, demander);
        }
        else
        {
            demander.run();
        }
    }

    /**
     * The answer is complete. Jetty's client ends an exchange only when its request has been
     * sent too, so an upstream that answered before the body ended (a 413 on the headers)
     * and then neither read the rest nor closed held the client's answer (its last chunk,
     * or all of it while buffered) until the upstream closed or timed out. The rest of the
     * body is not sent: an answer in full is the upstream's last word, as when it closes.
     */
    @Override
    public void onSuccess(Response response)
    {
        if (forwarded && attempts.afterAnswer != null && !attempts.exchange.requestBodyRead())
        {
            proxyRequest.abort(new UpstreamFailure.AnsweredEarly());
        }
    }

    @Override
    public void onComplete(Result result)
    {
        Exchange exchange = attempts.exchange;
        long latency = headersNanos < 0 ? -1 : headersNanos - startNanos;
        // A client whose body broke off or was malformed is no evidence against the target.
        boolean clientGone = exchange.outcome().clientSide();
        if (!clientGone && exchange.outcome() != Exchange.Outcome.STOPPING && staleConnection(result))
        {
            // The same target again, keeping this attempt's place in its in-flight count (and
            // its probe, if it was one): a connection it had finished with says nothing of it.
            LOG.debug("{} upstream target {} closed a pooled connection or turned the stream away unprocessed as the request went out ({}); sending it again",
                exchange.id(), member, result.getFailure().toString());
            attempts.staleResent = true;
            if (spanId != null && exchange.spans() != null)
            {
                exchange.spans().upstreamAttempt(spanId, startNanos, System.nanoTime(), proxyRequest.getMethod(), proxyRequest.getScheme(),
                    member.target(), proxyRequest.getPath(), index, 0, result.getFailure());
            }
            retry(member);
            return;
        }
        if (forwarded && !clientGone && result.getResponseFailure() == null && result.getRequestFailure() != null)
        {
            // The upstream answered in full and stopped taking the body: an early 401 or 413,
            // or a connection closed after answering, as Go's servers close one whose body
            // they did not read. That answer is the result, not a failure of the target; the
            // rest of the client's body is read and dropped (BodyAfterAnswer).
            LOG.debug("{} upstream target {} answered before taking the whole body: {}", exchange.id(), member, result.getRequestFailure().toString());
            result = new Result(result.getRequest(), null, result.getResponse(), null);
        }
        Response response = result.getResponse();
        int status = headersNanos >= 0 && response != null ? response.getStatus() : 0;
        Pool.Result health;
        boolean tooLarge = status == 0 && UpstreamFailure.requestHeadTooLarge(result.getFailure());
        if (clientGone || exchange.outcome() == Exchange.Outcome.STOPPING || tooLarge || (status == 0 && UpstreamFailure.saturated(result.getFailure())))
        {
            // Neither a client that left, a request too large to send nor a busy pool says
            // anything about the target's health.
            health = Pool.Result.NEUTRAL;
        }
        else if (status > 0)
        {
            // A gRPC service's failure is a 200 with its status in the trailers (or, before any
            // message, the headers): judged by the HTTP status it stands for, as Envoy does.
            int judged = status == 200 && dev.sluice.http.GrpcResponse.of(proxyResponse) != null ? grpcAsHttp(response, status) : status;
            health = attempts.pool.failureStatus(judged) || (result.isFailed() && forwarded) ? Pool.Result.FAILURE : Pool.Result.SUCCESS;
        }
        else
        {
            health = Pool.Result.FAILURE;
        }
        attempts.pool.finished(member, health, latency);
        if (spanId != null && exchange.spans() != null)
        {
            exchange.spans().upstreamAttempt(spanId, startNanos, System.nanoTime(), proxyRequest.getMethod(), proxyRequest.getScheme(),
                member.target(), proxyRequest.getPath(), index, status, result.getFailure());
        }

        if (next == null && result.isFailed() && !forwarded && !clientGone && !tooLarge && exchange.outcome() != Exchange.Outcome.STOPPING)
        {
            RetryPolicy.Failure failure = UpstreamFailure.retryKind(result.getFailure(), sent);
            if (attempts.policy.retries(attempts.repeatable, failure, sent))
            {
                next = attempts.next();
                if (next != null)
                {
                    LOG.debug("{} upstream target {} failed ({}); retrying on {}", exchange.id(), member,
                        UpstreamFailure.describe(result.getFailure()), next);
                }
            }
        }
        if (next != null && !clientGone)
        {
            retry(next);
            return;
        }
        if (next != null)
        {
            attempts.pool.finished(next, Pool.Result.NEUTRAL, -1);
        }
        if (attempts.endedByContainer)
        {
            // Already answered when the container timed the request out; the response is gone.
            return;
        }
        if (!clientGone && !forwarded && serveFromCache(result))
        {
            return;
        }
        if (exchange.outcome() == Exchange.Outcome.CLIENT_ABORTED)
        {
            clientAborted(exchange, status, result);
            return;
        }
        delegate().onComplete(result);
    }

    private static int grpcAsHttp(Response response, int status)
    {
        String grpcStatus = response.getTrailers() != null ? response.getTrailers().get("grpc-status") : null;
        if (grpcStatus == null)
        {
            grpcStatus = response.getHeaders().get("grpc-status");
        }
        return grpcStatus == null ? status : dev.sluice.http.GrpcResponse.httpStatus(grpcStatus);
    }

    /**
     * The client went away (a reset HTTP/2 stream, a closed connection) before the answer was
     * through. Jetty then aborts the response, recycles the request and response at once and
     * tells no AsyncListener: the exchange was never logged and stayed counted in flight, and
     * Jetty's own failure handling met recycled objects. The exchange is closed here, with
     * the status the client was being sent, and the rest is left to Jetty as far as it goes.
     */
    private void clientAborted(Exchange exchange, int status, Result result)
    {
        if (attempts.cache != null)
        {
            // Requests waiting for this one's copy look again now, not after the cache's lock timeout.
            attempts.cache.abandon();
        }
        if (servlet.getServletContext().getAttribute(dev.sluice.exchange.Exchanges.ATTRIBUTE) instanceof dev.sluice.exchange.Exchanges exchanges)
        {
            // A container that does tell its listeners does not log it twice.
            exchanges.close(exchange, status);
        }
        try
        {
            delegate().onComplete(result);
        }
        catch (RuntimeException recycled)
        {
            LOG.debug("{} client gone; its request was already recycled: {}", exchange.id(), recycled.toString());
        }
    }

    /**
     * Whether this attempt failed on a pooled connection the upstream closed as the request went
     * out (RFC 9112 §9.3.1: servers close idle connections when they like, and one whose
     * keep-alive timeout is shorter than the pool's does so while Sluice reuses it). The
     * request then never reached the upstream's application, and nginx sends it again on a new
     * connection: so does Sluice, once per request and not counted as a retry, when nothing of
     * a response arrived, the route retries resets (or connect failures, for a request not yet
     * written), the method may be repeated once written, and the body, if any, was kept.
     * Likewise a request an HTTP/2 upstream turned away unprocessed ({@link dev.sluice.http.ClientFailures#unprocessed}),
     * of any method, where the route retries connect failures.
     */
    private boolean staleConnection(Result result)
    {
        if (!result.isFailed() || headersNanos >= 0 || forwarded || next != null || attempts.staleResent)
        {
            return false;
        }
        Throwable failure = result.getFailure();
        if (dev.sluice.http.ClientFailures.unprocessed(failure))
        {
            // An HTTP/2 upstream said the request reached none of its application: as a connect
            // failure, for any method, with its body if it was kept (Attempts.mayResendUnprocessed).
            return !attempts.streamed && attempts.policy.onConnectFailure();
        }
        if (!Boolean.TRUE.equals(proxyRequest.getAttributes().get(UpstreamClients.REUSED_CONNECTION)))
        {
            return false;
        }
        if (!(failure instanceof java.io.IOException) || UpstreamFailure.isTimeout(failure))
        {
            // Sluice's own aborts (an unexpected answer, a limit) and timeouts are not a closed connection.
            return false;
        }
        if (attempts.streamed)
        {
            return false;
        }
        // Once written, the same rule that decided to keep the body.
        return sent ? attempts.mayResendOnStaleConnection() : attempts.policy.onConnectFailure();
    }

    /**
     * Answers from the cache instead of the upstream: a 304 that freshened the stored response,
     * a 5xx that stale-if-error covers, or no response at all while a stale copy may stand in.
     */
    private boolean serveFromCache(Result result)
    {
        CacheExchange cache = CacheExchange.of(clientRequest);
        if (cache == null)
        {
            return false;
        }
        try
        {
            if (intercept == CacheExchange.Intercept.FRESHEN && interceptHeaders != null)
            {
                cache.serveFreshened(clientRequest, proxyResponse, interceptHeaders);
            }
            else if (intercept != null || (result.isFailed() && cache.mayServeStaleWhenUnreachable()))
            {
                if (intercept == null)
                {
                    LOG.warn("{} upstream '{}' failed ({}); serving the stored response", attempts.exchange.id(),
                        attempts.pool.upstream().name(), UpstreamFailure.describe(result.getFailure()));
                }
                cache.serveStale(clientRequest, proxyResponse);
            }
            else
            {
                return false;
            }
        }
        catch (IOException | RuntimeException x)
        {
            LOG.debug("{} writing the cached response failed: {}", attempts.exchange.id(), x.toString());
            cache.abandon();
            if (clientRequest.isAsyncStarted())
            {
                clientRequest.getAsyncContext().complete();
            }
        }
        // Otherwise the cache's answer completes the request once the client has it.
        return true;
    }

    private void retry(Member target)
    {
        Exchange exchange = attempts.exchange;
        RouteMatch match = exchange.routeMatch();
        String query = TargetChoice.upstreamQuery(clientRequest, exchange);
        URI uri = URI.create(attempts.pool.upstream().url(target.target(), match.upstreamPath(), query));
        Request again = servlet.newAttemptRequest(clientRequest, attempts, uri);
        // The Host the first attempt carried is the next target's too when it is the client's or
        // the upstream's host-header; otherwise it named the first target, and Jetty names the next.
        boolean sameHost = match.route().preserveHost() || attempts.pool.upstream().hostHeader() != null;
        again.headers(headers ->
        {
            for (HttpField field : proxyRequest.getHeaders())
            {
                if (field.getHeader() != HttpHeader.HOST || sameHost)
                {
                    headers.add(field);
                }
            }
        });
        attempts.member = target;
        ReplayableBody body = attempts.body;
        if (body == null)
        {
            servlet.send(clientRequest, proxyResponse, again, attempts);
            return;
        }
        body.whenComplete(() ->
        {
            again.body(body.copy());
            servlet.send(clientRequest, proxyResponse, again, attempts);
        });
    }

    /** Aborts an attempt whose status the route retries; never reaches the client. */
    private static final class RetriedStatus extends Exception
    {
        private static final long serialVersionUID = 1L;

        RetriedStatus(int status)
        {
            super("status " + status + " retried", null, false, false);
        }
    }
}
