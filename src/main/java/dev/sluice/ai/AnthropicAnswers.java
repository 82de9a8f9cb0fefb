// Anthropic's Messages API answers on their way out: the front's chat answers and errors as Anthropic's, streams by AnthropicInboundEvents.
package dev.sluice.ai;

import java.io.IOException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The answer side of {@link AnthropicInbound}: what {@link InboundResponse} writes for a Messages API client. */
final class AnthropicAnswers
{
    private AnthropicAnswers()
    {
    }

    /**
     * The front's answers as Anthropic's for one request: errors, messages, and streams
     * ({@link AnthropicInboundEvents}), named by the model the client asked for. Claude Code sends
     * an earlier answer's thinking back only when the answer's {@code model} is the one it asks
     * for now (it drops thinking signed by another model), so the provider's own name for the
     * model (a dated snapshot behind an alias, say) lost every turn's thinking; the model that
     * answered is in {@code X-Sluice-AI-Model}.
     */
    static final class Dialect implements InboundResponse.Dialect
    {
        private volatile String requested;

        /** The model the client asked for, once its request is read. */
        void requested(String model)
        {
            this.requested = model;
        }

        private String model(JsonNode answered)
        {
            return requested != null ? requested : answered.asText("");
        }

        @Override
        public JsonNode json(int status, JsonNode parsed)
        {
            if (parsed.path("error").isObject())
            {
                return error(status, parsed.path("error").path("message").asText(""));
            }
            return "chat.completion".equals(parsed.path("object").asText()) ? message(parsed, model(parsed.path("model"))) : null;
        }

        @Override
        public InboundResponse.Events events()
        {
            return new AnthropicInboundEvents(this::model);
        }
    }

    /**
     * The chat form's {@code finish_reason} as a {@code stop_reason}. An answer with tool calls that ends as "stop", or
     * without a reason, is {@code tool_use}: Gemini's and Ollama's OpenAI forms end tool calls so, and an Anthropic client
     * that takes {@code end_turn} at its word (an agent loop, the SDK's tool runner) would end the turn without running them.
     */
    static String stopReason(String finishReason, boolean toolUse)
    {
        if (finishReason == null)
        {
            return toolUse ? "tool_use" : null;
        }
        return switch (finishReason)
        {
            case "length" -> "max_tokens";
            case "tool_calls", "function_call" -> "tool_use";
            case "content_filter" -> "refusal";
            default -> toolUse ? "tool_use" : "end_turn";
        };
    }

    private static boolean hasToolUse(JsonNode content)
    {
        for (JsonNode block : content)
        {
            if ("tool_use".equals(block.path("type").asText()))
            {
                return true;
            }
        }
        return false;
    }

    static ObjectNode error(int status, String message)
    {
        ObjectNode root = AnthropicTranslation.JSON.createObjectNode();
        root.put("type", "error");
        root.putObject("error").put("type", dev.sluice.http.AiRouteResponse.errorType(status)).put("message", message);
        return root;
    }

    /**
     * A chat answer's id as a message id: Claude's own ({@code chatcmpl-msg_01…}, as AnthropicTranslation names it in the chat
     * form) back to {@code msg_01…}, any other provider's prefixed with {@code msg_}, which Anthropic's clients expect.
     */
    static String messageId(String chatId)
    {
        if (chatId.startsWith("msg_"))
        {
            return chatId;
        }
        if (chatId.startsWith("chatcmpl-msg_"))
        {
            return chatId.substring("chatcmpl-".length());
        }
        return "msg_" + chatId;
    }

    /** An OpenAI chat answer as an Anthropic message from the named model. */
    static ObjectNode message(JsonNode answer, String model)
    {
        ObjectNode out = AnthropicTranslation.JSON.createObjectNode();
        out.put("id", messageId(answer.path("id").asText("")));
        out.put("type", "message");
        out.put("role", "assistant");
        out.put("model", model);
        JsonNode choice = answer.path("choices").path(0);
        JsonNode message = choice.path("message");
        if (message.path(AnthropicTools.RAW_CONTENT).isArray())
        {
            // Claude's blocks as it gave them, a server tool's call and result and text with citations among them (ClaudeAnswers.chatCompletion).
            out.set("content", message.get(AnthropicTools.RAW_CONTENT).deepCopy());
        }
        else
        {
            content(message, out.putArray("content"));
        }
        if (choice.path("stop_sequence").isTextual())
        {
            out.put("stop_reason", "stop_sequence");
            out.put("stop_sequence", choice.path("stop_sequence").asText());
        }
        else
        {
            // Claude's own reason where the chat form's would lose it (ClaudeAnswers.keptStopReason).
            String kept = ClaudeAnswers.keptStopReason(choice.path("stop_reason").asText(null));
            out.put("stop_reason", kept != null ? kept : stopReason(choice.path("finish_reason").asText(null), hasToolUse(out.path("content"))));
            out.putNull("stop_sequence");
        }
        out.set("usage", usage(answer.path("usage")));
        if (answer.path("container").isObject())
        {
            // The code execution tool's container (ClaudeAnswers.chatCompletion).
            out.set("container", answer.get("container").deepCopy());
        }
        return out;
    }

    /** A chat answer's message as blocks: reasoning first, as Anthropic puts it, then the text, then the tool calls. */
    private static void content(JsonNode message, ArrayNode content)
    {
        if (message.path("thinking_blocks").isArray() && !message.path("thinking_blocks").isEmpty())
        {
            // Claude's thinking as it gave it (ClaudeAnswers.chatCompletion).
            message.path("thinking_blocks").forEach(block -> content.add(ClaudeThinking.block(block)));
        }
        else if (!AnswerForms.reasoning(message).isEmpty())
        {
            // Another provider's reasoning: a thinking block without a signature (sent back, only Claude would need one).
            content.addObject().put("type", "thinking").put("thinking", AnswerForms.reasoning(message)).put("signature", "");
        }
        if (message.path("content").isTextual() && !message.path("content").asText().isEmpty())
        {
            content.addObject().put("type", "text").put("text", message.path("content").asText());
        }
        for (JsonNode call : message.path("tool_calls"))
        {
            ObjectNode use = content.addObject();
            use.put("type", "tool_use");
            use.put("id", ToolCallIds.outward(call.path("id").asText(), call.path("extra_content")));
            use.put("name", call.path("function").path("name").asText());
            use.set("input", parseArguments(AnswerForms.arguments(call.path("function"))));
        }
    }

    private static JsonNode parseArguments(String arguments)
    {
        try
        {
            JsonNode parsed = AnthropicTranslation.JSON.readTree(arguments.isEmpty() ? "{}" : arguments);
            return parsed != null && parsed.isObject() ? parsed : AnthropicTranslation.JSON.createObjectNode();
        }
        catch (IOException x)
        {
            return AnthropicTranslation.JSON.createObjectNode();
        }
    }

    static ObjectNode usage(JsonNode usage)
    {
        ObjectNode out = AnthropicTranslation.JSON.createObjectNode();
        long cached = usage.path("prompt_tokens_details").path("cached_tokens").asLong(0);
        long written = usage.path("cache_creation_input_tokens").asLong(0);
        out.put("input_tokens", Math.max(0, usage.path("prompt_tokens").asLong(0) - cached - written));
        out.put("output_tokens", usage.path("completion_tokens").asLong(0));
        out.put("cache_read_input_tokens", cached);
        out.put("cache_creation_input_tokens", written);
        AnthropicTools.serverToolUse(usage.path("server_tool_use"), out);
        return out;
    }
}
