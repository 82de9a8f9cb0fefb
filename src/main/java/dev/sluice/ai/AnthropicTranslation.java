// OpenAI Chat Completions -> Anthropic Messages: a chat request as Claude is to get it (answers come back by ClaudeAnswers).
package dev.sluice.ai;

import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Pure translation, no I/O: what an OpenAI client sends becomes an Anthropic Messages request
 * ({@link ClaudeAnswers} turns what Claude answers into a chat completion). A request field with no Anthropic
 * equivalent is refused ({@link Unsupported}) unless the model drops such fields; fields that are
 * absent or null are never a problem.
 */
public final class AnthropicTranslation
{
    static final ObjectMapper JSON = dev.sluice.http.Json.mapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** OpenAI request fields translated below; anything else has no Anthropic equivalent. */
    private static final Set<String> TRANSLATED = translated("model", "messages", "max_tokens", "max_completion_tokens", "temperature", "top_p",
        "stop", "stream", "stream_options", "tools", "tool_choice", "parallel_tool_calls", "user", "reasoning_effort", "web_search_options",
        "response_format", "safety_identifier");

    /** What Claude samples by, which the models from Opus 4.7 on no longer take. */
    private static final List<String> SAMPLING = List.of("temperature", "top_p", "top_k");

    /** The given fields and Anthropic's own ({@link AnthropicInbound#ANTHROPIC_ONLY}), which go as they are. */
    private static Set<String> translated(String... fields)
    {
        Set<String> all = new java.util.HashSet<>(List.of(fields));
        all.addAll(List.of(AnthropicInbound.ANTHROPIC_ONLY));
        return Set.copyOf(all);
    }

    private AnthropicTranslation()
    {
    }

    /**
     * The Anthropic request for an OpenAI one.
     *
     * @param drop whether fields without an equivalent are dropped rather than refused
     */
    public static ObjectNode request(JsonNode openai, AiSettings.Target target, boolean drop) throws Unsupported
    {
        return request(openai, target, drop, messages -> { });
    }

    /**
     * The Anthropic request for an OpenAI one, with thinking the client did not send back put into
     * its turns when it asks for thinking ({@link ThinkingReplay#restore}).
     */
    static ObjectNode request(JsonNode openai, AiSettings.Target target, boolean drop, java.util.function.Consumer<JsonNode> earlierThinking)
        throws Unsupported
    {
        ObjectNode out = NODES.objectNode();
        out.put("model", target.model());
        for (Iterator<Map.Entry<String, JsonNode>> fields = openai.fields(); fields.hasNext(); )
        {
            Map.Entry<String, JsonNode> field = fields.next();
            if (!TRANSLATED.contains(field.getKey()) && !field.getValue().isNull() && !drop && !harmless(field.getKey(), field.getValue()))
            {
                throw new Unsupported(field.getKey(), "Anthropic models have no equivalent of '" + field.getKey() + "'.");
            }
        }
        // From Opus 4.7 on (Sonnet 5, Fable 5) Claude refuses any sampling parameter with 400 ("`temperature` is deprecated
        // for this model"): refused here, naming it, so that another target may take the request; left out when the alias drops.
        boolean sampling = target.thinking() != AiSettings.ThinkingForm.ADAPTIVE_ONLY;
        for (String name : SAMPLING)
        {
            if (!sampling && !drop && openai.hasNonNull(name))
            {
                throw new Unsupported(name, "Claude '" + target.model() + "' takes no '" + name
                    + "': Anthropic removed the sampling parameters from Opus 4.7 and Sonnet 5 on.");
            }
        }
        messages(openai.path("messages"), out, drop);
        JsonNode max = openai.hasNonNull("max_completion_tokens") ? openai.get("max_completion_tokens") : openai.get("max_tokens");
        out.put("max_tokens", max != null && max.canConvertToInt() && max.asInt() > 0 ? max.asInt() : target.maxTokens());
        if (sampling)
        {
            copyNumber(openai, "temperature", out);
            copyNumber(openai, "top_p", out);
        }
        JsonNode stop = openai.get("stop");
        if (stop != null && !stop.isNull())
        {
            ArrayNode sequences = out.putArray("stop_sequences");
            if (stop.isTextual())
            {
                sequences.add(stop.asText());
            }
            else if (stop.isArray())
            {
                stop.forEach(sequence -> sequences.add(sequence.asText()));
            }
            else
            {
                throw new Unsupported("stop", "'stop' must be a string or an array of strings.");
            }
        }
        if (openai.path("stream").asBoolean(false))
        {
            out.put("stream", true);
        }
        tools(openai, out);
        // Anthropic's own fields, from an Anthropic client (AnthropicInbound) or an OpenAI-form one written for Claude.
        for (String own : AnthropicInbound.ANTHROPIC_ONLY)
        {
            JsonNode value = openai.get(own);
            if (value != null && !value.isNull() && (sampling || !own.equals("top_k")))
            {
                String wanted = AnthropicInbound.ownFieldWants(own, value);
                if (wanted != null)
                {
                    throw new Unsupported(own, "'" + own + "' must be " + wanted + ", as Anthropic's API takes it.");
                }
                out.set(own, value);
            }
        }
        StructuredOutput.intoOutputConfig(out, StructuredOutput.forClaude(openai.get("response_format"), drop));
        ClaudeThinking.fitTo(out, target.thinking());
        ClaudeThinking.forEffort(openai.get("reasoning_effort"), out, target.thinking());
        if (ClaudeThinking.asked(out))
        {
            earlierThinking.accept(out.path("messages"));
        }
        ClaudeThinking.whereAllowed(out);
        // safety_identifier: OpenAI's successor to user for telling end users apart, which Claude reads from the same place.
        JsonNode user = openai.hasNonNull("user") ? openai.get("user") : openai.get("safety_identifier");
        if (user != null && !user.isNull())
        {
            out.putObject("metadata").put("user_id", UserIds.forAnthropic(user.asText()));
        }
        return out;
    }

