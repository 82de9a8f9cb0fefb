// Anthropic's Messages API streams on their way out: the front's OpenAI chunks as Anthropic's events.
package dev.sluice.ai;

import java.io.ByteArrayOutputStream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Where a translated stream is: the blocks opened so far, the stop reason and usage once known. */
final class AnthropicInboundEvents extends InboundResponse.Events
{
    /** The model's name for the client, from the name a chunk gives. */
    private final java.util.function.Function<JsonNode, String> model;
    private boolean started;
    private int block = -1;
    private String blockType;
    private String stopReason;
    private String stopSequence;
    private JsonNode usage;
    private JsonNode container;
    /** The tool calls, one block at a time whatever order their deltas come in. */
    private final ToolCallOrder tools = new ToolCallOrder();
    /** Whether a tool call has come: the stop reason is then tool_use unless the answer was cut or refused. */
    private boolean toolUse;

    AnthropicInboundEvents(java.util.function.Function<JsonNode, String> model)
    {
        this.model = model;
    }

    @Override
    boolean chunk(JsonNode chunk, ByteArrayOutputStream out)
    {
        if (chunk.path("error").isObject())
        {
            JsonNode error = chunk.path("error");
            ObjectNode event = AnthropicTranslation.JSON.createObjectNode();
            event.put("type", "error");
            event.putObject("error").put("type", "overloaded_error".equals(error.path("type").asText()) ? "overloaded_error" : "api_error")
                .put("message", error.path("message").asText(""));
            emit(out, "error", event);
            return true;
        }
        if (!started)
        {
            started = true;
            ObjectNode event = AnthropicTranslation.JSON.createObjectNode();
            event.put("type", "message_start");
            ObjectNode message = event.putObject("message");
            message.put("id", AnthropicAnswers.messageId(chunk.path("id").asText("")));
            message.put("type", "message");
            message.put("role", "assistant");
            message.put("model", model.apply(chunk.path("model")));
            message.putArray("content");
            message.putNull("stop_reason");
            message.putNull("stop_sequence");
            message.putObject("usage").put("input_tokens", 0).put("output_tokens", 0);
            emit(out, "message_start", event);
        }
        if (chunk.path("usage").isObject())
        {
            usage = chunk.get("usage");
        }
        if (chunk.path("container").isObject())
        {
            container = chunk.get("container");
        }
        JsonNode choice = chunk.path("choices").path(0);
        JsonNode delta = choice.path("delta");
        reasoning(delta, out);
        for (JsonNode raw : delta.path(AnthropicTools.RAW_BLOCKS))
        {
            raw(raw, out);
        }
        for (JsonNode citation : delta.path("citations"))
        {
            open(out, "text", null);
            ObjectNode event = AnthropicTranslation.JSON.createObjectNode();
            event.put("type", "content_block_delta");
            event.put("index", block);
            event.putObject("delta").put("type", "citations_delta").set("citation", citation);
            emit(out, "content_block_delta", event);
        }
        if (delta.path("content").isTextual() && !delta.path("content").asText().isEmpty())
        {
            open(out, "text", null);
            delta(out, "text_delta", "text", delta.path("content").asText());
        }
        if (delta.path("tool_calls").isArray() && !delta.path("tool_calls").isEmpty())
        {
            ToolCallOrder.Sink sink = sink(out);
            for (JsonNode call : delta.path("tool_calls"))
            {
                tools.delta(call, sink);
            }
        }
        if (choice.path("finish_reason").isTextual())
        {
            stopReason = AnthropicAnswers.stopReason(choice.path("finish_reason").asText(), toolUse || tools.open());
        }
        if (ClaudeAnswers.keptStopReason(choice.path("stop_reason").asText(null)) != null)
        {
            // Claude's own reason where the chat form's would lose it.
            stopReason = choice.path("stop_reason").asText();
        }
        if (choice.path("stop_sequence").isTextual())
        {
            stopReason = "stop_sequence";
            stopSequence = choice.path("stop_sequence").asText();
        }
        return false;
    }

    /**
     * Reasoning as thinking blocks: {@code reasoning_content} (Claude's thinking through
     * {@link AnthropicStream}, or an OpenAI-style provider's reasoning, also as {@code reasoning}) as thinking deltas, a
     * signature from {@code thinking_blocks} as the open block's signature delta, a redacted block
     * whole.
     */
    private void reasoning(JsonNode delta, ByteArrayOutputStream out)
    {
        String thinking = AnswerForms.reasoning(delta);
        if (!thinking.isEmpty())
        {
            open(out, "thinking", null);
            delta(out, "thinking_delta", "thinking", thinking);
        }
        for (JsonNode kept : delta.path("thinking_blocks"))
        {
            if ("redacted_thinking".equals(kept.path("type").asText()))
            {
                open(out, "redacted_thinking", kept);
                close(out);
            }
            else if (!kept.path("signature").asText("").isEmpty())
            {
                open(out, "thinking", null);
                delta(out, "signature_delta", "signature", kept.path("signature").asText());
            }
        }
    }

