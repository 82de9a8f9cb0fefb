// OpenAI's streamed Responses API events as chat.completion.chunk events, translated as they arrive.
package dev.sluice.ai;

import java.util.HashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * For a target served only by the Responses API ({@link OpenAiResponses}):
 * {@code response.created} → the role chunk; a {@code function_call} item's
 * {@code response.output_item.added} → a tool-call chunk with its {@code call_id} and name, and its
 * {@code response.function_call_arguments.delta}s → argument chunks; {@code response.output_text.delta}
 * → content, {@code response.refusal.delta} → refusal, {@code response.reasoning_summary_text.delta}
 * → {@code reasoning_content}; {@code response.completed} and {@code response.incomplete} → the
 * chunk with the finish reason, the usage chunk (when the client asked for it) and {@code [DONE]},
 * which the Responses API does not send; {@code response.failed} and {@code error} → a failure the
 * front handles. Other events (the items' and parts' starts and ends, progress) carry nothing the
 * chat form has.
 */
final class ResponsesStream extends ChatStream
{
    private final long created;
    private String id = "chatcmpl-sluice";
    private boolean started;
    /** The Responses API's output index of each function call → its index among the chat form's tool calls. */
    private final Map<Integer, Integer> calls = new HashMap<>();
    /** The calls whose arguments came in deltas: a call that sent none gets its whole arguments when it is done. */
    private final Map<Integer, Boolean> argued = new HashMap<>();

    /** The target that answers, whose reasoning items are its own. */
    private final String target;
    /** Whether a reasoning item's encrypted content goes to the client, as a thinking block (a Responses client's, to send back). */
    private final boolean carry;
    /** The answer's reasoning items and calls, for {@link ReasoningReplay} when they do not go to the client. */
    private final ArrayNode reasoning = AnthropicTranslation.JSON.createArrayNode();
    private final ArrayNode done = AnthropicTranslation.JSON.createArrayNode();

    /** @param carry whether a reasoning item's encrypted content goes to the client */
    ResponsesStream(boolean clientWantsUsage, boolean keepText, long created, String target, boolean carry)
    {
        super(clientWantsUsage, keepText);
        this.created = created;
        this.target = target;
        this.carry = carry;
    }

    /** The answer's encrypted reasoning items that did not go to the client, as {@link OpenAiResponses#REASONING_BLOCK} blocks. */
    ArrayNode reasoning()
    {
        return reasoning;
    }

    /** The answer's calls in the chat form ({@code id}, {@code function.name}, {@code function.arguments}). */
    ArrayNode calls()
    {
        return done;
    }

    @Override
    public void onEvent(String event, String data)
    {
        JsonNode node = live(data);
        if (node == null)
        {
            return;
        }
        String kind = node.path("type").asText(event == null ? "" : event);
        switch (kind)
        {
            case "response.created", "response.in_progress" -> start(node.path("response"));
            case "response.output_item.added" -> itemAdded(node);
            case "response.function_call_arguments.delta" -> arguments(node.path("output_index").asInt(0), node.path("delta").asText(""));
            case "response.output_item.done" -> itemDone(node);
            case "response.output_text.delta" -> content("content", node.path("delta").asText(""));
            case "response.refusal.delta" -> content("refusal", node.path("delta").asText(""));
            case "response.reasoning_summary_text.delta" -> content("reasoning_content", node.path("delta").asText(""));
            case "response.completed", "response.incomplete" -> complete(node.path("response"));
            case "response.failed" -> fail(node.path("response").path("error").path("code").asText("api_error"),
                node.path("response").path("error").path("message").asText("The provider failed."));
            case "error" -> fail(node.path("code").asText("api_error"), node.path("message").asText("The provider failed."));
            default ->
            {
                // Parts' and items' starts and ends, progress, and event types added later.
            }
        }
    }

    private void fail(String type, String message)
    {
        errorType = type;
        error = message;
    }

    private void start(JsonNode response)
    {
        if (started)
        {
            return;
        }
        started = true;
        id = "chatcmpl-" + response.path("id").asText("sluice");
        model = response.path("model").asText(null);
        ObjectNode delta = AnthropicTranslation.JSON.createObjectNode().put("role", "assistant").put("content", "");
        chunk(delta, null);
    }

