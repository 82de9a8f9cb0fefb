// OpenAI's Responses API streams on their way out: the front's chat chunks as the Responses API's events.
package dev.sluice.ai;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Where a translated stream is. The first chunk opens the response ({@code response.created},
 * {@code response.in_progress}); reasoning opens a reasoning item ({@code response.reasoning_text.delta}
 * events), text a message item and its one text part, each tool call
 * a {@code function_call} item ({@link ResponsesTools#item}: a {@code custom_tool_call} for a custom tool, its input in
 * one delta once the call is whole, a {@code tool_search_call} for the client's tool search, whole once its arguments are),
 * Claude's web search a {@code web_search_call} item (closed by its
 * result; the pages cited become the message's annotations), and an item is closed (its
 * {@code .done} events) when the next opens or the stream ends. {@code [DONE]} ends it with {@code response.completed} (or
 * {@code response.incomplete} when cut by the token limit) carrying the whole response; an error
 * chunk ends it with {@code response.failed}. Every event has its {@code sequence_number}.
 */
final class ResponsesEvents extends InboundResponse.Events
{
    private final ResponsesAnswers dialect;
    private int sequence;
    private ObjectNode response;
    private final List<Item> items = new ArrayList<>();
    /** The function calls, one item at a time whatever order their deltas come in. */
    private final ToolCallOrder tools = new ToolCallOrder();
    private Item open;
    private String finishReason;
    private JsonNode usage;
    /** Whether the stream has ended, so the item closing now is the answer's last. */
    private boolean last;
    /** The answer's text so far, in chars: the chat form's annotations count from its start, a message's from its own. */
    private int textSeen;

    /** A compaction's summary so far ({@link Compaction}); null for any other answer, or before the first chunk. */
    private StringBuilder summary;

    ResponsesEvents(ResponsesAnswers dialect)
    {
        this.dialect = dialect;
    }

    /** One output item: a message with one text part, a function call, or reasoning. */
    private static final class Item
    {
        final int index;
        final String id;
        final String callId;
        final String name;
        final StringBuilder text = new StringBuilder();
        ObjectNode done;
        boolean reasoning;
        /** A web search ({@code web_search_call}): its query, in {@link #text}. */
        boolean search;
        /**
         * A call whose item shows its arguments only once they are whole: a custom tool's (the input
         * is within them) or the tool search's (an object).
         */
        boolean whole;
        /** A message's place in the answer's text, and the pages its text cites. */
        int offset;
        final ArrayNode annotations = ResponsesAnswers.JSONs.array();
        /** A reasoning item's block as Claude gave it, once its signature came: the signed thinking or a redacted block. */
        JsonNode block;

        Item(int index, String id, String callId, String name)
        {
            this.index = index;
            this.id = id;
            this.callId = callId;
            this.name = name;
        }
    }

    @Override
    boolean chunk(JsonNode chunk, ByteArrayOutputStream out)
    {
        start(chunk, out);
        if (chunk.path("error").isObject())
        {
            JsonNode error = chunk.path("error");
            ObjectNode failed = full();
            failed.put("status", "failed");
            failed.putObject("error").put("code", error.path("code").asText(error.path("type").asText("server_error")))
                .put("message", error.path("message").asText(""));
            emit(out, "response.failed", event("response.failed").set("response", failed));
            return true;
        }
        if (chunk.path("usage").isObject())
        {
            usage = chunk.get("usage");
        }
        JsonNode choice = chunk.path("choices").path(0);
        JsonNode delta = choice.path("delta");
        if (summary != null)
        {
            // A compaction: the text is the summary, given whole in one item at the end (done).
            summary.append(delta.path("content").asText(""));
            if (choice.path("finish_reason").isTextual())
            {
                finishReason = choice.path("finish_reason").asText();
            }
            return false;
        }
        reasoning(delta, out);
        searches(delta, out);
        String text = delta.path("content").isTextual() ? delta.path("content").asText() : "";
        if (!text.isEmpty())
        {
            if (open == null || open.callId != null || open.reasoning || open.search)
            {
                openMessage(out);
            }
            open.text.append(text);
            textSeen += text.length();
            emit(out, "response.output_text.delta", event("response.output_text.delta").put("item_id", open.id)
                .put("output_index", open.index).put("content_index", 0).put("delta", text).set("logprobs", ResponsesAnswers.JSONs.array()));
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
            finishReason = choice.path("finish_reason").asText();
        }
        return false;
    }

    private void start(JsonNode chunk, ByteArrayOutputStream out)
    {
        if (response != null)
        {
            return;
        }
        // (Known by now: the request is parsed before anything is answered.)
        summary = dialect.compacting() ? new StringBuilder() : null;
        response = dialect.skeleton(chunk.path("created").asLong(System.currentTimeMillis() / 1000), chunk.path("model").asText(""));
        emit(out, "response.created", event("response.created").set("response", response.deepCopy()));
        emit(out, "response.in_progress", event("response.in_progress").set("response", response.deepCopy()));
    }

    /**
     * Reasoning deltas as a reasoning item's {@code response.reasoning_text.delta} events; a
     * signature ({@code thinking_blocks}, from Claude) ends the item, a redacted block is an item
     * of its own.
     */
    private void reasoning(JsonNode delta, ByteArrayOutputStream out)
    {
        String reasoning = AnswerForms.reasoning(delta);
        if (!reasoning.isEmpty())
        {
            if (open == null || !open.reasoning)
            {
                openReasoning(out);
            }
            if (dialect.summarized())
            {
                if (open.text.isEmpty())
                {
                    emit(out, "response.reasoning_summary_part.added", event("response.reasoning_summary_part.added").put("item_id", open.id)
                        .put("output_index", open.index).put("summary_index", 0).set("part", ResponsesAnswers.summaryPart("")));
                }
                emit(out, "response.reasoning_summary_text.delta", event("response.reasoning_summary_text.delta").put("item_id", open.id)
                    .put("output_index", open.index).put("summary_index", 0).put("delta", reasoning));
            }
            else
            {
                emit(out, "response.reasoning_text.delta", event("response.reasoning_text.delta").put("item_id", open.id)
                    .put("output_index", open.index).put("content_index", 0).put("delta", reasoning));
            }
            open.text.append(reasoning);
        }
        for (JsonNode block : delta.path("thinking_blocks"))
        {
            boolean redacted = "redacted_thinking".equals(block.path("type").asText());
            if (redacted || open == null || !open.reasoning)
            {
                openReasoning(out);
            }
            open.block = redacted ? block : OpenAiResponses.REASONING_BLOCK.equals(block.path("type").asText())
                ? ((ObjectNode)block).deepCopy().put("thinking", open.text.toString()) : ClaudeThinking.block(block).put("thinking", open.text.toString());
            close(out);
        }
    }

    /**
     * Claude's web searches as {@code web_search_call} items (its call opens one, its result
     * closes it), and the pages its text cites as the open message's annotations.
     */
    private void searches(JsonNode delta, ByteArrayOutputStream out)
    {
        for (JsonNode block : delta.path(AnthropicTools.RAW_BLOCKS))
        {
            String type = block.path("type").asText();
            if ("server_tool_use".equals(type) && "web_search".equals(block.path("name").asText()))
            {
                settle(out);
                // The call comes whole (AnthropicStream), so its query is known from the start.
                String query = block.path("input").path("query").asText("");
                ObjectNode added = ResponsesAnswers.searchItem("ws_" + dialect.id + "_" + items.size(), query, "in_progress");
                open = new Item(items.size(), added.path("id").asText(), null, null);
                open.search = true;
                open.text.append(query);
                items.add(open);
                emit(out, "response.output_item.added", event("response.output_item.added").put("output_index", open.index).set("item", added));
                emit(out, "response.web_search_call.in_progress", event("response.web_search_call.in_progress").put("item_id", open.id)
                    .put("output_index", open.index));
                emit(out, "response.web_search_call.searching", event("response.web_search_call.searching").put("item_id", open.id)
                    .put("output_index", open.index));
            }
            else if ("web_search_tool_result".equals(type) && open != null && open.search)
            {
                close(out);
            }
        }
        if (delta.path("annotations").isArray() && open != null && open.callId == null && !open.reasoning && !open.search)
        {
            for (JsonNode annotation : ResponsesAnswers.annotations(delta.path("annotations"), open.offset))
            {
                open.annotations.add(annotation);
                emit(out, "response.output_text.annotation.added", event("response.output_text.annotation.added").put("item_id", open.id)
                    .put("output_index", open.index).put("content_index", 0).put("annotation_index", open.annotations.size() - 1)
                    .set("annotation", annotation));
            }
        }
    }

    private void openReasoning(ByteArrayOutputStream out)
    {
        settle(out);
        ObjectNode added = dialect.reasoningItem("rs_" + dialect.id + "_" + items.size(), null, null, "in_progress");
        open = new Item(items.size(), added.path("id").asText(), null, null);
        open.reasoning = true;
        items.add(open);
        emit(out, "response.output_item.added", event("response.output_item.added").put("output_index", open.index).set("item", added));
    }

    private void openMessage(ByteArrayOutputStream out)
    {
        settle(out);
        ObjectNode added = ResponsesAnswers.messageItem("msg_" + dialect.id + (items.isEmpty() ? "" : "_" + items.size()), null, null, "in_progress");
        open = new Item(items.size(), added.path("id").asText(), null, null);
        open.offset = textSeen;
        items.add(open);
        emit(out, "response.output_item.added", event("response.output_item.added").put("output_index", open.index).set("item", added));
        emit(out, "response.content_part.added", event("response.content_part.added").put("item_id", open.id).put("output_index", open.index)
            .put("content_index", 0).set("part", ResponsesAnswers.textPart("")));
    }

    /** Ends the open item, the function calls under way among them (those held go whole). */
    private void settle(ByteArrayOutputStream out)
    {
        tools.flush(sink(out));
        close(out);
    }

    /** Where {@link #tools} puts each call: a {@code function_call} item, its arguments as deltas. */
    private ToolCallOrder.Sink sink(ByteArrayOutputStream out)
    {
        return new ToolCallOrder.Sink()
        {
            @Override
            public void open(String id, String name, JsonNode extra)
            {
                ResponsesEvents.this.close(out);
                String callId = ToolCallIds.outward(id, extra);
                ObjectNode added = dialect.tools().item(dialect.id + "_" + items.size(), callId, name, "", "in_progress");
                open = new Item(items.size(), added.path("id").asText(), callId, name);
                open.whole = dialect.tools().custom(name) || dialect.tools().search(name);
                items.add(open);
                emit(out, "response.output_item.added", event("response.output_item.added").put("output_index", open.index).set("item", added));
            }

            @Override
            public void arguments(String part)
            {
                open.text.append(part);
                if (open.whole)
                {
                    // The input is the text inside the arguments' JSON, known once they are whole (close).
                    return;
                }
                emit(out, "response.function_call_arguments.delta", event("response.function_call_arguments.delta")
                    .put("item_id", open.id).put("output_index", open.index).put("delta", part));
            }

            @Override
            public void close()
            {
                ResponsesEvents.this.close(out);
            }
        };
    }

    /** The open item's {@code .done} events. */
    private void close(ByteArrayOutputStream out)
    {
        Item item = open;
        if (item == null)
        {
            return;
        }
        open = null;
        String text = item.text.toString();
        if (item.reasoning)
        {
            if (!text.isEmpty() && dialect.summarized())
            {
                emit(out, "response.reasoning_summary_text.done", event("response.reasoning_summary_text.done").put("item_id", item.id)
                    .put("output_index", item.index).put("summary_index", 0).put("text", text));
                emit(out, "response.reasoning_summary_part.done", event("response.reasoning_summary_part.done").put("item_id", item.id)
                    .put("output_index", item.index).put("summary_index", 0).set("part", ResponsesAnswers.summaryPart(text)));
            }
            else if (!text.isEmpty())
            {
                emit(out, "response.reasoning_text.done", event("response.reasoning_text.done").put("item_id", item.id)
                    .put("output_index", item.index).put("content_index", 0).put("text", text));
            }
            item.done = dialect.reasoningItem(item.id, text.isEmpty() ? null : text, item.block == null ? null : ResponsesAnswers.sealed(item.block),
                "completed");
        }
        else if (item.search)
        {
            emit(out, "response.web_search_call.completed", event("response.web_search_call.completed").put("item_id", item.id)
                .put("output_index", item.index));
            item.done = ResponsesAnswers.searchItem(item.id, text, "completed");
        }
        else if (item.callId == null)
        {
            emit(out, "response.output_text.done", event("response.output_text.done").put("item_id", item.id).put("output_index", item.index)
                .put("content_index", 0).put("text", text).set("logprobs", ResponsesAnswers.JSONs.array()));
            emit(out, "response.content_part.done", event("response.content_part.done").put("item_id", item.id).put("output_index", item.index)
                .put("content_index", 0).set("part", ResponsesAnswers.textPart(text).set("annotations", item.annotations)));
            item.done = messageItem(item, text, "completed");
            // Codex shows progress notes apart from the answer by phase: text another item follows is commentary, the
            // text an answer ends with is the final answer (unless the answer was cut).
            String phase = !last ? "commentary" : "stop".equals(finishReason) ? "final_answer" : null;
            if (phase != null)
            {
                item.done.put("phase", phase);
            }
        }
        else
        {
            item.done = callItem(item, text, "completed");
            if (dialect.tools().custom(item.name))
            {
                String input = item.done.path("input").asText();
                if (!input.isEmpty())
                {
                    emit(out, "response.custom_tool_call_input.delta", event("response.custom_tool_call_input.delta").put("item_id", item.id)
                        .put("output_index", item.index).put("delta", input));
                }
                emit(out, "response.custom_tool_call_input.done", event("response.custom_tool_call_input.done").put("item_id", item.id)
                    .put("output_index", item.index).put("input", input));
            }
            else if (!item.whole)
            {
                emit(out, "response.function_call_arguments.done", event("response.function_call_arguments.done").put("item_id", item.id)
                    .put("output_index", item.index).put("name", item.done.path("name").asText()).put("arguments", text));
            }
        }
        emit(out, "response.output_item.done", event("response.output_item.done").put("output_index", item.index).set("item", item.done));
    }

    @Override
    void done(ByteArrayOutputStream out)
    {
        if (response == null)
        {
            start(AnthropicTranslation.JSON.createObjectNode(), out);
        }
        if (summary != null)
        {
            ObjectNode finished = response.deepCopy();
            dialect.compacted(finished, summary.toString(), finishReason, usage == null ? ResponsesAnswers.JSONs.nil() : usage);
            for (JsonNode item : finished.path("output"))
            {
                emit(out, "response.output_item.added", event("response.output_item.added").put("output_index", 0).set("item", item));
                emit(out, "response.output_item.done", event("response.output_item.done").put("output_index", 0).set("item", item));
            }
            String type = switch (finished.path("status").asText())
            {
                case "failed" -> "response.failed";
                case "incomplete" -> "response.incomplete";
                default -> "response.completed";
            };
            emit(out, type, event(type).set("response", finished));
            return;
        }
        tools.flush(sink(out));
        last = true;
        close(out);
        ObjectNode finished = full();
        ResponsesAnswers.finish(finished, finishReason, usage == null ? ResponsesAnswers.JSONs.nil() : usage);
        dialect.kept(finished.path("output"));
        String type = "incomplete".equals(finished.path("status").asText()) ? "response.incomplete" : "response.completed";
        emit(out, type, event(type).set("response", finished));
    }

    /** The response with the items so far (those still open as far as they came). */
    private ObjectNode full()
    {
        ObjectNode full = response.deepCopy();
        var output = full.putArray("output");
        for (Item item : items)
        {
            output.add(item.done != null ? item.done : item.reasoning
                ? dialect.reasoningItem(item.id, item.text.toString(), item.block == null ? null : ResponsesAnswers.sealed(item.block), "incomplete")
                : item.search
                ? ResponsesAnswers.searchItem(item.id, item.text.toString(), "in_progress")
                : item.callId == null
                ? messageItem(item, item.text.toString(), "incomplete")
                : callItem(item, item.text.toString(), "incomplete"));
        }
        return full;
    }

    /** A call's item, of the kind its tool asks for ({@link ResponsesTools#item}), under the id it streamed with. */
    private ObjectNode callItem(Item item, String arguments, String status)
    {
        return dialect.tools().item(dialect.id, item.callId, item.name, arguments, status).put("id", item.id);
    }

    /** A message item with the annotations its text came with. */
    private static ObjectNode messageItem(Item item, String text, String status)
    {
        ObjectNode done = ResponsesAnswers.messageItem(item.id, text, null, status);
        done.path("content").forEach(part -> ((ObjectNode)part).set("annotations", item.annotations.deepCopy()));
        return done;
    }

    private ObjectNode event(String type)
    {
        return ResponsesAnswers.JSONs.object().put("type", type).put("sequence_number", sequence++);
    }
}
