// A request's cache key parts, worked out once: URL, consumer, header names, primary key.
package dev.sluice.cache;

import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

import dev.sluice.exchange.Exchange;
import dev.sluice.http.Authority;
import jakarta.servlet.http.HttpServletRequest;

/**
 * What {@link CacheKeys} needs from a servlet request on a caching route. {@link #primaryFor}
 * gives the key of another URL on the same origin for this caller (an unsafe request's
 * Location), so lookup and invalidation build keys the same way.
 */
record RequestKey(String routeName, CacheRoute route, String scheme, String host, String url, String consumer,
                  Function<String, List<String>> headers, List<String> extraNames, String primary)
{
    static RequestKey of(HttpServletRequest request, Exchange exchange, CacheRoute route, String routeName)
    {
        return of(exchange.connectionSecure(), Authority.of(request), request.getRequestURI(), request.getQueryString(),
            exchange.identity() == null ? null : exchange.identity().key(), name -> Collections.list(request.getHeaders(name)),
            () -> Collections.list(request.getHeaderNames()), route, routeName);
    }

    /**
     * @param requestUri the request path as sent, without the query
     * @param consumer the caller's key, null when anonymous
     */
    static RequestKey of(boolean secure, String hostHeader, String requestUri, String query, String consumer,
                         Function<String, List<String>> headers, java.util.function.Supplier<List<String>> headerNames, CacheRoute route,
                         String routeName)
    {
        String scheme = secure ? "https" : "http";
        String host = hostHeader == null ? "" : hostHeader.toLowerCase(Locale.ROOT);
        String url = CacheKeys.url(scheme, host, requestUri, query, route);
        List<String> extra = route.stripUnkeyed() ? null : CacheKeys.extraNames(headerNames.get(), route);
        return new RequestKey(routeName, route, scheme, host, url, consumer, headers, extra,
            CacheKeys.primary(routeName, url, route, consumer, headers, extra));
    }

    /** The primary key another URL of this origin has for this same request's caller and headers. */
    String primaryFor(String otherUrl)
    {
        return CacheKeys.primary(routeName, otherUrl, route, consumer, headers, extraNames);
    }
}
