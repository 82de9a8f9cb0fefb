// OpenAI's Responses API in front: requests translated to the AI front's chat form, answers translated back.
package dev.sluice.ai;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.http.ClientText;

/**
 * {@code POST …/responses} on an AI route, the API OpenAI's newer clients and agents (the Agents
 * SDK, Codex) speak: the request is translated into the chat form the front works in — so
 * aliases, fallbacks, limits, budgets, the cache and the guard apply unchanged, whatever provider
 * answers — and the answer goes back as a {@code response} object, or as the Responses API's
 * events when streamed ({@link ResponsesAnswers}, {@link ResponsesEvents}).
 *
 * <p>Answers are kept a while ({@link ResponseStore}) so that {@code previous_response_id} and
 * {@code item_reference} resolve, unless the client says {@code store: false} (as Codex does,
 * sending the whole conversation each time); nothing else is stored: {@code conversation},
 * {@code background} and stored prompts are refused with 400, and a response cannot be retrieved
 * by its id. The tools cross as {@link ResponsesTools} says (functions, custom ones, namespaces,
 * the client's tool search, live web search); OpenAI's other hosted tools are left out and named
 * in {@code X-Sluice-AI-Dropped-Tools}. Reasoning items in the input are dropped, as the chat form
 * has no place for them (unless they are Claude's, sealed, or a server takes reasoning back), and
 * so are earlier {@code web_search_call}s.</p>
 *
 * <p>A target served through the Responses API gets the request as it came instead
 * ({@link ResponsesRelay}). What only such a target can take (OpenAI's other input items, file and
 * audio parts, a hosted tool chosen) makes the request one for those targets alone
 * ({@link #relayOnly}); any other answers with the 400 these were before.</p>
 */
final class ResponsesInbound
{
    /** A Responses request the front cannot take, as the client's 400. */
    static final class Invalid extends Exception
    {
        final String param;

        Invalid(String param, String message)
        {
            super(message, null, false, false);
            this.param = param;
        }
    }

    private static final String[] COPIED = {"temperature", "top_p", "user", "parallel_tool_calls", "service_tier", "prompt_cache_key",
        "top_logprobs", "template", "variables"};
    private static final String[] STATEFUL = {"conversation", "prompt"};

    private final ResponseStore store;
    private final String consumer;
    /** Whether this answer is kept for references to it: unless the client said {@code store: false}. */
    private boolean keep;
    /** The response this request continues, or null. */
    private String previous;
    /** The request's input in the chat form (not its instructions, which a continuation does not inherit). */
    private final ArrayNode input = ResponsesAnswers.JSONs.array();
    /** Whether the request asks for its conversation to be compacted ({@link Compaction}). */
    private boolean compacting;
    /** Reasoning items read and not yet placed: the thinking blocks of the next assistant message. */
    private ArrayNode thinking;
    /**
     * The images of tool outputs read and not yet placed: the chat form's tool messages hold text,
     * so they go in a user message after the run of tool messages (as Claude Code's tool results'
     * images do, {@link AnthropicInbound}), which an Anthropic target gets inside the results' turn.
     */
    private ArrayNode attachments;
    /** The request's tools in the chat form, and the way back for the model's calls of them. */
    private final ResponsesTools tools = new ResponsesTools();
    /**
     * The first thing read that the chat form cannot hold but a model served through the Responses
     * API may take (an item or content part of another kind, a hosted tool chosen): the request can
     * then only be relayed as it came ({@link ResponsesRelay}), and this is the answer of a target
     * it cannot be relayed to. Null when the chat form holds all of it.
     */
    private Invalid relayOnly;
    /** The target the response this request continues was relayed to, which keeps the conversation too; else null. */
    private String continuesRelayTo;

    /**
     * @param store where answers are kept for {@code item_reference}s and {@code previous_response_id}s
     * @param consumer the consumer the items are kept for (null on routes without one)
     */
    ResponsesInbound(ResponseStore store, String consumer)
    {
        this.store = store;
        this.consumer = consumer;
    }

