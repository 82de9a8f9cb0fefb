// Parses cache.* and route.<name>.cache* into CacheSettings, reporting every problem.
package dev.sluice.cache;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import dev.sluice.config.ConfigReader;

public final class CacheSettingsParser
{
    private static final long MB = 1024L * 1024;

    private CacheSettingsParser()
    {
    }

    /**
     * The JVM's limit on direct memory (-XX:MaxDirectMemorySize, by default the heap's maximum),
     * or 0 where the JVM does not say.
     */
    static long directMemoryLimit()
    {
        try
        {
            var diagnostic = java.lang.management.ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
            long set = diagnostic == null ? 0 : Long.parseLong(diagnostic.getVMOption("MaxDirectMemorySize").getValue());
            return set > 0 ? set : Runtime.getRuntime().maxMemory();
        }
        catch (RuntimeException | LinkageError x)
        {
            return 0;
        }
    }

    /**
     * @param routeNames the configured routes
     * @param authenticatedRoutes routes with authentication, which key by consumer unless told otherwise
     */
    public static CacheSettings parse(ConfigReader reader, Set<String> routeNames, Set<String> authenticatedRoutes)
    {
        long heapEntries = reader.integer("cache.heap.entries", 10_000, 1, 10_000_000);
        long heapBytes = reader.size("cache.heap.size", 0, 1024L * 1024 * MB);
        long offHeap = reader.size("cache.offheap.size", 0, 1024L * 1024 * MB);
        if (heapBytes > 0 && heapBytes < MB)
        {
            reader.invalid("cache.heap.size", Long.toString(heapBytes), "0 (count entries with cache.heap.entries) or at least 1MB");
        }
        if (heapBytes > 0 && offHeap > 0 && offHeap <= heapBytes)
        {
            reader.problem("Key 'cache.offheap.size' must be larger than 'cache.heap.size' (each tier holds more than the one above it); "
                + "allowed: a larger off-heap size, or 0.");
        }
        String directory = reader.optional("cache.disk.directory").orElse(null);
        long diskBytes = reader.size("cache.disk.size", 1024 * MB, 1024L * 1024 * 1024 * MB);
        boolean persistent = reader.bool("cache.disk.persistent", true);
        boolean statusHeader = reader.bool("cache.status-header", true);
        Duration lockTimeout = reader.duration("cache.lock-timeout", Duration.ofSeconds(5));
        long defaultMaxObject = reader.size("cache.max-object-size", MB, 256 * MB);
        if (offHeap > 0 && offHeap < MB)
        {
            reader.invalid("cache.offheap.size", Long.toString(offHeap), "0 (no off-heap tier) or at least 1MB");
        }
        long direct = directMemoryLimit();
        if (offHeap > 0 && direct > 0 && offHeap > direct / 4 * 3)
        {
            // Ehcache takes the whole tier up front, as direct memory; past the JVM's limit its
            // start fails with a stack trace, and near it Jetty's network buffers would run short.
            reader.invalid("cache.offheap.size", reader.optional("cache.offheap.size").orElse(""), "at most " + direct / 4 * 3 / MB
                + "MB, three quarters of this JVM's direct memory limit (" + direct / MB + "MB: -XX:MaxDirectMemorySize, by default the heap's -Xmx); "
                + "raise the limit, or make the tier smaller");
        }
        Path disk = null;
        if (directory != null)
        {
            disk = Path.of(directory);
            if (Files.exists(disk) && (!Files.isDirectory(disk) || !Files.isWritable(disk)))
            {
                reader.invalid("cache.disk.directory", directory, "a writable directory (created if missing)");
            }
            if (diskBytes < MB)
            {
                reader.invalid("cache.disk.size", Long.toString(diskBytes), "at least 1MB");
            }
        }
        Map<String, CacheRoute> routes = new HashMap<>();
        for (String name : routeNames)
        {
            CacheRoute route = route(reader, "route." + name + ".", defaultMaxObject, authenticatedRoutes.contains(name));
            if (route != null)
            {
                routes.put(name, route);
            }
        }
        List<String> targeted = CacheSettings.DEFAULT_TARGETED;
        if (reader.optional("cache.targeted-fields").isPresent())
        {
            List<String> items = lower(reader.list("cache.targeted-fields"));
            targeted = items.equals(List.of("none")) ? List.of() : items;
            for (String item : targeted)
            {
                if (!dev.sluice.config.SettingsParser.TOKEN.matcher(item).matches() || item.equals("cache-control"))
                {
                    reader.invalid("cache.targeted-fields", item, "response header names such as CDN-Cache-Control (not Cache-Control itself), or none");
                }
            }
        }
        boolean forwardTargeted = reader.bool("cache.forward-targeted-fields", false);
        boolean fastPath = reader.bool("cache.fast-path", true);
        return new CacheSettings(heapEntries, heapBytes, offHeap, disk, diskBytes, persistent, statusHeader, lockTimeout, routes, targeted,
            forwardTargeted, fastPath);
    }

