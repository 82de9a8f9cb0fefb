// Anthropic's Messages API in front: requests translated to the AI front's OpenAI form (answers back by AnthropicAnswers).
package dev.sluice.ai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.http.ClientText;

/**
 * {@code POST …/messages} on an AI route: the request is translated into the OpenAI chat form
 * the AI front works in — so aliases, fallbacks, limits, budgets, the cache and the guard apply
 * unchanged, whatever provider answers — and the answer is translated back on its way out by
 * {@link InboundResponse} with an {@link AnthropicAnswers.Dialect}.
 *
 * <p>Anthropic's own fields ride on the chat form for Anthropic targets and are left out for
 * others ({@link #forOtherProviders}): {@code thinking}, {@code top_k},
 * {@code context_management} and {@code output_config} (effort, structured output) as request fields, the thinking blocks of earlier assistant turns
 * as the message's {@code thinking_blocks} (the form LiteLLM gave OpenAI-style clients; Claude
 * needs them back, signed, to continue tool use with thinking), and {@code cache_control} marks
 * on the system prompt, tools, user blocks and tool results ({@link #mark}). Documents cross as base64 PDFs or text;
 * Anthropic's own tools (bash, text editor, computer, memory, and the server tools web search,
 * web fetch and code execution) are carried as they are for Anthropic targets
 * ({@link AnthropicTools#anthropicDefined}), and turns holding server tools' blocks or citations as
 * {@link AnthropicTools#RAW_CONTENT}. System turns within {@code messages} become system messages where they stand. Usage
 * comes in {@code message_delta} at the end of a stream, when it is known; {@code message_start}
 * says 0.</p>
 */
final class AnthropicInbound
{
    private AnthropicInbound()
    {
    }

    /** An Anthropic request the front cannot take, as the client's 400. */
    static final class Invalid extends Exception
    {
        Invalid(String message)
        {
            super(message, null, false, false);
        }
    }

    /** The OpenAI chat request equivalent to an Anthropic Messages request. */
    static ObjectNode request(ObjectNode in) throws Invalid
    {
        ObjectNode out = AnthropicTranslation.JSON.createObjectNode();
        JsonNode model = in.get("model");
        if (model == null || !model.isTextual() || model.asText().isEmpty())
        {
            throw new Invalid("model: Field required");
        }
        out.put("model", model.asText());
        JsonNode max = in.get("max_tokens");
        if (max == null || !max.canConvertToInt() || max.asInt() < 1)
        {
            throw new Invalid("max_tokens: Field required (a positive integer)");
        }
        out.put("max_tokens", max.asInt());
        ArrayNode messages = out.putArray("messages");
        JsonNode system = in.get("system");
        if (system != null && !system.isNull())
        {
            ObjectNode message = messages.addObject().put("role", "system");
            if (marked(system))
            {
                // Cache breakpoints go on as text parts' marks, for an Anthropic target (AnthropicTranslation).
                joinText(system, "system");
                ArrayNode parts = message.putArray("content");
                system.forEach(block -> mark(block, parts.addObject().put("type", "text").put("text", block.path("text").asText())));
            }
            else
            {
                message.put("content", system.isTextual() ? system.asText() : joinText(system, "system"));
            }
        }
        JsonNode turns = in.get("messages");
        if (turns == null || !turns.isArray() || turns.isEmpty())
        {
            throw new Invalid("messages: Field required (a non-empty array)");
        }
        java.util.Map<String, JsonNode> offered = new java.util.HashMap<>();
        for (JsonNode tool : in.path("tools"))
        {
            offered.putIfAbsent(tool.path("name").asText(), tool);
        }
        int index = 0;
        for (JsonNode turn : turns)
        {
            message(turn, "messages." + index++, messages, offered);
        }
        for (String copied : new String[] {"temperature", "top_p"})
        {
            if (in.hasNonNull(copied))
            {
                out.set(copied, in.get(copied));
            }
        }
        if (in.path("stop_sequences").isArray() && !in.path("stop_sequences").isEmpty())
        {
            out.set("stop", in.get("stop_sequences"));
        }
        if (in.path("metadata").path("user_id").isTextual())
        {
            out.put("user", in.path("metadata").path("user_id").asText());
        }
        tools(in, out);
        for (String own : ANTHROPIC_ONLY)
        {
            JsonNode value = in.get(own);
            if (value != null && !value.isNull())
            {
                String wanted = ownFieldWants(own, value);
                if (wanted != null)
                {
                    throw new Invalid(own + ": Input should be " + wanted);
                }
                out.set(own, value);
            }
        }
        structuredOutput(in, out);
        JsonNode stream = in.get("stream");
        if (stream != null && !stream.isNull() && !stream.isBoolean())
        {
            throw new Invalid("stream: Input should be a valid boolean");
        }
        if (stream != null && stream.asBoolean())
        {
            out.put("stream", true);
            out.putObject("stream_options").put("include_usage", true);
        }
        // Sluice's own fields pass through to the front: templates and their variables.
        for (String own : new String[] {"template", "variables"})
        {
            if (in.has(own))
            {
                out.set(own, in.get(own));
            }
        }
        return out;
    }

