// Reads ratelimit.* and route.<name>.rate-limit*; reports every problem with its key.
package dev.sluice.ratelimit;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import dev.sluice.config.ConfigReader;
import dev.sluice.config.SettingsParser;

/**
 * Parses the rate-limit keys documented in {@code conf/sluice.properties}. Problems are collected
 * in the reader and reported with the rest of the file's.
 */
public final class RateLimitSettingsParser
{
    private static final String KEY_ALLOWED = "consumer, credential, ip, header:<name>, route or path";

    private RateLimitSettingsParser()
    {
    }

    /**
     * @param consumers the declared consumer ids, for per-consumer limits
     */
    public static RateLimitSettings parse(ConfigReader reader, Set<String> routeNames, Set<String> consumers)
    {
        String storeText = reader.string("ratelimit.store", "local");
        RateLimitSettings.Store store = switch (storeText)
        {
            case "local" -> RateLimitSettings.Store.LOCAL;
            case "redis" -> RateLimitSettings.Store.REDIS;
            default ->
            {
                reader.invalid("ratelimit.store", storeText, "local or redis");
                yield RateLimitSettings.Store.LOCAL;
            }
        };
        int maxKeys = reader.integer("ratelimit.local.max-keys", 100_000, 1000, 10_000_000);
        Duration timeout = reader.duration("ratelimit.redis.timeout", Duration.ofMillis(500));
        if (timeout.isZero())
        {
            reader.invalid("ratelimit.redis.timeout", "0", "a positive duration such as 250ms or 1s");
        }
        String prefix = reader.string("ratelimit.redis.key-prefix", "sluice:rl:");
        URI uri = null;
        String uriText = store == RateLimitSettings.Store.REDIS
            ? reader.required("ratelimit.redis.uri", "a Redis URI such as redis://127.0.0.1:6379/0, redis://:${REDIS_PASSWORD}@host:6379 or rediss://host:6380")
            : reader.optional("ratelimit.redis.uri").orElse(null);
        if (uriText != null)
        {
            uri = redisUri(reader, uriText);
        }
        java.nio.file.Path caFile = redisCaFile(reader, uri);

        Map<String, RateLimitPolicy> policies = new TreeMap<>();
        for (String route : routeNames)
        {
            RateLimitPolicy policy = policy(reader, "route." + route + ".rate-limit", consumers);
            if (policy != null)
            {
                policies.put(route, policy);
            }
        }
        return new RateLimitSettings(store, uri, timeout, caFile, prefix, maxKeys, policies);
    }

    /** {@code ratelimit.redis.ca-file}: read now, so that a file that is missing or holds no certificate refuses start-up. */
    private static java.nio.file.Path redisCaFile(ConfigReader reader, URI uri)
    {
        String text = reader.optional("ratelimit.redis.ca-file").orElse(null);
        if (text == null)
        {
            return null;
        }
        if (uri != null && !"rediss".equals(uri.getScheme()))
        {
            reader.problem("Key 'ratelimit.redis.ca-file' is set but 'ratelimit.redis.uri' is not rediss://; allowed: a CA file only with "
                + "rediss:// (Redis over TLS).");
            return null;
        }
        try
        {
            java.nio.file.Path path = java.nio.file.Path.of(text);
            dev.sluice.upstream.UpstreamTls.trustStore(path);
            return path;
        }
        catch (Exception x)
        {
            reader.invalid("ratelimit.redis.ca-file", text, "a readable PEM file with the CA certificates to trust for Redis over TLS");
            return null;
        }
    }

    private static URI redisUri(ConfigReader reader, String text)
    {
        try
        {
            URI uri = new URI(text);
            if (("redis".equals(uri.getScheme()) || "rediss".equals(uri.getScheme())) && uri.getHost() != null && ConfigReader.portInRange(uri))
            {
                return uri;
            }
        }
        catch (URISyntaxException x)
        {
            // reported below
        }
        reader.invalid("ratelimit.redis.uri", text, "a Redis URI such as redis://127.0.0.1:6379/0 or rediss://host:6380");
        return null;
    }

