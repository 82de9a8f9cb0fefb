// Forwards a routed request to its upstream: Jetty's AsyncProxyServlet with Sluice's hooks.
package dev.sluice.proxy;

import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import dev.sluice.cache.CacheExchange;
import dev.sluice.cache.Refresher;
import dev.sluice.config.ConfigStore;
import dev.sluice.config.ProxySettings;
import dev.sluice.config.Settings;
import dev.sluice.exchange.Exchange;
import dev.sluice.exchange.Exchanges;
import dev.sluice.exchange.TraceContext;
import dev.sluice.http.Authority;
import dev.sluice.http.BodyWatchdog;
import dev.sluice.http.ErrorServlet;
import dev.sluice.http.HeaderNames;
import dev.sluice.http.ProblemType;
import dev.sluice.http.ProblemWriter;
import dev.sluice.http.RequestBodies;
import dev.sluice.http.WholeBodyWrite;
import dev.sluice.openapi.ApiValidation;
import dev.sluice.openapi.OpenApiSettings;
import dev.sluice.route.Route;
import dev.sluice.route.RouteMatch;
import dev.sluice.route.Timeouts;
import dev.sluice.transform.RequestBody;
import dev.sluice.transform.ResponseBody;
import dev.sluice.transform.RouteTransform;
import dev.sluice.upstream.Member;
import dev.sluice.upstream.Pool;
import dev.sluice.upstream.Pools;
import dev.sluice.upstream.RetryPolicy;
import dev.sluice.upstream.Upstream;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.client.AbstractConnectionPool;
import org.eclipse.jetty.client.AsyncRequestContent;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.ee10.proxy.AsyncProxyServlet;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The end of the filter chain for HTTP routes. {@code ExchangeFilter} has already matched the
 * route; this servlet only ever sends to that route's configured upstream, building the target
 * from the upstream's scheme, host and port and the path routing produced, never from the
 * client's request URL or {@code Host}. That, plus refusing {@code CONNECT} and ambiguous paths
 * in the filter, is what keeps Sluice from being an open proxy.
 *
 * <p>Built on {@link AsyncProxyServlet}, whose non-blocking servlet I/O streams bodies both ways
 * without holding a thread per slow client; see the closing note of the foundation issue for the
 * side-by-side measurement against the blocking {@code ProxyServlet}.</p>
 *
 * <p>Settings (from the properties file; see {@code conf/sluice.properties}):
 * {@code proxy.via}, {@code proxy.max-threads}, {@code proxy.max-connections-per-upstream},
 * {@code proxy.connect-timeout}, {@code proxy.idle-timeout}, {@code proxy.timeout}, and per
 * route {@code preserve-host} and the three timeouts.</p>
 */
public class SluiceProxyServlet extends AsyncProxyServlet
{
    /** Context attribute set to {@code true} once the servlet is ready to forward. */
    public static final String READY_ATTRIBUTE = SluiceProxyServlet.class.getName() + ".ready";
    private static final Logger LOG = LoggerFactory.getLogger(SluiceProxyServlet.class);
    private static final String BAD_TARGET_ATTRIBUTE = SluiceProxyServlet.class.getName() + ".badTarget";
    private static final String TARGET_ATTRIBUTE = SluiceProxyServlet.class.getName() + ".target";
    /**
     * A 502's or 413's detail more telling than the generic one (an untrusted certificate,
     * oversized headers, an unexpected answer; the size a body passed).
     */
    private static final String DETAIL_ATTRIBUTE = SluiceProxyServlet.class.getName() + ".failureDetail";
    private static final String NO_TARGET_ATTRIBUTE = SluiceProxyServlet.class.getName() + ".noTarget";
    private static final String ATTEMPTS_ATTRIBUTE = SluiceProxyServlet.class.getName() + ".attempts";
    private static final String FLUSH_ATTRIBUTE = SluiceProxyServlet.class.getName() + ".flush";
    private static final String BODY_ATTRIBUTE = SluiceProxyServlet.class.getName() + ".transformedBody";
    private static final String COPY_ATTRIBUTE = SluiceProxyServlet.class.getName() + ".responseCopy";
    private static final String GRPC_WEB_ATTRIBUTE = SluiceProxyServlet.class.getName() + ".grpcWeb";
    /** Whether a body that arrives whole can go straight to Jetty's output (see {@link WholeBodyWrite}). */
    private static final boolean WHOLE_BODY_WRITE = WholeBodyWrite.available();
    /** Jetty's fixed hop-by-hop set, for the classes that copy headers on this servlet's behalf. */
    static final Set<String> HOP_BY_HOP = HOP_HEADERS;


    private ConfigStore config;
    private UpstreamClients clients;
    private Pools pools;
    private Mirrors mirrors;
    private InFlight inFlight;
    private dev.sluice.ai.AiFront ai;
    /** WebSocket handshakes and the tunnels open, closed when Sluice stops (a tunnel has no end of its own to drain to). */
    private WebSocketHandshake websockets;
    /** Upstreams already named in the log for taking gRPC calls over HTTP/1.1: once each, not per call. */
    private final Set<String> grpcOverHttp11 = java.util.concurrent.ConcurrentHashMap.newKeySet();

    @Override
    public void init() throws ServletException
    {
        config = ConfigStore.of(getServletContext());
        super.init();
        pools = new Pools(() -> config.current().upstreams(), Clock.systemUTC(), new HealthProbe(clients), dev.sluice.observe.Metrics.of(getServletContext()));
        getServletContext().setAttribute(Pools.class.getName(), pools);
        getServletContext().setAttribute(Refresher.ATTRIBUTE, new BackgroundRefresh(pools, clients));
        mirrors = new Mirrors(pools, clients, dev.sluice.observe.Metrics.of(getServletContext()));
        getServletContext().setAttribute(READY_ATTRIBUTE, Boolean.TRUE);
        inFlight = new InFlight(clients.scheduler(), this::poolBusy);
        websockets = new WebSocketHandshake(clients.executor());
        inFlight.start();
        ai = new dev.sluice.ai.AiFront(clients.executor(), clients.scheduler(), dev.sluice.observe.Metrics.of(getServletContext()), this::bucketStore);
        getServletContext().setAttribute(dev.sluice.ai.AiFront.ATTRIBUTE, ai);
    }

    /** The rate limiter's store (its filter made it from the current configuration), which the AI front's token limits share. */
    private dev.sluice.ratelimit.BucketStore bucketStore()
    {
        if (getServletContext().getAttribute(dev.sluice.ratelimit.RateLimiter.ATTRIBUTE) instanceof java.util.function.Supplier<?> limiters
            && limiters.get() instanceof dev.sluice.ratelimit.RateLimiter limiter)
        {
            return limiter.store();
        }
        throw new IllegalStateException("The rate-limit filter is not installed: AI token limits need its store (see web.xml)");
    }

