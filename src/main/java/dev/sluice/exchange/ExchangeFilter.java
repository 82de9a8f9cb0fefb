// First filter of the chain: creates the exchange, matches the route, writes the access log.
package dev.sluice.exchange;

import java.io.IOException;
import java.util.Collections;
import java.util.Locale;

import dev.sluice.config.ConfigStore;
import dev.sluice.http.CdnLoop;
import dev.sluice.http.ClientText;
import dev.sluice.http.HeaderNames;
import dev.sluice.http.ProblemType;
import dev.sluice.http.ProblemWriter;
import dev.sluice.http.UnreadBodies;
import dev.sluice.observe.AccessLog;
import dev.sluice.observe.Metrics;
import dev.sluice.observe.Tracing;
import dev.sluice.route.BadPathException;
import dev.sluice.route.RequestPath;
import dev.sluice.route.RouteMatch;
import dev.sluice.route.RouteRequest;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs first for every proxied request:
 * <ol>
 * <li>takes the configuration snapshot the request will use to its end;</li>
 * <li>keeps a sane incoming {@code X-Request-ID} or makes one, and returns it to the client;</li>
 * <li>joins the client's W3C trace ({@code traceparent}) or starts one ({@link TraceContext});</li>
 * <li>finds the client address ({@code X-Forwarded-For} counts only from
 * {@code exchange.trusted-proxies});</li>
 * <li>refuses {@code CONNECT} and {@code TRACE} in any spelling (405) and ambiguous or escaping paths (400),
 * then matches the route (404 when none); a route without a {@code methods} list takes only
 * {@code GET HEAD POST PUT DELETE PATCH OPTIONS}, spelled exactly so (405 with {@code Allow});</li>
 * <li>turns any exception from later in the chain into a 500 problem (the container never
 * shows its own error page);</li>
 * <li>writes the access-log line and records the metrics when the exchange completes, which for proxied requests is
 * after the servlet's asynchronous work, not when {@code chain.doFilter} returns;</li>
 * <li>after an answer given without forwarding, reads and drops what the client is still sending
 * of its body, so the answer is not lost to a reset connection or stream ({@link UnreadBodies}).</li>
 * </ol>
 * Settings: {@code exchange.trusted-proxies} (default none), {@code exchange.access-log}
 * (default true).
 */
public final class ExchangeFilter implements Filter
{
    private static final Logger LOG = LoggerFactory.getLogger(ExchangeFilter.class);
    /** What a route without a {@code methods} list accepts: RFC 9110's and RFC 5789's methods, exactly as spelled there. */
    static final java.util.Set<String> STANDARD_METHODS = java.util.Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS");
    private static final String ALLOW = "GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS";

    private jakarta.servlet.ServletContext context;
    private ConfigStore config;
    private Exchanges exchanges;
    private final UnreadBodies unreadBodies = new UnreadBodies();

    @Override
    public void init(FilterConfig filterConfig) throws ServletException
    {
        context = filterConfig.getServletContext();
        config = ConfigStore.of(context);
        exchanges = new Exchanges(new AccessLog(), Metrics.of(context), Tracing.of(context));
        context.setAttribute(Exchanges.ATTRIBUTE, exchanges);
    }

    @Override
    public void destroy()
    {
        context.removeAttribute(Exchanges.ATTRIBUTE);
        exchanges.close();
        unreadBodies.close();
    }

    @Override
    public void doFilter(ServletRequest servletRequest, ServletResponse servletResponse, FilterChain chain) throws IOException, ServletException
    {
        HttpServletRequest request = dev.sluice.http.UnknownCharset.guard((HttpServletRequest)servletRequest);
        // A gRPC call's refusals are written as gRPC statuses (GrpcResponse); any other response as it is.
        HttpServletResponse response = dev.sluice.http.GrpcResponse.wrap(request, (HttpServletResponse)servletResponse);
        Exchange exchange = exchanges.open(config.current(), request::getHeader, name -> Collections.list(request.getHeaders(name)),
            request.getRemoteAddr(), request.getMethod(), request.getRequestURI().substring(request.getContextPath().length()), System.nanoTime());
        response.setHeader(HeaderNames.REQUEST_ID, exchange.id());
        request.setAttribute(Exchange.ATTRIBUTE, exchange);

        try
        {
            if (route(request, response, exchange))
            {
                // On an AI route the filters' refusals are written as the model API's errors, which SDKs read.
                chain.doFilter(request,
                    exchange.routeMatch().route().ai() ? dev.sluice.http.AiRouteResponse.wrap(response, exchange.path()) : response);
            }
        }
        catch (IOException | ServletException | RuntimeException failure)
        {
            exchange.outcome(Exchange.Outcome.INTERNAL_ERROR);
            LOG.error("{} request failed inside Sluice", exchange.id(), failure);
            exchange.addBytesOut(ProblemWriter.write(response, ProblemType.INTERNAL, "Sluice could not handle the request.", exchange.id(), exchange.traceId()));
        }
        finally
        {
            if (exchange.tunnelled())
            {
                // A WebSocket: its tunnel closes the exchange when the connection ends. (Jetty
                // reports an upgrading request as asynchronous, without an AsyncContext.)
            }
            else if (request.isAsyncStarted())
            {
                request.getAsyncContext().addListener(new Completion(exchange, response, exchanges));
            }
            else
            {
                closeExchange(exchanges, exchange, response);
                unreadBodies.discard(request, response);
            }
        }
    }

    /** Logs and counts the exchange with the status the client got (for a gRPC call, its gRPC status too). */
    private static void closeExchange(Exchanges exchanges, Exchange exchange, HttpServletResponse response)
    {
        if (response instanceof dev.sluice.http.GrpcResponse grpc)
        {
            exchange.grpcStatus(grpc.grpcStatus());
        }
        exchanges.close(exchange, response.getStatus());
    }

