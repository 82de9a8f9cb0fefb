// Where buckets live and each route's policy, parsed with the rest of the configuration.
package dev.sluice.ratelimit;

import java.net.URI;
import java.time.Duration;
import java.util.Map;

/**
 * @param redisUri the Redis server for {@code ratelimit.store = redis}, or null
 * @param redisTimeout how long one Redis operation may take before the failure policy applies
 * @param redisCaFile the CA certificates to trust for a {@code rediss://} URI, or null for the JVM's
 * @param maxKeys the most buckets kept in process (local store)
 * @param policies each route's policy by route name; routes absent here are not limited
 */
public record RateLimitSettings(Store store, URI redisUri, Duration redisTimeout, java.nio.file.Path redisCaFile, String redisPrefix, int maxKeys,
                                Map<String, RateLimitPolicy> policies)
{
    public static final RateLimitSettings NONE = new RateLimitSettings(Store.LOCAL, null, Duration.ofMillis(500), null, "sluice:rl:", 100_000, Map.of());

    public RateLimitSettings
    {
        policies = Map.copyOf(policies);
    }

    public enum Store
    {
        LOCAL, REDIS
    }

    @Override
    public String toString()
    {
        // The URI may carry a password.
        return "RateLimitSettings[" + store + ", " + policies.size() + " routes]";
    }
}
