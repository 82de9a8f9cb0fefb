// One configured route: what requests it takes and where they go.
package dev.sluice.route;

import java.util.List;
import java.util.Set;

import dev.sluice.upstream.RetryPolicy;

/**
 * A route, as parsed from {@code route.<name>.*}. Conditions ({@link #path}, {@link #hosts},
 * {@link #methods}, {@link #headers}) decide whether it takes a request; the rest says how the
 * request goes upstream. Empty {@code hosts} or {@code methods} mean any.
 *
 * @param rewrite the upstream path template, or null to send the request's own path
 * @param retry when a failed attempt is retried on another target of the upstream's pool
 * @param ai whether the AI front answers this route ({@code route.<name>.ai = on}); it has no upstream then
 * @param rewriteLocation whether the upstream's Location and Content-Location on its own origin or
 * paths are pointed back through this route ({@code route.<name>.rewrite-location}, default true)
 * @param websocket whether a WebSocket upgrade is passed to the upstream and, once it accepts,
 * the connection tunnelled ({@code route.<name>.websocket = on}); off, {@code Upgrade} is dropped
 * @param mirror where copies of the route's requests go, or null ({@code route.<name>.mirror})
 * @param split other upstreams that take a share of the route's requests, or null ({@code route.<name>.split.*})
 * @param fault delays and errors injected on purpose, or null ({@code route.<name>.fault.*})
 * @param answer the redirect or fixed answer of a route Sluice answers itself, or null; its
 *        {@code upstream} is null then, and a redirect's path template is {@code rewrite}
 */
public record Route(
    String name,
    PathPattern path,
    List<HostPattern> hosts,
    Set<String> methods,
    List<HeaderCondition> headers,
    String upstream,
    PathRewrite rewrite,
    boolean preserveHost,
    Timeouts timeouts,
    RetryPolicy retry,
    boolean ai,
    boolean rewriteLocation,
    boolean websocket,
    boolean allowEncodedSlashes,
    Mirror mirror,
    Split split,
    Fault fault,
    RouteAnswer answer)
{
    /** A plain HTTP route: forwarded to its upstream. */
    public Route(String name, PathPattern path, List<HostPattern> hosts, Set<String> methods, List<HeaderCondition> headers, String upstream,
        PathRewrite rewrite, boolean preserveHost, Timeouts timeouts, RetryPolicy retry)
    {
        this(name, path, hosts, methods, headers, upstream, rewrite, preserveHost, timeouts, retry, false, true, false, false, null, null, null, null);
    }


    public Route
    {
        hosts = List.copyOf(hosts);
        methods = Set.copyOf(methods);
        headers = List.copyOf(headers);
    }

    /** A loop rather than a stream: this runs for every request on a route with hosts. */
    private boolean anyHostMatches(String host)
    {
        for (HostPattern pattern : hosts)
        {
            if (pattern.matches(host))
            {
                return true;
            }
        }
        return false;
    }

    /**
     * The upstream path for a request, or null when this route does not take it.
     */
    public String match(RouteRequest request)
    {
        if (!methods.isEmpty() && !methods.contains(request.method()))
        {
            return null;
        }
        if (!hosts.isEmpty() && !anyHostMatches(request.host()))
        {
            return null;
        }
        for (HeaderCondition header : headers)
        {
            if (!header.matches(request.headers()))
            {
                return null;
            }
        }
        PathPattern.Captures captures = path.match(request.path());
        if (captures == null)
        {
            return null;
        }
        return rewrite == null ? request.path().rawPath() : rewrite.apply(captures);
    }

    int hostRank()
    {
        if (hosts.isEmpty())
        {
            return 0;
        }
        return hosts.stream().anyMatch(HostPattern::wildcard) ? 1 : 2;
    }

    /**
     * Whether one request could match both routes (used to reject equally specific routes).
     */
    boolean overlaps(Route other)
    {
        if (!path.overlaps(other.path))
        {
            return false;
        }
        if (!hosts.isEmpty() && !other.hosts.isEmpty()
            && hosts.stream().noneMatch(host -> other.hosts.stream().anyMatch(host::overlaps)))
        {
            return false;
        }
        if (!methods.isEmpty() && !other.methods.isEmpty() && methods.stream().noneMatch(other.methods::contains))
        {
            return false;
        }
        for (HeaderCondition header : headers)
        {
            for (HeaderCondition theirs : other.headers)
            {
                if (header.excludes(theirs))
                {
                    return false;
                }
            }
        }
        return true;
    }
}
