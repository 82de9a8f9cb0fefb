// Claude's extended thinking through the chat form: its blocks, where Claude takes them, and OpenAI's reasoning effort as a budget.
package dev.sluice.ai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The chat form carries Claude's thinking as LiteLLM gave it to OpenAI-style clients: the text as
 * a message's {@code reasoning_content}, the blocks (signed, which Claude needs back to continue
 * tool use with thinking) as its {@code thinking_blocks}. This is what is common to both ways
 * through Sluice: the blocks kept, the signed ones put back for Claude, and the rules Claude's API
 * holds a request with thinking to.
 */
final class ClaudeThinking
{
    private ClaudeThinking()
    {
    }

    /** A thinking block as the chat form carries it: only the fields Claude reads back. */
    static ObjectNode block(JsonNode block)
    {
        ObjectNode kept = AnthropicTranslation.JSON.createObjectNode();
        if ("redacted_thinking".equals(block.path("type").asText()))
        {
            return kept.put("type", "redacted_thinking").put("data", textOf(block.path("data")));
        }
        // Unsigned (another provider's reasoning) the signature is empty, and Claude is not sent the block.
        return kept.put("type", "thinking").put("thinking", textOf(block.path("thinking"))).put("signature", textOf(block.path("signature")));
    }

    /** A string field's text; anything else (a number, an object: a client's mistake) as nothing, not its JSON. */
    private static String textOf(JsonNode field)
    {
        return field.isTextual() ? field.asText() : "";
    }

    /** The text of an assistant turn's thinking blocks, joined (redacted ones have none); empty when there are none. */
    static String text(JsonNode blocks)
    {
        StringBuilder text = new StringBuilder();
        if (blocks != null)
        {
            for (JsonNode block : blocks)
            {
                if ("thinking".equals(block.path("type").asText()))
                {
                    text.append(textOf(block.path("thinking")));
                }
            }
        }
        return text.toString();
    }

    /**
     * An assistant turn's thinking blocks as Claude takes them back: signed thinking and redacted
     * blocks; unsigned ones (another provider's reasoning) left out.
     */
    static void signedInto(JsonNode blocks, ArrayNode content)
    {
        for (JsonNode block : blocks)
        {
            if ("thinking".equals(block.path("type").asText()) && !textOf(block.path("signature")).isEmpty())
            {
                content.addObject().put("type", "thinking").put("thinking", textOf(block.path("thinking"))).put("signature", textOf(block.path("signature")));
            }
            else if ("redacted_thinking".equals(block.path("type").asText()) && block.path("data").isTextual())
            {
                content.addObject().put("type", "redacted_thinking").put("data", block.path("data").asText());
            }
        }
    }

    /** Whether an Anthropic request asks for thinking, in either form. */
    static boolean asked(ObjectNode out)
    {
        return out.path("thinking").isObject() && !"disabled".equals(out.path("thinking").path("type").asText());
    }

    /**
     * Claude refuses (400) thinking when the assistant turn a request continues — the one whose
     * tool calls the request answers, or an assistant turn it ends with — does not start with its
     * thinking, and refuses thinking blocks in an assistant turn it ends with when thinking is
     * off. Most OpenAI-form clients (Vercel's AI SDK, hand-built histories) do not send
     * {@code thinking_blocks} back ({@link ThinkingReplay} puts back what Sluice kept of it), and
     * another provider's unsigned reasoning is not sent to Claude: such a request is answered
     * without thinking rather than refused, as LiteLLM does.
     */
    static void whereAllowed(ObjectNode out)
    {
        JsonNode turns = out.path("messages");
        int last = turns.size() - 1;
        int assistant = last;
        while (assistant >= 0 && !"assistant".equals(turns.path(assistant).path("role").asText()))
        {
            assistant--;
        }
        if (assistant < 0)
        {
            return;
        }
        JsonNode content = turns.path(assistant).path("content");
        String first = content.path(0).path("type").asText();
        boolean thought = first.equals("thinking") || first.equals("redacted_thinking");
        boolean continued = assistant == last;
        for (JsonNode block : content)
        {
            continued |= "tool_use".equals(block.path("type").asText());
        }
        boolean thinking = asked(out);
        if (thinking && continued && !thought)
        {
            out.remove("thinking");
            JsonNode edits = out.path("context_management").path("edits");
            if (edits.isArray())
            {
                // Clearing thinking asks for thinking; the other edits stand.
                for (int i = edits.size() - 1; i >= 0; i--)
                {
                    if (edits.get(i).path("type").asText().startsWith("clear_thinking"))
                    {
                        ((ArrayNode)edits).remove(i);
                    }
                }
                if (edits.isEmpty())
                {
                    out.remove("context_management");
                }
            }
        }
        else if (!thinking && assistant == last && thought && content instanceof ArrayNode blocks)
        {
            for (int i = blocks.size() - 1; i >= 0; i--)
            {
                String type = blocks.get(i).path("type").asText();
                if (type.equals("thinking") || type.equals("redacted_thinking"))
                {
                    blocks.remove(i);
                }
            }
            if (blocks.isEmpty())
            {
                ((ArrayNode)turns).remove(assistant);
            }
        }
    }

