// The chat form to OpenAI's Responses API and back, for models only that API serves (the codex and pro models).
package dev.sluice.ai;

import java.util.Iterator;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * OpenAI serves its codex models (gpt-5-codex to gpt-5.3-codex), its pro models (gpt-5-pro,
 * o3-pro) and codex-mini-latest only through {@code POST /v1/responses}, and answers a chat
 * request for them with 404 ("This model is only supported in v1/responses and not in
 * v1/chat/completions"). The front works in the chat form, so a target marked for the Responses
 * API ({@link AiSettings.Target#responses()}) has the request translated here and its answer
 * translated back ({@link #chatCompletion}; streamed: {@link ResponsesStream}):
 * <ul>
 * <li>messages → input items: system and developer messages as messages of that role, user
 * text, images and files as {@code input_text}, {@code input_image} and {@code input_file},
 * assistant text as {@code output_text}, tool calls as {@code function_call} items and tool
 * results as {@code function_call_output};</li>
 * <li>function tools flattened ({@code {"type": "function", "name", "parameters"}}),
 * {@code tool_choice} likewise; {@code max_completion_tokens} as {@code max_output_tokens},
 * {@code reasoning_effort} as {@code reasoning.effort}, {@code response_format} and
 * {@code verbosity} under {@code text};</li>
 * <li>{@code store: false}: the provider keeps no copy of the conversation, which the client holds;
 * a reasoning model's reasoning is asked for encrypted, and for a Responses client (Codex) goes
 * back to it sealed in its reasoning items and from it into the next request's input
 * ({@link #keepReasoning});</li>
 * <li>fields the Responses API has no equivalent for ({@code stop}, {@code n}, penalties,
 * {@code logprobs}, {@code seed}) refused naming them, or left out where the alias drops what a
 * target cannot take.</li>
 * </ul>
 */
final class OpenAiResponses
{
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** The chat fields translated below, or passed under the same name. */
    private static final Set<String> TRANSLATED = Set.of("model", "messages", "max_tokens", "max_completion_tokens", "temperature", "top_p",
        "stream", "stream_options", "tools", "tool_choice", "parallel_tool_calls", "user", "reasoning_effort", "response_format", "verbosity",
        "prompt_cache_key", "safety_identifier", "service_tier", "metadata", "store");

    private OpenAiResponses()
    {
    }

    /** The model ids only the Responses API serves, after any router's prefix and without a dated snapshot's date. */
    private static final java.util.regex.Pattern ONLY_RESPONSES =
        java.util.regex.Pattern.compile("gpt-5(\\.\\d{1,2})?-(codex(-mini|-max)?|pro)|o[13]-pro|o[34](-mini)?-deep-research|codex-mini-latest");

    /** Whether OpenAI serves the model only through the Responses API. */
    static boolean only(String model)
    {
        return ONLY_RESPONSES.matcher(AiSettings.Reasoning.bareId(model)).matches();
    }

    /** The type of the chat form's thinking block that holds one of the model's reasoning items, encrypted, for a Responses client. */
    static final String REASONING_BLOCK = "openai_reasoning";

    /** Where an assistant message keeps its reasoning items from the time its thinking blocks are left out until the input is made. */
    private static final String KEPT = "sluice_openai_reasoning";

    /**
     * Keeps the model's encrypted reasoning items that a Responses client sent back (as {@link #REASONING_BLOCK} thinking
     * blocks) before the thinking blocks are left out, so that they go back in the input before their message's items:
     * with {@code store: false} the model continues a tool-using turn with its own reasoning only when it is given back.
     */
    static void keepReasoning(ObjectNode chat, String target)
    {
        for (JsonNode message : chat.path("messages"))
        {
            ArrayNode kept = NODES.arrayNode();
            for (JsonNode block : message.path("thinking_blocks"))
            {
                // Only the target that gave it can read it: another model, or another organisation's key, would refuse the request.
                if (REASONING_BLOCK.equals(block.path("type").asText()) && block.path("encrypted_content").isTextual()
                    && target.equals(block.path("target").asText()))
                {
                    kept.add(block);
                }
            }
            if (!kept.isEmpty() && message instanceof ObjectNode object)
            {
                object.set(KEPT, kept);
            }
        }
    }

    /**
     * The chat request (the target's own copy, already fitted to it) as a Responses API request.
     *
     * @param reasons whether the model reasons: its reasoning is then asked for encrypted, to be given back next time
     */
    static ObjectNode request(ObjectNode chat, boolean drop, boolean reasons) throws Unsupported
    {
        for (Iterator<Map.Entry<String, JsonNode>> fields = chat.fields(); fields.hasNext(); )
        {
            Map.Entry<String, JsonNode> field = fields.next();
            if (!TRANSLATED.contains(field.getKey()) && !field.getValue().isNull() && !drop && !asDefault(field.getKey(), field.getValue()))
            {
                throw new Unsupported(field.getKey(), "OpenAI's Responses API, the only one this model is served by, has no equivalent of '"
                    + field.getKey() + "'.");
            }
        }
        ObjectNode out = NODES.objectNode();
        out.set("model", chat.get("model"));
        out.set("input", input(chat.path("messages")));
        out.put("store", false);
        if (reasons)
        {
            out.putArray("include").add("reasoning.encrypted_content");
        }
        JsonNode max = chat.hasNonNull("max_completion_tokens") ? chat.get("max_completion_tokens") : chat.get("max_tokens");
        if (max != null && !max.isNull())
        {
            out.set("max_output_tokens", max);
        }
        for (String same : new String[] {"temperature", "top_p", "parallel_tool_calls", "user", "prompt_cache_key", "safety_identifier",
            "service_tier", "metadata"})
        {
            if (chat.hasNonNull(same))
            {
                out.set(same, chat.get(same));
            }
        }
        if (chat.path("stream").asBoolean(false))
        {
            out.put("stream", true);
        }
        if (chat.hasNonNull("reasoning_effort"))
        {
            out.putObject("reasoning").set("effort", chat.get("reasoning_effort"));
        }
        text(chat, out);
        tools(chat, out, drop);
        return out;
    }

    /** A field the Responses API lacks, sent at the value that asks for nothing: one choice, no log probabilities. */
    private static boolean asDefault(String name, JsonNode value)
    {
        return (name.equals("n") && value.canConvertToInt() && value.asInt() == 1) || (name.equals("logprobs") && value.isBoolean() && !value.asBoolean());
    }

    private static ArrayNode input(JsonNode messages) throws Unsupported
    {
        ArrayNode input = NODES.arrayNode();
        for (int i = 0; i < messages.size(); i++)
        {
            JsonNode message = messages.get(i);
            String role = message.path("role").asText();
            String path = "messages[" + i + "]";
            switch (role)
            {
                case "system", "developer", "user" -> input.add(message(role, content(message.get("content"), path, "input_text")));
                case "assistant" ->
                {
                    for (JsonNode reasoning : message.path(KEPT))
                    {
                        ObjectNode item = input.addObject().put("type", "reasoning");
                        if (reasoning.path("id").isTextual())
                        {
                            item.put("id", reasoning.path("id").asText());
                        }
                        item.putArray("summary");
                        item.put("encrypted_content", reasoning.path("encrypted_content").asText());
                    }
                    JsonNode content = message.get("content");
                    if (content != null && !content.isNull() && !(content.isTextual() && content.asText().isEmpty()))
                    {
                        input.add(message("assistant", content(content, path, "output_text")));
                    }
                    for (JsonNode call : message.path("tool_calls"))
                    {
                        input.addObject().put("type", "function_call").put("call_id", call.path("id").asText())
                            .put("name", call.path("function").path("name").asText()).put("arguments", call.path("function").path("arguments").asText("{}"));
                    }
                }
                case "tool" -> input.addObject().put("type", "function_call_output").put("call_id", message.path("tool_call_id").asText())
                    .put("output", toolOutput(message.get("content"), path));
                default -> throw new Unsupported(path + ".role", "OpenAI's Responses API takes messages of role system, developer, user, assistant"
                    + " and tool, not '" + role + "'.");
            }
        }
        return input;
    }

    private static ObjectNode message(String role, ArrayNode content)
    {
        ObjectNode message = NODES.objectNode().put("type", "message").put("role", role);
        message.set("content", content);
        return message;
    }

    /** A message's content as the Responses API's parts: text as {@code textType}, images and files as input parts. */
    private static ArrayNode content(JsonNode content, String path, String textType) throws Unsupported
    {
        ArrayNode parts = NODES.arrayNode();
        if (content == null || content.isNull())
        {
            return parts;
        }
        if (content.isTextual())
        {
            parts.addObject().put("type", textType).put("text", content.asText());
            return parts;
        }
        requireParts(content, path);
        for (int i = 0; i < content.size(); i++)
        {
            JsonNode part = content.get(i);
            switch (part.path("type").asText())
            {
                case "text" -> parts.addObject().put("type", textType).put("text", part.path("text").asText());
                case "image_url" ->
                {
                    ObjectNode image = parts.addObject().put("type", "input_image").put("image_url", part.path("image_url").path("url").asText());
                    image.put("detail", part.path("image_url").path("detail").asText("auto"));
                }
                case "file" ->
                {
                    // A document (Claude Code's Read of a PDF): the chat form's file part, flattened.
                    ObjectNode file = parts.addObject().put("type", "input_file");
                    for (String field : new String[] {"filename", "file_data", "file_id"})
                    {
                        if (part.path("file").hasNonNull(field))
                        {
                            file.set(field, part.path("file").get(field));
                        }
                    }
                }
                case "refusal" -> parts.addObject().put("type", "refusal").put("refusal", part.path("refusal").asText());
                default -> throw new Unsupported(path + ".content[" + i + "].type", "OpenAI's Responses API is sent text, images and files here, not '"
                    + part.path("type").asText() + "'.");
            }
        }
        return parts;
    }

    /** A tool result's content: its text, the parts' texts joined. */
    private static String toolOutput(JsonNode content, String path) throws Unsupported
    {
        if (content == null || content.isNull() || content.isTextual())
        {
            return content == null || content.isNull() ? "" : content.asText();
        }
        requireParts(content, path);
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < content.size(); i++)
        {
            JsonNode part = content.get(i);
            if (!"text".equals(part.path("type").asText()))
            {
                throw new Unsupported(path + ".content[" + i + "].type", "A tool result goes to OpenAI's Responses API as text.");
            }
            text.append(part.path("text").asText());
        }
        return text.toString();
    }

    /** A message's content that is not text must be a list of parts (an object or a number is refused by name, not failed on). */
    private static void requireParts(JsonNode content, String path) throws Unsupported
    {
        if (!content.isArray())
        {
            throw new Unsupported(path + ".content", "'" + path + ".content' must be a string or an array of content parts.");
        }
    }

    /** {@code response_format} and {@code verbosity}, which the Responses API reads under {@code text}. */
    private static void text(ObjectNode chat, ObjectNode out)
    {
        JsonNode format = chat.path("response_format");
        ObjectNode text = NODES.objectNode();
        switch (format.path("type").asText())
        {
            case "json_schema" ->
            {
                ObjectNode schema = text.putObject("format").put("type", "json_schema");
                JsonNode given = format.path("json_schema");
                schema.put("name", given.path("name").asText("response"));
                schema.set("schema", given.path("schema").isObject() ? given.get("schema") : NODES.objectNode());
                if (given.has("strict"))
                {
                    schema.set("strict", given.get("strict"));
                }
                if (given.hasNonNull("description"))
                {
                    schema.set("description", given.get("description"));
                }
            }
            case "json_object" -> text.putObject("format").put("type", "json_object");
            default ->
            {
                // "text", or none: the API's default.
            }
        }
        if (chat.hasNonNull("verbosity"))
        {
            text.set("verbosity", chat.get("verbosity"));
        }
        if (!text.isEmpty())
        {
            out.set("text", text);
        }
    }

    /** Function tools and the tool choice, flattened as the Responses API takes them. */
    private static void tools(ObjectNode chat, ObjectNode out, boolean drop) throws Unsupported
    {
        JsonNode tools = chat.path("tools");
        if (tools.isArray() && !tools.isEmpty())
        {
            ArrayNode flat = NODES.arrayNode();
            for (int i = 0; i < tools.size(); i++)
            {
                JsonNode tool = tools.get(i);
                if (!"function".equals(tool.path("type").asText()))
                {
                    if (drop)
                    {
                        continue;
                    }
                    throw new Unsupported("tools[" + i + "].type", "Only function tools go to OpenAI's Responses API from the chat form, not '"
                        + tool.path("type").asText() + "'.");
                }
                JsonNode function = tool.path("function");
                ObjectNode flattened = flat.addObject().put("type", "function").put("name", function.path("name").asText());
                if (function.hasNonNull("description"))
                {
                    flattened.set("description", function.get("description"));
                }
                flattened.set("parameters", function.path("parameters").isObject() ? function.get("parameters")
                    : NODES.objectNode().put("type", "object").putObject("properties"));
                // The chat form's functions are not strict unless they say so; the Responses API's are by default.
                flattened.put("strict", function.path("strict").asBoolean(false));
            }
            if (!flat.isEmpty())
            {
                out.set("tools", flat);
            }
        }
        JsonNode choice = chat.get("tool_choice");
        // Without tools (none offered, or all left out) there is nothing to choose, which OpenAI refuses to be told.
        if (choice != null && !choice.isNull() && out.has("tools"))
        {
            if (choice.isTextual())
            {
                out.set("tool_choice", choice);
            }
            else if ("function".equals(choice.path("type").asText()))
            {
                out.putObject("tool_choice").put("type", "function").put("name", choice.path("function").path("name").asText());
            }
            else if (!drop)
            {
                throw new Unsupported("tool_choice", "'tool_choice' goes to OpenAI's Responses API as auto, none, required or a function.");
            }
        }
    }

    /**
     * A Responses API answer as a chat completion: its output text as the message's content, its
     * function calls as tool calls (the call's {@code call_id} as the id the result goes back
     * under), its reasoning summary as {@code reasoning_content}; an answer cut by the token limit
     * ends with {@code length}, by the content filter with {@code content_filter}.
     */
    static ObjectNode chatCompletion(JsonNode response, long created, String carry)
    {
        ObjectNode out = ClaudeAnswers.completion(response, created);
        ObjectNode choice = (ObjectNode)out.path("choices").path(0);
        ObjectNode message = (ObjectNode)choice.path("message");
        StringBuilder text = new StringBuilder();
        StringBuilder reasoning = new StringBuilder();
        String refusal = null;
        ArrayNode calls = NODES.arrayNode();
        ArrayNode sealed = NODES.arrayNode();
        for (JsonNode item : response.path("output"))
        {
            switch (item.path("type").asText())
            {
                case "message" ->
                {
                    for (JsonNode part : item.path("content"))
                    {
                        if ("output_text".equals(part.path("type").asText()))
                        {
                            text.append(part.path("text").asText());
                        }
                        else if ("refusal".equals(part.path("type").asText()))
                        {
                            refusal = part.path("refusal").asText();
                        }
                    }
                }
                case "function_call" ->
                {
                    ObjectNode call = calls.addObject().put("id", item.path("call_id").asText()).put("type", "function");
                    call.putObject("function").put("name", item.path("name").asText()).put("arguments", item.path("arguments").asText("{}"));
                }
                case "reasoning" ->
                {
                    int from = reasoning.length();
                    for (JsonNode summary : item.path("summary"))
                    {
                        reasoning.append(reasoning.isEmpty() ? "" : "\n\n").append(summary.path("text").asText());
                    }
                    if (carry != null && item.path("encrypted_content").isTextual())
                    {
                        sealed.add(reasoningBlock(item, reasoning.substring(from).strip(), carry));
                    }
                }
                default ->
                {
                    // Hosted tools' items (web search, code interpreter) are not asked for from the chat form.
                }
            }
        }
        message.put("content", text.isEmpty() && (!calls.isEmpty() || refusal != null) ? null : text.toString());
        if (refusal != null)
        {
            message.put("refusal", refusal);
        }
        if (!reasoning.isEmpty())
        {
            message.put("reasoning_content", reasoning.toString());
        }
        if (!sealed.isEmpty())
        {
            message.set("thinking_blocks", sealed);
        }
        if (!calls.isEmpty())
        {
            message.set("tool_calls", calls);
        }
        choice.putNull("logprobs");
        choice.put("finish_reason", finishReason(response, !calls.isEmpty()));
        Usage usage = usage(response.path("usage"));
        if (usage != null)
        {
            out.set("usage", ClaudeAnswers.usageNode(usage));
        }
        return out;
    }

    /** The response's encrypted reasoning items as {@link #REASONING_BLOCK} thinking blocks of the target, without their text. */
    static ArrayNode reasoningBlocks(JsonNode response, String target)
    {
        ArrayNode blocks = NODES.arrayNode();
        for (JsonNode item : response.path("output"))
        {
            if ("reasoning".equals(item.path("type").asText()) && item.path("encrypted_content").isTextual())
            {
                blocks.add(reasoningBlock(item, "", target));
            }
        }
        return blocks;
    }

    /**
     * A reasoning item as a {@link #REASONING_BLOCK} thinking block: its id and encrypted content and the target that gave
     * it ({@code provider/model}), which a Responses client gets sealed in its own reasoning item
     * ({@link ResponsesAnswers#sealed}), and its summary's text.
     */
    static ObjectNode reasoningBlock(JsonNode item, String summary, String target)
    {
        return NODES.objectNode().put("type", REASONING_BLOCK).put("id", item.path("id").asText()).put("thinking", summary)
            .put("encrypted_content", item.path("encrypted_content").asText()).put("target", target);
    }

    /** The chat form's finish reason for a response: its calls, or why it is incomplete. */
    static String finishReason(JsonNode response, boolean calls)
    {
        if ("incomplete".equals(response.path("status").asText()))
        {
            return "content_filter".equals(response.path("incomplete_details").path("reason").asText()) ? "content_filter" : "length";
        }
        return calls ? "tool_calls" : "stop";
    }

    /** The Responses API's usage as {@link Usage}; null when there is none. */
    static Usage usage(JsonNode usage)
    {
        if (!usage.isObject())
        {
            return null;
        }
        return new Usage(Usage.tokens(usage.path("input_tokens")), Usage.tokens(usage.path("output_tokens")),
            Usage.tokens(usage.path("input_tokens_details").path("cached_tokens")), Usage.tokens(usage.path("output_tokens_details").path("reasoning_tokens")),
            false);
    }
}
