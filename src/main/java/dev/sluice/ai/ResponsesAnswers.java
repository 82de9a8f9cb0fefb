// OpenAI's Responses API answers on their way out: the front's chat answers as response objects, streams as its events.
package dev.sluice.ai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One Responses API request's answer: a chat answer becomes a {@code response} object echoing
 * the request's settings, as OpenAI's does, with ids of its own; a stream is translated by
 * {@link ResponsesEvents}. A finished answer is handed to its {@link ResponsesInbound} to keep.
 */
final class ResponsesAnswers implements InboundResponse.Dialect
{
    private final ResponsesInbound inbound;
    /** The client's request, echoed in the answer as OpenAI's is; set once the body is parsed. */
    private ObjectNode request = AnthropicTranslation.JSON.createObjectNode();
    /** Whether the request came to {@code /responses/compact}. */
    private boolean standalone;
    /**
     * This answer's own id: a provider's chat id can repeat (a cache hit replays it, some servers
     * send a constant one), and clients tell responses and their items apart by id.
     */
    final String id = java.util.HexFormat.of().toHexDigits(java.util.concurrent.ThreadLocalRandom.current().nextLong())
        + java.util.HexFormat.of().toHexDigits(java.util.concurrent.ThreadLocalRandom.current().nextLong());

    ResponsesAnswers(ResponsesInbound inbound)
    {
        this.inbound = inbound;
    }

    /** The request's tools, which tell what each of the model's calls answers. */
    ResponsesTools tools()
    {
        return inbound.tools();
    }

    void request(ObjectNode request)
    {
        this.request = request;
    }

    /**
     * A compaction's answer: one compaction item holding the summary, or, when the model wrote
     * none, a failed response (a client that finds no compaction item says so; an empty summary
     * would silently lose the conversation).
     */
    void compacted(ObjectNode response, String summary, String finishReason, JsonNode usage)
    {
        ArrayNode output = response.putArray("output");
        finish(response, finishReason, usage);
        if (summary.isBlank())
        {
            response.put("status", "failed");
            response.putObject("error").put("code", "server_error").put("message", "The model gave no summary to compact the conversation into.");
            return;
        }
        output.add(Compaction.item("cmp_" + id, summary));
        kept(output);
    }

    /** The answer is the standalone compaction endpoint's ({@link Compaction#standaloneAnswer}). */
    void standalone()
    {
        standalone = true;
    }

    /** Whether the request asks for a compaction ({@link Compaction}): the answer is one compaction item, not the model's text. */
    boolean compacting()
    {
        return Compaction.asked(request);
    }

    @Override
    public JsonNode json(int status, JsonNode parsed)
    {
        // Errors already have OpenAI's shape, which the Responses API shares.
        return "chat.completion".equals(parsed.path("object").asText()) ? response(parsed) : null;
    }

    @Override
    public InboundResponse.Events events()
    {
        return new ResponsesEvents(this);
    }

