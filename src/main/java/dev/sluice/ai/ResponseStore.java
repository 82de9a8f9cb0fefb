// The Responses API's answers kept for an hour, so a client's item_reference or previous_response_id can be resolved.
package dev.sluice.ai;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

/**
 * Clients of the Responses API that let the server store its answers (the default,
 * {@code store: true}) continue a conversation by reference instead of sending it again:
 * earlier output items as {@code {"type": "item_reference", "id": …}} (Vercel's AI SDK does on
 * every tool-calling step), or the whole conversation as {@code previous_response_id} (OpenAI's
 * documented way to chain turns). Sluice keeps, for {@link #KEPT} and up to {@link #MAX_BYTES}
 * in all (least recently used dropped first), each answered item and each answer's turn — the
 * messages of its input and of its output in the chat form, and the response it followed — so
 * both resolve. Answers to {@code store: false} requests (Codex's) are not kept. Kept per
 * consumer: another consumer's reference finds nothing, whatever the id. Kept in this process
 * only: behind a load balancer, a reference that reaches another Sluice gets a 400 that says to
 * send the conversation in full.
 */
final class ResponseStore
{
    /** How long an answer can be referred to. */
    static final Duration KEPT = Duration.ofHours(1);
    /** The most the kept answers may take, counted as their JSON text. */
    static final long MAX_BYTES = 32L * 1024 * 1024;
    /** The longest chain of responses a {@code previous_response_id} is followed through. */
    static final int MAX_TURNS = 1000;

    /**
     * One answered turn: its input and output as chat messages, the response it continued (or
     * null), and the target it was relayed to as it came ({@link ResponsesRelay}), which keeps it
     * too, or null.
     */
    record Turn(String previous, ArrayNode messages, String relayedTo)
    {
    }

    private final Cache<String, Object> kept = Caffeine.newBuilder()
        .maximumWeight(MAX_BYTES)
        .weigher((String key, Object value) -> key.length()
            + (value instanceof Turn turn ? turn.messages().toString().length() : value.toString().length()))
        .expireAfterWrite(KEPT)
        .build();

    /** Keeps the items of an answer's {@code output} that have ids. */
    void keepItems(String consumer, JsonNode output)
    {
        for (JsonNode item : output)
        {
            if (item.path("id").isTextual())
            {
                kept.put(key(consumer, item.path("id").asText()), item.deepCopy());
            }
        }
    }

    /** Keeps an answer's turn under its response id. */
    void keepTurn(String consumer, String responseId, Turn turn)
    {
        kept.put(key(consumer, responseId), turn);
    }

    /** The target the response with that id was relayed to, which keeps it too; null when it was not, or is not kept. */
    String relayedTo(String consumer, String responseId)
    {
        return kept.getIfPresent(key(consumer, responseId)) instanceof Turn turn ? turn.relayedTo() : null;
    }

    /** The item this consumer was answered with that id, or null. */
    ObjectNode item(String consumer, String id)
    {
        return kept.getIfPresent(key(consumer, id)) instanceof ObjectNode item ? item.deepCopy() : null;
    }

    /**
     * The conversation up to and including the response with that id, oldest message first; null
     * when that response, or one it followed, is not kept (for this consumer).
     */
    ArrayNode conversation(String consumer, String responseId)
    {
        Deque<Turn> chain = new ArrayDeque<>();
        for (String at = responseId; at != null; )
        {
            if (chain.size() >= MAX_TURNS || !(kept.getIfPresent(key(consumer, at)) instanceof Turn turn))
            {
                return null;
            }
            chain.push(turn);
            at = turn.previous();
        }
        ArrayNode messages = AnthropicTranslation.JSON.createArrayNode();
        chain.forEach(turn -> messages.addAll(turn.messages().deepCopy()));
        return messages;
    }

    private static String key(String consumer, String id)
    {
        return (consumer == null ? "" : consumer) + '\n' + id;
    }
}