    /**
     * Request fields only Anthropic's API has, carried for Anthropic targets: among them the code
     * execution tool's {@code container} (the id an earlier answer gave, to keep its files) and the
     * MCP connector's {@code mcp_servers}.
     */
    static final String[] ANTHROPIC_ONLY = {"thinking", "top_k", "context_management", "output_config", "container", "mcp_servers"};

    /**
     * The answer's JSON Schema, {@code output_config.format}, checked as Anthropic's API checks it
     * (every target then refuses the same request alike); the beta's top-level
     * {@code output_format}, which Anthropic still takes, goes there when the client set no format.
     */
    private static void structuredOutput(ObjectNode in, ObjectNode out) throws Invalid
    {
        JsonNode legacy = in.get("output_format");
        if (legacy != null && !legacy.isNull())
        {
            StructuredOutput.intoOutputConfig(out, legacy);
        }
        JsonNode format = out.path("output_config").get("format");
        if (format == null || format.isNull())
        {
            return;
        }
        String path = legacy != null && format == legacy ? "output_format" : "output_config.format";
        if (!format.isObject())
        {
            throw new Invalid(path + ": Input should be a valid dictionary");
        }
        if (!"json_schema".equals(format.path("type").asText()))
        {
            throw new Invalid(path + ".type: Input should be 'json_schema'");
        }
        if (!format.path("schema").isObject())
        {
            throw new Invalid(path + ".schema: Field required (a JSON Schema object)");
        }
    }

    /** What one of {@link #ANTHROPIC_ONLY} must be, when {@code value} is not that; else null. */
    static String ownFieldWants(String name, JsonNode value)
    {
        return switch (name)
        {
            case "top_k" -> value.canConvertToInt() && value.asInt() >= 0 ? null : "a non-negative integer";
            case "container" -> value.isTextual() || value.isObject() ? null : "a container id or a valid dictionary";
            case "mcp_servers" -> value.isArray() ? null : "a valid list";
            default -> value.isObject() ? null : "a valid dictionary";
        };
    }

    private static String joinText(JsonNode blocks, String path) throws Invalid
    {
        if (!blocks.isArray())
        {
            throw new Invalid(path + ": Input should be a string or a list of text blocks");
        }
        StringBuilder text = new StringBuilder();
        for (JsonNode block : blocks)
        {
            if (!"text".equals(block.path("type").asText()))
            {
                throw new Invalid(path + ": only text blocks are supported here");
            }
            if (text.length() > 0)
            {
                text.append("\n\n");
            }
            text.append(block.path("text").asText());
        }
        return text.toString();
    }