    private void itemAdded(JsonNode node)
    {
        JsonNode item = node.path("item");
        if (!"function_call".equals(item.path("type").asText()))
        {
            return;
        }
        start(AnthropicTranslation.JSON.createObjectNode());
        int index = calls.size();
        int output = node.path("output_index").asInt(0);
        calls.put(output, index);
        contentStarted = true;
        ObjectNode delta = AnthropicTranslation.JSON.createObjectNode();
        ObjectNode call = delta.putArray("tool_calls").addObject().put("index", index).put("id", item.path("call_id").asText()).put("type", "function");
        call.putObject("function").put("name", item.path("name").asText()).put("arguments", "");
        chunk(delta, null);
        String arguments = item.path("arguments").asText("");
        if (!arguments.isEmpty())
        {
            arguments(output, arguments);
        }
    }

    private void arguments(int output, String arguments)
    {
        Integer index = calls.get(output);
        if (index == null || arguments.isEmpty())
        {
            return;
        }
        argued.put(output, true);
        ObjectNode delta = AnthropicTranslation.JSON.createObjectNode();
        delta.putArray("tool_calls").addObject().put("index", index).putObject("function").put("arguments", arguments);
        chunk(delta, null);
    }

    /**
     * A function call that is done without having streamed its arguments gets them whole; a reasoning item's encrypted
     * content, when carried, comes as a thinking block ({@link OpenAiResponses#reasoningBlock}).
     */
    private void itemDone(JsonNode node)
    {
        JsonNode item = node.path("item");
        if ("reasoning".equals(item.path("type").asText()) && item.path("encrypted_content").isTextual())
        {
            ObjectNode block = OpenAiResponses.reasoningBlock(item, "", target);
            if (!carry)
            {
                reasoning.add(block);
                return;
            }
            start(AnthropicTranslation.JSON.createObjectNode());
            ObjectNode delta = AnthropicTranslation.JSON.createObjectNode();
            delta.putArray("thinking_blocks").add(block);
            chunk(delta, null);
            return;
        }
        if ("function_call".equals(item.path("type").asText()))
        {
            done.addObject().put("id", item.path("call_id").asText()).putObject("function").put("name", item.path("name").asText())
                .put("arguments", item.path("arguments").asText(""));
        }
        int output = node.path("output_index").asInt(0);
        if (calls.containsKey(output) && !argued.containsKey(output))
        {
            arguments(output, node.path("item").path("arguments").asText(""));
        }
    }

    private void content(String field, String delta)
    {
        if (delta.isEmpty())
        {
            return;
        }
        start(AnthropicTranslation.JSON.createObjectNode());
        contentStarted = true;
        if (text != null && field.equals("content"))
        {
            text.append(delta);
        }
        chunk(AnthropicTranslation.JSON.createObjectNode().put(field, delta), null);
    }

    private void complete(JsonNode response)
    {
        start(response);
        if (model == null)
        {
            model = response.path("model").asText(null);
        }
        finishReason = OpenAiResponses.finishReason(response, !calls.isEmpty());
        chunk(AnthropicTranslation.JSON.createObjectNode(), finishReason);
        usage = OpenAiResponses.usage(response.path("usage"));
        if (clientWantsUsage && usage != null)
        {
            ObjectNode chunk = head();
            chunk.putArray("choices");
            chunk.set("usage", ClaudeAnswers.usageNode(usage));
            write(chunk);
        }
        out.write(DONE);
        finished = true;
    }

    private ObjectNode head()
    {
        ObjectNode chunk = AnthropicTranslation.JSON.createObjectNode();
        chunk.put("id", id).put("object", "chat.completion.chunk").put("created", created).put("model", model == null ? "" : model);
        chunk.putNull("system_fingerprint");
        return chunk;
    }

    private void chunk(ObjectNode delta, String finish)
    {
        ObjectNode chunk = head();
        ObjectNode choice = chunk.putArray("choices").addObject().put("index", 0);
        choice.set("delta", delta);
        choice.putNull("logprobs");
        // null while the answer goes on.
        choice.put("finish_reason", finish);
        write(chunk);
    }

    private void write(ObjectNode chunk)
    {
        out.ascii("data: ");
        out.utf8(chunk.toString());
        out.ascii("\n\n");
    }
}