    /** Whether the answer is kept for references to it: unless the client said {@code store: false}. */
    boolean keeps()
    {
        return keep;
    }

    /** The request's tools, which tell what each of the model's calls answers. */
    ResponsesTools tools()
    {
        return tools;
    }

    /**
     * The target that keeps the conversation this request continues ({@code previous_response_id}),
     * to which it may be relayed as it came; null when only Sluice keeps it, or it continues none.
     */
    String continuesRelayTo()
    {
        return continuesRelayTo;
    }

    /** Why only a target the request is relayed to can take it; null when any target can. */
    Invalid relayOnly()
    {
        return relayOnly;
    }

    /** Notes what the chat form leaves out, which a target the request is relayed to still gets. */
    private void onlyRelayed(String param, String message)
    {
        if (relayOnly == null)
        {
            relayOnly = new Invalid(param, message + " Only a model served through the Responses API, to which a request goes as it came, takes it.");
        }
    }

    /**
     * Keeps a finished answer (unless the client said {@code store: false}), which the client may refer to next.
     *
     * @param relayedTo the target the request was relayed to as it came, which keeps the answer too; else null
     */
    void kept(String responseId, JsonNode output, String relayedTo)
    {
        if (!keep)
        {
            return;
        }
        // Each item as it was answered, for item_references: a relayed answer's may be of kinds the chat form cannot hold.
        store.keepItems(consumer, output);
        ArrayNode messages = input.deepCopy();
        try
        {
            int index = 0;
            for (JsonNode item : output)
            {
                item(item, "output[" + index++ + "]", messages);
            }
        }
        catch (Invalid x)
        {
            // Sluice's own items, and a relayed answer's, always translate (or are left to the Responses API); if one did not,
            // the turn is just not kept.
            AiFront.LOG.debug("response {} not kept: {}", responseId, x.getMessage());
            return;
        }
        String before = previous;
        if (responseId.equals(previous))
        {
            // A provider that gives every response the same id (some servers do): this turn holds the whole conversation.
            ArrayNode history = store.conversation(consumer, previous);
            if (history != null)
            {
                history.addAll(messages);
                messages = history;
            }
            before = null;
        }
        store.keepTurn(consumer, responseId, new ResponseStore.Turn(before, messages, relayedTo));
    }

