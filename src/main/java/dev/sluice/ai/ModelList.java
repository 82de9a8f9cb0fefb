// GET /models and /models/{alias} on AI routes: the aliases a consumer may use, as both OpenAI's and Anthropic's SDKs read them.
package dev.sluice.ai;

import java.io.IOException;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.exchange.Exchange;
import dev.sluice.http.ClientText;
import jakarta.servlet.http.HttpServletResponse;

/** The model list, or one model (OpenAI's retrieve, which some clients ask first), of the route's allowed aliases. */
final class ModelList
{
    private ModelList()
    {
    }

    static void answer(HttpServletResponse response, Exchange exchange, AiSettings settings, String route, String consumer, String id)
        throws IOException
    {
        ObjectNode answer = AnthropicTranslation.JSON.createObjectNode();
        if (id != null)
        {
            if (!settings.models().containsKey(id) || !settings.allowed(route, consumer, id))
            {
                AiFront.error(response, exchange, new AiErrors.Error(404, "invalid_request_error", "The model '" + ClientText.quoted(id, 100)
                    + "' does not exist or you do not have access to it.", "model", "model_not_found", 0));
                return;
            }
            model(answer, id);
        }
        else
        {
            answer.put("object", "list");
            ArrayNode data = answer.putArray("data");
            for (AiSettings.Model model : new java.util.TreeMap<>(settings.models()).values())
            {
                if (settings.allowed(route, consumer, model.alias()))
                {
                    model(data.addObject(), model.alias());
                }
            }
            // Anthropic's list is paged; one page says so.
            answer.put("has_more", false);
            answer.set("first_id", data.isEmpty() ? answer.nullNode() : data.get(0).get("id"));
            answer.set("last_id", data.isEmpty() ? answer.nullNode() : data.get(data.size() - 1).get("id"));
        }
        byte[] body = AnthropicTranslation.JSON.writeValueAsBytes(answer);
        response.setStatus(200);
        response.setContentType("application/json");
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
        exchange.addBytesOut(body.length);
    }

    /**
     * One alias as both OpenAI's and Anthropic's SDKs read a model: the same route serves both
     * APIs, and each SDK ignores the other's fields (Anthropic's Java SDK requires
     * {@code created_at}, Claude Code shows {@code display_name}).
     */
    private static void model(ObjectNode into, String alias)
    {
        into.put("id", alias).put("object", "model").put("created", 0).put("owned_by", "sluice")
            .put("type", "model").put("display_name", alias).put("created_at", "1970-01-01T00:00:00Z");
    }
}
