// The cache's storage tiers and switches (cache.*), and each route's caching (route.<name>.cache*).
package dev.sluice.cache;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * @param heapEntries entries kept on the Java heap (the fastest tier), when {@code heapBytes} is 0
 * @param heapBytes the heap tier's size in bytes instead of entries (measured by Ehcache's sizeof); 0 = count entries
 * @param offHeapBytes bytes of off-heap memory; 0 = no off-heap tier
 * @param diskDirectory directory of the disk tier, or null for none
 * @param diskBytes size of the disk tier
 * @param diskPersistent whether the disk tier survives restarts
 * @param statusHeader whether responses carry X-Cache-Status
 * @param lockTimeout how long concurrent misses for one key wait for the first one's response
 * @param routes caching per route name; routes not listed do not cache
 * @param targetedFields RFC 9213 targeted cache-control fields Sluice obeys instead of Cache-Control, lower case, the first present one wins
 * @param forwardTargeted whether those fields still reach clients
 * @param fastPath whether the embedded launcher answers fresh hits of public routes before the servlet chain ({@link CacheFront})
 */
public record CacheSettings(long heapEntries, long heapBytes, long offHeapBytes, Path diskDirectory, long diskBytes, boolean diskPersistent,
                            boolean statusHeader, Duration lockTimeout, Map<String, CacheRoute> routes, java.util.List<String> targetedFields,
                            boolean forwardTargeted, boolean fastPath)
{
    public static final java.util.List<String> DEFAULT_TARGETED = java.util.List.of("sluice-cache-control", "cdn-cache-control");
    public static final CacheSettings NONE = new CacheSettings(10_000, 0, 0, null, 0, false, true, Duration.ofSeconds(5), Map.of(),
        DEFAULT_TARGETED, false, true);

    public CacheSettings
    {
        routes = Map.copyOf(routes);
        targetedFields = java.util.List.copyOf(targetedFields);
    }

    /** Whether a response header is a targeted field that Sluice consumes and does not pass on. */
    public boolean consumes(String lowerCaseName)
    {
        return !forwardTargeted && targetedFields.contains(lowerCaseName);
    }

    /** The route's caching, or null when it does not cache. */
    public CacheRoute route(String name)
    {
        CacheRoute route = routes.get(name);
        return route == null || route.mode() == CacheRoute.Mode.OFF ? null : route;
    }

    /** Whether two settings can share one store (the tiers are the same). */
    public boolean sameStorage(CacheSettings other)
    {
        return heapEntries == other.heapEntries && heapBytes == other.heapBytes && offHeapBytes == other.offHeapBytes && java.util.Objects.equals(diskDirectory, other.diskDirectory)
            && diskBytes == other.diskBytes && diskPersistent == other.diskPersistent;
    }
}