    /**
     * The chat request equivalent to a Responses request.
     *
     * @param dropped filled with the tools left out, as {@code type} or {@code type:name}
     */
    ObjectNode translate(ObjectNode in, List<String> dropped) throws Invalid
    {
        for (String stateful : STATEFUL)
        {
            if (in.hasNonNull(stateful))
            {
                throw new Invalid(stateful, "'" + stateful + "' is not supported by this gateway, which stores no conversations or prompts:"
                    + " send the conversation in 'input', or continue one with 'previous_response_id'.");
            }
        }
        if (in.path("background").asBoolean(false))
        {
            throw new Invalid("background", "Background responses are not supported by this gateway, which answers while the client waits.");
        }
        ObjectNode out = AnthropicTranslation.JSON.createObjectNode();
        if (in.has("model"))
        {
            out.set("model", in.get("model"));
        }
        ArrayNode messages = out.putArray("messages");
        JsonNode instructions = in.get("instructions");
        if (instructions != null && !instructions.isNull())
        {
            if (!instructions.isTextual())
            {
                throw new Invalid("instructions", "Invalid type for 'instructions': expected a string.");
            }
            messages.addObject().put("role", "system").put("content", instructions.asText());
        }
        keep = !in.path("store").isBoolean() || in.get("store").asBoolean();
        JsonNode continued = in.get("previous_response_id");
        if (continued != null && !continued.isNull())
        {
            ArrayNode history = continued.isTextual() ? store.conversation(consumer, continued.asText()) : null;
            if (history == null)
            {
                throw new Invalid("previous_response_id", "Response '" + ClientText.quoted(continued.asText(), 80) + "' is not known to this gateway,"
                    + " which keeps answers for an hour, on the instance that answered and for the consumer it answered, and not those"
                    + " of 'store': false requests: send the whole conversation in 'input'.");
            }
            previous = continued.asText();
            continuesRelayTo = store.relayedTo(consumer, previous);
            messages.addAll(history);
        }
        JsonNode inputNode = in.get("input");
        if (inputNode != null && inputNode.isTextual())
        {
            input.addObject().put("role", "user").put("content", inputNode.asText());
        }
        else if (inputNode != null && inputNode.isArray() && !inputNode.isEmpty())
        {
            int index = 0;
            for (JsonNode item : inputNode)
            {
                if (Compaction.TRIGGER.equals(item.path("type").asText()))
                {
                    if (index != inputNode.size() - 1)
                    {
                        throw new Invalid("input[" + index + "]", "The 'compaction_trigger' item must be the final input item.");
                    }
                    // Not part of the conversation kept: the request's own ask (Compaction.PROMPT, below).
                    compacting = true;
                    index++;
                    continue;
                }
                item(item, "input[" + index++ + "]", input);
            }
            attach(input);
        }
        else
        {
            throw new Invalid("input", "Missing required parameter: 'input' (a string or a non-empty array of items).");
        }
        messages.addAll(input.deepCopy());
        if (compacting)
        {
            messages.addObject().put("role", "user").put("content", Compaction.PROMPT);
        }
        JsonNode max = in.get("max_output_tokens");
        if (max != null && !max.isNull())
        {
            if (!max.isIntegralNumber() || max.asLong() < 1)
            {
                throw new Invalid("max_output_tokens", "Invalid 'max_output_tokens': expected an integer of at least 1.");
            }
            // The name every OpenAI-compatible server knows (DeepSeek's API documents no other); an OpenAI target gets
            // it as max_completion_tokens (AiCall), an Anthropic one as max_tokens.
            out.set("max_tokens", max);
        }
        for (String copied : COPIED)
        {
            if (in.hasNonNull(copied))
            {
                out.set(copied, in.get(copied));
            }
        }
        if (!out.has("user") && in.path("safety_identifier").isTextual())
        {
            out.put("user", in.path("safety_identifier").asText());
        }
        if (in.path("reasoning").path("effort").isTextual())
        {
            out.put("reasoning_effort", in.path("reasoning").path("effort").asText());
        }
        text(in.path("text"), out);
        try
        {
            tools.offer(in, out, dropped);
        }
        catch (Invalid x)
        {
            String chosen = in.path("tool_choice").path("type").asText("function");
            if (chosen.equals("function") || chosen.equals("custom"))
            {
                throw x;
            }
            // A hosted tool chosen (OpenAI's web search, file search…), or a choice among allowed tools: OpenAI's own.
            out.remove("tool_choice");
            onlyRelayed(x.param, x.getMessage());
        }
        if (compacting && out.has("tools"))
        {
            // The history's calls need their tools declared (Claude refuses them otherwise), but the answer is the summary.
            out.put("tool_choice", "none");
        }
        JsonNode stream = in.get("stream");
        if (stream != null && !stream.isNull() && !stream.isBoolean())
        {
            throw new Invalid("stream", "Invalid type for 'stream': expected a boolean.");
        }
        if (stream != null && stream.asBoolean())
        {
            out.put("stream", true);
            out.putObject("stream_options").put("include_usage", true);
        }
        return out;
    }

