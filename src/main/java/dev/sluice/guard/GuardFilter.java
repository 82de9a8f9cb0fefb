// Filter 3: what a route lets through before anyone is asked who the caller is — addresses, methods, sizes, types, CORS.
package dev.sluice.guard;

import java.io.IOException;
import java.util.Collections;
import java.util.Enumeration;

import dev.sluice.exchange.Exchange;
import dev.sluice.http.HeaderNames;
import dev.sluice.http.ProblemType;
import dev.sluice.http.ProblemWriter;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;

/**
 * After the exchange and transport filters (the route and the client address are known), before
 * authentication: a request refused here costs no credential check, and a browser's CORS
 * preflight, which carries no credentials, is answered here without reaching auth or the upstream.
 * In order: address lists (403), CORS (preflight answered; allowed origins get their headers on the
 * response, including error responses from later filters), maintenance (503 + Retry-After),
 * methods (405 + Allow), header count and size (431), declared body size (413; a chunked body is
 * cut off with 413 by the proxy when it grows past the limit), content type (415). Every refusal
 * is problem+json. A route with neither a guard nor CORS passes after one lookup. A route's JSON
 * limits are not checked here but by the proxy servlet, after authentication ({@link JsonGuard}):
 * they read the body.
 */
public final class GuardFilter implements Filter
{
    static final String VARY = "Vary";
    private static final String ORIGIN = "Origin";
    private static final String REQUEST_METHOD = "Access-Control-Request-Method";
    private static final String REQUEST_HEADERS = "Access-Control-Request-Headers";

    @Override
    public void doFilter(ServletRequest servletRequest, ServletResponse servletResponse, FilterChain chain) throws IOException, ServletException
    {
        HttpServletRequest request = (HttpServletRequest)servletRequest;
        HttpServletResponse response = (HttpServletResponse)servletResponse;
        Exchange exchange = Exchange.of(request);
        if (exchange == null || exchange.routeMatch() == null)
        {
            chain.doFilter(request, response);
            return;
        }
        GuardSettings settings = exchange.settings().guard();
        String route = exchange.routeMatch().route().name();
        Guard guard = settings.guard(route);
        Cors cors = settings.cors(route);
        if (cors == null && guard.empty())
        {
            chain.doFilter(request, response);
            return;
        }
        if (!guard.admits(exchange.clientAddress()))
        {
            refuse(response, exchange, Exchange.Outcome.FORBIDDEN, ProblemType.FORBIDDEN, "Requests from your address are not accepted on this route.");
            return;
        }
        HttpServletResponse onward = response;
        if (cors != null)
        {
            onward = cors(request, response, exchange, cors);
            if (onward == null)
            {
                return;
            }
        }
        if (!guard.empty() && !check(request, response, exchange, guard))
        {
            return;
        }
        chain.doFilter(request, onward);
    }

    /**
     * Answers a preflight (returns null), refuses a disallowed origin when the route says so
     * (null), or returns the response to carry on with: wrapped so that the upstream's own CORS
     * headers cannot contradict the route's.
     */
    private static HttpServletResponse cors(HttpServletRequest request, HttpServletResponse response, Exchange exchange, Cors cors)
    {
        if (!cors.anyOrigin() || cors.credentials())
        {
            // The CORS headers depend on Origin: caches (Sluice's, the browser's, a CDN's) must key on it.
            response.addHeader(VARY, ORIGIN);
        }
        String origin = request.getHeader(ORIGIN);
        if (origin == null)
        {
            return response;
        }
        boolean allowed = cors.allows(origin);
        String requestedMethod = request.getHeader(REQUEST_METHOD);
        if ("OPTIONS".equals(request.getMethod()) && requestedMethod != null)
        {
            preflight(request, response, exchange, cors, allowed, origin, requestedMethod);
            return null;
        }
        if (!allowed)
        {
            if (cors.refuse())
            {
                refuse(response, exchange, Exchange.Outcome.FORBIDDEN, ProblemType.FORBIDDEN, "This route does not take requests from pages of that origin.");
                return null;
            }
            // No CORS headers: the browser keeps the response from the page.
            return new WithoutUpstreamCors(response);
        }
        response.setHeader("Access-Control-Allow-Origin", cors.anyOrigin() && !cors.credentials() ? "*" : origin);
        if (cors.credentials())
        {
            response.setHeader("Access-Control-Allow-Credentials", "true");
        }
        if (!cors.expose().isEmpty())
        {
            response.setHeader("Access-Control-Expose-Headers", String.join(", ", cors.expose()));
        }
        return new WithoutUpstreamCors(response);
    }