    /** A chat answer as a {@code response} object. */
    ObjectNode response(JsonNode answer)
    {
        ObjectNode out = skeleton(answer.path("created").asLong(System.currentTimeMillis() / 1000), answer.path("model").asText(""));
        JsonNode choice = answer.path("choices").path(0);
        JsonNode message = choice.path("message");
        ArrayNode output = out.putArray("output");
        if (compacting())
        {
            // The model's text is the summary; the client wants exactly one compaction item.
            compacted(out, message.path("content").asText(""), choice.path("finish_reason").asText(null), answer.path("usage"));
            return standalone && "completed".equals(out.path("status").asText()) ? Compaction.standaloneAnswer(out) : out;
        }
        JsonNode thinking = message.path("thinking_blocks");
        if (thinking.isArray() && !thinking.isEmpty())
        {
            thinking.forEach(block -> output.add(reasoningItem("rs_" + id + "_" + output.size(), block, "completed")));
        }
        else if (!AnswerForms.reasoning(message).isEmpty())
        {
            output.add(reasoningItem("rs_" + id, AnswerForms.reasoning(message), null, "completed"));
        }
        for (JsonNode block : message.path(AnthropicTools.RAW_CONTENT))
        {
            if ("server_tool_use".equals(block.path("type").asText()) && "web_search".equals(block.path("name").asText()))
            {
                // Claude's searches, as OpenAI's search items come: before the message that cites them.
                output.add(searchItem("ws_" + id + "_" + output.size(), block.path("input").path("query").asText(""), "completed"));
            }
        }
        String text = message.path("content").asText("");
        if (!text.isEmpty() || message.path("refusal").isTextual() || !message.path("tool_calls").isArray())
        {
            ObjectNode item = messageItem("msg_" + id, text, message.path("refusal").asText(null), "completed");
            // As ResponsesEvents stamps it: text before tool calls is commentary, an answer's closing text its final answer.
            String phase = !message.path("tool_calls").isEmpty() ? "commentary" : "stop".equals(choice.path("finish_reason").asText()) ? "final_answer" : null;
            if (phase != null)
            {
                item.put("phase", phase);
            }
            for (JsonNode part : item.path("content"))
            {
                if (part.has("annotations"))
                {
                    ((ObjectNode)part).set("annotations", annotations(message.path("annotations"), 0));
                }
            }
            output.add(item);
        }
        for (JsonNode call : message.path("tool_calls"))
        {
            String callId = ToolCallIds.outward(call.path("id").asText(), call.path("extra_content"));
            String name = call.path("function").path("name").asText();
            String arguments = AnswerForms.arguments(call.path("function"));
            output.add(inbound.tools().item(id + "_" + output.size(), callId, name, arguments, "completed"));
        }
        finish(out, choice.path("finish_reason").asText(null), answer.path("usage"));
        kept(output);
        return out;
    }

    /** A response's fields other than its output, as OpenAI echoes the request; {@code in_progress}. */
    ObjectNode skeleton(long created, String model)
    {
        ObjectNode out = JSONs.object();
        out.put("id", "resp_" + id);
        out.put("object", "response");
        out.put("created_at", created);
        out.put("status", "in_progress");
        out.putNull("error");
        out.putNull("incomplete_details");
        echo(out, "instructions", null);
        echo(out, "max_output_tokens", null);
        out.set("metadata", request.path("metadata").isObject() ? request.get("metadata") : JSONs.object());
        out.put("model", model);
        out.putArray("output");
        out.put("parallel_tool_calls", request.path("parallel_tool_calls").asBoolean(true));
        echo(out, "previous_response_id", null);
        ObjectNode reasoning = out.putObject("reasoning");
        echo(reasoning, request.path("reasoning"), "effort");
        echo(reasoning, request.path("reasoning"), "summary");
        out.put("store", inbound.keeps());
        out.set("temperature", request.hasNonNull("temperature") ? request.get("temperature") : JSONs.number(1.0));
        out.set("text", request.path("text").path("format").isObject() ? request.get("text")
            : JSONs.object().set("format", JSONs.object().put("type", "text")));
        out.set("tool_choice", request.hasNonNull("tool_choice") ? request.get("tool_choice") : JSONs.text("auto"));
        out.set("tools", request.path("tools").isArray() ? request.get("tools") : JSONs.array());
        out.set("top_p", request.hasNonNull("top_p") ? request.get("top_p") : JSONs.number(1.0));
        out.put("truncation", "disabled");
        out.putNull("usage");
        echo(out, "user", null);
        return out;
    }

    private void echo(ObjectNode out, String field, JsonNode otherwise)
    {
        out.set(field, request.hasNonNull(field) ? request.get(field) : otherwise == null ? JSONs.nil() : otherwise);
    }

    private static void echo(ObjectNode out, JsonNode from, String field)
    {
        out.set(field, from.hasNonNull(field) ? from.get(field) : JSONs.nil());
    }

    /** Sets the status (completed, or incomplete with its reason) and usage of a finished response. */
    static void finish(ObjectNode response, String finishReason, JsonNode usage)
    {
        String incomplete = "length".equals(finishReason) ? "max_output_tokens" : "content_filter".equals(finishReason) ? "content_filter" : null;
        response.put("status", incomplete == null ? "completed" : "incomplete");
        if (incomplete != null)
        {
            response.putObject("incomplete_details").put("reason", incomplete);
        }
        response.set("usage", usage(usage));
    }