    private void item(JsonNode item, String path, ArrayNode out) throws Invalid
    {
        if (!item.isObject())
        {
            throw new Invalid(path, "Invalid type for '" + path + "': expected an object.");
        }
        String type = item.path("type").asText(item.has("role") ? "message" : "");
        if (!type.endsWith("_output"))
        {
            // The images of the tool outputs just read follow the last of them: tool messages must follow their calls unbroken.
            attach(out);
        }
        switch (type)
        {
            case "message" ->
            {
                message(item, path, out);
                thinkingBefore(out);
            }
            case "function_call", "custom_tool_call", "tool_search_call" ->
            {
                if (!item.path("call_id").isTextual())
                {
                    // A search OpenAI ran itself (execution "server"): what it loaded comes with its output.
                    return;
                }
                ObjectNode call = ResponsesAnswers.JSONs.object();
                call.put("id", ToolCallIds.id(item.path("call_id").asText()));
                call.put("type", "function");
                String name = type.equals("tool_search_call") ? ResponsesTools.SEARCH
                    : tools.chatName(item.path("namespace").asText(null), item.path("name").asText());
                String arguments = switch (type)
                {
                    case "custom_tool_call" -> CustomTools.arguments(item.path("input").asText(""));
                    case "tool_search_call" -> item.path("arguments").isObject() ? item.get("arguments").toString() : item.path("arguments").asText("{}");
                    default -> item.path("arguments").asText("{}");
                };
                call.putObject("function").put("name", name).put("arguments", arguments);
                JsonNode extra = ToolCallIds.extra(item.path("call_id").asText());
                if (extra != null)
                {
                    call.set("extra_content", extra);
                }
                // Calls of one turn are one assistant message in the chat form, after its text if any.
                JsonNode last = out.isEmpty() ? null : out.get(out.size() - 1);
                ObjectNode assistant = last instanceof ObjectNode o && "assistant".equals(o.path("role").asText()) ? o
                    : out.addObject().put("role", "assistant").putNull("content");
                (assistant.path("tool_calls").isArray() ? (ArrayNode)assistant.get("tool_calls") : assistant.putArray("tool_calls")).add(call);
                thinkingBefore(out);
            }
            case "additional_tools" -> tools.additional(item.path("tools"), path);
            case "tool_search_output" ->
            {
                String found = tools.loaded(item.path("tools"), path);
                if (item.path("call_id").isTextual())
                {
                    out.addObject().put("role", "tool").put("tool_call_id", ToolCallIds.id(item.path("call_id").asText())).put("content", found);
                }
            }
            case "function_call_output", "custom_tool_call_output" ->
            {
                JsonNode output = item.path("output");
                String text = output.isTextual() ? output.asText() : outputText(output, path + ".output");
                out.addObject().put("role", "tool").put("tool_call_id", ToolCallIds.id(item.path("call_id").asText())).put("content", text);
            }
            case "item_reference" ->
            {
                String reference = item.path("id").asText("");
                ObjectNode referred = store.item(consumer, reference);
                if (referred == null)
                {
                    throw new Invalid(path + ".id", "Item '" + ClientText.quoted(reference, 80) + "' is not known to this gateway, which keeps the"
                        + " items it answered for an hour, on the instance that answered and not for 'store': false requests: send the item"
                        + " in full (with Vercel's AI SDK, providerOptions.openai.store = false).");
                }
                item(referred, path, out);
            }
            case "reasoning" ->
            {
                // The thinking blocks of the assistant message that follows: Claude's thinking, sealed whole in
                // encrypted_content, for Claude; other reasoning (its text, as Sluice answered it) as an unsigned block,
                // which Claude is not sent and a server that takes reasoning back (DeepSeek) gets as reasoning_content.
                JsonNode block = ResponsesAnswers.unsealed(item.path("encrypted_content").isTextual() ? item.path("encrypted_content").asText() : "");
                String text = block == null ? reasoningText(item) : "";
                if (block != null || !text.isEmpty())
                {
                    (thinking == null ? thinking = ResponsesAnswers.JSONs.array() : thinking)
                        .add(block != null ? block : ResponsesAnswers.JSONs.object().put("type", "thinking").put("thinking", text).put("signature", ""));
                }
            }
            case Compaction.ITEM ->
            {
                String summary = Compaction.summary(item);
                if (summary == null)
                {
                    // OpenAI's own: only OpenAI can read it.
                    onlyRelayed(path + ".type", "Compaction items not made by this gateway are not supported by it.");
                }
                else
                {
                    out.addObject().put("role", "user").put("content", Compaction.continued(summary));
                }
            }
            case "web_search_call" ->
            {
                // A search this gateway (or OpenAI) answered earlier: the answer's text, which follows it, is what the chat form keeps.
            }
            // OpenAI's other items (hosted tools' calls, computer use, shell calls, MCP): for the Responses API only.
            default ->
            {
                String unsupported = "Input items of type '" + ClientText.quoted(type, 64)
                    + "' are not supported by this gateway: use messages, function_call, custom_tool_call, tool_search_call and their outputs.";
                if (type.isEmpty())
                {
                    throw new Invalid(path + ".type", unsupported);
                }
                onlyRelayed(path + ".type", unsupported);
            }
        }
    }