    @Override
    public void destroy()
    {
        getServletContext().removeAttribute(READY_ATTRIBUTE);
        if (inFlight != null)
        {
            // One drain-timeout for all: proxied exchanges first, then what is left of it for AI requests, then mirror copies.
            long deadline = System.nanoTime() + config.current().proxy().drainTimeout().toNanos();
            inFlight.drain(config.current().proxy().drainTimeout());
            if (ai != null)
            {
                ai.drain(java.time.Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
            }
            if (mirrors != null)
            {
                try
                {
                    mirrors.drain(java.time.Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
                }
                catch (InterruptedException x)
                {
                    Thread.currentThread().interrupt();
                }
            }
        }
        if (websockets != null)
        {
            websockets.closeAll();
        }
        getServletContext().removeAttribute(Pools.class.getName());
        getServletContext().removeAttribute(Refresher.ATTRIBUTE);
        getServletContext().removeAttribute(dev.sluice.ai.AiFront.ATTRIBUTE);
        if (ai != null)
        {
            ai.close();
        }
        if (pools != null)
        {
            pools.close();
        }
        if (clients != null)
        {
            clients.close();
        }
    }

    @Override
    protected void service(HttpServletRequest clientRequest, HttpServletResponse proxyResponse) throws ServletException, IOException
    {
        if (inFlight.stopping())
        {
            Exchange exchange = Exchange.of(clientRequest);
            if (exchange != null)
            {
                exchange.outcome(Exchange.Outcome.STOPPING);
            }
            InFlight.writeStopping(proxyResponse, exchange == null ? null : exchange.id());
            return;
        }
        Exchange exchange = Exchange.of(clientRequest);
        if (exchange == null || exchange.routeMatch() == null)
        {
            // Not through the exchange filter: Jetty's path ends in onProxyRewriteFailed, which says so.
            super.service(clientRequest, proxyResponse);
            return;
        }
        Route route = exchange.routeMatch().route();
        if (route.ai())
        {
            // AI routes end here too, after the same chain, but the AI front answers them.
            ai.service(clientRequest, proxyResponse, exchange);
            return;
        }
        if (route.answer() != null)
        {
            RouteAnswers.answer(clientRequest, proxyResponse, exchange);
            return;
        }
        clientRequest = BeforeUpstream.checked(clientRequest, proxyResponse, exchange);
        if (clientRequest == null)
        {
            return;
        }
        if (route.websocket() && WebSocketTunnel.requested(clientRequest))
        {
            tunnel(clientRequest, proxyResponse, exchange);
            return;
        }
        dev.sluice.http.GrpcWebType web = GrpcWeb.mode(clientRequest);
        if (web != null && exchange.settings().upstream(route.upstream()).http2())
        {
            clientRequest = BeforeUpstream.grpcWeb(clientRequest, proxyResponse, exchange, web);
            if (clientRequest == null)
            {
                return;
            }
            clientRequest.setAttribute(GRPC_WEB_ATTRIBUTE, new GrpcWeb.Answer(web));
        }
        else if (web == null && dev.sluice.http.GrpcResponse.of(proxyResponse) != null)
        {
            warnIfHttp11(exchange);
        }
        super.service(clientRequest, proxyResponse);
    }

    /**
     * gRPC servers take only HTTP/2; a gRPC call to an upstream without {@code http-version = 2}
     * fails there (a 502, UNAVAILABLE to the client) for a reason the client cannot see. Said once
     * per upstream, and the call still goes: an HTTP/1.1 server that takes gRPC may exist.
     */
    private void warnIfHttp11(Exchange exchange)
    {
        String name = exchange.routeMatch().route().upstream();
        Upstream upstream = name == null ? null : exchange.settings().upstream(name);
        if (upstream != null && !upstream.http2() && grpcOverHttp11.add(name))
        {
            LOG.warn("gRPC calls on route '{}' go to upstream '{}' over HTTP/1.1, which gRPC servers do not take; set upstream.{}.http-version = 2",
                exchange.routeMatch().route().name(), name, name);
        }
    }

    /**
     * A WebSocket upgrade on a route that takes them ({@link WebSocketHandshake}): one attempt on
     * a target chosen as for any request, with the same request fields, waited for on this
     * thread. Not retried: an upgrade is not idempotent to the application behind it.
     */
    private void tunnel(HttpServletRequest clientRequest, HttpServletResponse proxyResponse, Exchange exchange) throws IOException
    {
        if (websockets.refusedHere(clientRequest, proxyResponse, exchange, getServletContext()) || !websockets.admit(proxyResponse, exchange))
        {
            return;
        }
        boolean linked = false;
        try
        {
            String target = rewriteTarget(clientRequest);
            if (target == null)
            {
                onProxyRewriteFailed(clientRequest, proxyResponse);
                return;
            }
            Attempts attempts = (Attempts)clientRequest.getAttribute(ATTEMPTS_ATTRIBUTE);
            Request proxyRequest = newProxyRequest(clientRequest, target);
            copyRequestHeaders(clientRequest, proxyRequest);
            addProxyHeaders(clientRequest, proxyRequest);
            linked = websockets.open(clientRequest, proxyResponse, exchange, attempts, proxyRequest,
                getServletContext().getAttribute(Exchanges.ATTRIBUTE) instanceof Exchanges known ? known : null);
        }
        finally
        {
            if (!linked)
            {
                websockets.release();
            }
        }
    }

    /**
     * Whether the request waits because every connection to its target is in use, rather than
     * for a new connection still being opened (that wait belongs to the connect timeout: 504).
     */
    private boolean poolBusy(Attempts attempts, Request request)
    {
        HttpClient client = clients.forUpstream(attempts.exchange.routeMatch().route().timeouts().connect(), attempts.pool.upstream());
        return client.resolveDestination(request).getConnectionPool() instanceof AbstractConnectionPool pool
            && pool.getActiveConnectionCount() >= pool.getMaxConnectionCount();
    }

    /**
     * Creates the upstream clients from the start-time settings and returns the one for the
     * default connect timeout (Jetty keeps it as "the" client).
     */
    @Override
    protected HttpClient createHttpClient() throws ServletException
    {
        Settings settings = config.current();
        try
        {
            // Jetty publishes its thread pool to web applications under this name (its own
            // ProxyServlet uses it the same way); Tomcat publishes none.
            Object container = getServletContext().getAttribute("org.eclipse.jetty.server.Executor");
            clients = new UpstreamClients(settings.proxy(),
                settings.proxy().containerThreads() && container instanceof java.util.concurrent.Executor executor ? executor : null,
                settings.transport().server().maxRequestHeaderBytes());
        }
        catch (Exception x)
        {
            throw new ServletException("Cannot start the upstream HTTP client", x);
        }
        return clients.forConnectTimeout(settings.proxy().timeouts().connect());
    }

    /**
     * The upstream URI: the route's upstream plus the path routing produced and the client's raw
     * query, untouched. Returns null (answered by {@link #onProxyRewriteFailed}) when the request
     * did not come through the exchange filter or the query cannot form a valid URI.
     */
    @Override
    protected String rewriteTarget(HttpServletRequest clientRequest)
    {
        Exchange exchange = Exchange.of(clientRequest);
        if (exchange == null || exchange.routeMatch() == null)
        {
            return null;
        }
        RouteMatch match = exchange.routeMatch();
        String upstream = match.route().split() == null ? match.route().upstream() : TargetChoice.split(clientRequest, exchange, match.route());
        Pool pool = pools.pool(exchange.settings().upstreams(), upstream);
        RetryPolicy retry = match.route().retry();
        Attempts attempts = new Attempts(exchange, pool, retry, TargetChoice.hashKey(clientRequest, exchange, pool.upstream().pool()),
            retry.repeatable(clientRequest.getMethod(), clientRequest::getHeader));
        // Kept here too: a client gone mid-answer leaves a recycled request whose attributes are gone.
        attempts.cache = CacheExchange.of(clientRequest);
        if (pool.upstream().sticky() != null)
        {
            attempts.stickyCookie = dev.sluice.http.Cookies.value(clientRequest, pool.upstream().sticky().cookie());
        }
        Member member = pool.choose(attempts.hashKey, attempts.tried, attempts.stickyCookie);
        if (member == null)
        {
            clientRequest.setAttribute(NO_TARGET_ATTRIBUTE, pool);
            return null;
        }
        pool.requested();
        attempts.tried.add(member);
        clientRequest.setAttribute(ATTEMPTS_ATTRIBUTE, attempts);
        String query = TargetChoice.upstreamQuery(clientRequest, exchange);
        String target = pool.upstream().url(member.target(), match.upstreamPath(), query);
        try
        {
            // Parsed once here and reused by newProxyRequest.
            clientRequest.setAttribute(TARGET_ATTRIBUTE, URI.create(target));
        }
        catch (IllegalArgumentException x)
        {
            pool.finished(member, Pool.Result.NEUTRAL, -1);
            clientRequest.setAttribute(BAD_TARGET_ATTRIBUTE, Boolean.TRUE);
            return null;
        }
        attempts.member = member;
        attempts.mirrored = Mirrors.sampled(match.route());
        attempts.delayMillis = match.route().fault() == null ? 0 : match.route().fault().delayMillis();
        return target;
    }

    @Override
    protected void onProxyRewriteFailed(HttpServletRequest clientRequest, HttpServletResponse proxyResponse)
    {
        Exchange exchange = Exchange.of(clientRequest);
        if (exchange == null)
        {
            LOG.error("A request reached the proxy servlet without the exchange filter; check the filter mappings in web.xml");
            ProblemWriter.write(proxyResponse, ProblemType.INTERNAL, "Sluice is misconfigured.", null);
            return;
        }
        if (clientRequest.getAttribute(NO_TARGET_ATTRIBUTE) instanceof Pool pool)
        {
            CacheExchange cache = CacheExchange.of(clientRequest);
            if (cache != null && cache.mayServeStaleWhenUnreachable())
            {
                // No target to ask: the upstream is as unreachable as it gets.
                try
                {
                    LOG.warn("{} no healthy target of upstream '{}'; serving the stored response", exchange.id(), pool.upstream().name());
                    cache.serveStale(clientRequest, proxyResponse);
                    return;
                }
                catch (IOException x)
                {
                    LOG.debug("{} writing the stored response failed: {}", exchange.id(), x.toString());
                    return;
                }
            }
            exchange.outcome(Exchange.Outcome.NO_TARGET);
            proxyResponse.setHeader(HeaderNames.RETRY_AFTER, Long.toString(pool.retryAfter().toSeconds()));
            exchange.addBytesOut(ProblemWriter.write(proxyResponse, ProblemType.NO_TARGET,
                "No target of the upstream is healthy; try again later.", exchange.id(), exchange.traceId()));
            return;
        }
        exchange.outcome(Exchange.Outcome.BAD_REQUEST);
        String detail = clientRequest.getAttribute(BAD_TARGET_ATTRIBUTE) != null
            ? "The query string contains characters that must be percent-encoded."
            : "The request has no route.";
        exchange.addBytesOut(ProblemWriter.write(proxyResponse, ProblemType.BAD_REQUEST, detail, exchange.id(), exchange.traceId()));
    }

    @Override
    protected Request newProxyRequest(HttpServletRequest clientRequest, String rewrittenTarget)
    {
        Attempts attempts = (Attempts)clientRequest.getAttribute(ATTEMPTS_ATTRIBUTE);
        return newAttemptRequest(clientRequest, attempts, (URI)clientRequest.getAttribute(TARGET_ATTRIBUTE));
    }

    Request newAttemptRequest(HttpServletRequest clientRequest, Attempts attempts, URI target)
    {
        Route route = attempts.exchange.routeMatch().route();
        return clients.forUpstream(route.timeouts().connect(), attempts.pool.upstream())
            .newRequest(target)
            .method(clientRequest.getMethod())
            .attribute(CLIENT_REQUEST_ATTRIBUTE, clientRequest);
    }

    /**
     * Sluice answers {@code Expect: 100-continue} itself, as nginx and Envoy (by default) do: the
     * client gets its {@code 100 Continue} when Sluice starts reading the body to forward it, after
     * authentication, limits and guards, which answer without asking for it; the upstream gets the
     * body without the expectation ({@link UpstreamRequestHeaders} drops it). Jetty's servlet
     * forwarded it and read the body only after the upstream's own {@code 100}: an upstream that
     * ignores the field (HTTP/1.0 servers, many small ones) waited for a body Sluice never sent, and
     * the exchange hung until its idle timeout even when the client sent the body anyway.
     */
    @Override
    protected boolean expects100Continue(HttpServletRequest clientRequest)
    {
        return false;
    }

    /** Whether a body follows, HTTP/2's without a length included (Jetty's check misses those). */
    @Override
    protected boolean hasContent(HttpServletRequest clientRequest)
    {
        return RequestBodies.expected(clientRequest);
    }

    /**
     * A body small enough to keep ({@code proxy.retry.max-body}, known length) is read whole and
     * kept for retries, on routes that retry, for a resend on a new connection (a closed pooled
     * connection; an HTTP/2 upstream's unprocessed stream), and for the mirror's copy ({@code mirror.max-body})
     * when this request is copied; any other streams through as in Jetty's servlet.
     */
    @Override
    protected Request.Content proxyRequestContent(HttpServletRequest clientRequest, HttpServletResponse proxyResponse, Request proxyRequest) throws IOException
    {
        Attempts attempts = (Attempts)clientRequest.getAttribute(ATTEMPTS_ATTRIBUTE);
        long length = clientRequest.getContentLengthLong();
        ProxySettings proxy = attempts.exchange.settings().proxy();
        if (BodyWatchdog.enabled(proxy.requestBodyIdleTimeout(), proxy.requestBodyMinRate()))
        {
            attempts.bodyWatch = new BodyWatchdog(proxy.requestBodyIdleTimeout(), proxy.requestBodyMinRate(), System.nanoTime());
        }
        if (attempts.mirrored && !Mirrors.keepable(attempts.exchange.routeMatch().route(), length))
        {
            attempts.mirrored = false;
            mirrors.skipped(attempts.exchange, length < 0 ? "a body of unknown length" : "a body of " + length + " bytes, over mirror.max-body");
        }
        long buffering = attempts.pool.upstream().requestBuffering();
        if (length < 0 && buffering > 0 && !attempts.mirrored)
        {
            // An upstream that takes no chunked body: read it whole, then send it with its length
            // (sendFirst waits for it). The route's own limit holds if it is lower.
            long limit = attempts.exchange.bodyLimit();
            BodyAfterAnswer afterAnswer = new BodyAfterAnswer();
            attempts.afterAnswer = afterAnswer;
            attempts.buffered = true;
            attempts.body = ReplayableBody.upTo(clientRequest.getInputStream(), RequestBody.replaced(clientRequest),
                (int)(limit >= 0 ? Math.min(limit, buffering) : buffering), attempts.exchange, afterAnswer,
                failure -> bufferedBodyFailed(clientRequest, proxyResponse, failure));
            clientRequest.getInputStream().setReadListener(attempts.body);
            return untypedContent();
        }
        if (length > 0 && (attempts.mirrored || length <= attempts.exchange.settings().proxy().retryMaxBody()
            && ((attempts.policy.retries() > 0 && attempts.pool.members().size() > 1) || attempts.mayResendOnStaleConnection()
            || attempts.mayResendUnprocessed())))
        {
            AsyncRequestContent content = untypedContent();
            attempts.body = ReplayableBody.ofLength(clientRequest.getInputStream(), RequestBody.replaced(clientRequest), (int)length, attempts.exchange, content,
                failure -> onClientRequestFailure(clientRequest, attempts.current, proxyResponse, failure));
            clientRequest.getInputStream().setReadListener(attempts.body);
            return content;
        }
        attempts.streamed = true;
        // AsyncProxyServlet's own, but with a body that carries no type of its own.
        AsyncRequestContent content = untypedContent();
        clientRequest.getInputStream().setReadListener(newReadListener(clientRequest, proxyResponse, proxyRequest, content));
        return content;
    }

    /**
     * Content that leaves the request's type to the client's own {@code Content-Type}, copied with
     * its other headers: Jetty's client labels a body without one {@code application/octet-stream},
     * which would change what the API receives.
     */
    static AsyncRequestContent untypedContent()
    {
        return new AsyncRequestContent((String)null);
    }

    /**
     * Jetty's copy, then {@link UpstreamRequestHeaders}: what the client may not send and what
     * Sluice sets instead.
     */
    @Override
    protected void copyRequestHeaders(HttpServletRequest clientRequest, Request proxyRequest)
    {
        super.copyRequestHeaders(clientRequest, proxyRequest);
        Exchange exchange = Exchange.of(clientRequest);
        String host = Authority.of(clientRequest);
        CacheExchange cache = CacheExchange.of(clientRequest);
        Attempts attempts = (Attempts)clientRequest.getAttribute(ATTEMPTS_ATTRIBUTE);
        String upstreamHost = attempts == null ? null : attempts.pool.upstream().hostHeader();
        boolean trailers = clientRequest.getAttribute(GRPC_WEB_ATTRIBUTE) != null || clientRequest.getHeader("TE") != null && Trailers.acceptedBy(clientRequest);
        proxyRequest.headers(headers ->
        {
            UpstreamRequestHeaders.apply(exchange, host, upstreamHost, headers);
            if (trailers)
            {
                // Jetty dropped the client's TE (hop-by-hop); Sluice passes trailers on, so it may say so.
                headers.put(HttpHeader.TE, "trailers");
            }
            if (cache != null && cache.revalidating())
            {
                // Sluice validates its stored copy; the client's own conditions are answered against it.
                headers.remove(HttpHeader.IF_NONE_MATCH);
                headers.remove(HttpHeader.IF_MODIFIED_SINCE);
                cache.validators().forEach(validator -> headers.put(validator[0], validator[1]));
            }
        });
    }

    @Override
    protected void addProxyHeaders(HttpServletRequest clientRequest, Request proxyRequest)
    {
        proxyRequest.headers(headers -> UpstreamRequestHeaders.addForwarding(clientRequest, Exchange.of(clientRequest), headers));
    }

    @Override
    protected void sendProxyRequest(HttpServletRequest clientRequest, HttpServletResponse proxyResponse, Request proxyRequest)
    {
        Attempts attempts = (Attempts)clientRequest.getAttribute(ATTEMPTS_ATTRIBUTE);
        inFlight.track(attempts, clientRequest, proxyResponse);
        if (attempts.delayMillis > 0)
        {
            // fault.delay: the request (and its copy) go upstream later, no thread held meanwhile;
            // not at all when the exchange ended in the meantime (the client left, Sluice stopped).
            clients.scheduler().schedule(() ->
            {
                if (!attempts.exchange.closed())
                {
                    sendFirst(clientRequest, proxyResponse, proxyRequest, attempts);
                }
            }, attempts.delayMillis, TimeUnit.MILLISECONDS);
            return;
        }
        sendFirst(clientRequest, proxyResponse, proxyRequest, attempts);
    }

    /** The first attempt, and the mirror's copy when this request has one. */
    private void sendFirst(HttpServletRequest clientRequest, HttpServletResponse proxyResponse, Request proxyRequest, Attempts attempts)
    {
        if (attempts.buffered)
        {
            // request-buffering: the body goes once it is whole, with its length.
            attempts.buffered = false;
            ReplayableBody body = attempts.body;
            body.whenComplete(() ->
            {
                proxyRequest.body(body.copy());
                send(clientRequest, proxyResponse, proxyRequest, attempts);
            });
            return;
        }
        if (attempts.mirrored)
        {
            Pool mirror = pools.pool(attempts.exchange.settings().upstreams(), attempts.exchange.routeMatch().route().mirror().upstream());
            mirrors.send(attempts.exchange, proxyRequest, attempts.body, TargetChoice.hashKey(clientRequest, attempts.exchange, mirror.upstream().pool()));
        }
        send(clientRequest, proxyResponse, proxyRequest, attempts);
    }

    /** Sends one attempt; its listener decides whether the outcome goes to the client or to another attempt. */
    void send(HttpServletRequest clientRequest, HttpServletResponse proxyResponse, Request proxyRequest, Attempts attempts)
    {
        Exchange exchange = attempts.exchange;
        Timeouts timeouts = exchange.routeMatch().route().timeouts();
        proxyRequest.idleTimeout(timeouts.idle().toMillis(), TimeUnit.MILLISECONDS);
        // Zero means no limit on the whole exchange; Jetty reads a non-positive timeout the same way.
        long total = timeouts.total().toMillis();
        long deadline = dev.sluice.http.GrpcResponse.of(proxyResponse) == null ? -1
            : dev.sluice.http.GrpcResponse.timeoutNanos(clientRequest.getHeader("grpc-timeout"));
        if (deadline >= 0)
        {
            // A gRPC client's deadline bounds the call here too (Envoy's grpc_timeout_header_max):
            // what is left of it, counted from the request's arrival, so a retry does not start
            // the clock again. Past it the client has given up; the work would be wasted.
            long left = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - (System.nanoTime() - exchange.startNanos())));
            total = total > 0 ? Math.min(total, left) : left;
        }
        proxyRequest.timeout(total, TimeUnit.MILLISECONDS);
        UpstreamAttempt attempt = new UpstreamAttempt(this, clientRequest, proxyResponse, proxyRequest, attempts, attempts.member);
        attempts.current = proxyRequest;
        attempts.connected = false;
        attempts.sentNanos = System.nanoTime();
        proxyRequest.onRequestBegin(request -> attempts.connected = true);
        proxyRequest.onRequestCommit(request -> attempt.sent = true);
        proxyRequest.onResponseBegin(response -> exchange.upstreamResponded(System.nanoTime()));
        exchange.attempted(attempts.member.target().authority());
        if (exchange.spans() != null && exchange.trace() != null)
        {
            // Recorded: this attempt is a span of its own, and the upstream's parent.
            attempt.spanId = TraceContext.newSpanId();
            attempt.index = exchange.attempts() - 1;
            String traceparent = exchange.trace().upstreamTraceparent(attempt.spanId);
            proxyRequest.headers(headers -> headers.put(HeaderNames.TRACEPARENT, traceparent));
        }
        exchange.upstreamStarted(System.nanoTime());
        proxyRequest.send(attempt);
    }

