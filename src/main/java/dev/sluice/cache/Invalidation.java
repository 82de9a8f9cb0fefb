// RFC 9111 §4.4: what a successful unsafe request removes from the cache.
package dev.sluice.cache;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;

import jakarta.servlet.http.HttpServletResponse;

/**
 * Once the response to a POST, PUT, DELETE, PATCH or unknown method is known not to be an
 * error (2xx, 3xx), the request's URL and the same-origin URLs in Location and Content-Location
 * are invalidated: every route, consumer and variant stored for them.
 */
final class Invalidation implements Runnable
{
    private final CacheRuntime cache;
    private final RequestKey key;
    private final String requestPath;
    private final HttpServletResponse response;

    Invalidation(CacheRuntime cache, RequestKey key, String requestPath, HttpServletResponse response)
    {
        this.cache = cache;
        this.key = key;
        this.requestPath = requestPath;
        this.response = response;
    }

    @Override
    public void run()
    {
        int status = response.getStatus();
        if (status < 200 || status >= 400)
        {
            return;
        }
        cache.invalidate(key.url(), key.primary());
        for (String header : List.of("Location", "Content-Location"))
        {
            String target = sameOrigin(response.getHeader(header), key.scheme(), key.host(), requestPath, key.route());
            if (target != null)
            {
                cache.invalidate(target, key.primaryFor(target));
            }
        }
    }

    /** A Location or Content-Location on this origin as a key URL, or null for another origin or garbage. */
    static String sameOrigin(String reference, String scheme, String host, String requestPath, CacheRoute route)
    {
        if (reference == null || reference.isBlank())
        {
            return null;
        }
        try
        {
            URI resolved = new URI(scheme + "://" + host + requestPath).resolve(reference.strip());
            if (!scheme.equalsIgnoreCase(resolved.getScheme()) || resolved.getRawAuthority() == null
                || !host.equalsIgnoreCase(resolved.getRawAuthority()))
            {
                return null;
            }
            return CacheKeys.url(scheme, host, resolved.getRawPath(), resolved.getRawQuery(), route);
        }
        catch (URISyntaxException | IllegalArgumentException x)
        {
            return null;
        }
    }
}
