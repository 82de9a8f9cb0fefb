// A route's caching settings: route.<name>.cache*.
package dev.sluice.cache;

import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * @param mode off, on (RFC 9111 as a shared cache) or force (a fixed lifetime whatever the upstream says, as Kong's proxy-cache)
 * @param ttl the lifetime with {@code force}
 * @param forceStatuses the statuses {@code force} stores
 * @param maxObjectSize bodies larger than this stream through and are not stored
 * @param keyQuery null = the whole query as sent; else only these parameters, sorted (empty = none)
 * @param keyHeaders request headers (lower case) added to the key and forwarded
 * @param keyConsumer whether the authenticated consumer is part of the key
 * @param stripUnkeyed whether client headers outside the standard set, the key headers, forward-headers and stored Vary
 *        names are removed from requests whose response may be stored (strict); otherwise they are forwarded and the
 *        names of such headers are part of the key, so a request that adds one never shares an entry with one that does not
 * @param forwardHeaders with strict stripping, request headers (lower case) forwarded although not in the key (the operator vouches for them)
 * @param heuristic whether responses without explicit freshness get 10% of their Last-Modified age (at most a day)
 * @param storeSetCookie whether responses carrying Set-Cookie may be stored (and replayed to everyone)
 * @param staleIfUnreachable how stale a stored response may be and still be served when the upstream cannot be reached; zero = never
 * @param forceCredentialed whether {@code force} stores answers to requests carrying Authorization or Cookie
 */
public record CacheRoute(Mode mode, Duration ttl, Set<Integer> forceStatuses, long maxObjectSize, List<String> keyQuery,
                         List<String> keyHeaders, boolean keyConsumer, boolean stripUnkeyed, Set<String> forwardHeaders, boolean heuristic,
                         boolean storeSetCookie, Duration staleIfUnreachable, boolean forceCredentialed)
{
    public static final Set<Integer> DEFAULT_FORCE_STATUSES = Set.of(200, 203, 204, 300, 301, 308, 404, 410);

    public CacheRoute
    {
        forceStatuses = Set.copyOf(forceStatuses);
        keyQuery = keyQuery == null ? null : List.copyOf(keyQuery);
        keyHeaders = List.copyOf(keyHeaders);
        forwardHeaders = Set.copyOf(forwardHeaders);
    }

    public enum Mode
    {
        OFF, ON, FORCE
    }
}
