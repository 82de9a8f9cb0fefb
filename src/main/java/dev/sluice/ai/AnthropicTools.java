// Anthropic's own tools through the chat form: which tools they are, and what the server tools' answers carry that the chat form has no place for.
package dev.sluice.ai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Anthropic defines tools of its own by dated types: client tools (bash, text editor, computer
 * use, memory) that the client runs like any tool, and server tools (web search, web fetch, code
 * execution, the MCP connector) that Anthropic runs while Claude answers. Both reach Anthropic
 * targets as the client sent them and no other provider. A server tool's call and result, and the
 * citations on text that uses them, ride on the chat form as {@link #RAW_CONTENT} (streamed:
 * {@link #RAW_BLOCKS}), so an Anthropic client gets Claude's blocks as Claude gave them and sends
 * them back to Claude the same way; what they cost is in the usage's {@code server_tool_use}.
 */
final class AnthropicTools
{
    private AnthropicTools()
    {
    }

    private static final java.util.regex.Pattern ANTHROPIC_DEFINED = java.util.regex.Pattern.compile("[a-z][a-z0-9_]{0,62}_[0-9]{8}");
    private static final java.util.regex.Pattern CLIENT_TOOL = java.util.regex.Pattern.compile("(bash|text_editor|computer|memory)_[0-9]{8}");

    /**
     * Whether a tool is one of Anthropic's own, named by a dated type ({@code "bash_20250124"},
     * {@code "web_search_20250305"}): its schema is Anthropic's, so only Claude can be offered it.
     * The client tools (bash, text editor, computer use, memory) are run by the client like any
     * tool, their calls ordinary {@code tool_use} blocks; the others are {@link #serverTool server
     * tools}.
     */
    static boolean anthropicDefined(JsonNode tool)
    {
        return tool.path("type").isTextual() && (ANTHROPIC_DEFINED.matcher(tool.path("type").asText()).matches()
            || "mcp_toolset".equals(tool.path("type").asText()));
    }

    /**
     * Whether a tool is one Anthropic runs itself (web search, web fetch, code execution): Claude's
     * answer then holds the call and its result as blocks of their own ({@code server_tool_use},
     * {@code web_search_tool_result}) and citations on its text, which the chat form carries as
     * {@link #RAW_CONTENT}.
     */
    static boolean serverTool(JsonNode tool)
    {
        return anthropicDefined(tool) && !CLIENT_TOOL.matcher(tool.path("type").asText()).matches();
    }

    /**
     * An assistant turn's blocks as Claude gave them, on the chat form's message, when the turn
     * holds what the chat form has no place for: a server tool's call and result, or text with
     * citations. An Anthropic target gets the turn back as it was (the results' encrypted content
     * is what Claude reads); other providers get the message's text and tool calls.
     */
    static final String RAW_CONTENT = "anthropic_content";

    /**
     * The streamed form of {@link #RAW_CONTENT}: a chunk's delta carries one of Claude's blocks
     * whole when it ends (a server tool's call or result), or an empty text block where a text
     * block of its own starts; its citations come as the delta's {@code citations}.
     */
    static final String RAW_BLOCKS = "anthropic_blocks";

    /**
     * A user block whose Anthropic form says more than its chat part (a document or search
     * result Claude is to cite, {@code citations.enabled}), kept whole on that part: an Anthropic
     * target gets the block, others the part.
     */
    static final String RAW_BLOCK = "anthropic_block";

    /** Whether a user block asks Claude for what only its Anthropic form carries: citations, or a document's context. */
    static boolean keptWhole(JsonNode block)
    {
        return block.path("citations").isObject() || block.hasNonNull("context") || "search_result".equals(block.path("type").asText());
    }

    /** Whether a content block is one only {@link #RAW_CONTENT} carries. */
    static boolean rawOnly(JsonNode block)
    {
        String type = block.path("type").asText();
        return type.equals("server_tool_use") || type.equals("mcp_tool_use") || (type.endsWith("_tool_result") && !type.equals("tool_result"))
            || (type.equals("text") && block.path("citations").isArray() && !block.path("citations").isEmpty());
    }

    /**
     * An assistant turn as Claude gave it ({@link #RAW_CONTENT}), into the Anthropic request: a
     * server tool's call and result, text with its citations, in their order. Thinking goes
     * through the same rule as {@code thinking_blocks} (unsigned blocks, another provider's, are
     * left out).
     */
    static void rawInto(JsonNode blocks, String path, ArrayNode content) throws Unsupported
    {
        for (int b = 0; b < blocks.size(); b++)
        {
            JsonNode block = blocks.get(b);
            String type = block.path("type").asText("");
            if (!block.isObject() || type.isEmpty())
            {
                throw new Unsupported(path + "[" + b + "]", "Each block of '" + path + "' must be an object with a 'type'.");
            }
            if (type.equals("thinking") || type.equals("redacted_thinking"))
            {
                ClaudeThinking.signedInto(AnthropicTranslation.JSON.createArrayNode().add(block), content);
            }
            else
            {
                content.add(block.deepCopy());
            }
        }
    }

    /** How many searches Anthropic's web search tool made, from its usage's {@code server_tool_use}. */
    static long webSearches(JsonNode serverToolUse)
    {
        return Usage.tokens(serverToolUse.path("web_search_requests"));
    }

    /**
     * How often Claude used a server tool ({@code usage.server_tool_use}: web searches and
     * fetches, billed apart from tokens), kept on the chat form's usage under the same name for an
     * Anthropic client.
     */
    static void serverToolUse(JsonNode serverToolUse, ObjectNode usage)
    {
        if (serverToolUse.isObject() && !serverToolUse.isEmpty())
        {
            usage.set("server_tool_use", serverToolUse.deepCopy());
        }
    }

    /**
     * The searches the request's web search tools allow ({@code max_uses}); a tool without a
     * limit adds none here, its searches charged when the answer says how many were made.
     */
    static long searchesAllowed(JsonNode body)
    {
        long allowed = 0;
        for (JsonNode tool : body.path("tools"))
        {
            if (tool.path("type").asText().startsWith("web_search_") && serverTool(tool))
            {
                allowed += Math.max(0, Math.min(tool.path("max_uses").asLong(0), 1_000));
            }
        }
        if (body.path("web_search_options").isObject())
        {
            allowed += webSearchTool(body.get("web_search_options")).path("max_uses").asLong();
        }
        return allowed;
    }

    /** The web search tool's type offered to Claude for OpenAI's {@code web_search_options}. */
    static final String WEB_SEARCH = "web_search_20250305";

    /**
     * OpenAI's {@code web_search_options} (a chat request's; a Responses request's {@code web_search}
     * tool becomes one) as Claude's web search tool: the context size as how many searches it may
     * make (low 1, medium 5, high 10, as LiteLLM maps it), the user's approximate location as
     * Anthropic takes it.
     */
    static ObjectNode webSearchTool(JsonNode options)
    {
        ObjectNode tool = AnthropicTranslation.JSON.createObjectNode().put("type", WEB_SEARCH).put("name", "web_search");
        tool.put("max_uses", switch (options.path("search_context_size").asText("medium"))
        {
            case "low" -> 1;
            case "high" -> 10;
            default -> 5;
        });
        JsonNode approximate = options.path("user_location").path("approximate");
        if (approximate.isObject())
        {
            ObjectNode location = tool.putObject("user_location").put("type", "approximate");
            for (String field : new String[] {"city", "region", "country", "timezone"})
            {
                if (approximate.path(field).isTextual())
                {
                    location.put(field, approximate.path(field).asText());
                }
            }
        }
        return tool;
    }

    /**
     * The web pages Claude's text cites, as OpenAI's {@code url_citation} annotations of the chat
     * form's one text: each cited text block's place in Claude's text blocks joined.
     */
    static ArrayNode annotations(JsonNode content)
    {
        ArrayNode annotations = AnthropicTranslation.JSON.createArrayNode();
        int at = 0;
        for (JsonNode block : content)
        {
            if (!"text".equals(block.path("type").asText()))
            {
                continue;
            }
            int end = at + block.path("text").asText("").length();
            for (JsonNode citation : block.path("citations"))
            {
                urlCitation(citation, at, end, annotations);
            }
            at = end;
        }
        return annotations;
    }

    /** A citation of a web page (a search result's or a fetched page's) as a {@code url_citation} of the text from {@code start} to {@code end}; others add nothing. */
    static void urlCitation(JsonNode citation, int start, int end, ArrayNode annotations)
    {
        if (citation.path("url").isTextual())
        {
            annotations.addObject().put("type", "url_citation").putObject("url_citation").put("start_index", start).put("end_index", end)
                .put("url", citation.path("url").asText()).put("title", citation.path("title").asText(""));
        }
    }

    /**
     * The chat request for a provider that is not Anthropic's: Anthropic's own tools refused
     * ({@code drop} false) or left out, and a {@code tool_choice} naming one of them with it.
     */
    static void forOtherProviders(ObjectNode copy, boolean drop) throws Unsupported
    {
        if (!copy.path("tools").isArray())
        {
            return;
        }
        ArrayNode tools = (ArrayNode)copy.get("tools");
        for (int i = tools.size() - 1; i >= 0; i--)
        {
            if (anthropicDefined(tools.get(i)))
            {
                if (!drop)
                {
                    throw new Unsupported("tools[" + i + "]", "Anthropic's tool type '" + tools.get(i).path("type").asText()
                        + "' is known to Anthropic models only.");
                }
                if (tools.get(i).path("name").asText().equals(copy.path("tool_choice").path("function").path("name").asText(null)))
                {
                    copy.remove("tool_choice");
                }
                tools.remove(i);
            }
        }
        if (tools.isEmpty())
        {
            // OpenAI refuses an empty list, and a choice among no tools.
            copy.remove("tools");
            copy.remove("tool_choice");
            copy.remove("parallel_tool_calls");
        }
    }
}