    static ObjectNode messageItem(String itemId, String text, String refusal, String status)
    {
        ObjectNode item = JSONs.object();
        item.put("id", itemId);
        item.put("type", "message");
        item.put("status", status);
        item.put("role", "assistant");
        ArrayNode content = item.putArray("content");
        if (refusal != null)
        {
            content.addObject().put("type", "refusal").put("refusal", refusal);
        }
        if (text != null && (refusal == null || !text.isEmpty()))
        {
            content.add(textPart(text));
        }
        return item;
    }

    /** A {@code web_search_call} item: a search Claude made, by its query. */
    static ObjectNode searchItem(String itemId, String query, String status)
    {
        ObjectNode item = JSONs.object().put("id", itemId).put("type", "web_search_call").put("status", status);
        item.putObject("action").put("type", "search").put("query", query);
        return item;
    }

    /**
     * The chat form's {@code url_citation} annotations as the Responses API's, their places in a
     * message's text that starts {@code offset} chars into the answer's.
     */
    static ArrayNode annotations(JsonNode chat, int offset)
    {
        ArrayNode out = JSONs.array();
        for (JsonNode annotation : chat)
        {
            JsonNode citation = annotation.path("url_citation");
            if (citation.isObject())
            {
                out.addObject().put("type", "url_citation").put("start_index", Math.max(0, citation.path("start_index").asInt() - offset))
                    .put("end_index", Math.max(0, citation.path("end_index").asInt() - offset))
                    .put("url", citation.path("url").asText()).put("title", citation.path("title").asText(""));
            }
        }
        return out;
    }

    static ObjectNode textPart(String text)
    {
        ObjectNode part = JSONs.object().put("type", "output_text").put("text", text);
        part.putArray("annotations");
        part.putArray("logprobs");
        return part;
    }

    /**
     * Whether the client asked for a reasoning summary ({@code reasoning.summary}): OpenAI's
     * reasoning models then give their reasoning as {@code summary_text}, which clients show
     * (Vercel's AI SDK reads nothing else), and otherwise none; open models give it as
     * {@code reasoning_text} content.
     */
    boolean summarized()
    {
        JsonNode summary = request.path("reasoning").path("summary");
        return summary.isTextual() && !summary.asText().equals("none");
    }

    /**
     * A reasoning item: the text as a summary when the client asked for one ({@link #summarized}),
     * else as {@code reasoning_text} content (Claude's thinking is the model's own account), and
     * what the model needs back to continue (Claude's block whole: the text its signature covers,
     * or a redacted block's data) as {@code encrypted_content}, opaque to the client as OpenAI's is
     * ({@link #sealed}).
     */
    ObjectNode reasoningItem(String itemId, String text, String encrypted, String status)
    {
        ObjectNode item = JSONs.object().put("id", itemId).put("type", "reasoning");
        ArrayNode summary = item.putArray("summary");
        if (text != null && summarized())
        {
            summary.add(summaryPart(text));
        }
        else if (text != null)
        {
            item.putArray("content").addObject().put("type", "reasoning_text").put("text", text);
        }
        if (encrypted != null && !encrypted.isEmpty())
        {
            item.put("encrypted_content", encrypted);
        }
        return item.put("status", status);
    }

    static ObjectNode summaryPart(String text)
    {
        return JSONs.object().put("type", "summary_text").put("text", text);
    }

    /** A thinking block (AnthropicTranslation's thinking_blocks) as a reasoning item. */
    ObjectNode reasoningItem(String itemId, JsonNode block, String status)
    {
        boolean redacted = "redacted_thinking".equals(block.path("type").asText());
        String text = redacted ? null : block.path("thinking").asText("");
        // OpenAI's reasoning without a summary (none is asked for) has no text to show.
        return reasoningItem(itemId, text != null && text.isEmpty() && OpenAiResponses.REASONING_BLOCK.equals(block.path("type").asText()) ? null : text,
            sealed(block), status);
    }

    /** What every {@code encrypted_content} Sluice sealed starts with. */
    static final String SEALED_PREFIX = "sluice.";
    private static final String SEALED = SEALED_PREFIX + "thinking.";
    /** OpenAI's own reasoning item (its id and encrypted content), from a target asked through the Responses API. */
    private static final String SEALED_OPENAI = SEALED_PREFIX + "openai.";