    /**
     * Prompt-cache breakpoints for a request that set none ({@code prompt-cache = auto}): the end
     * of the system prompt and the end of the last message, where Claude Code puts its own. Claude
     * caches only up to marked breakpoints, and OpenAI-form clients (Codex, the Agents SDK) mark
     * nothing, since OpenAI caches without marks: every turn of a long agent session was input at
     * the full price. Claude finds an earlier turn's entry from the new breakpoint (it looks back
     * 20 blocks), so each turn reads the conversation so far and writes only what is new. A
     * request with marks of its own is left as it is; one shorter than Claude's minimum (1,024
     * tokens for most models) is not cached, and costs nothing more.
     */
    public static void cacheBreakpoints(ObjectNode request)
    {
        if (request.findValue("cache_control") != null)
        {
            return;
        }
        JsonNode system = request.get("system");
        if (system != null && system.isTextual() && !system.asText().isEmpty())
        {
            request.putArray("system").addObject().put("type", "text").put("text", system.asText())
                .putObject("cache_control").put("type", "ephemeral");
        }
        else if (system != null && system.isArray() && !system.isEmpty() && system.get(system.size() - 1) instanceof ObjectNode last)
        {
            last.putObject("cache_control").put("type", "ephemeral");
        }
        JsonNode turns = request.path("messages");
        JsonNode content = turns.path(turns.size() - 1).path("content");
        if (content.isArray() && !content.isEmpty() && content.get(content.size() - 1) instanceof ObjectNode block
            && !block.path("type").asText().endsWith("thinking"))
        {
            block.putObject("cache_control").put("type", "ephemeral");
        }
    }

    /** {@code n: 1} and similar defaults ask for nothing Anthropic would do differently. */
    private static boolean harmless(String name, JsonNode value)
    {
        return switch (name)
        {
            case "n" -> value.asInt(1) == 1;
            case "presence_penalty", "frequency_penalty" -> value.asDouble(0) == 0;
            case "logprobs" -> !value.asBoolean(false);
            case "store" -> !value.asBoolean(false);
            // OpenAI's hint for routing to its prompt cache (Codex sends one every turn); Anthropic caches by marks.
            case "prompt_cache_key" -> true;
            // OpenAI's hint for how long the gpt-5 models answer (Codex sends low for them): Claude has no such
            // control, and an answer of any length is still the answer asked for, so it is not worth a refusal.
            case "verbosity" -> true;
            // Hints about how OpenAI processes the request, not what the answer says: its processing tier (Claude's is the
            // account's), a predicted output (which only speeds OpenAI up), and stored completions' tags (there is no store).
            case "service_tier", "prediction", "metadata" -> true;
            default -> false;
        };
    }