    /**
     * One of Claude's blocks the chat form has no place for ({@link AnthropicStream}): an empty
     * text block opens a text block of its own (its citations follow); a server tool's call or
     * result is sent as Claude streams it, the call's input as one {@code input_json_delta}.
     */
    private void raw(JsonNode raw, ByteArrayOutputStream out)
    {
        tools.flush(sink(out));
        close(out);
        if ("text".equals(raw.path("type").asText()))
        {
            open(out, "text", null);
            return;
        }
        block++;
        ObjectNode start = AnthropicTranslation.JSON.createObjectNode();
        start.put("type", "content_block_start");
        start.put("index", block);
        ObjectNode content = raw.deepCopy();
        JsonNode input = content.remove("input");
        if (input != null)
        {
            content.putObject("input");
        }
        start.set("content_block", content);
        emit(out, "content_block_start", start);
        if (input != null && !input.isEmpty())
        {
            ObjectNode event = AnthropicTranslation.JSON.createObjectNode();
            event.put("type", "content_block_delta");
            event.put("index", block);
            event.putObject("delta").put("type", "input_json_delta").put("partial_json", input.toString());
            emit(out, "content_block_delta", event);
        }
        ObjectNode stop = AnthropicTranslation.JSON.createObjectNode();
        stop.put("type", "content_block_stop");
        stop.put("index", block);
        emit(out, "content_block_stop", stop);
    }

    /** A {@code content_block_delta} of the open block. */
    private void delta(ByteArrayOutputStream out, String type, String field, String value)
    {
        ObjectNode event = AnthropicTranslation.JSON.createObjectNode();
        event.put("type", "content_block_delta");
        event.put("index", block);
        event.putObject("delta").put("type", type).put(field, value);
        emit(out, "content_block_delta", event);
    }

    /** Opens a block of the type unless one is open (a redacted thinking block, {@code call}, always opens its own). */
    private void open(ByteArrayOutputStream out, String type, JsonNode call)
    {
        tools.flush(sink(out));
        if (type.equals(blockType) && call == null)
        {
            return;
        }
        close(out);
        block++;
        blockType = type;
        ObjectNode event = AnthropicTranslation.JSON.createObjectNode();
        event.put("type", "content_block_start");
        event.put("index", block);
        ObjectNode content = event.putObject("content_block");
        content.put("type", type);
        if (type.equals("thinking"))
        {
            content.put("thinking", "").put("signature", "");
        }
        else if (type.equals("redacted_thinking"))
        {
            content.put("data", call.path("data").asText(""));
        }
        else
        {
            content.put("text", "");
        }
        emit(out, "content_block_start", event);
    }

    /** Where {@link #tools} puts each call: a {@code tool_use} block, its input as {@code input_json_delta}s. */
    private ToolCallOrder.Sink sink(ByteArrayOutputStream out)
    {
        return new ToolCallOrder.Sink()
        {
            @Override
            public void open(String id, String name, JsonNode extra)
            {
                toolUse = true;
                AnthropicInboundEvents.this.close(out);
                block++;
                blockType = "tool_use";
                ObjectNode event = AnthropicTranslation.JSON.createObjectNode();
                event.put("type", "content_block_start");
                event.put("index", block);
                event.putObject("content_block").put("type", "tool_use").put("id", ToolCallIds.outward(id, extra)).put("name", name).putObject("input");
                emit(out, "content_block_start", event);
            }

            @Override
            public void arguments(String part)
            {
                delta(out, "input_json_delta", "partial_json", part);
            }

            @Override
            public void close()
            {
                AnthropicInboundEvents.this.close(out);
            }
        };
    }

    private void close(ByteArrayOutputStream out)
    {
        if (blockType != null)
        {
            ObjectNode event = AnthropicTranslation.JSON.createObjectNode();
            event.put("type", "content_block_stop");
            event.put("index", block);
            emit(out, "content_block_stop", event);
            blockType = null;
        }
    }

    @Override
    void done(ByteArrayOutputStream out)
    {
        tools.flush(sink(out));
        close(out);
        ObjectNode event = AnthropicTranslation.JSON.createObjectNode();
        event.put("type", "message_delta");
        ObjectNode delta = event.putObject("delta").put("stop_reason", stopReason != null ? stopReason : toolUse ? "tool_use" : "end_turn").put("stop_sequence", stopSequence);
        if (container != null)
        {
            delta.set("container", container);
        }
        event.set("usage", AnthropicAnswers.usage(usage == null ? AnthropicTranslation.JSON.createObjectNode() : usage));
        emit(out, "message_delta", event);
        emit(out, "message_stop", AnthropicTranslation.JSON.createObjectNode().put("type", "message_stop"));
    }
}