    /** @param offered the request's tools by name, which a tool search's result refers to */
    private static void message(JsonNode turn, String path, ArrayNode out, java.util.Map<String, JsonNode> offered) throws Invalid
    {
        String role = turn.path("role").asText();
        if (role.equals("system"))
        {
            // A system turn within the conversation (Claude Code sends them, beta
            // mid-conversation-system): the chat form's system message, where it stands.
            JsonNode content = turn.get("content");
            out.addObject().put("role", "system").put("content", content != null && content.isTextual() ? content.asText()
                : joinText(content == null ? AnthropicTranslation.JSON.nullNode() : content, path + ".content"));
            return;
        }
        if (!role.equals("user") && !role.equals("assistant"))
        {
            throw new Invalid(path + ".role: Input should be 'user', 'assistant' or 'system'");
        }
        JsonNode content = turn.get("content");
        if (content != null && content.isTextual())
        {
            out.addObject().put("role", role).put("content", content.asText());
            return;
        }
        if (content == null || !content.isArray())
        {
            throw new Invalid(path + ".content: Input should be a string or a list of content blocks");
        }
        ArrayNode parts = AnthropicTranslation.JSON.createArrayNode();
        StringBuilder assistantText = new StringBuilder();
        ArrayNode calls = AnthropicTranslation.JSON.createArrayNode();
        ArrayNode thinking = AnthropicTranslation.JSON.createArrayNode();
        boolean raw = false;
        int index = 0;
        for (JsonNode block : content)
        {
            String blockPath = path + ".content." + index++;
            String type = block.path("type").asText();
            switch (type)
            {
                case "text" ->
                {
                    if (role.equals("assistant"))
                    {
                        assistantText.append(block.path("text").asText());
                        raw |= AnthropicTools.rawOnly(block);
                    }
                    else
                    {
                        mark(block, parts.addObject().put("type", "text").put("text", block.path("text").asText()));
                    }
                }
                case "image" ->
                {
                    if (role.equals("assistant"))
                    {
                        throw new Invalid(blockPath + ": images are only allowed in user turns");
                    }
                    image(block, blockPath, parts);
                }
                case "document" ->
                {
                    if (role.equals("assistant"))
                    {
                        throw new Invalid(blockPath + ": documents are only allowed in user turns");
                    }
                    document(block, blockPath, parts);
                }
                case "search_result" ->
                {
                    if (role.equals("assistant"))
                    {
                        throw new Invalid(blockPath + ": search results are only allowed in user turns");
                    }
                    searchResult(block, blockPath, parts);
                }
                case "tool_use" ->
                {
                    if (!role.equals("assistant"))
                    {
                        throw new Invalid(blockPath + ": tool_use blocks are only allowed in assistant turns");
                    }
                    ObjectNode call = calls.addObject();
                    call.put("id", ToolCallIds.id(block.path("id").asText()));
                    call.put("type", "function");
                    call.putObject("function").put("name", block.path("name").asText())
                        .put("arguments", block.path("input").isMissingNode() ? "{}" : block.get("input").toString());
                    JsonNode extra = ToolCallIds.extra(block.path("id").asText());
                    if (extra != null)
                    {
                        // What the provider attached to the call (Gemini's thought signature), which it needs back.
                        call.set("extra_content", extra);
                    }
                }
                case "tool_result" ->
                {
                    if (!role.equals("user"))
                    {
                        throw new Invalid(blockPath + ": tool_result blocks are only allowed in user turns");
                    }
                    JsonNode result = block.path("content");
                    // Search results (or documents) Claude is to cite go to Claude as they are, and as text elsewhere;
                    // the images and documents beside them, which other providers would get after the tool message, go with them.
                    boolean whole = keptWhole(result);
                    String text = result.isTextual() ? result.asText() : result.isMissingNode() || result.isNull() ? ""
                        : resultText(result, blockPath + ".content", whole ? AnthropicTranslation.JSON.createArrayNode() : parts, offered);
                    if (block.path("is_error").asBoolean(false))
                    {
                        text = "Error: " + text;
                    }
                    // A tool's answer is its own message in OpenAI's form, right after the call.
                    ObjectNode tool = out.addObject().put("role", "tool").put("tool_call_id", ToolCallIds.id(block.path("tool_use_id").asText()));
                    if (block.path("cache_control").isObject())
                    {
                        mark(block, tool.putArray("content").addObject().put("type", "text").put("text", text));
                    }
                    else
                    {
                        tool.put("content", text);
                    }
                    if (whole)
                    {
                        tool.set(AnthropicTools.RAW_CONTENT, result.deepCopy());
                    }
                }
                case "thinking", "redacted_thinking" ->
                {
                    // An earlier turn's reasoning, for an Anthropic target (in a user turn Claude would refuse it).
                    if (role.equals("assistant"))
                    {
                        thinking.add(ClaudeThinking.block(block));
                    }
                }
                default ->
                {
                    if (!AnthropicTools.rawOnly(block) || !role.equals("assistant"))
                    {
                        throw new Invalid(blockPath + ".type: content blocks of type '" + ClientText.quoted(type, 64)
                            + "' are not supported by this gateway" + (AnthropicTools.rawOnly(block) ? " in user turns" : ""));
                    }
                    // A server tool's call or result (web search, web fetch, code execution), for an Anthropic target.
                    raw = true;
                }
            }
        }
        if (role.equals("assistant"))
        {
            ObjectNode message = out.addObject().put("role", "assistant");
            if (assistantText.length() > 0 || calls.isEmpty())
            {
                message.put("content", assistantText.toString());
            }
            else
            {
                message.putNull("content");
            }
            if (!calls.isEmpty())
            {
                message.set("tool_calls", calls);
            }
            if (!thinking.isEmpty())
            {
                message.set("thinking_blocks", thinking);
            }
            if (raw)
            {
                message.set(AnthropicTools.RAW_CONTENT, content.deepCopy());
            }
        }
        else if (!parts.isEmpty())
        {
            out.addObject().put("role", "user").set("content", parts);
        }
    }

