// An OpenAI chat answer in its two forms: one JSON answer and a stream of chunks, each made from the other.
package dev.sluice.ai;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The AI cache stores both forms of an answer so a replay is only bytes: a streamed answer's
 * chunks assembled into the JSON answer a non-streamed request gets, a JSON answer cut into the
 * chunks a streamed request gets, and the usage chunk added for clients that ask for it.
 */
final class AnswerForms
{
    private AnswerForms()
    {
    }

    /** A chat message's or delta's reasoning: {@code reasoning_content} (DeepSeek, vLLM, Claude through Sluice) or {@code reasoning} (vLLM, Ollama). */
    static String reasoning(JsonNode message)
    {
        return message.path("reasoning_content").isTextual() ? message.path("reasoning_content").asText() : message.path("reasoning").asText("");
    }

    /**
     * A tool call's arguments as the chat form's text. The form says a JSON text; some servers (llama.cpp in 2026, TGI,
     * a few others) send the object itself, which is taken as its text rather than lost.
     */
    static String arguments(JsonNode function)
    {
        JsonNode arguments = function.path("arguments");
        return arguments.isTextual() ? arguments.asText() : arguments.isContainerNode() ? arguments.toString() : "";
    }

    /** One JSON answer from a stream's chunks: content and refusal joined, tool calls told apart as {@link ToolCallOrder} tells them. */
    static ObjectNode assemble(List<JsonNode> chunks, Usage usage)
    {
        JsonNode head = chunks.get(0);
        StringBuilder content = new StringBuilder();
        StringBuilder refusal = null;
        // The calls told apart and put in order as for a stream's client (ToolCallOrder), each gathered whole.
        ArrayNode calls = AnthropicTranslation.JSON.createArrayNode();
        ToolCallOrder order = new ToolCallOrder();
        ToolCallOrder.Sink collected = new ToolCallOrder.Sink()
        {
            private ObjectNode function;

            @Override
            public void open(String id, String name, JsonNode extra)
            {
                ObjectNode call = calls.addObject().put("id", id).put("type", "function");
                function = call.putObject("function").put("name", name).put("arguments", "");
                if (extra != null)
                {
                    call.set("extra_content", extra);
                }
            }

            @Override
            public void arguments(String part)
            {
                function.put("arguments", function.path("arguments").asText() + part);
            }

            @Override
            public void close()
            {
                function = null;
            }
        };
        String finish = null;
        JsonNode stopSequence = null;
        boolean anyContent = false;
        StringBuilder reasoning = new StringBuilder();
        int reasoned = 0;
        ArrayNode thinking = AnthropicTranslation.JSON.createArrayNode();
        for (JsonNode chunk : chunks)
        {
            JsonNode choice = chunk.path("choices").path(0);
            JsonNode delta = choice.path("delta");
            reasoning.append(reasoning(delta));
            for (JsonNode block : delta.path("thinking_blocks"))
            {
                // A signature ends the thinking block that the reasoning since the last block made (AnthropicStream).
                thinking.add("redacted_thinking".equals(block.path("type").asText()) ? block
                    : ClaudeThinking.block(block).put("thinking", reasoning.substring(reasoned)));
                reasoned = reasoning.length();
            }
            if (delta.path("content").isTextual())
            {
                content.append(delta.path("content").asText());
                anyContent = true;
            }
            if (delta.path("refusal").isTextual())
            {
                refusal = refusal == null ? new StringBuilder() : refusal;
                refusal.append(delta.path("refusal").asText());
            }
            for (JsonNode call : delta.path("tool_calls"))
            {
                order.delta(call, collected);
            }
            if (choice.path("finish_reason").isTextual())
            {
                finish = choice.path("finish_reason").asText();
            }
            if (choice.path("stop_sequence").isTextual())
            {
                stopSequence = choice.get("stop_sequence");
            }
        }
        ObjectNode answer = AnthropicTranslation.JSON.createObjectNode();
        answer.put("id", head.path("id").asText("chatcmpl-sluice"));
        answer.put("object", "chat.completion");
        answer.put("created", head.path("created").asLong());
        answer.put("model", head.path("model").asText(""));
        ObjectNode choice = answer.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode message = choice.putObject("message");
        message.put("role", "assistant");
        if (anyContent || calls.isEmpty())
        {
            message.put("content", content.toString());
        }
        else
        {
            message.putNull("content");
        }
        if (refusal != null)
        {
            message.put("refusal", refusal.toString());
        }
        else
        {
            message.putNull("refusal");
        }
        order.flush(collected);
        if (!calls.isEmpty())
        {
            message.set("tool_calls", calls);
        }
        if (!reasoning.isEmpty())
        {
            message.put("reasoning_content", reasoning.toString());
        }
        if (!thinking.isEmpty())
        {
            message.set("thinking_blocks", thinking);
        }
        choice.putNull("logprobs");
        if (finish == null)
        {
            choice.putNull("finish_reason");
        }
        else
        {
            choice.put("finish_reason", finish);
        }
        ClaudeAnswers.stopSequence(stopSequence, choice);
        answer.set("usage", ClaudeAnswers.usageNode(usage));
        return answer;
    }