    /** Jetty's own listener of the upstream's answer, which relays it to the client ({@link UpstreamAttempt} hands it what it forwards). */
    Response.Listener responseListener(HttpServletRequest clientRequest, HttpServletResponse proxyResponse)
    {
        return (Response.Listener)newProxyResponseListener(clientRequest, proxyResponse);
    }

    /** Sluice's own fields on an answer from the upstream (see {@link Attempts#addOwnFields}). */
    private static void addOwnFields(HttpServletRequest clientRequest, HttpServletResponse proxyResponse, Exchange exchange)
    {
        if (clientRequest.getAttribute(ATTEMPTS_ATTRIBUTE) instanceof Attempts attempts)
        {
            attempts.addOwnFields(proxyResponse, exchange.secure());
        }
    }

    /**
     * Copies the upstream's response headers verbatim, without the hop-by-hop set, those the
     * upstream named in its {@code Connection} header (Jetty drops only the fixed set) and the
     * upstream's request id, which would otherwise contradict Sluice's.
     */
    @Override
    protected void onServerResponseHeaders(HttpServletRequest clientRequest, HttpServletResponse proxyResponse, Response serverResponse)
    {
        UpstreamClients.keepAlive(serverResponse);
        if (serverResponse.getHeaders().get(HttpHeader.CONTENT_LENGTH) == null)
        {
            // A body of unknown length (an event stream, a chunked download) is flushed piece by
            // piece; the container's response buffer would otherwise hold it until it filled.
            clientRequest.setAttribute(FLUSH_ATTRIBUTE, Boolean.TRUE);
        }
        Exchange exchange = Exchange.of(clientRequest);
        OpenApiSettings.RouteApi api = exchange.settings().openapi().route(exchange.routeMatch().route().name());
        if (api != null && api.logResponses())
        {
            ApiValidation.ResponseCopy copy = ApiValidation.ResponseCopy.begin(api, clientRequest.getMethod(), exchange.routeMatch().upstreamPath(),
                serverResponse.getStatus(), serverResponse.getHeaders().get(HttpHeader.CONTENT_TYPE),
                serverResponse.getHeaders().get(HttpHeader.CONTENT_ENCODING));
            if (copy != null)
            {
                clientRequest.setAttribute(COPY_ATTRIBUTE, copy);
            }
        }
        // What decides which headers pass, read once per response rather than once per header.
        CacheExchange cache = CacheExchange.of(clientRequest);
        UpstreamResponseHeaders.Passing passing = new UpstreamResponseHeaders.Passing(serverResponse, exchange, cache != null);
        RouteTransform transform = exchange.settings().transform().route(exchange.routeMatch().route().name());
        if (transform != null)
        {
            ResponseBody body = TransformedAnswer.headers(clientRequest, proxyResponse, serverResponse, exchange, transform, passing);
            if (body != null)
            {
                clientRequest.setAttribute(BODY_ATTRIBUTE, body);
            }
            addOwnFields(clientRequest, proxyResponse, exchange);
            return;
        }
        LocationRewrite locations = UpstreamResponseHeaders.copy(clientRequest, proxyResponse, serverResponse, exchange, passing);
        addOwnFields(clientRequest, proxyResponse, exchange);
        if (cache != null)
        {
            cache.begin(serverResponse.getStatus(), UpstreamResponseHeaders.stored(serverResponse, exchange, locations), proxyResponse);
        }
        if (bodyOfUnknownLength(clientRequest, serverResponse))
        {
            if ("HTTP/1.1".equals(clientRequest.getProtocol()))
            {
                // Chunked even when the client asked to close the connection after it (Python's
                // urllib always does): Jetty would send it to the end of the connection instead,
                // and a body the upstream cut short would then look whole to the client (RFC 9112
                // §6.3); chunked, its missing last chunk shows. HTTP/1.0 clients cannot take chunks.
                proxyResponse.setHeader(HttpHeader.TRANSFER_ENCODING.asString(), "chunked");
            }
            if (Trailers.takenBy(clientRequest) && clientRequest.getAttribute(GRPC_WEB_ATTRIBUTE) == null)
            {
                Trailers.pass(proxyResponse, serverResponse, exchange.settings().proxy().hiddenResponseHeaders());
            }
        }
        if (clientRequest.getAttribute(GRPC_WEB_ATTRIBUTE) instanceof GrpcWeb.Answer web)
        {
            String type = serverResponse.getHeaders().get(HttpHeader.CONTENT_TYPE);
            if (type != null && type.regionMatches(true, 0, "application/grpc", 0, 16))
            {
                proxyResponse.setContentType(GrpcWeb.clientType(web.mode(), type));
                // A length the upstream declared counts its messages only: the trailer frame comes
                // on top (and base64 is longer still). The body goes as it arrives.
                proxyResponse.setHeader(HttpHeader.CONTENT_LENGTH.asString(), null);
                clientRequest.setAttribute(FLUSH_ATTRIBUTE, Boolean.TRUE);
            }
            else
            {
                // Not a gRPC answer (a 404 page, a proxy's error): passed on as it came.
                clientRequest.removeAttribute(GRPC_WEB_ATTRIBUTE);
            }
        }
    }

