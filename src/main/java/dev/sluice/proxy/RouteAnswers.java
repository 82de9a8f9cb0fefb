// Answers a route that has no upstream: route.<name>.redirect and route.<name>.respond.
package dev.sluice.proxy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import dev.sluice.exchange.Exchange;
import dev.sluice.http.ProblemType;
import dev.sluice.http.ProblemWriter;
import dev.sluice.http.QueryString;
import dev.sluice.route.RouteAnswer;
import dev.sluice.route.RouteMatch;
import dev.sluice.transform.RequestSource;
import dev.sluice.transform.RouteTransform;
import dev.sluice.transform.Transforms;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Written here, after the route's filters (auth, limits, guards, CORS) let the request through:
 * a redirect's {@code Location} is the configured origin (or this server) with the route's path
 * template filled in from the request's path, and the request's query without what
 * authentication hid ({@code hide-credentials}) and, to another site, without any query parameter
 * that carries a credential (an API key or token in the query never travels on). A request body
 * is not read; the container discards it.
 */
final class RouteAnswers
{
    private RouteAnswers()
    {
    }

    static void answer(HttpServletRequest request, HttpServletResponse response, Exchange exchange) throws IOException
    {
        RouteMatch match = exchange.routeMatch();
        RouteAnswer answer = match.route().answer();
        exchange.outcome(Exchange.Outcome.ROUTE_ANSWER);
        response.setStatus(answer.status());
        List<String[]> headers = new ArrayList<>(2);
        if (answer.redirect())
        {
            headers.add(new String[] {"Location", location(request, exchange, match, answer)});
        }
        else if (answer.body() != null)
        {
            headers.add(new String[] {"Content-Type", answer.contentType()});
        }
        setHeaders(request, response, exchange, headers);
        if (answer.redirect())
        {
            response.setContentLength(0);
            return;
        }
        if (answer.body() == null)
        {
            if (answer.status() >= 400)
            {
                // Always route-answer, titled with the reason phrase: Sluice's own type for the
                // status would say why Sluice refused (a 503's is "not-ready"), which is not so here.
                exchange.addBytesOut(ProblemWriter.write(response, answer.status(), ProblemType.ROUTE_ANSWER, null, exchange.id()));
            }
            else if (answer.status() != 204 && answer.status() != 304)
            {
                response.setContentLength(0);
            }
            return;
        }
        response.setContentLength(answer.body().length);
        if (!"HEAD".equals(request.getMethod()))
        {
            response.getOutputStream().write(answer.body());
            exchange.addBytesOut(answer.body().length);
        }
    }

    /**
     * The answer's own fields, edited by the route's response header transforms
     * ({@code transform.response.header.*}, the same as proxied answers take).
     */
    private static void setHeaders(HttpServletRequest request, HttpServletResponse response, Exchange exchange, List<String[]> headers)
    {
        RouteTransform transform = exchange.settings().transform().route(exchange.routeMatch().route().name());
        if (transform != null && !transform.responseHeaders().empty())
        {
            headers = Transforms.responseHeaders(transform.responseHeaders(), new RequestSource(exchange, request), headers);
        }
        Set<String> seen = new HashSet<>();
        for (String[] header : headers)
        {
            if (seen.add(header[0].toLowerCase(Locale.ROOT)))
            {
                response.setHeader(header[0], header[1]);
            }
            else
            {
                response.addHeader(header[0], header[1]);
            }
        }
    }

    private static String location(HttpServletRequest request, Exchange exchange, RouteMatch match, RouteAnswer answer)
    {
        String path = match.upstreamPath();
        StringBuilder location = new StringBuilder(128);
        if (answer.origin() != null)
        {
            location.append(answer.origin());
        }
        else
        {
            // A path on this server: inside the web application's context when deployed as a WAR.
            location.append(request.getContextPath());
        }
        location.append(path.isEmpty() ? "/" : path);
        java.util.Set<String> dropped = exchange.hiddenQueryParameters();
        if (answer.origin() != null)
        {
            // Another site never gets a credential in the query, hidden or not; a path on this
            // one keeps it, or the client following the redirect would arrive without it.
            dropped = new java.util.HashSet<>(dropped);
            dev.sluice.auth.AuthSettings auth = exchange.settings().auth();
            if (auth.apiKeyQuery() != null)
            {
                dropped.add(auth.apiKeyQuery());
            }
            dev.sluice.auth.RoutePolicy policy = auth.policy(match.route().name());
            if (policy != null && policy.tokenQuery() != null)
            {
                dropped.add(policy.tokenQuery());
            }
        }
        String query = QueryString.without(request.getQueryString(), dropped);
        if (query != null && !query.isEmpty())
        {
            location.append('?').append(query);
        }
        return location.toString();
    }
}
