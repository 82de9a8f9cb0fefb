// Claude's signed thinking kept for OpenAI-form clients that do not send it back, and put back before the tool calls it led to.
package dev.sluice.ai;

import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

/**
 * Claude answers a request with thinking only if the assistant turn it continues — the one whose
 * tool calls the request answers — starts with that turn's thinking, signed as Claude gave it.
 * Chat-completions clients (Cline, and OpenCode and others on Vercel's AI SDK) send back
 * the tool calls but not {@code thinking_blocks}, so every step after the first tool call went
 * without thinking ({@link ClaudeThinking#whereAllowed}). Sluice keeps, for {@link #KEPT} and up
 * to {@link #MAX_BYTES} in all (least recently used dropped first), the signed thinking of each
 * answer it gave such a client that ended in tool calls, under the consumer and the first call's
 * id; a later request's assistant turn without thinking gets it back when its tool calls are
 * exactly those (ids, names and arguments), so thinking goes on through the whole task, as it does
 * for clients that send it. Every such turn of the request is restored, not only the last, so the
 * prompt Claude caches stays the same from one request to the next. Kept in this process only:
 * behind a load balancer, a request that reaches another Sluice is answered without thinking, as
 * before.
 */
final class ThinkingReplay
{
    /** How long an answer's thinking can be put back. */
    static final Duration KEPT = Duration.ofHours(1);
    /** The most the kept thinking may take, counted as its JSON text. */
    static final long MAX_BYTES = 16L * 1024 * 1024;

    /** An answer's signed thinking blocks and the tool calls it ended with, in Anthropic's form. */
    private record Turn(ArrayNode thinking, ArrayNode toolUses)
    {
    }

    private final Cache<String, Turn> kept = Caffeine.newBuilder()
        .maximumWeight(MAX_BYTES)
        .weigher((String key, Turn turn) -> key.length() + turn.thinking().toString().length() + turn.toolUses().toString().length())
        .expireAfterWrite(KEPT)
        .build();

    /** Keeps the thinking of a Claude answer's content (its blocks) when it is signed and the answer calls tools. */
    void keep(String consumer, JsonNode content)
    {
        ArrayNode thinking = AnthropicTranslation.JSON.createArrayNode();
        ClaudeThinking.signedInto(content, thinking);
        ArrayNode toolUses = AnthropicTranslation.JSON.createArrayNode();
        for (JsonNode block : content)
        {
            if ("tool_use".equals(block.path("type").asText()))
            {
                toolUses.addObject().put("id", block.path("id").asText()).put("name", block.path("name").asText())
                    .set("input", block.path("input").isObject() ? block.get("input") : AnthropicTranslation.JSON.createObjectNode());
            }
        }
        if (!thinking.isEmpty() && !toolUses.isEmpty())
        {
            kept.put(key(consumer, toolUses.get(0).path("id").asText()), new Turn(thinking, toolUses));
        }
    }

    /**
     * Puts kept thinking first in each assistant turn of an Anthropic request's {@code messages}
     * that starts without thinking and whose tool calls are exactly those the thinking led to.
     */
    void restore(String consumer, JsonNode messages)
    {
        for (JsonNode message : messages)
        {
            if (!"assistant".equals(message.path("role").asText()) || !(message.path("content") instanceof ArrayNode content))
            {
                continue;
            }
            String first = content.path(0).path("type").asText();
            if (first.equals("thinking") || first.equals("redacted_thinking"))
            {
                continue;
            }
            ArrayNode toolUses = AnthropicTranslation.JSON.createArrayNode();
            for (JsonNode block : content)
            {
                if ("tool_use".equals(block.path("type").asText()))
                {
                    toolUses.addObject().put("id", block.path("id").asText()).put("name", block.path("name").asText()).set("input", block.path("input"));
                }
            }
            Turn turn = toolUses.isEmpty() ? null : kept.getIfPresent(key(consumer, toolUses.get(0).path("id").asText()));
            // Object fields compare regardless of order: a client that wrote the arguments anew still matches.
            if (turn != null && turn.toolUses().equals(toolUses))
            {
                for (int i = turn.thinking().size() - 1; i >= 0; i--)
                {
                    content.insert(0, turn.thinking().get(i).deepCopy());
                }
            }
        }
    }

    /** The key of a turn kept for a consumer: its first call's id, which a client sends back as it was given. */
    static String key(String consumer, String toolUseId)
    {
        return (consumer == null ? "" : consumer) + '\n' + toolUseId;
    }

    /**
     * A streamed answer's thinking and tool calls as they arrive (Claude's events), made into the
     * content {@link #keep} takes. Tool calls are followed only once signed thinking has come.
     */
    static final class Recorder
    {
        private final ArrayNode content = AnthropicTranslation.JSON.createArrayNode();
        private final StringBuilder thinking = new StringBuilder();
        private final Map<Integer, StringBuilder> inputs = new HashMap<>();
        private final Map<Integer, ObjectNode> toolUses = new HashMap<>();
        private boolean signed;

        void thinking(String text)
        {
            thinking.append(text);
        }

        void signature(String signature)
        {
            content.addObject().put("type", "thinking").put("thinking", thinking.toString()).put("signature", signature);
            thinking.setLength(0);
            signed = true;
        }

        void redacted(String data)
        {
            content.addObject().put("type", "redacted_thinking").put("data", data);
            signed = true;
        }

        void toolUse(int block, String id, String name)
        {
            if (signed)
            {
                ObjectNode use = content.addObject().put("type", "tool_use").put("id", id).put("name", name);
                toolUses.put(block, use);
                inputs.put(block, new StringBuilder());
            }
        }

        void toolInput(int block, String json)
        {
            StringBuilder input = inputs.get(block);
            if (input != null)
            {
                input.append(json);
            }
        }

        /** The blocks recorded, each tool call with its whole input; null when the answer had no signed thinking or no valid call. */
        JsonNode content()
        {
            if (!signed || toolUses.isEmpty())
            {
                return null;
            }
            for (Map.Entry<Integer, ObjectNode> use : toolUses.entrySet())
            {
                String input = inputs.get(use.getKey()).toString();
                try
                {
                    use.getValue().set("input", input.isEmpty() ? AnthropicTranslation.JSON.createObjectNode() : AnthropicTranslation.JSON.readTree(input));
                }
                catch (IOException x)
                {
                    return null;
                }
            }
            return content;
        }
    }
}