    /**
     * OpenAI's {@code reasoning_effort} (Codex's {@code model_reasoning_effort}, the Responses
     * API's {@code reasoning.effort}) as Claude's extended thinking, in the form the model takes.
     * A budget: LiteLLM's (low 1,024 tokens, medium 2,048, high 4,096, xhigh 8,192, and so OpenAI's
     * max and ultra), within the answer's {@code max_tokens} as OpenAI counts reasoning within its
     * limit, and at least the 1,024 Claude needs. Adaptive: the effort of the same name as
     * {@code output_config.effort} (xhigh as max where the model has no xhigh, ultra as max; an
     * effort the client set itself wins), with the
     * thinking summarized, since Opus 4.7 and later send none of its text otherwise. none and
     * minimal: no thinking. Claude refuses thinking with a forced tool, a temperature other than
     * 1, a {@code top_p} under 0.95 or {@code top_k}: such a request is answered without thinking,
     * as a model that reasons less. A {@code thinking} the client set itself wins.
     */
    static void forEffort(JsonNode effort, ObjectNode out, AiSettings.ThinkingForm form) throws Unsupported
    {
        if (effort == null || effort.isNull() || out.has("thinking"))
        {
            return;
        }
        String level = effort.asText();
        int budget = switch (level)
        {
            case "none", "minimal" -> 0;
            case "low" -> 1024;
            case "medium" -> 2048;
            case "high" -> 4096;
            // max and ultra: OpenAI's efforts above xhigh from gpt-5.6 on (Codex sends them for such a model name).
            case "xhigh", "max", "ultra" -> 8192;
            default -> throw new Unsupported("reasoning_effort", "'reasoning_effort' must be none, minimal, low, medium, high, xhigh, max or ultra.");
        };
        String forced = out.path("tool_choice").path("type").asText();
        if (budget == 0 || forced.equals("any") || forced.equals("tool") || out.path("temperature").asDouble(1) != 1
            || out.path("top_p").asDouble(1) < 0.95 || out.has("top_k"))
        {
            return;
        }
        if (form.budget())
        {
            budget = Math.min(budget, out.path("max_tokens").asInt() - 1);
            if (budget >= 1024)
            {
                out.putObject("thinking").put("type", "enabled").put("budget_tokens", budget);
            }
            return;
        }
        out.putObject("thinking").put("type", "adaptive").put("display", "summarized");
        effort(out, level.equals("ultra") || (level.equals("xhigh") && form == AiSettings.ThinkingForm.ADAPTIVE) ? "max" : level);
    }

    /** Sets {@code output_config.effort} unless the client set one; on a copy, as the client's fields are shared by every target tried. */
    private static void effort(ObjectNode out, String effort)
    {
        ObjectNode config = out.get("output_config") instanceof ObjectNode given ? given.deepCopy() : AnthropicTranslation.JSON.createObjectNode();
        if (!config.has("effort"))
        {
            out.set("output_config", config.put("effort", effort));
        }
    }

    /** The effort a thinking budget stands for: under 2,048 tokens low, under 4,096 medium, else high. */
    static String effortOf(int budget)
    {
        return budget < 2048 ? "low" : budget < 4096 ? "medium" : "high";
    }

    /**
     * A client's own {@code thinking} in the form the target takes. Claude Code asks by the model
     * name it was given (adaptive thinking and an effort, for a name it does not know), and an
     * alias can send it to a Claude of another generation: a budget goes to the models from Opus
     * 4.7 on as adaptive thinking (a budget under 2,048 tokens as low effort, under 4,096 as
     * medium, else Claude's default, high), and adaptive thinking to one before 4.6 as a budget
     * (LiteLLM's for its effort; high when none), within {@code max_tokens}; an effort goes no
     * further than the models that take one. Each would be refused with 400 as it came.
     */
    static void fitTo(ObjectNode out, AiSettings.ThinkingForm form)
    {
        String type = out.path("thinking").path("type").asText();
        if (type.equals("enabled") && form == AiSettings.ThinkingForm.ADAPTIVE_ONLY)
        {
            String effort = effortOf(out.path("thinking").path("budget_tokens").asInt(0));
            out.putObject("thinking").put("type", "adaptive").put("display", "summarized");
            if (!effort.equals("high"))
            {
                // High is Claude's default.
                effort(out, effort);
            }
        }
        else if (type.equals("adaptive") && form.budget())
        {
            int budget = switch (out.path("output_config").path("effort").asText("high"))
            {
                case "low" -> 1024;
                case "medium" -> 2048;
                case "xhigh", "max" -> 8192;
                default -> 4096;
            };
            budget = Math.min(budget, out.path("max_tokens").asInt() - 1);
            if (budget >= 1024)
            {
                out.putObject("thinking").put("type", "enabled").put("budget_tokens", budget);
            }
            else
            {
                out.remove("thinking");
            }
        }
        if (form == AiSettings.ThinkingForm.BUDGET_ONLY && out.get("output_config") instanceof ObjectNode given && given.has("effort"))
        {
            ObjectNode config = given.deepCopy();
            config.remove("effort");
            if (config.isEmpty())
            {
                out.remove("output_config");
            }
            else
            {
                out.set("output_config", config);
            }
        }
    }
}