    private static void copyNumber(JsonNode from, String name, ObjectNode to) throws Unsupported
    {
        JsonNode value = from.get(name);
        if (value == null || value.isNull())
        {
            return;
        }
        if (!value.isNumber())
        {
            throw new Unsupported(name, "'" + name + "' must be a number.");
        }
        to.set(name, value);
    }

    private static void messages(JsonNode messages, ObjectNode out, boolean drop) throws Unsupported
    {
        if (!messages.isArray() || messages.isEmpty())
        {
            throw new Unsupported("messages", "'messages' must be a non-empty array.");
        }
        StringBuilder system = new StringBuilder();
        // The same as blocks, used when a part carries a cache breakpoint (cache_control), which a string cannot.
        ArrayNode systemBlocks = NODES.arrayNode();
        boolean systemMarked = false;
        ArrayNode turns = NODES.arrayNode();
        String lastRole = null;
        ArrayNode lastContent = null;
        for (int i = 0; i < messages.size(); i++)
        {
            JsonNode message = messages.get(i);
            String path = "messages[" + i + "]";
            String role = message.path("role").asText("");
            for (Iterator<String> names = message.fieldNames(); names.hasNext(); )
            {
                String name = names.next();
                boolean known = switch (name)
                {
                    // An answer's reasoning, sent back as it came (the signed thinking_blocks are what Claude reads).
                    case "role", "content", "tool_calls", "tool_call_id", "refusal", "reasoning_content", "thinking_blocks" -> true;
                    case AnthropicTools.RAW_CONTENT -> "assistant".equals(role) || "tool".equals(role);
                    case "name" -> drop;
                    default -> message.get(name).isNull();
                };
                if (!known)
                {
                    throw new Unsupported(path + "." + name, "Anthropic models have no equivalent of '" + path + "." + name + "'.");
                }
            }
            if (role.equals("system") || role.equals("developer"))
            {
                if (!system.isEmpty())
                {
                    system.append("\n\n");
                }
                JsonNode systemContent = message.get("content");
                system.append(text(systemContent, path + ".content"));
                if (systemContent != null && systemContent.isArray())
                {
                    for (JsonNode part : systemContent)
                    {
                        systemBlocks.add(marked(part, NODES.objectNode().put("type", "text").put("text", part.path("text").asText())));
                        systemMarked |= part.path("cache_control").isObject();
                    }
                }
                else
                {
                    systemBlocks.addObject().put("type", "text").put("text", systemContent == null ? "" : systemContent.asText());
                }
                continue;
            }
            ArrayNode content = NODES.arrayNode();
            String anthropicRole;
            switch (role)
            {
                case "user" ->
                {
                    anthropicRole = "user";
                    parts(message.get("content"), path + ".content", content);
                }
                case "assistant" ->
                {
                    anthropicRole = "assistant";
                    if (message.path(AnthropicTools.RAW_CONTENT).isArray())
                    {
                        AnthropicTools.rawInto(message.get(AnthropicTools.RAW_CONTENT), path + "." + AnthropicTools.RAW_CONTENT, content);
                        break;
                    }
                    // Claude wants an earlier turn's thinking back first, as it gave it (signed), to continue tool use.
                    ClaudeThinking.signedInto(message.path("thinking_blocks"), content);
                    JsonNode text = message.get("content");
                    if (text != null && !text.isNull() && !(text.isTextual() && text.asText().isEmpty()))
                    {
                        parts(text, path + ".content", content);
                    }
                    JsonNode calls = message.get("tool_calls");
                    if (calls != null && calls.isArray())
                    {
                        for (int c = 0; c < calls.size(); c++)
                        {
                            content.add(toolUse(calls.get(c), path + ".tool_calls[" + c + "]"));
                        }
                    }
                }
                case "tool" ->
                {
                    anthropicRole = "user";
                    ObjectNode result = content.addObject();
                    result.put("type", "tool_result");
                    String id = message.path("tool_call_id").asText(null);
                    if (id == null)
                    {
                        throw new Unsupported(path + ".tool_call_id", "A tool message needs 'tool_call_id'.");
                    }
                    result.put("tool_use_id", id);
                    result.put("content", text(message.get("content"), path + ".content"));
                    if (message.path(AnthropicTools.RAW_CONTENT).isArray())
                    {
                        // Search results Claude is to cite, as the client gave them (AnthropicInbound).
                        result.set("content", message.get(AnthropicTools.RAW_CONTENT).deepCopy());
                    }
                    for (JsonNode part : message.path("content"))
                    {
                        marked(part, result);
                    }
                }
                default -> throw new Unsupported(path + ".role", "Role '" + role + "' is not supported; use system, developer, user, assistant or tool.");
            }
            if (content.isEmpty())
            {
                continue;
            }
            // Anthropic wants user and assistant turns to alternate: consecutive ones (a tool
            // result followed by a user question, several tool results) become one turn.
            if (anthropicRole.equals(lastRole))
            {
                lastContent.addAll(content);
            }
            else
            {
                ObjectNode turn = turns.addObject();
                turn.put("role", anthropicRole);
                turn.set("content", content);
                lastRole = anthropicRole;
                lastContent = content;
            }
        }
        if (systemMarked)
        {
            out.set("system", systemBlocks);
        }
        else if (!system.isEmpty())
        {
            out.put("system", system.toString());
        }
        out.set("messages", turns);
    }

