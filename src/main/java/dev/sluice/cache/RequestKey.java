// A request's cache key parts, worked out once: URL, consumer, header names, primary key.
package dev.sluice.cache;

import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

import dev.sluice.exchange.Exchange;
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
        String scheme = exchange.connectionSecure() ? "https" : "http";
        String hostHeader = request.getHeader("Host");
        String host = hostHeader == null ? "" : hostHeader.toLowerCase(Locale.ROOT);
        String url = CacheKeys.url(scheme, host, request.getRequestURI(), request.getQueryString(), route);
        String consumer = exchange.identity() == null ? null : exchange.identity().key();
        Function<String, List<String>> headers = name -> Collections.list(request.getHeaders(name));
        List<String> extra = route.stripUnkeyed() ? null : CacheKeys.extraNames(Collections.list(request.getHeaderNames()), route);
        return new RequestKey(routeName, route, scheme, host, url, consumer, headers, extra,
            CacheKeys.primary(routeName, url, route, consumer, headers, extra));
    }

    /** The primary key another URL of this origin has for this same request's caller and headers. */
    String primaryFor(String otherUrl)
    {
        return CacheKeys.primary(routeName, otherUrl, route, consumer, headers, extraNames);
    }
}