    private static RateLimitPolicy policy(ConfigReader reader, String prefix, Set<String> consumers)
    {
        List<Limit> limits = limits(reader, prefix);
        String keyText = reader.string(prefix + ".by", "consumer");
        int concurrency = reader.integer(prefix + ".concurrency", 0, 0, 1_000_000);
        boolean headers = reader.bool(prefix + ".headers", true);
        String failure = reader.string(prefix + ".on-store-failure", "allow");
        Map<String, List<Limit>> groups = new LinkedHashMap<>();
        for (String group : reader.keysUnder(prefix + ".group."))
        {
            List<Limit> groupLimits = limits(reader, prefix + ".group." + group);
            if (!SettingsParser.NAME.matcher(group).matches())
            {
                reader.problem("Key '" + prefix + ".group." + group + "' does not name a valid group; allowed: letters, digits, '-' and '_'.");
            }
            else if (groupLimits != null)
            {
                groups.put(group, groupLimits);
            }
        }
        Map<String, List<Limit>> perConsumer = new LinkedHashMap<>();
        for (String consumer : reader.keysUnder(prefix + ".consumer."))
        {
            List<Limit> consumerLimits = limits(reader, prefix + ".consumer." + consumer);
            if (!consumers.contains(consumer))
            {
                reader.problem("Key '" + prefix + ".consumer." + consumer + "' names no declared consumer; allowed: the id of a consumer.<id>.");
            }
            else if (consumerLimits != null)
            {
                perConsumer.put(consumer, consumerLimits);
            }
        }

        boolean any = limits != null || concurrency > 0;
        boolean extras = reader.optional(prefix + ".by").isPresent() || !groups.isEmpty() || !perConsumer.isEmpty()
            || reader.optional(prefix + ".headers").isPresent() || reader.optional(prefix + ".on-store-failure").isPresent();
        if (!any)
        {
            if (extras)
            {
                reader.problem("Route '" + prefix.substring(6, prefix.length() - 11) + "' sets " + prefix + ".* but neither " + prefix
                    + " nor " + prefix + ".concurrency; allowed: a limit such as " + prefix + " = 10/s.");
            }
            return null;
        }

        KeyType key;
        String header = null;
        String lower = keyText.toLowerCase(Locale.ROOT);
        if (lower.startsWith("header:") && SettingsParser.TOKEN.matcher(keyText.substring(7)).matches())
        {
            key = KeyType.HEADER;
            header = keyText.substring(7);
        }
        else
        {
            key = switch (lower)
            {
                case "consumer" -> KeyType.CONSUMER;
                case "credential" -> KeyType.CREDENTIAL;
                case "ip" -> KeyType.IP;
                case "route" -> KeyType.ROUTE;
                case "path" -> KeyType.PATH;
                default ->
                {
                    reader.invalid(prefix + ".by", keyText, KEY_ALLOWED);
                    yield null;
                }
            };
        }
        boolean failOpen = switch (failure)
        {
            case "allow" -> true;
            case "deny" -> false;
            default ->
            {
                reader.invalid(prefix + ".on-store-failure", failure, "allow (requests pass while the store is down) or deny (503)");
                yield true;
            }
        };
        if (key == null)
        {
            return null;
        }
        return new RateLimitPolicy(limits == null ? List.of() : limits, key, header, groups, perConsumer, concurrency, headers, failOpen);
    }

    private static List<Limit> limits(ConfigReader reader, String key)
    {
        String text = reader.optional(key).orElse(null);
        if (text == null)
        {
            return null;
        }
        try
        {
            return Limit.parseList(text);
        }
        catch (IllegalArgumentException x)
        {
            reader.invalid(key, x.getMessage(), Limit.ALLOWED);
            return null;
        }
    }
}
