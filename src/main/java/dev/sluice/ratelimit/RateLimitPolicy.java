// What one route limits: route.<name>.rate-limit and route.<name>.rate-limit.*.
package dev.sluice.ratelimit;

import java.util.List;
import java.util.Map;

/**
 * @param limits every one must hold at once; empty when only concurrency is limited
 * @param header the header counted per, for {@link KeyType#HEADER}
 * @param groupLimits limits replacing {@link #limits} for consumers in a group; the first group of
 * the consumer (in configuration order) that has limits wins
 * @param consumerLimits limits replacing everything else for one consumer
 * @param concurrency the most requests of one key in flight at once; 0 for no limit
 * @param headers whether RateLimit-* headers are sent
 * @param failOpen whether requests pass (true) or get 503 (false) when the store cannot answer
 */
public record RateLimitPolicy(
    List<Limit> limits,
    KeyType key,
    String header,
    Map<String, List<Limit>> groupLimits,
    Map<String, List<Limit>> consumerLimits,
    int concurrency,
    boolean headers,
    boolean failOpen)
{
    public RateLimitPolicy
    {
        limits = List.copyOf(limits);
        groupLimits = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(groupLimits));
        consumerLimits = Map.copyOf(consumerLimits);
    }
}
