// What the proxy servlet offers the cache: a background request upstream for stale-while-revalidate.
package dev.sluice.cache;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import dev.sluice.exchange.Exchange;

/**
 * Set as a servlet-context attribute by the proxy servlet. The request is sent on the exchange's
 * route to a target of its pool with the given headers and the stored response's validators; the
 * {@link CacheExchange} receives the outcome as it would for a client request (a 304 freshens
 * the stored response, a storable response replaces it).
 */
public interface Refresher
{
    String ATTRIBUTE = Refresher.class.getName();

    /** Completes when the refresh ended, whatever the outcome. */
    CompletableFuture<Void> refresh(Exchange exchange, String rawQuery, Map<String, List<String>> headers, CacheExchange cacheExchange);
}