    /** A reasoning item's text: its reasoning_text content, else its summary's text. */
    private static String reasoningText(JsonNode item)
    {
        StringBuilder text = new StringBuilder();
        for (JsonNode part : item.path("content"))
        {
            if ("reasoning_text".equals(part.path("type").asText()) && part.path("text").isTextual())
            {
                text.append(part.path("text").asText());
            }
        }
        if (text.isEmpty())
        {
            for (JsonNode part : item.path("summary"))
            {
                if (part.path("text").isTextual())
                {
                    text.append(part.path("text").asText());
                }
            }
        }
        return text.toString();
    }

    /** Puts the reasoning read before it on the assistant message just made; a user or system message leaves it unplaced. */
    private void thinkingBefore(ArrayNode out)
    {
        JsonNode last = out.isEmpty() ? null : out.get(out.size() - 1);
        if (thinking != null && last instanceof ObjectNode message && "assistant".equals(message.path("role").asText()))
        {
            (message.path("thinking_blocks").isArray() ? (ArrayNode)message.get("thinking_blocks") : message.putArray("thinking_blocks")).addAll(thinking);
        }
        thinking = null;
    }

    private void message(JsonNode item, String path, ArrayNode out) throws Invalid
    {
        String role = switch (item.path("role").asText())
        {
            case "user" -> "user";
            case "assistant" -> "assistant";
            // Not every provider knows OpenAI's developer role; the chat form's system is the same place.
            case "system", "developer" -> "system";
            default -> throw new Invalid(path + ".role", "Invalid value for '" + path + ".role':"
                + " expected 'user', 'assistant', 'system' or 'developer'.");
        };
        JsonNode content = item.get("content");
        if (content != null && content.isTextual())
        {
            out.addObject().put("role", role).put("content", content.asText());
            return;
        }
        if (content == null || !content.isArray())
        {
            throw new Invalid(path + ".content", "Invalid type for '" + path + ".content': expected a string or an array of content parts.");
        }
        if (!role.equals("user"))
        {
            out.addObject().put("role", role).put("content", joinText(content, path + ".content"));
            return;
        }
        ArrayNode parts = ResponsesAnswers.JSONs.array();
        int index = 0;
        for (JsonNode part : content)
        {
            String partPath = path + ".content[" + index++ + "]";
            switch (part.path("type").asText())
            {
                case "input_text" -> parts.addObject().put("type", "text").put("text", part.path("text").asText());
                case "input_image" -> image(part, partPath, parts);
                // Files, audio: for the Responses API only.
                default -> onlyRelayed(partPath + ".type", "Content parts of type '" + ClientText.quoted(part.path("type").asText(), 64)
                    + "' are not supported by this gateway: use input_text and input_image.");
            }
        }
        out.addObject().put("role", "user").set("content", parts);
    }

