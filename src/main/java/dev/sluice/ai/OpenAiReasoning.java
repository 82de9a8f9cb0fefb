// A request to an OpenAI-style target with the reasoning effort and sampling its model takes.
package dev.sluice.ai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * An alias hands one request to models whose reasoning differs, and OpenAI refuses with 400 what a
 * model lacks: an effort off its ladder, any effort to a model that does not reason, a temperature
 * other than 1 to one that reasons. What the client asked for is fitted to the target's ladder
 * ({@link AiSettings.Reasoning}); what cannot be fitted is refused before the call, naming the
 * field, so that another target may take the request (or left out where the alias drops what a
 * target cannot take). A Claude client's thinking ({@code output_config.effort}, a budget, adaptive
 * or disabled thinking) becomes the effort, where before it was dropped and gpt-5.1 and later,
 * which reason only when asked, answered Claude Code without reasoning.
 */
final class OpenAiReasoning
{
    /** What OpenAI's reasoning models take only at its default: temperature and top_p at 1, no log probabilities. */
    private static final List<String> SAMPLING = List.of("temperature", "top_p", "logprobs", "top_logprobs");

    private OpenAiReasoning()
    {
    }

    /**
     * Fits {@code request} (the target's own copy, the Anthropic client's fields still in it) to the
     * target's reasoning; nothing changes for a model whose ladder is not known.
     */
    static void fit(ObjectNode request, AiSettings.Target target, boolean drop) throws Unsupported
    {
        AiSettings.Reasoning reasoning = target.reasoning();
        if (!reasoning.known())
        {
            return;
        }
        if (!reasoning.taken())
        {
            for (String field : new String[] {"reasoning_effort", "verbosity"})
            {
                if (request.hasNonNull(field) && !drop)
                {
                    throw new Unsupported(field, "'" + target.model() + "' does not reason and takes no '" + field + "'.");
                }
                request.remove(field);
            }
            return;
        }
        JsonNode asked = request.get("reasoning_effort");
        if (asked != null && !asked.isNull() && !asked.isTextual())
        {
            // Not an effort: as sent, for the provider to refuse.
            return;
        }
        String effort = asked != null && asked.isTextual() ? asked.asText() : claudes(request);
        if (effort != null)
        {
            effort = reasoning.fit(effort);
            request.put("reasoning_effort", effort);
        }
        if (!reasoning.reasons(effort))
        {
            return;
        }
        for (String field : SAMPLING)
        {
            if (asDefault(field, request.get(field)))
            {
                continue;
            }
            if (!drop)
            {
                throw new Unsupported(field, "'" + target.model() + "' takes no '" + field + "' while it reasons (reasoning_effort "
                    + (effort == null ? "by default" : effort) + "): OpenAI's reasoning models take only their own sampling.");
            }
            request.remove(field);
        }
    }

    /** Whether a sampling field is absent or at the value OpenAI's reasoning models take. */
    private static boolean asDefault(String field, JsonNode value)
    {
        if (value == null || value.isNull())
        {
            return true;
        }
        return switch (field)
        {
            case "logprobs" -> value.isBoolean() && !value.asBoolean();
            case "top_logprobs" -> false;
            default -> value.isNumber() && value.asDouble() == 1;
        };
    }

    /**
     * The effort a Claude client's request asks for: its {@code output_config.effort}; else for
     * adaptive thinking Claude's default (high), for a budget the effort of its size
     * ({@link ClaudeThinking#effortOf}), for disabled thinking none; null when it says nothing of
     * thinking.
     */
    static String claudes(JsonNode request)
    {
        JsonNode effort = request.path("output_config").path("effort");
        if (effort.isTextual())
        {
            return effort.asText();
        }
        JsonNode thinking = request.path("thinking");
        return switch (thinking.path("type").asText())
        {
            case "adaptive" -> "high";
            case "enabled" -> ClaudeThinking.effortOf(thinking.path("budget_tokens").asInt(0));
            case "disabled" -> "none";
            default -> null;
        };
    }
}