    private static void preflight(HttpServletRequest request, HttpServletResponse response, Exchange exchange, Cors cors, boolean allowed, String origin,
                                  String requestedMethod)
    {
        response.addHeader(VARY, REQUEST_METHOD);
        response.addHeader(VARY, REQUEST_HEADERS);
        String requestedHeaders = request.getHeader(REQUEST_HEADERS);
        boolean permitted = allowed && cors.methods().contains(requestedMethod) && cors.allowsHeaders(requestedHeaders);
        if (!permitted && cors.refuse())
        {
            refuse(response, exchange, Exchange.Outcome.FORBIDDEN, ProblemType.FORBIDDEN, "This route does not allow that cross-origin request.");
            return;
        }
        if (permitted)
        {
            response.setHeader("Access-Control-Allow-Origin", cors.anyOrigin() && !cors.credentials() ? "*" : origin);
            response.setHeader("Access-Control-Allow-Methods", String.join(", ", cors.methods()));
            if (requestedHeaders != null && !requestedHeaders.isBlank())
            {
                // Echoed only once checked against the allowed list (or * without credentials).
                response.setHeader("Access-Control-Allow-Headers", requestedHeaders);
            }
            if (cors.credentials())
            {
                response.setHeader("Access-Control-Allow-Credentials", "true");
            }
            response.setHeader("Access-Control-Max-Age", Long.toString(cors.maxAge().toSeconds()));
        }
        // Without CORS headers a refused preflight fails in the browser, which is the answer.
        response.setStatus(204);
        response.setContentLength(0);
    }

    /** Maintenance, methods, header limits, body size and type; false when the request was refused. */
    private static boolean check(HttpServletRequest request, HttpServletResponse response, Exchange exchange, Guard guard)
    {
        if (guard.maintenance())
        {
            response.setHeader(HeaderNames.RETRY_AFTER, Long.toString(Math.max(1, guard.retryAfter().toSeconds())));
            refuse(response, exchange, Exchange.Outcome.MAINTENANCE, ProblemType.MAINTENANCE, "This route is down for maintenance; try again later.");
            return false;
        }
        String method = request.getMethod();
        if (!guard.methods().isEmpty() && !guard.methods().contains(method))
        {
            response.setHeader(HeaderNames.ALLOW, String.join(", ", guard.methods()));
            refuse(response, exchange, Exchange.Outcome.BAD_REQUEST, ProblemType.METHOD_NOT_ALLOWED, "This route takes " + String.join(", ", guard.methods()) + ".");
            return false;
        }
        if (guard.maxHeaders() > 0 || guard.maxHeaderBytes() > 0)
        {
            int count = 0;
            long bytes = 0;
            for (Enumeration<String> names = request.getHeaderNames(); names.hasMoreElements(); )
            {
                String name = names.nextElement();
                for (String value : Collections.list(request.getHeaders(name)))
                {
                    count++;
                    bytes += name.length() + value.length();
                }
            }
            if ((guard.maxHeaders() > 0 && count > guard.maxHeaders()) || (guard.maxHeaderBytes() > 0 && bytes > guard.maxHeaderBytes()))
            {
                refuse(response, exchange, Exchange.Outcome.BAD_REQUEST, ProblemType.HEADERS_TOO_LARGE, "The request has " + count + " header fields of "
                    + bytes + " bytes; this route takes at most " + (guard.maxHeaders() > 0 ? guard.maxHeaders() + " fields" : "any number of fields")
                    + (guard.maxHeaderBytes() > 0 ? " and " + guard.maxHeaderBytes() + " bytes." : "."));
                return false;
            }
        }
        long length = request.getContentLengthLong();
        boolean body = dev.sluice.http.RequestBodies.expected(request);
        if (guard.maxBody() >= 0)
        {
            if (length > guard.maxBody())
            {
                refuse(response, exchange, Exchange.Outcome.BAD_REQUEST, ProblemType.PAYLOAD_TOO_LARGE, "The request body is " + length
                    + " bytes; this route takes at most " + guard.maxBody() + ".");
                return false;
            }
            // A body of unknown length is counted as it streams and cut off past the limit.
            exchange.bodyLimit(guard.maxBody());
        }
        if (body && !guard.contentTypes().isEmpty())
        {
            String type = request.getContentType();
            String media = dev.sluice.http.MediaTypes.essence(type);
            if (!guard.accepts(media))
            {
                response.setHeader("Accept-Post", String.join(", ", guard.contentTypes()));
                refuse(response, exchange, Exchange.Outcome.BAD_REQUEST, ProblemType.UNSUPPORTED_MEDIA_TYPE, "This route takes bodies of type "
                    + String.join(", ", guard.contentTypes()) + (media.isEmpty() ? "; the request says none." : "."));
                return false;
            }
        }
        return true;
    }

    private static void refuse(HttpServletResponse response, Exchange exchange, Exchange.Outcome outcome, ProblemType type, String detail)
    {
        exchange.outcome(outcome);
        exchange.addBytesOut(ProblemWriter.write(response, type, detail, exchange.id(), exchange.traceId()));
    }

    /** The route's CORS decision is the only one: headers the upstream (or a stored response) sets for CORS are dropped. */
    static final class WithoutUpstreamCors extends HttpServletResponseWrapper
    {
        WithoutUpstreamCors(HttpServletResponse response)
        {
            super(response);
        }

        private static boolean cors(String name)
        {
            return name != null && name.regionMatches(true, 0, "Access-Control-", 0, 15);
        }

        @Override
        public void setHeader(String name, String value)
        {
            if (!cors(name))
            {
                super.setHeader(name, value);
            }
        }

        @Override
        public void addHeader(String name, String value)
        {
            if (!cors(name))
            {
                super.addHeader(name, value);
            }
        }
    }
}
