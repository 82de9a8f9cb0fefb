// The cache's shared state: the store, misses in flight (for collapsing), and the URL index for invalidation.
package dev.sluice.cache;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One per storage configuration, held in the servlet context so the proxy servlet and the
 * admin endpoint find the same store. The URL index maps a URL to the keys stored for it
 * (per route, consumer and variant), so an unsafe request invalidates them all; it is
 * best-effort across restarts of a persistent disk tier, where entries stored before the restart
 * are found by key only.
 */
public final class CacheRuntime implements AutoCloseable
{
    public static final String ATTRIBUTE = CacheRuntime.class.getName();
    /** The cap on URLs in the index; beyond it the oldest-looking half is forgotten (invalidation then works by key only). */
    private static final int MAX_INDEXED = 200_000;

    private final CacheSettings settings;
    private final ResponseStore store;
    private final Map<String, CompletableFuture<Void>> inFlight = new ConcurrentHashMap<>();
    private final Map<String, Set<String>> keysByUrl = new ConcurrentHashMap<>();
    private final Set<String> refreshing = ConcurrentHashMap.newKeySet();

    public CacheRuntime(CacheSettings settings)
    {
        this.settings = settings;
        this.store = new ResponseStore(settings);
    }

    public CacheSettings settings()
    {
        return settings;
    }

    public ResponseStore store()
    {
        return store;
    }

    /** Stores a response and indexes its key under its URL. */
    public String store(String primary, CachedResponse response)
    {
        String key = store.store(primary, response);
        if (keysByUrl.size() > MAX_INDEXED)
        {
            keysByUrl.clear();
        }
        keysByUrl.computeIfAbsent(response.url(), url -> ConcurrentHashMap.newKeySet()).add(primary);
        return key;
    }

    /** Invalidates every key stored for a URL, and the given primary key. */
    public void invalidate(String url, String primary)
    {
        if (primary != null)
        {
            store.invalidate(primary);
        }
        Set<String> keys = keysByUrl.remove(url);
        if (keys != null)
        {
            keys.forEach(store::invalidate);
        }
    }

    /**
     * Registers the caller as the one fetching a key; returns null when it is, or the future of
     * the fetch already under way.
     */
    public CompletableFuture<Void> lead(String key)
    {
        CompletableFuture<Void> mine = new CompletableFuture<>();
        CompletableFuture<Void> existing = inFlight.putIfAbsent(key, mine);
        return existing;
    }

    /** Ends a fetch begun by {@link #lead}; those waiting on it look again. */
    public void release(String key)
    {
        CompletableFuture<Void> future = inFlight.remove(key);
        if (future != null)
        {
            future.complete(null);
        }
    }

    /** At most one background refresh per key: true when the caller may start one. */
    public boolean startRefresh(String key)
    {
        return refreshing.add(key);
    }

    public void endRefresh(String key)
    {
        refreshing.remove(key);
    }

    @Override
    public void close()
    {
        inFlight.values().forEach(future -> future.complete(null));
        store.close();
    }
}
