// A Responses request's tools in the chat form, and which chat calls answer which kind of Responses tool.
package dev.sluice.ai;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.ai.ResponsesInbound.Invalid;
import dev.sluice.http.ClientText;

/**
 * The tools of one Responses request as the chat form's functions, and the way back for the
 * model's calls of them. {@code function} tools cross as they are; {@code custom} (freeform) ones
 * as functions of one string ({@link CustomTools}); a {@code namespace}'s functions (Codex groups
 * each MCP server's tools so) as functions named {@code <namespace>__<name>}, their calls going
 * back with the {@code namespace} field; and Codex's {@code tool_search} run by the client
 * ({@code execution: "client"}: it searches its deferred MCP tools) as a function whose calls go
 * back as {@code tool_search_call}s. The tools a {@code tool_search_output} in the input loaded
 * are offered too, as the Responses API offers them from then on.
 *
 * <p>Live web search becomes the chat form's {@code web_search_options} (Claude answers it). The
 * rest is left out and named in {@code dropped}: OpenAI's hosted tools run inside OpenAI's service
 * and no provider behind the chat form can run them, and a tool is an offer the model may leave
 * unused, so the model answers without them rather than the request failing.</p>
 */
final class ResponsesTools
{
    /** The tool search's name as a chat function, and the Responses tool type. */
    static final String SEARCH = "tool_search";
    /** OpenAI's hosted web search tool, by any of its names. */
    private static final java.util.regex.Pattern WEB_SEARCH = java.util.regex.Pattern.compile("web_search(_preview)?(_[0-9]{4}_[0-9]{2}_[0-9]{2})?");
    /** The longest function name OpenAI and Anthropic take. */
    private static final int NAME_LIMIT = 64;

    private final Set<String> custom = new HashSet<>();
    /** Chat function names of namespaced functions, to their namespace and name. */
    private final Map<String, String[]> namespaced = new HashMap<>();
    private final Map<String, String> flattened = new HashMap<>();
    /** Functions a tool search loaded, in the chat form, by name. */
    private final Map<String, ObjectNode> loaded = new java.util.LinkedHashMap<>();
    /** Tools declared within the input ({@code additional_tools} items), offered with the request's own. */
    private final ArrayNode additional = ResponsesAnswers.JSONs.array();
    private boolean search;

    /** OpenAI's default namespace: a tool in it is named as a tool outside any. */
    private static final String DEFAULT_NAMESPACE = "functions";

    /** Whether the request offered a custom (freeform) tool of this name: its calls go back as {@code custom_tool_call}s. */
    boolean custom(String name)
    {
        return custom.contains(name);
    }

    /** Whether a chat call of this name is the client's tool search: it goes back as a {@code tool_search_call}. */
    boolean search(String name)
    {
        return search && SEARCH.equals(name);
    }

    /** The namespace and name of a namespaced function by its chat name, or null. */
    String[] namespaced(String name)
    {
        return namespaced.get(name);
    }

    /** The chat form's name of a function in a namespace (the namespace itself when null or empty). */
    String chatName(String namespace, String name)
    {
        if (namespace == null || namespace.isEmpty() || namespace.equals(DEFAULT_NAMESPACE))
        {
            return name;
        }
        String key = namespace + "\u0000" + name;
        String known = flattened.get(key);
        if (known != null)
        {
            return known;
        }
        String joined = namespace + "__" + name;
        if (joined.length() > NAME_LIMIT || namespaced.containsKey(joined))
        {
            // Providers refuse longer names; a hash of both keeps distinct functions apart.
            String hash = Integer.toHexString(key.hashCode() & 0x7fffffff);
            joined = joined.substring(0, Math.min(joined.length(), NAME_LIMIT - hash.length() - 1)) + "_" + hash;
        }
        flattened.put(key, joined);
        namespaced.put(joined, new String[] {namespace, name});
        return joined;
    }

