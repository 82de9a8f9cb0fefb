// Claude's answers as OpenAI chat completions: the message, its finish reason, usage and what the chat form has no place for.
package dev.sluice.ai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The answer side of {@link AnthropicTranslation}, pure and without I/O: an Anthropic Messages answer becomes the chat
 * completion the rest of the AI front works with ({@link AnthropicStream} does the same for a stream). What the chat form
 * has no field for rides beside it ({@code stop_sequence}, {@code stop_reason}, {@link AnthropicTools#RAW_CONTENT}), so
 * {@link AnthropicAnswers} can give an Anthropic client Claude's answer back whole.
 */
public final class ClaudeAnswers
{
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private ClaudeAnswers()
    {
    }

    /**
     * The stop sequence that ended Claude's answer, kept on the chat choice as
     * {@code stop_sequence} (OpenAI's form says only "stop"), so an Anthropic client gets
     * {@code stop_reason: stop_sequence} and which one back.
     */
    static void stopSequence(JsonNode sequence, ObjectNode choice)
    {
        if (sequence != null && sequence.isTextual())
        {
            choice.put("stop_sequence", sequence.asText());
        }
    }

    /**
     * Claude's {@code stop_reason} when OpenAI's {@code finish_reason} would lose it, kept on the
     * chat choice as {@code stop_reason}, else null: {@code pause_turn} (a server tool's long turn
     * paused, which the client continues by sending the answer back; as {@code end_turn} the turn
     * would end unfinished) and {@code model_context_window_exceeded} (not {@code max_tokens}).
     */
    static String keptStopReason(String stopReason)
    {
        return "pause_turn".equals(stopReason) || "model_context_window_exceeded".equals(stopReason) ? stopReason : null;
    }

    /** Anthropic's {@code stop_reason} as OpenAI's {@code finish_reason}. */
    public static String finishReason(String stopReason)
    {
        if (stopReason == null)
        {
            return null;
        }
        return switch (stopReason)
        {
            case "end_turn", "stop_sequence", "pause_turn" -> "stop";
            case "max_tokens", "model_context_window_exceeded" -> "length";
            case "tool_use" -> "tool_calls";
            case "refusal" -> "content_filter";
            default -> "stop";
        };
    }

    /**
     * Usage from Anthropic's {@code usage}: its {@code input_tokens} leaves out tokens read from or
     * written to the prompt cache, which OpenAI counts in {@code prompt_tokens}.
     */
    public static Usage usage(JsonNode usage)
    {
        long input = Usage.tokens(usage.path("input_tokens"));
        long read = Usage.tokens(usage.path("cache_read_input_tokens"));
        long created = Usage.tokens(usage.path("cache_creation_input_tokens"));
        return new Usage(input + read + created, Usage.tokens(usage.path("output_tokens")), read, 0, false, created, AnthropicTools.webSearches(usage.path("server_tool_use")));
    }

    /** OpenAI's usage object. */
    public static ObjectNode usageNode(Usage usage)
    {
        ObjectNode node = NODES.objectNode();
        node.put("prompt_tokens", usage.promptTokens());
        node.put("completion_tokens", usage.completionTokens());
        node.put("total_tokens", usage.totalTokens());
        node.putObject("prompt_tokens_details").put("cached_tokens", usage.cachedTokens());
        node.putObject("completion_tokens_details").put("reasoning_tokens", usage.reasoningTokens());
        if (usage.cacheWriteTokens() > 0)
        {
            // As LiteLLM reports them: OpenAI's usage has no place for cache writes, which Anthropic charges above input.
            node.put("cache_creation_input_tokens", usage.cacheWriteTokens());
        }
        return node;
    }

    /**
     * A chat completion's frame for another API's answer: its id (as {@code chatcmpl-} and the
     * provider's id), time and model, and one choice with an assistant message to fill.
     */
    static ObjectNode completion(JsonNode answer, long created)
    {
        ObjectNode out = NODES.objectNode();
        out.put("id", "chatcmpl-" + answer.path("id").asText(""));
        out.put("object", "chat.completion");
        out.put("created", created);
        out.put("model", answer.path("model").asText(""));
        out.putArray("choices").addObject().put("index", 0).putObject("message").put("role", "assistant");
        return out;
    }

    /** Anthropic's message as an OpenAI chat completion. */
    public static ObjectNode chatCompletion(JsonNode message, long created)
    {
        ObjectNode out = completion(message, created);
        ObjectNode choice = (ObjectNode)out.path("choices").path(0);
        ObjectNode reply = (ObjectNode)choice.path("message");
        StringBuilder text = new StringBuilder();
        StringBuilder reasoning = new StringBuilder();
        ArrayNode thinking = NODES.arrayNode();
        ArrayNode calls = NODES.arrayNode();
        boolean raw = false;
        for (JsonNode block : message.path("content"))
        {
            raw |= AnthropicTools.rawOnly(block);
            switch (block.path("type").asText())
            {
                case "text" -> text.append(block.path("text").asText());
                case "thinking", "redacted_thinking" ->
                {
                    // As LiteLLM gives it: the text as reasoning_content, the blocks (signed) to send back.
                    reasoning.append(block.path("thinking").asText(""));
                    thinking.add(ClaudeThinking.block(block));
                }
                case "tool_use" ->
                {
                    ObjectNode call = calls.addObject();
                    call.put("id", block.path("id").asText());
                    call.put("type", "function");
                    ObjectNode function = call.putObject("function");
                    function.put("name", block.path("name").asText());
                    function.put("arguments", block.path("input").isMissingNode() ? "{}" : block.get("input").toString());
                }
                default ->
                {
                    // A server tool's call and result (and types added later) have no place in a chat completion: only in the raw content.
                }
            }
        }
        if (text.isEmpty() && !calls.isEmpty())
        {
            reply.putNull("content");
        }
        else
        {
            reply.put("content", text.toString());
        }
        if (!calls.isEmpty())
        {
            reply.set("tool_calls", calls);
        }
        if (!thinking.isEmpty())
        {
            reply.put("reasoning_content", reasoning.toString());
            reply.set("thinking_blocks", thinking);
        }
        if (raw)
        {
            // Claude's blocks as it gave them: an Anthropic client gets them (AnthropicAnswers), and sends them back.
            reply.set(AnthropicTools.RAW_CONTENT, message.path("content").deepCopy());
            ArrayNode annotations = AnthropicTools.annotations(message.path("content"));
            if (!annotations.isEmpty())
            {
                // The pages cited, as OpenAI's search models give them.
                reply.set("annotations", annotations);
            }
        }
        reply.putNull("refusal");
        choice.putNull("logprobs");
        String finish = finishReason(message.path("stop_reason").asText(null));
        if (finish == null)
        {
            choice.putNull("finish_reason");
        }
        else
        {
            choice.put("finish_reason", finish);
        }
        stopSequence(message.path("stop_sequence"), choice);
        String kept = keptStopReason(message.path("stop_reason").asText(null));
        if (kept != null)
        {
            choice.put("stop_reason", kept);
        }
        out.set("usage", usageNode(usage(message.path("usage"))));
        AnthropicTools.serverToolUse(message.path("usage").path("server_tool_use"), (ObjectNode)out.get("usage"));
        if (message.path("container").isObject())
        {
            // The code execution tool's container (its id, when it expires), which the client names to keep its files.
            out.set("container", message.get("container"));
        }
        return out;
    }
}