    /** An {@code input_image} part with its URL as the chat form's {@code image_url} part. */
    private static void image(JsonNode part, String path, ArrayNode parts) throws Invalid
    {
        if (!part.path("image_url").isTextual())
        {
            throw new Invalid(path + ".image_url", "Images must be given by 'image_url' (a URL or a data: URL) here; uploaded files are not supported.");
        }
        ObjectNode url = parts.addObject().put("type", "image_url").putObject("image_url").put("url", part.path("image_url").asText());
        // "original" (full resolution, which Codex asks for its screenshots) is the Responses API's alone; chat
        // providers know low, high and auto, and some refuse any other value.
        String detail = part.path("detail").asText("");
        if (detail.equals("low") || detail.equals("high") || detail.equals("auto") || detail.equals("original"))
        {
            url.put("detail", detail.equals("original") ? "high" : detail);
        }
    }

    /**
     * A tool output's parts: its text parts joined, its images (Codex's {@code view_image} returns
     * the picture so) kept for the user message after the tool messages ({@link #attachments}).
     */
    private String outputText(JsonNode output, String path) throws Invalid
    {
        if (!output.isArray())
        {
            throw new Invalid(path, "Invalid type for '" + path + "': expected a string or an array of content parts.");
        }
        ArrayNode text = ResponsesAnswers.JSONs.array();
        int index = 0;
        for (JsonNode part : output)
        {
            String partPath = path + "[" + index++ + "]";
            if (!"input_image".equals(part.path("type").asText()))
            {
                text.add(part);
            }
            else
            {
                image(part, partPath, attachments == null ? attachments = ResponsesAnswers.JSONs.array() : attachments);
            }
        }
        return joinText(text, path);
    }

    /** Places the images of the tool outputs just read, as a user message after them. */
    private void attach(ArrayNode out)
    {
        if (attachments != null)
        {
            out.addObject().put("role", "user").set("content", attachments);
            attachments = null;
        }
    }

    /** Text parts ({@code input_text}, {@code output_text}, {@code refusal}) joined, for turns the chat form gives one string. */
    private static String joinText(JsonNode parts, String path) throws Invalid
    {
        if (!parts.isArray())
        {
            throw new Invalid(path, "Invalid type for '" + path + "': expected a string or an array of text parts.");
        }
        StringBuilder text = new StringBuilder();
        for (JsonNode part : parts)
        {
            String type = part.path("type").asText();
            if (!type.equals("input_text") && !type.equals("output_text") && !type.equals("refusal"))
            {
                throw new Invalid(path, "Only text parts are supported in '" + path + "', not '" + ClientText.quoted(type, 64) + "'.");
            }
            text.append(part.path(type.equals("refusal") ? "refusal" : "text").asText());
        }
        return text.toString();
    }

    private static void text(JsonNode text, ObjectNode out) throws Invalid
    {
        JsonNode format = text.path("format");
        switch (format.path("type").asText("text"))
        {
            case "text" ->
            {
                // The chat form's default.
            }
            case "json_object" -> out.putObject("response_format").put("type", "json_object");
            case "json_schema" ->
            {
                if (!format.path("name").isTextual() || !format.path("schema").isObject())
                {
                    throw new Invalid(format.path("name").isTextual() ? "text.format.schema" : "text.format.name",
                        "A 'json_schema' format needs a 'name' (a string) and a 'schema' (an object).");
                }
                ObjectNode schema = out.putObject("response_format").put("type", "json_schema").putObject("json_schema");
                for (String field : new String[] {"name", "description", "schema", "strict"})
                {
                    if (format.hasNonNull(field))
                    {
                        schema.set(field, format.get(field));
                    }
                }
            }
            default -> throw new Invalid("text.format.type",
                "Invalid value for 'text.format.type': expected 'text', 'json_object' or 'json_schema'.");
        }
        if (text.path("verbosity").isTextual())
        {
            out.put("verbosity", text.path("verbosity").asText());
        }
    }


}