    /**
     * A thinking block as a reasoning item's {@code encrypted_content}: the block whole, so it
     * goes back to Claude as Claude gave it whatever the client keeps of the item (Claude checks
     * the text against the signature, and some clients send back only the encrypted content and
     * a summary); null for an unsigned block, which Claude would not take.
     */
    static String sealed(JsonNode block)
    {
        if (OpenAiResponses.REASONING_BLOCK.equals(block.path("type").asText()))
        {
            return seal(SEALED_OPENAI, JSONs.object().put("id", block.path("id").asText())
                .put("encrypted_content", block.path("encrypted_content").asText()).put("target", block.path("target").asText()));
        }
        ObjectNode kept = ClaudeThinking.block(block);
        if (kept.path("signature").asText("").isEmpty() && kept.path("data").asText("").isEmpty())
        {
            return null;
        }
        return seal(SEALED, kept);
    }

    /** The thinking block a reasoning item's {@code encrypted_content} holds, or null when it is not one of Sluice's (OpenAI's own, say). */
    static JsonNode unsealed(String encrypted)
    {
        JsonNode openai = unseal(SEALED_OPENAI, encrypted);
        if (openai != null)
        {
            return openai.path("encrypted_content").isTextual() ? OpenAiResponses.reasoningBlock(openai, "", openai.path("target").asText()) : null;
        }
        JsonNode block = unseal(SEALED, encrypted);
        return block != null ? ClaudeThinking.block(block) : null;
    }

    private static String seal(String prefix, JsonNode sealed)
    {
        return prefix + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(sealed.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** The object sealed under the prefix, or null when the content is not one so sealed. */
    private static JsonNode unseal(String prefix, String encrypted)
    {
        if (!encrypted.startsWith(prefix))
        {
            return null;
        }
        try
        {
            JsonNode sealed = AnthropicTranslation.JSON.readTree(java.util.Base64.getUrlDecoder().decode(encrypted.substring(prefix.length())));
            return sealed != null && sealed.isObject() ? sealed : null;
        }
        catch (IllegalArgumentException | java.io.IOException x)
        {
            return null;
        }
    }

    static ObjectNode callItem(String itemId, String callId, String name, String arguments, String status)
    {
        return JSONs.object().put("id", itemId).put("type", "function_call").put("status", status)
            .put("arguments", arguments).put("call_id", callId).put("name", name);
    }

    static ObjectNode usage(JsonNode usage)
    {
        if (!usage.isObject())
        {
            return null;
        }
        ObjectNode out = JSONs.object();
        out.put("input_tokens", usage.path("prompt_tokens").asLong(0));
        out.putObject("input_tokens_details").put("cached_tokens", usage.path("prompt_tokens_details").path("cached_tokens").asLong(0));
        out.put("output_tokens", usage.path("completion_tokens").asLong(0));
        out.putObject("output_tokens_details").put("reasoning_tokens", usage.path("completion_tokens_details").path("reasoning_tokens").asLong(0));
        out.put("total_tokens", usage.path("total_tokens").asLong(usage.path("prompt_tokens").asLong(0) + usage.path("completion_tokens").asLong(0)));
        return out;
    }

    /** Short names for Jackson's node factory. */
    static final class JSONs
    {
        private JSONs()
        {
        }

        static ObjectNode object()
        {
            return AnthropicTranslation.JSON.createObjectNode();
        }

        static ArrayNode array()
        {
            return AnthropicTranslation.JSON.createArrayNode();
        }

        static JsonNode nil()
        {
            return AnthropicTranslation.JSON.nullNode();
        }

        static JsonNode text(String text)
        {
            return AnthropicTranslation.JSON.getNodeFactory().textNode(text);
        }

        static JsonNode number(double number)
        {
            return AnthropicTranslation.JSON.getNodeFactory().numberNode(number);
        }
    }

    /** Keeps a finished answer's output for references to it. */
    void kept(JsonNode output)
    {
        inbound.kept("resp_" + id, output, null);
    }

    /** Keeps a relayed answer under the provider's id, unless the client said {@code store: false}; the target keeps it too. */
    void keptRelayed(String responseId, JsonNode output, String target)
    {
        inbound.kept(responseId, output, target);
    }
}