    /**
     * An answer with a body (not to HEAD, not 1xx, 204 or 304) whose length the upstream did not
     * declare: framed for the client as chunks or HTTP/2 DATA frames, which may end in trailers.
     */
    private static boolean bodyOfUnknownLength(HttpServletRequest clientRequest, Response serverResponse)
    {
        int status = serverResponse.getStatus();
        return status >= 200 && status != HttpServletResponse.SC_NO_CONTENT && status != HttpServletResponse.SC_NOT_MODIFIED
            && !"HEAD".equals(clientRequest.getMethod()) && !serverResponse.getHeaders().contains(HttpHeader.CONTENT_LENGTH);
    }

    @Override
    protected void onProxyResponseSuccess(HttpServletRequest clientRequest, HttpServletResponse proxyResponse, Response serverResponse)
    {
        dev.sluice.http.GrpcResponse grpc = dev.sluice.http.GrpcResponse.of(proxyResponse);
        if (grpc != null && serverResponse.getTrailers() != null)
        {
            grpc.trailerStatus(serverResponse.getTrailers().get("grpc-status"));
        }
        if (clientRequest.getAttribute(GRPC_WEB_ATTRIBUTE) instanceof GrpcWeb.Answer web)
        {
            // The trailers as the body's last frame (and a text answer's last base64), then the end.
            clientRequest.removeAttribute(GRPC_WEB_ATTRIBUTE);
            Exchange exchange = Exchange.of(clientRequest);
            byte[] end = web.end(Trailers.passing(serverResponse.getTrailers(), exchange.settings().proxy().hiddenResponseHeaders()));
            if (end.length > 0)
            {
                exchange.addBytesOut(end.length);
                super.onResponseContent(clientRequest, proxyResponse, serverResponse, end, 0, end.length, Callback.from(
                    () -> onProxyResponseSuccess(clientRequest, proxyResponse, serverResponse),
                    failure -> onProxyResponseFailure(clientRequest, proxyResponse, serverResponse, failure)));
                return;
            }
        }
        if (clientRequest.getAttribute(COPY_ATTRIBUTE) instanceof ApiValidation.ResponseCopy copy)
        {
            clientRequest.removeAttribute(COPY_ATTRIBUTE);
            copy.finish(Exchange.of(clientRequest).id());
        }
        if (clientRequest.getAttribute(BODY_ATTRIBUTE) instanceof ResponseBody body)
        {
            clientRequest.removeAttribute(BODY_ATTRIBUTE);
            TransformedAnswer.write(clientRequest, proxyResponse, Exchange.of(clientRequest), body, () -> ended(clientRequest, proxyResponse));
            return;
        }
        ended(clientRequest, proxyResponse);
    }