    private static void tools(JsonNode in, ObjectNode out) throws Invalid
    {
        JsonNode tools = in.get("tools");
        if (tools != null && !tools.isNull() && !tools.isArray())
        {
            throw new Invalid("tools: Input should be a valid list");
        }
        if (tools != null && tools.isArray() && !tools.isEmpty())
        {
            ArrayNode converted = out.putArray("tools");
            int index = 0;
            for (JsonNode tool : tools)
            {
                if (!tool.isObject() || !tool.path("name").isTextual() || tool.path("name").asText().isEmpty())
                {
                    throw new Invalid("tools." + index + ".name: Field required");
                }
                index++;
                if (AnthropicTools.anthropicDefined(tool))
                {
                    // Its schema Anthropic's own: only Claude knows it (AnthropicTranslation, AiCall).
                    converted.add(tool.deepCopy());
                    continue;
                }
                if (tool.has("type") && !"custom".equals(tool.path("type").asText()))
                {
                    throw new Invalid("tools." + (index - 1) + ".type: '" + ClientText.quoted(tool.path("type").asText(), 64)
                        + "' is not a tool type this gateway knows (custom, or Anthropic's own such as web_search_20250305)");
                }
                ObjectNode function = mark(tool, converted.addObject().put("type", "function")).putObject("function");
                function.put("name", tool.path("name").asText());
                if (tool.hasNonNull("description"))
                {
                    function.put("description", tool.get("description").asText());
                }
                function.set("parameters", tool.path("input_schema").isObject() ? tool.get("input_schema")
                    : AnthropicTranslation.JSON.createObjectNode().put("type", "object"));
            }
        }
        JsonNode choice = in.get("tool_choice");
        if (choice != null && !choice.isNull() && !choice.isObject())
        {
            throw new Invalid("tool_choice: Input should be a valid dictionary");
        }
        if (choice != null && choice.isObject())
        {
            switch (choice.path("type").asText())
            {
                case "auto" -> out.put("tool_choice", "auto");
                case "any" -> out.put("tool_choice", "required");
                case "none" -> out.put("tool_choice", "none");
                case "tool" -> out.putObject("tool_choice").put("type", "function").putObject("function").put("name", choice.path("name").asText());
                default -> throw new Invalid("tool_choice.type: Input should be 'auto', 'any', 'tool' or 'none'");
            }
            if (choice.path("disable_parallel_tool_use").asBoolean(false))
            {
                out.put("parallel_tool_calls", false);
            }
        }
    }

