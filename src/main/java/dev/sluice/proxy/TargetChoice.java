// The request's side of choosing an upstream target: the route's split, the key consistent hashing hashes, the query sent.
package dev.sluice.proxy;

import java.util.concurrent.ThreadLocalRandom;

import dev.sluice.exchange.Exchange;
import dev.sluice.http.Cookies;
import dev.sluice.http.QueryString;
import dev.sluice.route.Route;
import dev.sluice.route.Split;
import dev.sluice.transform.RequestSource;
import dev.sluice.transform.RouteTransform;
import dev.sluice.transform.Transforms;
import dev.sluice.upstream.PoolSettings;
import jakarta.servlet.http.HttpServletRequest;

/**
 * The request's side of choosing a target, read from the request and its exchange; the pool's
 * side (health, weights, the balancer) is {@code Pool.choose}. Used for the first attempt
 * ({@code SluiceProxyServlet.rewriteTarget}), its retries ({@link UpstreamAttempt}) and the
 * mirror's copy.
 */
final class TargetChoice
{
    private TargetChoice()
    {
    }

    /** The client's query without what auth hides, edited by the route's query transforms. */
    static String upstreamQuery(HttpServletRequest clientRequest, Exchange exchange)
    {
        String query = QueryString.without(clientRequest.getQueryString(), exchange.hiddenQueryParameters());
        RouteTransform transform = exchange.settings().transform().route(exchange.routeMatch().route().name());
        if (transform != null && !transform.requestQuery().empty())
        {
            query = Transforms.query(transform.requestQuery(), new RequestSource(exchange, clientRequest), query);
        }
        return query;
    }

    /** The upstream of a route with a split for this request, recorded on the exchange (access log, metrics). */
    static String split(HttpServletRequest request, Exchange exchange, Route route)
    {
        Split split = route.split();
        int bucket = split.by() == null ? ThreadLocalRandom.current().nextInt(100) : Split.bucket(hashKey(request, exchange, split.by()));
        String upstream = split.upstream(bucket, route.upstream());
        exchange.upstream(upstream);
        return upstream;
    }

    /** What consistent hashing hashes for this request; the client address when the chosen value is absent. */
    static String hashKey(HttpServletRequest request, Exchange exchange, PoolSettings pool)
    {
        return hashKey(request, exchange, pool.hashOn());
    }

    private static String hashKey(HttpServletRequest request, Exchange exchange, PoolSettings.HashOn on)
    {
        if (on == null)
        {
            return null;
        }
        String key = switch (on.kind())
        {
            case HEADER -> request.getHeader(on.name());
            case COOKIE -> Cookies.value(request, on.name());
            case IP -> exchange.clientAddress();
            case CONSUMER -> exchange.identity() == null ? null : exchange.identity().key();
            case PATH -> exchange.path();
        };
        return key == null || key.isEmpty() ? exchange.clientAddress() : key;
    }
}