    /** The upstream's answer has all been passed on: stored if cached, and the exchange ended. */
    private void ended(HttpServletRequest clientRequest, HttpServletResponse proxyResponse)
    {
        CacheExchange cache = CacheExchange.of(clientRequest);
        if (cache != null)
        {
            cache.complete();
        }
        if (NotModifiedHead.needed(proxyResponse))
        {
            try
            {
                NotModifiedHead.send(clientRequest, proxyResponse, () -> end(clientRequest, proxyResponse, true));
                return;
            }
            catch (IOException | IllegalStateException x)
            {
                // No head of its own after all: Jetty's Content-Length: 0 rather than no answer.
                LOG.debug("{} sending a 304's head first failed: {}", Exchange.of(clientRequest).id(), x.toString());
            }
        }
        // Not Jetty's completion at once: an upstream may answer (a 413, a 401) before the
        // client has sent all of its body, which is then read and dropped (BodyAfterAnswer).
        end(clientRequest, proxyResponse, true);
    }

    /** Jetty's hook for one header; Sluice's own copy above asks {@link UpstreamResponseHeaders.Passing} directly. */
    @Override
    protected String filterServerResponseHeader(HttpServletRequest clientRequest, Response serverResponse, String headerName, String headerValue)
    {
        return UpstreamResponseHeaders.Passing.of(clientRequest, Exchange.of(clientRequest), serverResponse).passes(headerName.toLowerCase(Locale.ROOT)) ? headerValue : null;
    }