    private static ObjectNode toolUse(JsonNode call, String path) throws Unsupported
    {
        JsonNode function = call.path("function");
        ObjectNode use = NODES.objectNode();
        use.put("type", "tool_use");
        use.put("id", call.path("id").asText(""));
        use.put("name", function.path("name").asText(""));
        String arguments = function.path("arguments").asText("");
        try
        {
            JsonNode input = arguments.isBlank() ? NODES.objectNode() : JSON.readTree(arguments);
            use.set("input", input.isObject() ? input : NODES.objectNode());
        }
        catch (JsonProcessingException x)
        {
            throw new Unsupported(path + ".function.arguments", "'" + path + ".function.arguments' is not valid JSON.");
        }
        return use;
    }

    /** Text of a string content or an array of text parts. */
    private static String text(JsonNode content, String path) throws Unsupported
    {
        if (content == null || content.isNull())
        {
            return "";
        }
        if (content.isTextual())
        {
            return content.asText();
        }
        if (content.isArray())
        {
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < content.size(); i++)
            {
                JsonNode part = content.get(i);
                if (!"text".equals(part.path("type").asText()))
                {
                    throw new Unsupported(path + "[" + i + "].type", "Only text parts are allowed here.");
                }
                text.append(part.path("text").asText());
            }
            return text.toString();
        }
        throw new Unsupported(path, "'" + path + "' must be a string or an array of parts.");
    }

    private static void parts(JsonNode content, String path, ArrayNode out) throws Unsupported
    {
        if (content == null || content.isNull())
        {
            return;
        }
        if (content.isTextual())
        {
            out.addObject().put("type", "text").put("text", content.asText());
            return;
        }
        if (!content.isArray())
        {
            throw new Unsupported(path, "'" + path + "' must be a string or an array of parts.");
        }
        for (int i = 0; i < content.size(); i++)
        {
            JsonNode part = content.get(i);
            String type = part.path("type").asText("");
            if (part.path(AnthropicTools.RAW_BLOCK).isObject())
            {
                // A document or search result Claude is to cite, as the client gave it (AnthropicInbound).
                out.add(part.get(AnthropicTools.RAW_BLOCK).deepCopy());
                continue;
            }
            switch (type)
            {
                case "text" -> out.add(marked(part, NODES.objectNode().put("type", "text").put("text", part.path("text").asText())));
                case "image_url" -> out.add(marked(part, image(part.path("image_url").path("url").asText(""), path + "[" + i + "].image_url.url")));
                case "file" -> out.add(marked(part, document(part.path("file"), path + "[" + i + "].file")));
                default -> throw new Unsupported(path + "[" + i + "].type", "Content parts of type '" + type + "' have no Anthropic equivalent.");
            }
        }
    }

    /**
     * A part's prompt-cache breakpoint ({@code cache_control}, which Anthropic's Messages API
     * reads and clients such as Claude Code, or OpenAI-form clients written for Claude, set) kept
     * on the block made of it.
     */
    private static ObjectNode marked(JsonNode part, ObjectNode block)
    {
        if (part.path("cache_control").isObject())
        {
            block.set("cache_control", part.get("cache_control").deepCopy());
        }
        return block;
    }

    /** A file part holding a PDF (OpenAI's chat form) as Anthropic's document block. */
    private static ObjectNode document(JsonNode file, String path) throws Unsupported
    {
        String data = file.path("file_data").asText("");
        String prefix = "data:application/pdf;base64,";
        if (!data.startsWith(prefix))
        {
            throw new Unsupported(path + ".file_data", "Only PDF files given as data (data:application/pdf;base64,...) have an Anthropic equivalent.");
        }
        ObjectNode document = NODES.objectNode().put("type", "document");
        document.putObject("source").put("type", "base64").put("media_type", "application/pdf").put("data", data.substring(prefix.length()));
        if (file.path("filename").isTextual())
        {
            document.put("title", file.path("filename").asText());
        }
        return document;
    }

    private static ObjectNode image(String url, String path) throws Unsupported
    {
        ObjectNode image = NODES.objectNode();
        image.put("type", "image");
        ObjectNode source = image.putObject("source");
        if (url.startsWith("data:"))
        {
            int semicolon = url.indexOf(';');
            int comma = url.indexOf(',');
            if (semicolon < 0 || comma < semicolon || !url.substring(semicolon, comma).equals(";base64"))
            {
                throw new Unsupported(path, "An image data URL must be data:<media type>;base64,<data>.");
            }
            source.put("type", "base64");
            source.put("media_type", url.substring(5, semicolon));
            source.put("data", url.substring(comma + 1));
        }
        else if (url.startsWith("https://") || url.startsWith("http://"))
        {
            source.put("type", "url");
            source.put("url", url);
        }
        else
        {
            throw new Unsupported(path, "An image URL must be https://, http:// or a base64 data URL.");
        }
        return image;
    }

    private static void tools(JsonNode openai, ObjectNode out) throws Unsupported
    {
        JsonNode tools = openai.get("tools");
        if (tools != null && tools.isArray() && !tools.isEmpty())
        {
            ArrayNode list = out.putArray("tools");
            for (int i = 0; i < tools.size(); i++)
            {
                JsonNode tool = tools.get(i);
                if (AnthropicTools.anthropicDefined(tool))
                {
                    list.add(tool.deepCopy());
                    continue;
                }
                if (!"function".equals(tool.path("type").asText()))
                {
                    throw new Unsupported("tools[" + i + "].type", "Only tools of type 'function' have an Anthropic equivalent.");
                }
                JsonNode function = tool.path("function");
                ObjectNode converted = list.addObject();
                converted.put("name", function.path("name").asText(""));
                marked(tool, converted);
                if (function.hasNonNull("description"))
                {
                    converted.put("description", function.get("description").asText());
                }
                JsonNode parameters = function.get("parameters");
                converted.set("input_schema", parameters != null && parameters.isObject() ? parameters : NODES.objectNode().put("type", "object"));
            }
        }
        JsonNode search = openai.get("web_search_options");
        if (search != null && !search.isNull())
        {
            if (!search.isObject())
            {
                throw new Unsupported("web_search_options", "'web_search_options' must be an object.");
            }
            // OpenAI's search models search when asked this way; Claude searches with its web search tool.
            (out.path("tools").isArray() ? (ArrayNode)out.get("tools") : out.putArray("tools")).add(AnthropicTools.webSearchTool(search));
        }
        JsonNode choice = openai.get("tool_choice");
        ObjectNode toolChoice = null;
        if (choice != null && !choice.isNull())
        {
            toolChoice = NODES.objectNode();
            if (choice.isTextual())
            {
                switch (choice.asText())
                {
                    case "auto" -> toolChoice.put("type", "auto");
                    case "none" -> toolChoice.put("type", "none");
                    case "required" -> toolChoice.put("type", "any");
                    default -> throw new Unsupported("tool_choice", "'tool_choice' must be auto, none, required or a named function.");
                }
            }
            else if ("function".equals(choice.path("type").asText()) && choice.path("function").hasNonNull("name"))
            {
                toolChoice.put("type", "tool");
                toolChoice.put("name", choice.path("function").path("name").asText());
            }
            else
            {
                throw new Unsupported("tool_choice", "'tool_choice' must be auto, none, required or a named function.");
            }
        }
        JsonNode parallel = openai.get("parallel_tool_calls");
        if (parallel != null && parallel.isBoolean() && !parallel.asBoolean() && out.has("tools"))
        {
            if (toolChoice == null)
            {
                toolChoice = NODES.objectNode().put("type", "auto");
            }
            toolChoice.put("disable_parallel_tool_use", true);
        }
        if (toolChoice != null)
        {
            out.set("tool_choice", toolChoice);
        }
    }
}