    private static void image(JsonNode block, String path, ArrayNode parts) throws Invalid
    {
        JsonNode source = block.path("source");
        String url = switch (source.path("type").asText())
        {
            case "base64" -> "data:" + source.path("media_type").asText() + ";base64," + source.path("data").asText();
            case "url" -> source.path("url").asText();
            default -> throw new Invalid(path + ".source.type: Input should be 'base64' or 'url'");
        };
        mark(block, parts.addObject().put("type", "image_url")).putObject("image_url").put("url", url);
    }

    /**
     * A tool result's text. Its images and documents (Claude Code's Read tool returns a file it
     * read that way) go to {@code attachments}, the user message that follows the tool messages in
     * the chat form, where tool messages hold text only; an Anthropic target gets them right after
     * the tool result, in the same turn.
     */
    private static String resultText(JsonNode blocks, String path, ArrayNode attachments, java.util.Map<String, JsonNode> offered) throws Invalid
    {
        if (!blocks.isArray())
        {
            throw new Invalid(path + ": Input should be a string or a list of content blocks");
        }
        StringBuilder text = new StringBuilder();
        int index = 0;
        for (JsonNode block : blocks)
        {
            String blockPath = path + "." + index++;
            switch (block.path("type").asText())
            {
                case "text" -> text.append(text.length() > 0 ? "\n\n" : "").append(block.path("text").asText());
                case "search_result" -> text.append(text.length() > 0 ? "\n\n" : "").append(searchResultText(block, blockPath));
                case "image" -> image(block, blockPath, attachments);
                case "document" -> document(block, blockPath, attachments);
                case "tool_reference" -> text.append(text.length() > 0 ? "\n\n" : "").append(toolReference(block, blockPath, offered));
                default -> throw new Invalid(blockPath + ": only text, image, document, search_result and tool_reference blocks are supported in tool"
                    + " results");
            }
        }
        return text.toString();
    }

    /**
     * A {@code tool_reference} block: a tool search's find (Claude Code's ToolSearch, for tools it
     * defers, such as MCP servers' when they are many), which Anthropic's API expands into the
     * deferred tool's definition. Every target gets it as the text Claude Code's ToolSearch
     * describes, the definition inside a {@code <functions>} block; the deferred tool itself
     * ({@code defer_loading}) is among the request's tools as any other, so the model can call it.
     */
    private static String toolReference(JsonNode block, String path, java.util.Map<String, JsonNode> offered) throws Invalid
    {
        if (!block.path("tool_name").isTextual() || block.path("tool_name").asText().isEmpty())
        {
            throw new Invalid(path + ".tool_name: Field required");
        }
        String name = block.path("tool_name").asText();
        JsonNode tool = offered.get(name);
        if (tool == null)
        {
            return "Tool " + name + " was found, but it is not among this request's tools.";
        }
        ObjectNode function = AnthropicTranslation.JSON.createObjectNode();
        if (tool.path("description").isTextual())
        {
            function.put("description", tool.path("description").asText());
        }
        function.put("name", name);
        function.set("parameters", tool.path("input_schema").isObject() ? tool.get("input_schema") : AnthropicTranslation.JSON.createObjectNode());
        return "<functions>\n<function>" + function + "</function>\n</functions>";
    }

