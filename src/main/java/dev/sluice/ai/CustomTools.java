// OpenAI's custom (freeform) tools across the chat form: offered as a function of one string, answered as custom tool calls.
package dev.sluice.ai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A Responses API {@code custom} tool takes free text, not JSON: Codex's {@code apply_patch} is
 * one (a patch, with a Lark grammar), offered on every request for the gpt-5 models. The chat
 * form and the providers behind it (Claude, DeepSeek, vLLM, …) know only JSON functions, so the
 * tool is offered as a function whose one parameter, {@code input}, is the text, with the tool's
 * grammar in that parameter's description, and the model's call of it goes back to the client as
 * the {@code custom_tool_call} item the client runs, its {@code input} the text again. Earlier
 * calls and their outputs sent back go to the provider as that function's calls and results.
 *
 * <p>A model may still answer with other JSON ({@code {"patch": "…"}}) or with the bare text; the
 * input is then the one text field, or the arguments as they came.</p>
 */
final class CustomTools
{
    /** Longer grammars are cut in the description; Codex's apply_patch grammar is about 700 characters. */
    private static final int GRAMMAR_LIMIT = 8_192;

    private CustomTools()
    {
    }

    /** The chat form's function for a custom tool, which has its name. */
    static ObjectNode function(JsonNode tool)
    {
        ObjectNode function = ResponsesAnswers.JSONs.object().put("type", "function");
        ObjectNode body = function.putObject("function").put("name", tool.path("name").asText());
        // A custom tool's description may say "do not wrap it in JSON", which a function's arguments always are.
        body.put("description", (tool.path("description").isTextual() ? tool.path("description").asText() + "\n\n" : "")
            + "Give the whole input as the text of the `input` argument.");
        ObjectNode parameters = body.putObject("parameters").put("type", "object");
        StringBuilder about = new StringBuilder("The tool's whole input, as text.");
        JsonNode format = tool.path("format");
        if ("grammar".equals(format.path("type").asText()) && format.path("definition").isTextual())
        {
            String definition = format.path("definition").asText();
            about.append(" It must match this ").append(format.path("syntax").asText("lark")).append(" grammar:\n")
                .append(definition, 0, Math.min(definition.length(), GRAMMAR_LIMIT));
        }
        parameters.putObject("properties").putObject("input").put("type", "string").put("description", about.toString());
        parameters.putArray("required").add("input");
        parameters.put("additionalProperties", false);
        return function;
    }

    /** A custom tool call's input as the function's arguments. */
    static String arguments(String input)
    {
        return ResponsesAnswers.JSONs.object().put("input", input).toString();
    }

    /**
     * The text a model meant as the tool's input: the {@code input} field of the function's
     * arguments, else their one text field (or a JSON string), else the arguments as they came (a
     * model that wrote the text bare).
     */
    static String input(String arguments)
    {
        JsonNode parsed;
        try
        {
            parsed = AnthropicTranslation.JSON.readTree(arguments);
        }
        catch (java.io.IOException x)
        {
            return arguments;
        }
        if (parsed != null && parsed.isTextual())
        {
            return parsed.asText();
        }
        if (parsed != null && parsed.path("input").isTextual())
        {
            return parsed.path("input").asText();
        }
        if (parsed != null && parsed.isObject() && parsed.size() == 1 && parsed.elements().next().isTextual())
        {
            return parsed.elements().next().asText();
        }
        return arguments;
    }

    /** A {@code custom_tool_call} output item. */
    static ObjectNode item(String itemId, String callId, String name, String input, String status)
    {
        return ResponsesAnswers.JSONs.object().put("id", itemId).put("type", "custom_tool_call").put("status", status)
            .put("call_id", callId).put("name", name).put("input", input);
    }
}