    /**
     * Takes the tools a {@code tool_search_output} loaded, to offer them, and gives the text of
     * the tool message that answers the search: the definitions found, as Claude Code's ToolSearch
     * gives them.
     */
    String loaded(JsonNode tools, String path) throws Invalid
    {
        if (!tools.isArray())
        {
            throw new Invalid(path + ".tools", "Invalid type for '" + path + ".tools': expected an array of tools.");
        }
        StringBuilder text = new StringBuilder("<functions>\n");
        for (JsonNode tool : tools)
        {
            for (ObjectNode function : functions(tool, path + ".tools"))
            {
                JsonNode body = function.path("function");
                loaded.put(body.path("name").asText(), function);
                ObjectNode shown = ResponsesAnswers.JSONs.object();
                if (body.has("description"))
                {
                    shown.set("description", body.get("description"));
                }
                shown.set("name", body.get("name"));
                shown.set("parameters", body.get("parameters"));
                text.append("<function>").append(shown).append("</function>\n");
            }
        }
        return text.append("</functions>").toString();
    }

    /**
     * Tools an {@code additional_tools} input item declares: Codex 0.171 sends its tools so, in namespaces (its code mode's
     * {@code exec}, a custom tool, in the default one), for the newest models (gpt-5.6, gpt-6), with none at the top level.
     */
    void additional(JsonNode tools, String path) throws Invalid
    {
        if (!tools.isArray())
        {
            throw new Invalid(path + ".tools", "Invalid type for '" + path + ".tools': expected an array of tools.");
        }
        additional.addAll((ArrayNode)tools);
    }

    /** A function or a namespace of functions and custom tools as chat functions; other tools give none. */
    private List<ObjectNode> functions(JsonNode tool, String path) throws Invalid
    {
        if ("namespace".equals(tool.path("type").asText()) && tool.path("name").isTextual() && tool.path("tools").isArray())
        {
            List<ObjectNode> functions = new java.util.ArrayList<>();
            for (JsonNode inner : tool.path("tools"))
            {
                String chat = inner.path("name").isTextual() ? chatName(tool.path("name").asText(), inner.path("name").asText()) : null;
                if ("function".equals(inner.path("type").asText()) && chat != null)
                {
                    functions.add(function(inner, chat));
                }
                else if ("custom".equals(inner.path("type").asText()) && chat != null && !inner.path("name").asText().isEmpty())
                {
                    ObjectNode function = CustomTools.function(inner);
                    ((ObjectNode)function.path("function")).put("name", chat);
                    functions.add(function);
                    custom.add(chat);
                }
            }
            return functions;
        }
        if ("function".equals(tool.path("type").asText()))
        {
            if (!tool.path("name").isTextual() || tool.path("name").asText().isEmpty())
            {
                throw new Invalid(path + ".name", "Missing required parameter: '" + path + ".name'.");
            }
            return List.of(function(tool, tool.path("name").asText()));
        }
        return List.of();
    }

    private static ObjectNode function(JsonNode tool, String name)
    {
        ObjectNode converted = ResponsesAnswers.JSONs.object().put("type", "function");
        ObjectNode function = converted.putObject("function");
        function.put("name", name);
        if (tool.hasNonNull("description"))
        {
            function.set("description", tool.get("description"));
        }
        function.set("parameters", tool.path("parameters").isObject() ? tool.get("parameters") : ResponsesAnswers.JSONs.object().put("type", "object"));
        if (tool.path("strict").isBoolean())
        {
            function.set("strict", tool.get("strict"));
        }
        return converted;
    }

