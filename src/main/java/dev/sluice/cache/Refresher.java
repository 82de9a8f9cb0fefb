// What the proxy servlet offers the cache: a background request upstream for stale-while-revalidate.
package dev.sluice.cache;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import dev.sluice.exchange.Exchange;
import jakarta.servlet.http.HttpServletRequest;

/**
 * Set as a servlet-context attribute by the proxy servlet. The request is sent on the exchange's
 * route to a target of its pool with the given headers, what the proxy adds to a client's request
 * (forwarding headers, the client's host where the route preserves it, header transforms) and the
 * stored response's validators; the
 * {@link CacheExchange} receives the outcome as it would for a client request (a 304 freshens
 * the stored response, a storable response replaces it).
 */
public interface Refresher
{
    String ATTRIBUTE = Refresher.class.getName();

    /**
     * Completes when the refresh ended, whatever the outcome. Called while the client's
     * {@code request} is still going on: what the refresh reads of it is read before this returns.
     */
    CompletableFuture<Void> refresh(HttpServletRequest request, Exchange exchange, Map<String, List<String>> headers, CacheExchange cacheExchange);
}