    private static boolean route(HttpServletRequest request, HttpServletResponse response, Exchange exchange)
    {
        String method = request.getMethod();
        // Any spelling: Jetty's client would send "trace" upstream as TRACE.
        if ("CONNECT".equalsIgnoreCase(method))
        {
            return refuse(response, exchange, ProblemType.METHOD_NOT_ALLOWED, "CONNECT is not supported: Sluice forwards only to its configured upstreams.");
        }
        if (request.getHeader(CdnLoop.HEADER) != null && CdnLoop.passedHere(request.getHeaders(CdnLoop.HEADER)))
        {
            exchange.outcome(Exchange.Outcome.LOOP_DETECTED);
            exchange.addBytesOut(ProblemWriter.write(response, ProblemType.LOOP_DETECTED, "This request has passed through this Sluice before (CDN-Loop "
                + "names it): the route's upstream leads back to Sluice. Point the upstream at the service, not at Sluice or a balancer in front of it.",
                exchange.id(), exchange.traceId()));
            return false;
        }
        if ("TRACE".equalsIgnoreCase(method))
        {
            // TRACE reflects cookies and credentials back to the caller (cross-site tracing).
            return refuse(response, exchange, ProblemType.METHOD_NOT_ALLOWED, "TRACE is not forwarded.");
        }
        String coding = unsupportedTransferCoding(request);
        if (coding != null)
        {
            // Jetty reads such a body as chunked and would forward it without its other codings:
            // coded bytes labelled as plain ones. RFC 9112 §6.1 answers 501, as nginx and Tomcat do.
            return refuse(response, exchange, ProblemType.UNSUPPORTED_TRANSFER_CODING, "The transfer coding '" + ClientText.quoted(coding, 32)
                + "' is not supported: Sluice accepts only chunked request bodies.");
        }
        RequestPath path;
        try
        {
            path = RequestPath.parseKeepingEncodedSlashes(exchange.path());
        }
        catch (BadPathException x)
        {
            return refuse(response, exchange, ProblemType.BAD_PATH, "The request path is not accepted: " + x.getMessage() + ".");
        }
        String host = request.getServerName() == null ? null : request.getServerName().toLowerCase(Locale.ROOT);
        RouteMatch match = exchange.settings().routes().match(new RouteRequest(host, request.getMethod(), path, request::getHeader));
        if (path.hasEncodedSlash() && (match == null || !match.route().allowEncodedSlashes()))
        {
            return refuse(response, exchange, ProblemType.BAD_PATH, "The request path is not accepted: it hides a '/' in a percent-escape (%2F)"
                + (match == null ? "." : ", and route '" + match.route().name() + "' does not take encoded slashes (allow-encoded-slashes)."));
        }
        if (match == null)
        {
            exchange.outcome(Exchange.Outcome.NO_ROUTE);
            exchange.addBytesOut(ProblemWriter.write(response, ProblemType.NO_ROUTE, "No route matches this method, host and path.", exchange.id(), exchange.traceId()));
            return false;
        }
        exchange.routeMatch(match);
        exchange.requestPath(path);
        if (match.route().methods().isEmpty() && !STANDARD_METHODS.contains(method))
        {
            // Methods are case-sensitive (RFC 9110 §9.1): "get" is not GET, and back-ends that
            // fold case would treat it as GET while caches and limits did not.
            response.setHeader(HeaderNames.ALLOW, ALLOW);
            return refuse(response, exchange, ProblemType.METHOD_NOT_ALLOWED, "The method '" + ClientText.quoted(method, 32)
                + "' is not accepted on this route; methods are case-sensitive, and a route takes others only when its 'methods' names them.");
        }
        return true;
    }

    /** The first transfer coding other than {@code chunked} the request declares, or null. */
    private static String unsupportedTransferCoding(HttpServletRequest request)
    {
        if (request.getHeader(HeaderNames.TRANSFER_ENCODING) == null)
        {
            return null;
        }
        for (String field : Collections.list(request.getHeaders(HeaderNames.TRANSFER_ENCODING)))
        {
            for (String coding : field.split(","))
            {
                String trimmed = coding.trim();
                if (!trimmed.isEmpty() && !"chunked".equalsIgnoreCase(trimmed))
                {
                    return trimmed;
                }
            }
        }
        return null;
    }

    private static boolean refuse(HttpServletResponse response, Exchange exchange, ProblemType problemType, String detail)
    {
        exchange.outcome(Exchange.Outcome.BAD_REQUEST);
        exchange.addBytesOut(ProblemWriter.write(response, problemType, detail, exchange.id(), exchange.traceId()));
        return false;
    }

    /** Writes the access log and records metrics once the asynchronous proxy exchange is over, however it ended. */
    private static final class Completion implements AsyncListener
    {
        private final Exchange exchange;
        private final HttpServletResponse response;
        private final Exchanges exchanges;

        Completion(Exchange exchange, HttpServletResponse response, Exchanges exchanges)
        {
            this.exchange = exchange;
            this.response = response;
            this.exchanges = exchanges;
        }

        @Override
        public void onComplete(AsyncEvent event)
        {
            closeExchange(exchanges, exchange, response);
        }

        @Override
        public void onTimeout(AsyncEvent event)
        {
            // The proxy servlet sets no async timeout; its own timeouts end the exchange.
        }

        @Override
        public void onError(AsyncEvent event)
        {
            exchange.outcome(Exchange.Outcome.CLIENT_ABORTED);
        }

        @Override
        public void onStartAsync(AsyncEvent event)
        {
            // A request the cache held back and dispatched again starts a second cycle: stay registered.
            event.getAsyncContext().addListener(this);
        }
    }
}