    /** Sets the chat request's {@code tools}, {@code tool_choice} and {@code web_search_options}; what cannot cross goes in {@code dropped}. */
    void offer(JsonNode in, ObjectNode out, List<String> dropped) throws Invalid
    {
        JsonNode tools = in.get("tools");
        JsonNode chosen = in.get("tool_choice");
        if (chosen != null && !chosen.isNull() && !chosen.isTextual() && !chosen.isObject())
        {
            throw new Invalid("tool_choice", "Invalid type for 'tool_choice': expected 'auto', 'none', 'required' or an object.");
        }
        if (tools != null && !tools.isNull() && !tools.isArray())
        {
            throw new Invalid("tools", "Invalid type for 'tools': expected an array of tools.");
        }
        Map<String, ObjectNode> converted = new java.util.LinkedHashMap<>();
        ArrayNode offered = ResponsesAnswers.JSONs.array();
        if (tools != null && tools.isArray())
        {
            offered.addAll((ArrayNode)tools);
        }
        offered.addAll(additional);
        int index = 0;
        for (JsonNode tool : offered)
        {
            String path = "tools[" + index++ + "]";
            if (!tool.isObject())
            {
                throw new Invalid(path, "Invalid type for '" + path + "': expected an object.");
            }
            String type = tool.path("type").asText();
            String name = tool.path("name").asText("");
            // Codex offers search of OpenAI's cache only (external_web_access false), which no one else has.
            boolean live = !tool.path("external_web_access").isBoolean() || tool.path("external_web_access").asBoolean();
            if (WEB_SEARCH.matcher(type).matches() && live)
            {
                // Live web search: Claude's web search tool answers it (AnthropicTranslation); other providers go without.
                ObjectNode options = out.putObject("web_search_options");
                for (String field : new String[] {"search_context_size", "user_location"})
                {
                    if (tool.hasNonNull(field))
                    {
                        options.set(field, tool.get(field));
                    }
                }
            }
            else if (type.equals("custom") && !name.isEmpty())
            {
                converted.put(name, CustomTools.function(tool));
                custom.add(name);
            }
            else if (type.equals(SEARCH) && "client".equals(tool.path("execution").asText()))
            {
                // Searched by the client (Codex's deferred MCP tools): a function the model calls like any other.
                ObjectNode function = ResponsesAnswers.JSONs.object();
                if (tool.path("description").isTextual())
                {
                    function.put("description", tool.path("description").asText());
                }
                function.set("parameters", tool.path("parameters").isObject() ? tool.get("parameters")
                    : ResponsesAnswers.JSONs.object().put("type", "object"));
                converted.put(SEARCH, function(function, SEARCH));
                search = true;
            }
            else if (type.equals("function") || type.equals("namespace") && !name.isEmpty())
            {
                for (ObjectNode function : functions(tool, path))
                {
                    converted.put(function.path("function").path("name").asText(), function);
                }
            }
            else
            {
                dropped.add(ClientText.quoted(name.isEmpty() ? type : type + ":" + name, 64));
            }
        }
        loaded.forEach(converted::putIfAbsent);
        if (converted.isEmpty())
        {
            // Nothing to choose from: a choice or parallelism would make the provider refuse the request.
            out.remove("parallel_tool_calls");
            if (in.path("tool_choice").isObject())
            {
                throw new Invalid("tool_choice", "The chosen tool is not among the function tools this gateway can offer the model.");
            }
            return;
        }
        out.putArray("tools").addAll(converted.values());
        JsonNode choice = in.get("tool_choice");
        if (choice != null && choice.isTextual())
        {
            out.set("tool_choice", choice);
        }
        else if (choice != null && choice.isObject())
        {
            String kind = choice.path("type").asText();
            String name = choice.path("name").asText();
            if (!"function".equals(kind) && !("custom".equals(kind) && custom.contains(name)))
            {
                throw new Invalid("tool_choice.type",
                    "Only 'auto', 'none', 'required', a function ({\"type\": \"function\", \"name\": …}) or a custom tool offered"
                        + " ({\"type\": \"custom\", \"name\": …}) may be chosen here.");
            }
            String chat = chatName(choice.path("namespace").asText(null), name);
            out.putObject("tool_choice").put("type", "function").putObject("function").put("name", chat);
        }
    }

    /**
     * The Responses output item for a model's call: a {@code custom_tool_call} (its input read out
     * of the arguments), a {@code tool_search_call} (its arguments an object), or a
     * {@code function_call}, with its {@code namespace} when it has one.
     */
    ObjectNode item(String id, String callId, String name, String arguments, String status)
    {
        if (custom(name))
        {
            String[] namespace = namespaced(name);
            ObjectNode item = CustomTools.item("ctc_" + id, callId, namespace != null ? namespace[1] : name, CustomTools.input(arguments), status);
            return namespace != null ? item.put("namespace", namespace[0]) : item;
        }
        if (search(name))
        {
            JsonNode parsed;
            try
            {
                parsed = AnthropicTranslation.JSON.readTree(arguments);
            }
            catch (java.io.IOException x)
            {
                parsed = null;
            }
            ObjectNode item = ResponsesAnswers.JSONs.object().put("id", "tsc_" + id).put("type", "tool_search_call").put("call_id", callId)
                .put("execution", "client").put("status", status);
            item.set("arguments", parsed != null && parsed.isObject() ? parsed : ResponsesAnswers.JSONs.object());
            return item;
        }
        String[] namespace = namespaced(name);
        ObjectNode item = ResponsesAnswers.callItem("fc_" + id, callId, namespace != null ? namespace[1] : name, arguments, status);
        if (namespace != null)
        {
            item.put("namespace", namespace[0]);
        }
        return item;
    }
}