    @Override
    protected void onResponseContent(HttpServletRequest clientRequest, HttpServletResponse proxyResponse, Response serverResponse,
                                     byte[] buffer, int offset, int length, Callback upstreamCallback)
    {
        if (clientRequest.getAttribute(GRPC_WEB_ATTRIBUTE) instanceof GrpcWeb.Answer web && web.mode().text())
        {
            // A gRPC-Web text answer: the piece as base64 (bytes short of a group of three wait for the next).
            byte[] encoded = web.piece(buffer, offset, length);
            if (encoded.length == 0)
            {
                upstreamCallback.succeeded();
                return;
            }
            relay(clientRequest, proxyResponse, serverResponse, encoded, 0, encoded.length, upstreamCallback);
            return;
        }
        relay(clientRequest, proxyResponse, serverResponse, buffer, offset, length, upstreamCallback);
    }

    /** A piece of the answer on its way to the client: a transform, validation or the cache may keep a copy. */
    private void relay(HttpServletRequest clientRequest, HttpServletResponse proxyResponse, Response serverResponse,
                       byte[] buffer, int offset, int length, Callback upstreamCallback)
    {
        Exchange exchange = Exchange.of(clientRequest);
        // A piece that cannot be written to the client fails there, not at the upstream.
        Callback callback = new ClientWrite(exchange, upstreamCallback);
        if (clientRequest.getAttribute(COPY_ATTRIBUTE) instanceof ApiValidation.ResponseCopy copy)
        {
            copy.add(buffer, offset, length);
        }
        if (clientRequest.getAttribute(BODY_ATTRIBUTE) instanceof ResponseBody body)
        {
            if (body.add(buffer, offset, length))
            {
                callback.succeeded();
                return;
            }
            // Larger than the route transforms: what was held, then the rest, as the upstream sent it.
            clientRequest.removeAttribute(BODY_ATTRIBUTE);
            byte[] kept = body.kept();
            exchange.addBytesOut(kept.length);
            super.onResponseContent(clientRequest, proxyResponse, serverResponse, kept, 0, kept.length, Callback.from(
                () -> relay(clientRequest, proxyResponse, serverResponse, buffer, offset, length, upstreamCallback), callback::failed));
            return;
        }
        exchange.addBytesOut(length);
        CacheExchange cache = CacheExchange.of(clientRequest);
        if (cache != null)
        {
            cache.content(buffer, offset, length);
            if (cache.captured() == serverResponse.getHeaders().getLongField(HttpHeader.CONTENT_LENGTH))
            {
                // The declared length has all arrived: stored now, before the client has the last
                // bytes, so the same request repeated the moment the answer arrives is a hit.
                cache.complete();
            }
        }
        if (WHOLE_BODY_WRITE && sentWhole(clientRequest, proxyResponse, serverResponse, buffer, offset, length, callback))
        {
            return;
        }
        super.onResponseContent(clientRequest, proxyResponse, serverResponse, buffer, offset, length, callback);
    }

    /**
     * A body whose declared length arrived in this one piece (most small answers) is sent and the
     * response ended without a WriteListener: no hand-off to another thread. A piece equal to the
     * whole Content-Length can only be the first, so nothing has been written before it.
     */
    private static boolean sentWhole(HttpServletRequest clientRequest, HttpServletResponse proxyResponse, Response serverResponse, byte[] buffer,
                                     int offset, int length, Callback callback)
    {
        if (length == 0 || proxyResponse.isCommitted() || serverResponse.getHeaders().getLongField(HttpHeader.CONTENT_LENGTH) != length
            || clientRequest.getAttribute(GRPC_WEB_ATTRIBUTE) != null)
        {
            // (A gRPC-Web answer is not whole yet: its trailer frame follows.)
            return false;
        }
        try
        {
            return WholeBodyWrite.send(proxyResponse.getOutputStream(), buffer, offset, length, callback);
        }
        catch (IOException | IllegalStateException x)
        {
            // No output stream to be had (the response went to a writer): Jetty's path decides.
            return false;
        }
    }

    @Override
    protected ReadListener newReadListener(HttpServletRequest clientRequest, HttpServletResponse proxyResponse, Request proxyRequest, AsyncRequestContent content)
    {
        return new CountingReader(clientRequest, proxyResponse, proxyRequest, content);
    }

    /**
     * Reading the client's body failed: the client went away, timed out or sent a malformed
     * body. The upstream request is aborted; nothing is written to a client that is gone.
     */
    @Override
    protected void onClientRequestFailure(HttpServletRequest clientRequest, Request proxyRequest, HttpServletResponse proxyResponse, Throwable failure)
    {
        Exchange exchange = Exchange.of(clientRequest);
        exchange.outcome(Exchange.Outcome.CLIENT_BODY_FAILED);
        clientStatus(clientRequest, clientRequestStatus(failure));
        tooLargeDetail(clientRequest, failure);
        LOG.debug("{} client request failed: {}", exchange.id(), failure.toString());
        super.onClientRequestFailure(clientRequest, proxyRequest, proxyResponse, failure);
    }