    /**
     * A document block (Claude Code sends one for a PDF it reads): a PDF as the chat form's file
     * part, which OpenAI's models read and {@link AnthropicTranslation} turns back into a document
     * for Claude; a plain-text document as text. By URL or uploaded file id it cannot cross.
     */
    private static void document(JsonNode block, String path, ArrayNode parts) throws Invalid
    {
        JsonNode source = block.path("source");
        String title = block.path("title").isTextual() ? block.path("title").asText() : null;
        switch (source.path("type").asText())
        {
            case "base64" ->
            {
                if (!"application/pdf".equals(source.path("media_type").asText()))
                {
                    throw new Invalid(path + ".source.media_type: Input should be 'application/pdf'");
                }
                ObjectNode part = mark(block, parts.addObject().put("type", "file"));
                ObjectNode file = part.putObject("file");
                file.put("filename", title != null ? title : "document.pdf");
                file.put("file_data", "data:application/pdf;base64," + source.path("data").asText());
                keepWhole(block, part);
            }
            case "text" -> keepWhole(block, mark(block, parts.addObject().put("type", "text").put("text", (title != null ? title + "\n\n" : "")
                + source.path("data").asText())));
            default -> throw new Invalid(path + ".source.type: documents are supported here as 'base64' PDFs or 'text', not by URL or file id");
        }
    }

    /**
     * A search result (an application's own, which Claude cites as it cites web pages) as text
     * for any provider, kept whole for Claude.
     */
    private static void searchResult(JsonNode block, String path, ArrayNode parts) throws Invalid
    {
        keepWhole(block, mark(block, parts.addObject().put("type", "text").put("text", searchResultText(block, path))));
    }

    /** A search result as text: its title, source and content. */
    private static String searchResultText(JsonNode block, String path) throws Invalid
    {
        if (!block.path("content").isArray())
        {
            throw new Invalid(path + ".content: Field required (a list of text blocks)");
        }
        return (block.path("title").asText("") + "\n" + block.path("source").asText("") + "\n\n" + joinText(block.path("content"), path + ".content")).strip();
    }

    /** Whether a tool result holds a block Claude is to cite. */
    private static boolean keptWhole(JsonNode result)
    {
        for (JsonNode block : result.isArray() ? result : AnthropicTranslation.JSON.createArrayNode())
        {
            if (AnthropicTools.keptWhole(block))
            {
                return true;
            }
        }
        return false;
    }

    /** Keeps a block Claude is to cite whole on its chat part ({@link AnthropicTools#RAW_BLOCK}). */
    private static void keepWhole(JsonNode block, ObjectNode part)
    {
        if (AnthropicTools.keptWhole(block))
        {
            part.set(AnthropicTools.RAW_BLOCK, block.deepCopy());
        }
    }

    /** Whether any block of a list carries a {@code cache_control} mark. */
    private static boolean marked(JsonNode blocks)
    {
        for (JsonNode block : blocks)
        {
            if (block.path("cache_control").isObject())
            {
                return true;
            }
        }
        return false;
    }

    /**
     * Carries a block's prompt-cache breakpoint ({@code cache_control}) onto its chat-form part:
     * an Anthropic target gets it back (Claude Code marks its system prompt and latest turn,
     * and without the marks every turn is billed as uncached input); others never see it
     * ({@link #forOtherProviders}).
     */
    static ObjectNode mark(JsonNode from, ObjectNode to)
    {
        if (from.path("cache_control").isObject())
        {
            to.set("cache_control", from.get("cache_control").deepCopy());
        }
        return to;
    }

