// The Responses API's output items kept for an hour, so a client's item_reference to one can be resolved.
package dev.sluice.ai;

import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

/**
 * Clients of the Responses API that believe the server stores its answers (the default,
 * {@code store: true}) send earlier output items back as {@code {"type": "item_reference",
 * "id": …}} instead of in full — Vercel's AI SDK does on every tool-calling step. Sluice keeps
 * no conversations, but keeps the items it answered (assistant messages and function calls) for
 * {@link #KEPT}, up to {@link #MAX_BYTES} in all, least recently used dropped first, so those
 * references resolve. Items are kept per consumer: a reference from another consumer finds
 * nothing, whatever the id. Kept in this process only: behind a load balancer, a reference that
 * reaches another Sluice is refused with a 400 that says to send items in full.
 */
final class ResponseItems
{
    /** How long an answered item can be referred to. */
    static final Duration KEPT = Duration.ofHours(1);
    /** The most the kept items may take, counted as their JSON text. */
    static final long MAX_BYTES = 32L * 1024 * 1024;

    private final Cache<String, JsonNode> items = Caffeine.newBuilder()
        .maximumWeight(MAX_BYTES)
        .weigher((String key, JsonNode item) -> key.length() + item.toString().length())
        .expireAfterWrite(KEPT)
        .build();

    /** Keeps the items of an answer's {@code output} that have ids. */
    void keep(String consumer, JsonNode output)
    {
        for (JsonNode item : output)
        {
            if (item.path("id").isTextual())
            {
                items.put(key(consumer, item.path("id").asText()), item.deepCopy());
            }
        }
    }

    /** The item this consumer was answered with that id, or null. */
    ObjectNode find(String consumer, String id)
    {
        return items.getIfPresent(key(consumer, id)) instanceof ObjectNode item ? item.deepCopy() : null;
    }

    private static String key(String consumer, String id)
    {
        return (consumer == null ? "" : consumer) + '\n' + id;
    }
}