    /**
     * A body being read whole for {@code request-buffering} failed (too large, malformed, the
     * client gone) before anything went upstream: there is no upstream request to abort, whose
     * abort Jetty's failure path waits on, so the client is answered here.
     */
    private void bufferedBodyFailed(HttpServletRequest clientRequest, HttpServletResponse proxyResponse, Throwable failure)
    {
        Exchange exchange = Exchange.of(clientRequest);
        exchange.outcome(Exchange.Outcome.CLIENT_BODY_FAILED);
        int status = clientRequestStatus(failure);
        clientStatus(clientRequest, status);
        tooLargeDetail(clientRequest, failure);
        LOG.debug("{} client request failed while its body was read whole: {}", exchange.id(), failure.toString());
        sendProxyResponseError(clientRequest, proxyResponse, status);
    }

    /** Records the status a client-side failure is answered with (400, or 408 for a timeout). */
    private static void clientStatus(HttpServletRequest clientRequest, int status)
    {
        if (clientRequest.getAttribute(ATTEMPTS_ATTRIBUTE) instanceof Attempts attempts)
        {
            attempts.clientStatus = status;
        }
    }

    @Override
    protected int clientRequestStatus(Throwable failure)
    {
        if (failure instanceof BodyTooLarge)
        {
            return 413;
        }
        return UpstreamFailure.isTimeout(failure) ? 408 : 400;
    }

    /** The 413's detail says which size a body of unknown length passed, as the guard's does for a declared length. */
    private static void tooLargeDetail(HttpServletRequest clientRequest, Throwable failure)
    {
        if (failure instanceof BodyTooLarge tooLarge)
        {
            clientRequest.setAttribute(DETAIL_ATTRIBUTE, "The request body is larger than the " + tooLarge.limit + " bytes this route accepts.");
        }
    }

    /** A request body past {@code route.<name>.guard.max-body} (or {@code guard.max-body}), or an upstream's {@code request-buffering}. */
    static final class BodyTooLarge extends IOException
    {
        final long limit;

        BodyTooLarge(long limit)
        {
            super("request body larger than " + limit + " bytes", null);
            this.limit = limit;
        }
    }

    /**
     * 504 for every kind of upstream timeout, connecting included (as nginx answers), else 502.
     */
    @Override
    protected int proxyResponseStatus(Throwable failure)
    {
        return UpstreamFailure.status(failure);
    }

    @Override
    protected void onProxyResponseFailure(HttpServletRequest clientRequest, HttpServletResponse proxyResponse, Response serverResponse, Throwable failure)
    {
        CacheExchange cache = CacheExchange.of(clientRequest);
        if (cache != null)
        {
            cache.abandon();
        }
        Exchange exchange = Exchange.of(clientRequest);
        if (UpstreamFailure.requestHeadTooLarge(failure))
        {
            exchange.outcome(Exchange.Outcome.BAD_REQUEST);
            LOG.debug("{} request head too large to send upstream", exchange.id());
        }
        else if (!exchange.outcome().clientSide())
        {
            exchange.outcome(UpstreamFailure.outcome(failure, proxyResponse.isCommitted()));
            String detail = UpstreamFailure.badGatewayDetail(failure);
            if (detail != null)
            {
                clientRequest.setAttribute(DETAIL_ATTRIBUTE, detail);
            }
            LOG.warn("{} upstream '{}' failed: {}", exchange.id(), exchange.upstream(), UpstreamFailure.describe(failure));
        }
        UpstreamResponseHeaders.withdraw(clientRequest, proxyResponse, serverResponse);
        super.onProxyResponseFailure(clientRequest, proxyResponse, serverResponse, failure);
    }

    /**
     * Answers a failed exchange with problem+json: 502 when the upstream refused, reset or sent
     * garbage, 504 when it timed out, 400/408 when the client's body failed. Once the response is
     * committed nothing can be said; the connection is aborted so the client sees a truncated
     * response, not a clean end. A client that is gone gets nothing.
     */
    @Override
    protected void sendProxyResponseError(HttpServletRequest clientRequest, HttpServletResponse proxyResponse, int status)
    {
        Exchange exchange = Exchange.of(clientRequest);
        boolean answered = false;
        try
        {
            if (proxyResponse.isCommitted())
            {
                int sent = proxyResponse.getStatus();
                if (abort(proxyResponse))
                {
                    // Jetty ends an aborted request without telling its AsyncListeners and
                    // recycles it at once (as for a client gone, UpstreamAttempt.clientAborted): the
                    // exchange was never logged, stayed in flight, and a graceful stop waited out
                    // its timeout for it. Closed here with what the client was sent.
                    if (getServletContext().getAttribute(dev.sluice.exchange.Exchanges.ATTRIBUTE) instanceof dev.sluice.exchange.Exchanges exchanges)
                    {
                        exchanges.close(exchange, sent);
                    }
                }
                else if (clientRequest.isAsyncStarted())
                {
                    // Not Jetty: hand the request to a servlet that fails, which makes the
                    // container drop the connection instead of ending the body cleanly.
                    clientRequest.setAttribute(ErrorServlet.ABORT_ATTRIBUTE, Boolean.TRUE);
                    clientRequest.getAsyncContext().dispatch(ErrorServlet.PATH);
                    return;
                }
            }
            else
            {
                if (exchange.outcome().clientSide() && status >= 500)
                {
                    // The upstream exchange failed because the client's body did; if anyone is
                    // still listening, that is their request's fault.
                    Attempts attempts = (Attempts)clientRequest.getAttribute(ATTEMPTS_ATTRIBUTE);
                    status = attempts != null && attempts.clientStatus > 0 ? attempts.clientStatus : 400;
                }
                if (exchange.outcome() == Exchange.Outcome.STOPPING)
                {
                    exchange.addBytesOut(InFlight.writeStopping(proxyResponse, exchange.id()));
                    return;
                }
                if (status == 503)
                {
                    // Only a saturated connection pool ends here with 503: it clears in moments.
                    proxyResponse.setHeader(HeaderNames.RETRY_AFTER, "1");
                }
                if (hasContent(clientRequest) && clientRequest.getProtocol().startsWith("HTTP/1"))
                {
                    // The request body may not have been read to its end: do not reuse the connection.
                    proxyResponse.setHeader(HttpHeader.CONNECTION.asString(), "close");
                }
                String detail = (status == 502 || status == 413) && clientRequest.getAttribute(DETAIL_ATTRIBUTE) instanceof String specific
                    ? specific
                    : UpstreamFailure.detail(status);
                exchange.addBytesOut(ProblemWriter.write(proxyResponse, status == 503 ? ProblemType.UPSTREAM_SATURATED : ProblemType.forStatus(status), detail, exchange.id(), exchange.traceId()));
                answered = true;
            }
        }
        finally
        {
            end(clientRequest, proxyResponse, answered);
        }
    }

