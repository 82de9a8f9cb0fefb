// Forwards a routed request to its upstream: Jetty's AsyncProxyServlet with Sluice's hooks.
package dev.sluice.proxy;

import java.io.IOException;
import java.net.URI;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import dev.sluice.config.ConfigStore;
import dev.sluice.config.Settings;
import dev.sluice.exchange.Exchange;
import dev.sluice.http.ErrorServlet;
import dev.sluice.http.HeaderNames;
import dev.sluice.http.ProblemType;
import dev.sluice.http.ProblemWriter;
import dev.sluice.http.QueryString;
import dev.sluice.route.Route;
import dev.sluice.route.RouteMatch;
import dev.sluice.route.Timeouts;
import dev.sluice.upstream.Upstream;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.client.AsyncRequestContent;
import org.eclipse.jetty.client.ContinueProtocolHandler;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.ee10.proxy.AsyncProxyServlet;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
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
    private static final String UNTRUSTED_ATTRIBUTE = SluiceProxyServlet.class.getName() + ".untrusted";
    private static final String CONNECTION_TOKENS_ATTRIBUTE = SluiceProxyServlet.class.getName() + ".connectionTokens";

    private ConfigStore config;
    private UpstreamClients clients;

    @Override
    public void init() throws ServletException
    {
        config = ConfigStore.of(getServletContext());
        super.init();
        getServletContext().setAttribute(READY_ATTRIBUTE, Boolean.TRUE);
    }

    @Override
    public void destroy()
    {
        getServletContext().removeAttribute(READY_ATTRIBUTE);
        if (clients != null)
        {
            clients.close();
        }
    }

    /**
     * Creates the upstream clients from the start-time settings and returns the one for the
     * default connect timeout (Jetty keeps it as "the" client, used for 100-continue hand-off).
     */
    @Override
    protected HttpClient createHttpClient() throws ServletException
    {
        Settings settings = config.current();
        try
        {
            clients = new UpstreamClients(settings.proxy(), ContinueHandler::new);
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
        Upstream upstream = exchange.settings().upstream(match.route().upstream());
        String query = QueryString.without(clientRequest.getQueryString(), exchange.hiddenQueryParameters());
        String target = upstream.target(match.upstreamPath(), query);
        try
        {
            // Parsed once here and reused by newProxyRequest.
            clientRequest.setAttribute(TARGET_ATTRIBUTE, URI.create(target));
        }
        catch (IllegalArgumentException x)
        {
            clientRequest.setAttribute(BAD_TARGET_ATTRIBUTE, Boolean.TRUE);
            return null;
        }
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
        exchange.outcome(Exchange.Outcome.BAD_REQUEST);
        String detail = clientRequest.getAttribute(BAD_TARGET_ATTRIBUTE) != null
            ? "The query string contains characters that must be percent-encoded."
            : "The request has no route.";
        exchange.addBytesOut(ProblemWriter.write(proxyResponse, ProblemType.BAD_REQUEST, detail, exchange.id()));
    }

    @Override
    protected Request newProxyRequest(HttpServletRequest clientRequest, String rewrittenTarget)
    {
        Exchange exchange = Exchange.of(clientRequest);
        Route route = exchange.routeMatch().route();
        Upstream upstream = exchange.settings().upstream(route.upstream());
        return clients.forUpstream(route.timeouts().connect(), upstream.tls())
            .newRequest((URI)clientRequest.getAttribute(TARGET_ATTRIBUTE))
            .method(clientRequest.getMethod())
            .attribute(CLIENT_REQUEST_ATTRIBUTE, clientRequest);
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
        String host = clientRequest.getHeader(HeaderNames.HOST);
        proxyRequest.headers(headers -> UpstreamRequestHeaders.apply(exchange, host, headers));
    }

    @Override
    protected void addProxyHeaders(HttpServletRequest clientRequest, Request proxyRequest)
    {
        Exchange exchange = Exchange.of(clientRequest);
        Settings settings = exchange.settings();
        ForwardingHeaders forwarding = ForwardingHeaders.of(new ForwardingHeaders.Incoming(
            exchange.trustedPeer(),
            clientRequest.getRemoteAddr(),
            clientRequest.getScheme(),
            clientRequest.getHeader(HeaderNames.HOST),
            clientRequest.getLocalPort(),
            values(clientRequest, HeaderNames.X_FORWARDED_FOR),
            clientRequest.getHeader(HeaderNames.X_FORWARDED_PROTO),
            clientRequest.getHeader(HeaderNames.X_FORWARDED_HOST),
            clientRequest.getHeader(HeaderNames.X_FORWARDED_PORT),
            values(clientRequest, HeaderNames.FORWARDED)));
        String via = settings.proxy().via();
        String incomingVia = String.join(", ", values(clientRequest, HeaderNames.VIA));
        proxyRequest.headers(headers ->
        {
            headers.put(HeaderNames.X_FORWARDED_FOR, forwarding.forwardedFor());
            headers.put(HeaderNames.X_FORWARDED_PROTO, forwarding.forwardedProto());
            if (forwarding.forwardedHost() != null)
            {
                headers.put(HeaderNames.X_FORWARDED_HOST, forwarding.forwardedHost());
            }
            headers.put(HeaderNames.X_FORWARDED_PORT, forwarding.forwardedPort());
            headers.put(HeaderNames.FORWARDED, forwarding.forwarded());
            // The one address upstreams can use as is: already resolved through trusted proxies.
            headers.put(HeaderNames.X_REAL_IP, exchange.clientAddress());
            if (via != null)
            {
                headers.put(HeaderNames.VIA, ForwardingHeaders.via(incomingVia, clientRequest.getProtocol(), via));
            }
            else if (!incomingVia.isEmpty())
            {
                headers.put(HeaderNames.VIA, incomingVia);
            }
        });
    }

    private static List<String> values(HttpServletRequest request, String name)
    {
        return Collections.list(request.getHeaders(name));
    }

    @Override
    protected void sendProxyRequest(HttpServletRequest clientRequest, HttpServletResponse proxyResponse, Request proxyRequest)
    {
        Exchange exchange = Exchange.of(clientRequest);
        Timeouts timeouts = exchange.routeMatch().route().timeouts();
        proxyRequest.idleTimeout(timeouts.idle().toMillis(), TimeUnit.MILLISECONDS);
        // Zero means no limit on the whole exchange; Jetty reads a non-positive timeout the same way.
        proxyRequest.timeout(timeouts.total().toMillis(), TimeUnit.MILLISECONDS);
        proxyRequest.onResponseBegin(response -> exchange.upstreamResponded(System.nanoTime()));
        exchange.upstreamStarted(System.nanoTime());
        super.sendProxyRequest(clientRequest, proxyResponse, proxyRequest);
    }

    /**
     * Drops response headers the upstream named in its {@code Connection} header (Jetty drops
     * only the fixed hop-by-hop set on responses) and the upstream's request id, which would
     * otherwise contradict Sluice's.
     */
    @Override
    protected void onServerResponseHeaders(HttpServletRequest clientRequest, HttpServletResponse proxyResponse, Response serverResponse)
    {
        // Read the upstream's Connection header once, not once per header.
        clientRequest.setAttribute(CONNECTION_TOKENS_ATTRIBUTE, connectionTokens(serverResponse));
        super.onServerResponseHeaders(clientRequest, proxyResponse, serverResponse);
    }

    @Override
    protected String filterServerResponseHeader(HttpServletRequest clientRequest, Response serverResponse, String headerName, String headerValue)
    {
        String lower = headerName.toLowerCase(Locale.ROOT);
        Object tokens = clientRequest.getAttribute(CONNECTION_TOKENS_ATTRIBUTE);
        if (lower.equals("x-request-id") || (tokens instanceof Set<?> set && set.contains(lower)))
        {
            return null;
        }
        return headerValue;
    }

    private static Set<String> connectionTokens(Response serverResponse)
    {
        Set<String> tokens = null;
        for (HttpField field : serverResponse.getHeaders())
        {
            if (field.getHeader() == HttpHeader.CONNECTION)
            {
                for (String token : field.getValues())
                {
                    if (tokens == null)
                    {
                        tokens = new HashSet<>();
                    }
                    tokens.add(token.trim().toLowerCase(Locale.ROOT));
                }
            }
        }
        return tokens == null ? Set.of() : tokens;
    }

    @Override
    protected void onResponseContent(HttpServletRequest clientRequest, HttpServletResponse proxyResponse, Response serverResponse,
                                     byte[] buffer, int offset, int length, Callback callback)
    {
        Exchange.of(clientRequest).addBytesOut(length);
        super.onResponseContent(clientRequest, proxyResponse, serverResponse, buffer, offset, length, callback);
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
        exchange.outcome(Exchange.Outcome.CLIENT_ABORTED);
        LOG.debug("{} client request failed: {}", exchange.id(), failure.toString());
        super.onClientRequestFailure(clientRequest, proxyRequest, proxyResponse, failure);
    }

    @Override
    protected int clientRequestStatus(Throwable failure)
    {
        return UpstreamFailure.isTimeout(failure) ? 408 : 400;
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
        Exchange exchange = Exchange.of(clientRequest);
        if (exchange.outcome() != Exchange.Outcome.CLIENT_ABORTED)
        {
            exchange.outcome(UpstreamFailure.outcome(failure, proxyResponse.isCommitted()));
            if (UpstreamFailure.untrustedCertificate(failure))
            {
                clientRequest.setAttribute(UNTRUSTED_ATTRIBUTE, Boolean.TRUE);
            }
            LOG.warn("{} upstream '{}' failed: {}", exchange.id(), exchange.routeMatch().route().upstream(), UpstreamFailure.describe(failure));
        }
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
        try
        {
            if (proxyResponse.isCommitted())
            {
                if (!abort(proxyResponse) && clientRequest.isAsyncStarted())
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
                if (exchange.outcome() == Exchange.Outcome.CLIENT_ABORTED && status >= 500)
                {
                    // The upstream exchange failed because the client's body did; if anyone is
                    // still listening, that is their request's fault.
                    status = 400;
                }
                if (hasContent(clientRequest))
                {
                    // The request body may not have been read to its end: do not reuse the connection.
                    proxyResponse.setHeader(HttpHeader.CONNECTION.asString(), "close");
                }
                String detail = clientRequest.getAttribute(UNTRUSTED_ATTRIBUTE) != null && status == 502
                    ? UpstreamFailure.UNTRUSTED_DETAIL
                    : UpstreamFailure.detail(status);
                exchange.addBytesOut(ProblemWriter.write(proxyResponse, ProblemType.forStatus(status), detail, exchange.id()));
            }
        }
        finally
        {
            if (clientRequest.isAsyncStarted())
            {
                clientRequest.getAsyncContext().complete();
            }
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

    /** Counts the request body on its way upstream, for the access log. */
    private class CountingReader extends StreamReader
    {
        private final Exchange exchange;

        CountingReader(HttpServletRequest clientRequest, HttpServletResponse proxyResponse, Request proxyRequest, AsyncRequestContent content)
        {
            super(clientRequest, proxyResponse, proxyRequest, content);
            this.exchange = Exchange.of(clientRequest);
        }

        @Override
        protected void onRequestContent(HttpServletRequest clientRequest, Request proxyRequest, AsyncRequestContent content,
                                        byte[] buffer, int offset, int length, Callback callback)
        {
            exchange.addBytesIn(length);
            super.onRequestContent(clientRequest, proxyRequest, content, buffer, offset, length, callback);
        }
    }

    /** Hands a 100 Continue from the upstream back to the servlet (Jetty's own is package-private). */
    private class ContinueHandler extends ContinueProtocolHandler
    {
        @Override
        protected Runnable onContinue(Request request)
        {
            HttpServletRequest clientRequest = (HttpServletRequest)request.getAttributes().get(CLIENT_REQUEST_ATTRIBUTE);
            return SluiceProxyServlet.this.onContinue(clientRequest, request);
        }
    }
}
