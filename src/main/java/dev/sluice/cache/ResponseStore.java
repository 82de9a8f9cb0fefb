// Where cached responses live: an Ehcache cache with heap, optional off-heap and optional disk tiers.
package dev.sluice.cache;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;

import org.ehcache.Cache;
import org.ehcache.config.builders.CacheConfigurationBuilder;
import org.ehcache.config.builders.CacheManagerBuilder;
import org.ehcache.config.builders.ResourcePoolsBuilder;
import org.ehcache.config.units.EntryUnit;
import org.ehcache.config.units.MemoryUnit;
import org.ehcache.CacheManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keys are {@link CacheKeys} strings; values are {@link CacheEntry}s. The heap tier holds
 * objects by reference; off-heap and disk hold them through {@link EntrySerializer}. A disk tier
 * marked persistent is reopened on the next start, so a restart keeps what was cached.
 */
public final class ResponseStore implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(ResponseStore.class);
    private static final String CACHE = "responses";

    private final CacheManager manager;
    private final Cache<String, CacheEntry> cache;
    private final org.ehcache.core.spi.service.StatisticsService statistics = new org.ehcache.core.internal.statistics.DefaultStatisticsService();

    /**
     * One storage tier's occupancy, as Ehcache counts it.
     *
     * @param tier {@code OnHeap}, {@code OffHeap} or {@code Disk}
     * @param bytes occupied bytes, or -1 where the tier counts entries only (a heap sized in entries)
     */
    public record Tier(String tier, long entries, long bytes, long hits, long misses, long evictions)
    {
    }

    /** A stored response and the key it is stored under (a variant key for Vary'ing resources). */
    public record Hit(String key, CachedResponse response)
    {
    }

    public ResponseStore(CacheSettings settings)
    {
        ResourcePoolsBuilder pools = settings.heapBytes() > 0
            ? ResourcePoolsBuilder.newResourcePoolsBuilder().heap(Math.max(1, settings.heapBytes() / (1024 * 1024)), MemoryUnit.MB)
            : ResourcePoolsBuilder.newResourcePoolsBuilder().heap(settings.heapEntries(), EntryUnit.ENTRIES);
        if (settings.offHeapBytes() > 0)
        {
            pools = pools.offheap(Math.max(1, settings.offHeapBytes() / (1024 * 1024)), MemoryUnit.MB);
        }
        if (settings.diskDirectory() != null)
        {
            pools = pools.disk(Math.max(1, settings.diskBytes() / (1024 * 1024)), MemoryUnit.MB, settings.diskPersistent());
        }
        CacheConfigurationBuilder<String, CacheEntry> configuration = CacheConfigurationBuilder
            .newCacheConfigurationBuilder(String.class, CacheEntry.class, pools)
            .withValueSerializer(EntrySerializer.class);
        if (settings.diskDirectory() != null)
        {
            manager = CacheManagerBuilder.newCacheManagerBuilder()
                .with(CacheManagerBuilder.persistence(settings.diskDirectory().toFile()))
                .using(statistics)
                .withCache(CACHE, configuration)
                .build(true);
        }
        else
        {
            manager = CacheManagerBuilder.newCacheManagerBuilder().using(statistics).withCache(CACHE, configuration).build(true);
        }
        cache = manager.getCache(CACHE, String.class, CacheEntry.class);
        LOG.info("Response cache: heap {}, {} off-heap, disk {}",
            settings.heapBytes() > 0 ? settings.heapBytes() / (1024 * 1024) + " MB" : settings.heapEntries() + " entries",
            settings.offHeapBytes() > 0 ? settings.offHeapBytes() / (1024 * 1024) + " MB" : "none",
            settings.diskDirectory() == null ? "none" : settings.diskDirectory() + " (" + settings.diskBytes() / (1024 * 1024) + " MB"
                + (settings.diskPersistent() ? ", persistent)" : ")"));
    }

    /** Every tier's occupancy now, heap first. */
    public List<Tier> tiers()
    {
        List<Tier> tiers = new java.util.ArrayList<>();
        statistics.getCacheStatistics(CACHE).getTierStatistics().forEach((name, tier) ->
            tiers.add(new Tier(name, tier.getMappings(), tier.getOccupiedByteSize(), tier.getHits(), tier.getMisses(), tier.getEvictions())));
        tiers.sort(java.util.Comparator.comparingInt(tier -> List.of("OnHeap", "OffHeap", "Disk").indexOf(tier.tier())));
        return tiers;
    }

    /** The stored response this request selects, or null. */
    public Hit lookup(String primary, Function<String, List<String>> requestHeaders)
    {
        CacheEntry entry = get(primary);
        if (entry instanceof CachedResponse response)
        {
            return new Hit(primary, response);
        }
        if (entry instanceof Variants variants)
        {
            String key = CacheKeys.variant(primary, variants.vary(), requestHeaders);
            if (get(key) instanceof CachedResponse response)
            {
                return new Hit(key, response);
            }
        }
        return null;
    }

    /** The header names the stored variants of this resource vary on (empty when none). */
    public List<String> varyOf(String primary)
    {
        CacheEntry entry = get(primary);
        if (entry instanceof Variants variants)
        {
            return variants.vary();
        }
        if (entry instanceof CachedResponse response)
        {
            return response.vary();
        }
        return List.of();
    }

    private CacheEntry get(String key)
    {
        try
        {
            return cache.get(key);
        }
        catch (RuntimeException x)
        {
            // A disk entry from another version, or a tier failing: a miss, not an error.
            LOG.debug("cache read failed: {}", x.toString());
            return null;
        }
    }

    /** Stores a response under its primary key or, when it Varies, as a variant; returns the key used. */
    public synchronized String store(String primary, CachedResponse response)
    {
        List<String> vary = response.vary();
        if (vary.isEmpty())
        {
            if (get(primary) instanceof Variants old)
            {
                old.keys().forEach(cache::remove);
            }
            cache.put(primary, response);
            return primary;
        }
        Map<String, String> selecting = response.selecting();
        String key = CacheKeys.variant(primary, vary, name -> selecting.get(name) == null ? List.of() : List.of(selecting.get(name)));
        List<String> keys = new ArrayList<>();
        if (get(primary) instanceof Variants old)
        {
            keys.addAll(old.keys());
        }
        keys.remove(key);
        keys.add(key);
        while (keys.size() > Variants.MAX_VARIANTS)
        {
            cache.remove(keys.remove(0));
        }
        cache.put(key, response);
        cache.put(primary, new Variants(vary, keys));
        return key;
    }

    /** Replaces a stored response in place (after a 304 freshened it). */
    public void replace(String key, CachedResponse response)
    {
        cache.put(key, response);
    }

    /** Removes a resource: its response or all its variants. */
    public synchronized void invalidate(String primary)
    {
        CacheEntry entry = get(primary);
        if (entry instanceof Variants variants)
        {
            variants.keys().forEach(cache::remove);
        }
        cache.remove(primary);
    }

    /** Removes every entry whose URL matches; returns how many responses were removed. */
    public synchronized int purge(Predicate<String> url)
    {
        List<String> doomed = new ArrayList<>();
        Iterator<Cache.Entry<String, CacheEntry>> entries = cache.iterator();
        while (entries.hasNext())
        {
            Cache.Entry<String, CacheEntry> entry;
            try
            {
                entry = entries.next();
            }
            catch (RuntimeException x)
            {
                continue;
            }
            if (entry.getValue() instanceof CachedResponse response && url.test(response.url()))
            {
                doomed.add(entry.getKey());
            }
        }
        doomed.forEach(cache::remove);
        return doomed.size();
    }

    /** Removes everything. */
    public synchronized void clear()
    {
        cache.clear();
    }

    @Override
    public void close()
    {
        try
        {
            manager.close();
        }
        catch (RuntimeException x)
        {
            LOG.warn("Closing the response cache failed: {}", x.toString());
        }
    }

}