    /** Completes the asynchronous cycle, once the client's body has ended if the client is still sending one. */
    private void end(HttpServletRequest clientRequest, HttpServletResponse proxyResponse, boolean answered)
    {
        AsyncContext async;
        try
        {
            if (!clientRequest.isAsyncStarted())
            {
                return;
            }
            async = clientRequest.getAsyncContext();
        }
        catch (IllegalStateException alreadyEnded)
        {
            // The container ended the cycle in between (a client gone, an abort): nothing to complete.
            return;
        }
        BodyAfterAnswer afterAnswer = clientRequest.getAttribute(ATTEMPTS_ATTRIBUTE) instanceof Attempts attempts ? attempts.afterAnswer : null;
        if (answered && afterAnswer != null)
        {
            if (!afterAnswer.bodyHasEnded())
            {
                // The answer ends now (a chunked one's last chunk goes out), not when the body does.
                try
                {
                    proxyResponse.getOutputStream().close();
                }
                catch (IOException | IllegalStateException x)
                {
                    LOG.debug("{} ending the answer before the body failed: {}", Exchange.of(clientRequest).id(), x.toString());
                }
            }
            afterAnswer.answered(async, clients.scheduler());
        }
        else
        {
            async.complete();
        }
    }

    /**
     * Jetty aborts the connection for {@code sendError(-1)}; other containers refuse it.
     */
    private static boolean abort(HttpServletResponse proxyResponse)
    {
        try
        {
            proxyResponse.sendError(-1);
            return true;
        }
        catch (IOException | RuntimeException x)
        {
            LOG.trace("abort refused", x);
            return false;
        }
    }

    @Override
    protected StreamWriter newWriteListener(HttpServletRequest clientRequest, Response serverResponse)
    {
        return new FlushingWriter(clientRequest, serverResponse);
    }

    /**
     * Jetty's writer, plus a flush after each piece when the body's length is unknown: a
     * streamed response (text/event-stream, chunked downloads) reaches the client as the
     * upstream sends it instead of waiting in the container's buffer. The flush is
     * non-blocking: when it cannot finish at once, the piece completes on the next
     * onWritePossible.
     */
    private final class FlushingWriter extends StreamWriter
    {
        private final HttpServletRequest clientRequest;
        private byte[] buffer;
        private int offset;
        private int length;
        private Callback callback;
        private boolean pending;

        FlushingWriter(HttpServletRequest clientRequest, Response serverResponse)
        {
            super(clientRequest, serverResponse);
            this.clientRequest = clientRequest;
        }

        @Override
        protected void data(byte[] bytes, int offset, int length, Callback callback)
        {
            if (this.callback != null)
            {
                throw new java.nio.channels.WritePendingException();
            }
            this.buffer = bytes;
            this.offset = offset;
            this.length = length;
            this.callback = callback;
            this.pending = false;
        }

        @Override
        public void onWritePossible() throws IOException
        {
            if (callback == null)
            {
                return;
            }
            jakarta.servlet.ServletOutputStream output = clientRequest.getAsyncContext().getResponse().getOutputStream();
            if (!pending)
            {
                output.write(buffer, offset, length);
                pending = true;
                if (!output.isReady())
                {
                    return;
                }
                if (clientRequest.getAttribute(FLUSH_ATTRIBUTE) != null)
                {
                    output.flush();
                    if (!output.isReady())
                    {
                        return;
                    }
                }
            }
            complete();
        }

        @Override
        protected void complete()
        {
            Callback done = callback;
            buffer = null;
            callback = null;
            pending = false;
            done.succeeded();
        }

        /** The client's connection failed under a write: Jetty aborts the upstream response, not the target's doing. */
        @Override
        public void onError(Throwable failure)
        {
            ClientWrite.clientGone(Exchange.of(clientRequest));
            super.onError(failure);
        }
    }

    /** Counts the request body on its way upstream, for the access log. */
    private class CountingReader extends StreamReader
    {
        private final Exchange exchange;
        private final HttpServletRequest clientRequest;
        private final BodyAfterAnswer afterAnswer;
        private final HttpServletResponse proxyResponse;
        private volatile boolean upstreamFailed;
        /** The body passed the route's limit: the rest is dropped. */
        private boolean tooLarge;

        CountingReader(HttpServletRequest clientRequest, HttpServletResponse proxyResponse, Request proxyRequest, AsyncRequestContent content)
        {
            super(clientRequest, proxyResponse, proxyRequest, content);
            this.exchange = Exchange.of(clientRequest);
            this.clientRequest = clientRequest;
            this.proxyResponse = proxyResponse;
            // Made only by proxyRequestContent, after service put the attempts in place.
            this.afterAnswer = new BodyAfterAnswer();
            ((Attempts)clientRequest.getAttribute(ATTEMPTS_ATTRIBUTE)).afterAnswer = afterAnswer;
        }

        @Override
        protected void onRequestContent(HttpServletRequest clientRequest, Request proxyRequest, AsyncRequestContent content,
                                        byte[] buffer, int offset, int length, Callback callback)
        {
            exchange.addBytesIn(length);
            if (tooLarge)
            {
                afterAnswer.dropped();
                callback.succeeded();
                return;
            }
            long limit = exchange.bodyLimit();
            if (limit >= 0 && exchange.bytesIn() > limit)
            {
                // A body of unknown length grew past the route's guard: answered 413, and the rest
                // is read and dropped, so a client still sending gets it (BodyAfterAnswer).
                tooLarge = true;
                onClientRequestFailure(clientRequest, proxyRequest, proxyResponse, new BodyTooLarge(limit));
                afterAnswer.dropped();
                callback.succeeded();
                return;
            }
            // A piece that cannot go upstream failed with the upstream request (refused, reset,
            // timed out), which took its content with it: the upstream's failure, which the
            // response listener answers (502, 504), not the client's.
            super.onRequestContent(clientRequest, proxyRequest, content, buffer, offset, length, Callback.from(callback.getInvocationType(), callback::succeeded, failure ->
            {
                upstreamFailed = true;
                // Read on and drop, so the 502 or 504 reaches the client (BodyAfterAnswer).
                afterAnswer.dropped();
                callback.succeeded();
            }));
        }

        @Override
        public void onAllDataRead()
        {
            exchange.requestBodyRead(true);
            super.onAllDataRead();
            afterAnswer.bodyEnded();
        }

        @Override
        protected Action process() throws Exception
        {
            Action action = super.process();
            if (action == Action.SUCCEEDED && RequestBody.replaced(clientRequest))
            {
                // A transformed body is Sluice's own stream: no container says when it ended.
                onAllDataRead();
            }
            return action;
        }

        /**
         * Reading the client's body failed (malformed chunking, the client went away, too slow).
         * Jetty's reader only fails the upstream request's content, which then looks like an
         * upstream failure; the exchange is marked as the client's first, so the target is not
         * blamed, nothing is retried and the client (if still there) gets 400 or 408.
         */
        @Override
        public void onError(Throwable failure)
        {
            afterAnswer.bodyEnded();
            if (upstreamFailed)
            {
                LOG.debug("{} the upstream request failed while its body was being sent: {}", exchange.id(), failure.toString());
                return;
            }
            exchange.outcome(Exchange.Outcome.CLIENT_BODY_FAILED);
            clientStatus(clientRequest, clientRequestStatus(failure));
            LOG.debug("{} client request body failed: {}", exchange.id(), failure.toString());
            super.onError(failure);
        }
    }
}