    private static CacheRoute route(ConfigReader reader, String prefix, long defaultMaxObject, boolean authenticated)
    {
        String modeText = reader.optional(prefix + "cache").orElse("off");
        CacheRoute.Mode mode = switch (modeText.toLowerCase(Locale.ROOT))
        {
            case "off" -> CacheRoute.Mode.OFF;
            case "on" -> CacheRoute.Mode.ON;
            case "force" -> CacheRoute.Mode.FORCE;
            default ->
            {
                reader.invalid(prefix + "cache", modeText, "off, on (HTTP caching rules) or force (a fixed ttl whatever the upstream says)");
                yield CacheRoute.Mode.OFF;
            }
        };
        Duration ttl = reader.duration(prefix + "cache.ttl", Duration.ofMinutes(5));
        if (mode == CacheRoute.Mode.FORCE && ttl.isZero())
        {
            reader.invalid(prefix + "cache.ttl", "0", "a positive duration such as 30s or 5m");
        }
        Set<Integer> statuses = new TreeSet<>(CacheRoute.DEFAULT_FORCE_STATUSES);
        if (reader.optional(prefix + "cache.statuses").isPresent())
        {
            statuses.clear();
            for (String item : reader.list(prefix + "cache.statuses"))
            {
                try
                {
                    int status = Integer.parseInt(item);
                    if (status < 200 || status > 599 || status == 206 || status == 304)
                    {
                        throw new NumberFormatException();
                    }
                    statuses.add(status);
                }
                catch (NumberFormatException x)
                {
                    reader.invalid(prefix + "cache.statuses", item, "final status codes from 200 to 599, except 206 and 304");
                }
            }
        }
        long maxObject = reader.size(prefix + "cache.max-object-size", defaultMaxObject, 256 * MB);
        List<String> keyQuery = null;
        if (reader.optional(prefix + "cache.key.query").isPresent())
        {
            List<String> items = reader.list(prefix + "cache.key.query");
            keyQuery = items.equals(List.of("*")) ? null : items.equals(List.of("none")) ? List.of() : items;
        }
        List<String> keyHeaders = lower(reader.list(prefix + "cache.key.headers"));
        boolean keyConsumer = reader.bool(prefix + "cache.key.consumer", authenticated);
        if (authenticated && !keyConsumer && mode != CacheRoute.Mode.OFF)
        {
            org.slf4j.LoggerFactory.getLogger(CacheSettingsParser.class).warn(
                "Key '{}cache.key.consumer' is false on an authenticated route: every consumer is served the same cached responses", prefix);
        }
        String unkeyed = reader.optional(prefix + "cache.unkeyed-headers").orElse("separate");
        if (!unkeyed.equals("separate") && !unkeyed.equals("strip"))
        {
            reader.invalid(prefix + "cache.unkeyed-headers", unkeyed,
                "separate (forwarded; their names join the key) or strip (not forwarded on cacheable requests)");
        }
        Set<String> forward = new HashSet<>(lower(reader.list(prefix + "cache.forward-headers")));
        boolean heuristic = reader.bool(prefix + "cache.heuristic", false);
        boolean setCookie = reader.bool(prefix + "cache.store-set-cookie", false);
        Duration staleIfUnreachable = reader.duration(prefix + "cache.stale-if-unreachable", Duration.ofHours(1));
        boolean forceCredentialed = reader.bool(prefix + "cache.force-credentialed", false);
        if (mode == CacheRoute.Mode.OFF)
        {
            return null;
        }
        return new CacheRoute(mode, ttl, statuses, maxObject, keyQuery, keyHeaders, keyConsumer, unkeyed.equals("strip"), forward, heuristic, setCookie,
            staleIfUnreachable, forceCredentialed);
    }

    private static List<String> lower(List<String> names)
    {
        return names.stream().map(name -> name.toLowerCase(Locale.ROOT)).toList();
    }
}