    /** A stream of chunks made from a JSON answer: role, content, tool calls, then the finish reason. */
    static byte[] chunks(JsonNode answer)
    {
        String id = answer.path("id").asText("chatcmpl-sluice");
        long created = answer.path("created").asLong();
        String model = answer.path("model").asText("");
        JsonNode choice = answer.path("choices").path(0);
        JsonNode message = choice.path("message");
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        ObjectNode role = AnthropicTranslation.JSON.createObjectNode().put("role", "assistant").put("content", "");
        event(out, id, created, model, role, null);
        reasoningChunks(message, out, id, created, model);
        if (message.path("content").isTextual() && !message.path("content").asText().isEmpty())
        {
            event(out, id, created, model, AnthropicTranslation.JSON.createObjectNode().put("content", message.path("content").asText()), null);
        }
        if (message.path("refusal").isTextual())
        {
            event(out, id, created, model, AnthropicTranslation.JSON.createObjectNode().put("refusal", message.path("refusal").asText()), null);
        }
        int index = 0;
        for (JsonNode call : message.path("tool_calls"))
        {
            ObjectNode delta = AnthropicTranslation.JSON.createObjectNode();
            ObjectNode item = delta.putArray("tool_calls").addObject();
            item.put("index", index++);
            item.set("id", call.path("id"));
            item.put("type", "function");
            item.set("function", call.path("function"));
            if (call.path("extra_content").isObject())
            {
                item.set("extra_content", call.get("extra_content"));
            }
            event(out, id, created, model, delta, null);
        }
        event(out, id, created, model, AnthropicTranslation.JSON.createObjectNode(), choice.path("finish_reason").asText("stop"), choice.path("stop_sequence"));
        return out.toByteArray();
    }

    /** An answer's reasoning as a stream gives it: each thinking block's text, then its signature; or the reasoning alone. */
    private static void reasoningChunks(JsonNode message, ByteArrayOutputStream out, String id, long created, String model)
    {
        JsonNode blocks = message.path("thinking_blocks");
        if (!blocks.isArray() || blocks.isEmpty())
        {
            if (!reasoning(message).isEmpty())
            {
                event(out, id, created, model, AnthropicTranslation.JSON.createObjectNode().put("reasoning_content", reasoning(message)), null);
            }
            return;
        }
        for (JsonNode block : blocks)
        {
            ObjectNode delta = AnthropicTranslation.JSON.createObjectNode();
            if ("redacted_thinking".equals(block.path("type").asText()))
            {
                delta.putArray("thinking_blocks").add(block);
            }
            else
            {
                if (!block.path("thinking").asText("").isEmpty())
                {
                    event(out, id, created, model, AnthropicTranslation.JSON.createObjectNode().put("reasoning_content", block.path("thinking").asText()), null);
                }
                delta.putArray("thinking_blocks").add(ClaudeThinking.block(block).put("thinking", ""));
            }
            event(out, id, created, model, delta, null);
        }
    }

    private static void event(ByteArrayOutputStream out, String id, long created, String model, ObjectNode delta, String finish)
    {
        event(out, id, created, model, delta, finish, null);
    }

    private static void event(ByteArrayOutputStream out, String id, long created, String model, ObjectNode delta, String finish, JsonNode stopSequence)
    {
        ObjectNode chunk = AnthropicTranslation.JSON.createObjectNode();
        chunk.put("id", id);
        chunk.put("object", "chat.completion.chunk");
        chunk.put("created", created);
        chunk.put("model", model);
        ObjectNode choice = chunk.putArray("choices").addObject();
        choice.put("index", 0);
        choice.set("delta", delta);
        choice.putNull("logprobs");
        if (finish == null)
        {
            choice.putNull("finish_reason");
        }
        else
        {
            choice.put("finish_reason", finish);
        }
        ClaudeAnswers.stopSequence(stopSequence, choice);
        out.writeBytes(("data: " + chunk + "\n\n").getBytes(StandardCharsets.UTF_8));
    }

    static byte[] usageChunk(String id, long created, String model, Usage usage)
    {
        ObjectNode chunk = AnthropicTranslation.JSON.createObjectNode();
        chunk.put("id", id);
        chunk.put("object", "chat.completion.chunk");
        chunk.put("created", created);
        chunk.put("model", model);
        chunk.putArray("choices");
        chunk.set("usage", ClaudeAnswers.usageNode(usage));
        return ("data: " + chunk + "\n\n").getBytes(StandardCharsets.UTF_8);
    }
}
