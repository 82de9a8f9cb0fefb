// A tool call's id as Anthropic and Responses clients get it: carrying what the provider attached to the call, which they would drop.
package dev.sluice.ai;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Gemini's OpenAI form attaches a thought signature to each tool call ({@code extra_content.google.thought_signature})
 * and refuses the next turn without it ("Function call is missing a thought_signature"). A Messages or Responses client
 * has no field for it, but sends the call's id back (on the call and on its result). So a call with {@code extra_content}
 * goes out under an id that holds it, {@code sxc_} and the base64url of {@code {"id", "extra_content"}}, and a call or
 * result sent back under such an id becomes the provider's id and its {@code extra_content} again. Stateless, so any node
 * can read it; a client could write one, but could as well send {@code extra_content} in the chat form itself.
 */
final class ToolCallIds
{
    private static final String PREFIX = "sxc_";

    private ToolCallIds()
    {
    }

    /** The id a client gets: the provider's, or one holding it and the call's {@code extra_content} when there is any. */
    static String outward(String id, JsonNode extra)
    {
        if (extra == null || !extra.isObject() || extra.isEmpty())
        {
            return id;
        }
        ObjectNode held = AnthropicTranslation.JSON.createObjectNode().put("id", id);
        held.set("extra_content", extra);
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(held.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** The provider's id in an id a client sent back. */
    static String id(String outward)
    {
        ObjectNode held = held(outward);
        return held == null ? outward : held.path("id").asText();
    }

    /** The {@code extra_content} an id a client sent back holds, or null. */
    static JsonNode extra(String outward)
    {
        ObjectNode held = held(outward);
        return held == null ? null : held.get("extra_content");
    }

    private static ObjectNode held(String outward)
    {
        if (outward == null || !outward.startsWith(PREFIX))
        {
            return null;
        }
        try
        {
            JsonNode held = AnthropicTranslation.JSON.readTree(Base64.getUrlDecoder().decode(outward.substring(PREFIX.length())));
            return held instanceof ObjectNode object && object.path("id").isTextual() && object.path("extra_content").isObject() ? object : null;
        }
        catch (IllegalArgumentException | java.io.IOException notOurs)
        {
            // A client's own id that happens to start so: taken as it is.
            return null;
        }
    }
}
