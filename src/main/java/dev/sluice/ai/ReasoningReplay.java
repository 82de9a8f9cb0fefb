// An OpenAI model's encrypted reasoning kept for clients that have no place for it, and put back before the calls it led to.
package dev.sluice.ai;

import java.io.IOException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

/**
 * With {@code store: false}, a model behind the Responses API continues a tool-using turn with
 * its own reasoning only when its encrypted reasoning items come back in the input
 * ({@link OpenAiResponses#keepReasoning}). A Responses client carries them in its reasoning items;
 * chat-completions and Anthropic clients (Cline, Claude Code) have no place for them, so every
 * step after the first tool call went without. As {@link ThinkingReplay} does for Claude's
 * thinking, Sluice keeps, for {@link ThinkingReplay#KEPT} and up to
 * {@link ThinkingReplay#MAX_BYTES} in all, the reasoning of each answer it gave such a client that
 * ended in tool calls, under the consumer and the first call's id, and puts it back with the
 * assistant turn whose calls are exactly those (ids, names, arguments compared as JSON). Kept in
 * this process only.
 */
final class ReasoningReplay
{
    /** An answer's reasoning blocks ({@link OpenAiResponses#REASONING_BLOCK}) and the calls it ended with, normalised. */
    private record Turn(ArrayNode reasoning, ArrayNode calls)
    {
    }

    private final Cache<String, Turn> kept = Caffeine.newBuilder()
        .maximumWeight(ThinkingReplay.MAX_BYTES)
        .weigher((String key, Turn turn) -> key.length() + turn.reasoning().toString().length() + turn.calls().toString().length())
        .expireAfterWrite(ThinkingReplay.KEPT)
        .build();

    /**
     * Keeps an answer's reasoning when it has some and ends in calls.
     *
     * @param calls the chat form's {@code tool_calls} of the answer
     */
    void keep(String consumer, ArrayNode reasoning, JsonNode calls)
    {
        ArrayNode normalised = normalised(calls);
        if (!reasoning.isEmpty() && !normalised.isEmpty())
        {
            kept.put(ThinkingReplay.key(consumer, normalised.get(0).path("id").asText()), new Turn(reasoning, normalised));
        }
    }

    /** Puts kept reasoning in the {@code thinking_blocks} of each assistant message whose calls are exactly those it led to. */
    void restore(String consumer, JsonNode messages)
    {
        for (JsonNode message : messages)
        {
            if (!"assistant".equals(message.path("role").asText()) || !(message instanceof ObjectNode assistant))
            {
                continue;
            }
            ArrayNode calls = normalised(message.path("tool_calls"));
            Turn turn = calls.isEmpty() ? null : kept.getIfPresent(ThinkingReplay.key(consumer, calls.get(0).path("id").asText()));
            if (turn != null && turn.calls().equals(calls))
            {
                ArrayNode blocks = assistant.path("thinking_blocks") instanceof ArrayNode given ? given : assistant.putArray("thinking_blocks");
                turn.reasoning().forEach(block -> blocks.add(block.deepCopy()));
            }
        }
    }

    /** The chat form's calls as their ids, names and arguments (as JSON where they are: a client that wrote them anew still matches). */
    private static ArrayNode normalised(JsonNode calls)
    {
        ArrayNode normalised = AnthropicTranslation.JSON.createArrayNode();
        for (JsonNode call : calls)
        {
            String arguments = call.path("function").path("arguments").asText("");
            JsonNode parsed;
            try
            {
                parsed = arguments.isEmpty() ? AnthropicTranslation.JSON.createObjectNode() : AnthropicTranslation.JSON.readTree(arguments);
            }
            catch (IOException x)
            {
                parsed = null;
            }
            ObjectNode kept = normalised.addObject().put("id", call.path("id").asText()).put("name", call.path("function").path("name").asText());
            kept.set("arguments", parsed != null ? parsed : AnthropicTranslation.JSON.getNodeFactory().textNode(arguments));
        }
        return normalised;
    }
}