    /** The parts' text joined by newlines when every part is text, else null (an image or a file must stay a part). */
    private static String allText(JsonNode content)
    {
        if (!content.isArray() || content.isEmpty())
        {
            return null;
        }
        StringBuilder text = new StringBuilder();
        for (JsonNode part : content)
        {
            if (!"text".equals(part.path("type").asText()) || !part.path("text").isTextual() || part.size() != 2)
            {
                return null;
            }
            text.append(text.isEmpty() ? "" : "\n").append(part.path("text").asText());
        }
        return text.toString();
    }

    /**
     * The chat request without what only Anthropic's API reads — the marks {@link #mark} carried,
     * {@link #ANTHROPIC_ONLY} fields, earlier turns' thinking and {@link AnthropicTools#RAW_CONTENT} — for a target that is not
     * Anthropic's (OpenAI and Groq refuse fields they do not know).
     *
     * @param reasoningBack whether an assistant turn's reasoning goes back as its {@code reasoning_content} (the text of its
     *        thinking blocks), as DeepSeek's thinking mode requires of a tool-using turn
     */
    static ObjectNode forOtherProviders(ObjectNode chat, boolean reasoningBack)
    {
        JsonNode format = chat.path("output_config").path("format");
        if (format.isObject() && !chat.hasNonNull("response_format"))
        {
            // The answer's schema, in the form OpenAI's APIs (and the chat form's other providers) read it.
            ObjectNode responseFormat = StructuredOutput.forOpenAi(format);
            if (responseFormat != null)
            {
                chat.set("response_format", responseFormat);
            }
        }
        for (String own : ANTHROPIC_ONLY)
        {
            chat.remove(own);
        }
        for (JsonNode message : chat.path("messages"))
        {
            if (message instanceof ObjectNode object)
            {
                JsonNode blocks = object.remove("thinking_blocks");
                JsonNode reasoning = object.remove("reasoning_content");
                object.remove(AnthropicTools.RAW_CONTENT);
                if (reasoningBack && "assistant".equals(object.path("role").asText()))
                {
                    String text = reasoning != null && reasoning.isTextual() ? reasoning.asText() : ClaudeThinking.text(blocks);
                    if (!text.isEmpty())
                    {
                        object.put("reasoning_content", text);
                    }
                }
            }
            for (JsonNode part : message.path("content"))
            {
                if (part instanceof ObjectNode object)
                {
                    object.remove("cache_control");
                    object.remove(AnthropicTools.RAW_BLOCK);
                }
            }
            String text = allText(message.path("content"));
            if (text != null && message instanceof ObjectNode object)
            {
                // One string: DeepSeek (and Doubao, some Qwen endpoints) refuse parts ("invalid type: sequence, expected a
                // string"), which a translated turn has wherever the client marked a breakpoint or sent several blocks.
                object.put("content", text);
            }
        }
        for (JsonNode tool : chat.path("tools"))
        {
            if (tool instanceof ObjectNode object)
            {
                object.remove("cache_control");
                if (object.path("function").path("parameters") instanceof ObjectNode parameters)
                {
                    // The schema's dialect (Claude Code names draft-07 on every tool): metadata, which Gemini's servers refuse
                    // ("Unknown name \"$schema\"") and no provider needs.
                    parameters.remove("$schema");
                }
            }
        }
        return chat;
    }

    static final String BETA_HEADER = "anthropic-beta";
    private static final java.util.regex.Pattern BETAS = java.util.regex.Pattern.compile("[A-Za-z0-9._-]+( *, *[A-Za-z0-9._-]+)*");

    /**
     * The {@code anthropic-beta} features an Anthropic client asked for, passed to an Anthropic
     * target (only on the Messages API and its count, and only a well-formed list of at most 512
     * characters), or null.
     */
    static String beta(jakarta.servlet.http.HttpServletRequest request)
    {
        String path = request.getRequestURI();
        String beta = request.getHeader(BETA_HEADER);
        return beta != null && beta.length() <= 512 && BETAS.matcher(beta.strip()).matches()
            && (path.endsWith("/messages") || path.endsWith("/messages/count_tokens")) ? beta.strip() : null;
    }
}
