// A route's CORS policy (Fetch standard): which origins may read its responses from a browser, and how.
package dev.sluice.guard;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * @param anyOrigin {@code origins = *}: every origin, answered {@code Access-Control-Allow-Origin: *}
 *        (never together with credentials: refused at load)
 * @param origins exact origins such as {@code https://app.example.com}, lower case
 * @param suffixes from {@code *.example.com} patterns: {@code .example.com}, matched against the origin's host
 * @param methods what a preflight may ask for
 * @param headers request headers a preflight may ask for, lower case; {@code *} for any
 * @param expose response headers scripts may read
 * @param refuse whether a disallowed origin gets 403 instead of a response without CORS headers
 */
public record Cors(
    boolean anyOrigin,
    Set<String> origins,
    List<String> suffixes,
    Set<String> methods,
    Set<String> headers,
    List<String> expose,
    boolean credentials,
    Duration maxAge,
    boolean refuse)
{
    public Cors
    {
        origins = Set.copyOf(origins);
        suffixes = List.copyOf(suffixes);
        methods = java.util.Collections.unmodifiableSet(new java.util.LinkedHashSet<>(methods));
        headers = Set.copyOf(headers);
        expose = List.copyOf(expose);
    }

    /** Whether a browser page of this origin (the {@code Origin} header's value) may use the route. */
    public boolean allows(String origin)
    {
        if (anyOrigin)
        {
            return true;
        }
        String lower = origin.toLowerCase(Locale.ROOT);
        if (origins.contains(lower))
        {
            return true;
        }
        if (suffixes.isEmpty())
        {
            return false;
        }
        int scheme = lower.indexOf("://");
        if (scheme < 0)
        {
            return false;
        }
        String host = lower.substring(scheme + 3);
        int port = host.lastIndexOf(':');
        if (port > 0 && host.indexOf(']') < port)
        {
            host = host.substring(0, port);
        }
        for (String suffix : suffixes)
        {
            // *.example.com takes a.example.com and a.b.example.com, not example.com itself.
            if (host.endsWith(suffix) && host.length() > suffix.length())
            {
                return true;
            }
        }
        return false;
    }

    /** Whether every header a preflight names (comma-separated, any case) is allowed. */
    public boolean allowsHeaders(String requested)
    {
        if (requested == null || requested.isBlank() || headers.contains("*"))
        {
            return true;
        }
        for (String header : requested.split(","))
        {
            String name = header.strip().toLowerCase(Locale.ROOT);
            if (!name.isEmpty() && !headers.contains(name))
            {
                return false;
            }
        }
        return true;
    }
}
