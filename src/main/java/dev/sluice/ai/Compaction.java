// Responses API compaction for models behind the chat form: Sluice asks the model for a summary and hands it out as a compaction item.
package dev.sluice.ai;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Codex (remote compaction v2) and other Responses API clients shorten a long conversation by
 * sending it with a last input item {@code {"type": "compaction_trigger"}}; OpenAI answers with
 * exactly one {@code compaction} output item whose opaque {@code encrypted_content} stands for
 * everything before it, and the client sends that item back in place of the history from then
 * on. A client does not fall back to summarising by itself when the answer holds no such item, so
 * without this every compaction through Sluice to Claude or an open model failed, and with it the
 * session.
 *
 * <p>A request relayed to OpenAI's Responses API ({@link ResponsesRelay}) is compacted by OpenAI.
 * Any other target is asked, through the chat form, to summarise the conversation ({@link #PROMPT}),
 * tools offered but not to be called; its text is the summary. The answer holds one
 * {@code compaction} item whose content is the summary sealed by Sluice (encoded, not encrypted: the
 * client holds its own conversation anyway), and a later request's sealed compaction item reaches
 * any model, relayed or not, as a user message carrying the summary ({@link #continued}). A
 * compaction item Sluice did not seal (OpenAI's) only OpenAI can read: such a request goes only to
 * a target it is relayed to.</p>
 */
final class Compaction
{
    static final String TRIGGER = "compaction_trigger";
    static final String ITEM = "compaction";
    private static final String SEALED = ResponsesAnswers.SEALED_PREFIX + "compaction.";

    /** What the model is asked, as the conversation's last user message, in place of the trigger. */
    static final String PROMPT = """
        [Context checkpoint] This conversation has grown too long and will be continued from a summary that replaces \
        everything above. Write that summary now, for yourself to continue the work from: the user's goals and \
        instructions; decisions made and their reasons; what has been done so far (files, commands, results, errors); \
        what remains to be done and the next step; and every detail needed to carry on (names, paths, identifiers, \
        values). Be complete but concise. Answer with the summary only and call no tool.""";

    private static final String CONTINUED = "[Context checkpoint] The conversation before this point was compacted into this summary:\n\n";

    private Compaction()
    {
    }

    /** Whether a Responses request asks for its conversation to be compacted: its last input item is the trigger. */
    static boolean asked(JsonNode request)
    {
        JsonNode input = request.path("input");
        return input.isArray() && !input.isEmpty() && TRIGGER.equals(input.get(input.size() - 1).path("type").asText());
    }

    /**
     * A request to the standalone endpoint ({@code POST /responses/compact}, which older Codex
     * versions call) as the same request to {@code /responses} ending with the trigger; the
     * endpoint does not stream.
     */
    static ObjectNode standalone(ObjectNode request)
    {
        ObjectNode copy = request.deepCopy();
        copy.remove("stream");
        JsonNode input = copy.get("input");
        if (input != null && input.isTextual())
        {
            copy.putArray("input").addObject().put("role", "user").put("content", input.asText());
        }
        if (copy.path("input").isArray() && !asked(copy))
        {
            ((ArrayNode)copy.get("input")).addObject().put("type", TRIGGER);
        }
        return copy;
    }

    /** The standalone endpoint's answer ({@code response.compaction}): the compacted window, from a compaction's response. */
    static ObjectNode standaloneAnswer(ObjectNode response)
    {
        ObjectNode out = ResponsesAnswers.JSONs.object();
        out.set("id", response.get("id"));
        out.put("object", "response.compaction");
        out.set("created_at", response.get("created_at"));
        out.set("output", response.get("output"));
        out.set("usage", response.get("usage"));
        return out;
    }

    /** The compaction output item standing for a summary. */
    static ObjectNode item(String id, String summary)
    {
        ObjectNode sealed = ResponsesAnswers.JSONs.object().put("summary", summary);
        return ResponsesAnswers.JSONs.object().put("id", id).put("type", ITEM)
            .put("encrypted_content", SEALED + Base64.getUrlEncoder().withoutPadding().encodeToString(sealed.toString().getBytes(StandardCharsets.UTF_8)));
    }

    /** The summary a compaction item Sluice sealed holds; null for one it did not (OpenAI's), or a damaged one. */
    static String summary(JsonNode item)
    {
        String encrypted = item.path("encrypted_content").asText("");
        if (!encrypted.startsWith(SEALED))
        {
            return null;
        }
        try
        {
            JsonNode sealed = AnthropicTranslation.JSON.readTree(Base64.getUrlDecoder().decode(encrypted.substring(SEALED.length())));
            return sealed != null && sealed.path("summary").isTextual() ? sealed.path("summary").asText() : null;
        }
        catch (IllegalArgumentException | java.io.IOException x)
        {
            return null;
        }
    }

    /** The user message's text that carries a summary to the model, in place of the conversation it stands for. */
    static String continued(String summary)
    {
        return CONTINUED + summary;
    }
}
