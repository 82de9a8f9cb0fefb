// A Responses API client's request to a target served through the Responses API: sent as it came, not through the chat form.
package dev.sluice.ai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The front works in the chat form ({@link ResponsesInbound}), which cannot hold all a Responses
 * request says: OpenAI's hosted tools (web search, file search, code interpreter…), a custom
 * tool's grammar, reasoning summaries, {@code include}, {@code truncation}. When the target is
 * served through the Responses API too ({@link AiSettings.Target#relay()}: OpenAI's own API, or a
 * server said to) and nothing Sluice does to a prompt changed this one (no template, decoration
 * or redaction, no AI cache on the route; a {@code previous_response_id} only to the target that
 * gave that response, relayed, and keeps it too), the client's request goes to it as it came, and
 * the provider's answer back byte for byte. What this class
 * changes is only what the target needs:
 * <ul>
 * <li>the model, and the reasoning effort, verbosity and sampling fitted to it as for any OpenAI
 * target ({@link OpenAiReasoning});</li>
 * <li>an end user's id over OpenAI's 64 characters hashed ({@link UserIds});</li>
 * <li>{@code item_reference}s to answers Sluice keeps given as the items they name;</li>
 * <li>a compaction item Sluice made ({@link Compaction}) given as a user message with its summary;</li>
 * <li>reasoning items: one Sluice sealed for this target given back as the provider gave it; one
 * sealed for another model or for Claude, or one the provider cannot resolve (no encrypted content
 * under {@code store: false}, or only text, as Sluice gives an open model's reasoning) left out —
 * and then the ids of the items that followed it too, or OpenAI refuses them ("provided without
 * its required 'reasoning' item");</li>
 * <li>the fields the provider is configured to drop.</li>
 * </ul>
 */
final class ResponsesRelay
{
    /** Fields of the chat form that {@link OpenAiReasoning} fits, and where the Responses API keeps them. */
    private static final String[][] FITTED = {{"reasoning_effort", "reasoning", "effort"}, {"verbosity", "text", "verbosity"},
        {"temperature", null, "temperature"}, {"top_p", null, "top_p"}, {"top_logprobs", null, "top_logprobs"}};

    private ResponsesRelay()
    {
    }

    /**
     * The request for the target.
     *
     * @param client the client's Responses request, as it came
     * @param fitted the chat form of it after {@link OpenAiReasoning#fit} for this target
     * @param store where Sluice keeps the items an {@code item_reference} names
     * @param consumer whose items those are
     */
    static ObjectNode request(ObjectNode client, ObjectNode fitted, AiSettings.Target target, AiSettings.Provider provider, ResponseStore store,
        String consumer)
    {
        ObjectNode out = client.deepCopy();
        out.put("model", target.model());
        for (String[] field : FITTED)
        {
            ObjectNode holder = field[1] == null ? out : out.path(field[1]) instanceof ObjectNode nested ? nested : null;
            if (fitted.hasNonNull(field[0]))
            {
                (holder != null ? holder : out.putObject(field[1])).set(field[2], fitted.get(field[0]));
            }
            else if (holder != null)
            {
                holder.remove(field[2]);
            }
        }
        for (String user : new String[] {"user", "safety_identifier"})
        {
            if (out.path(user).isTextual())
            {
                out.put(user, UserIds.forOpenAi(out.get(user).asText()));
            }
        }
        if (out.path("input").isArray())
        {
            out.set("input", input((ArrayNode)out.get("input"), target, !out.path("store").isBoolean() || out.get("store").asBoolean(), store, consumer));
        }
        out.remove(provider.dropFields());
        return out;
    }

    /** The input items for the target: references resolved, reasoning it cannot take left out with the ids that lean on it. */
    private static ArrayNode input(ArrayNode items, AiSettings.Target target, boolean stored, ResponseStore store, String consumer)
    {
        ArrayNode out = ResponsesAnswers.JSONs.array();
        boolean orphaned = false;
        for (JsonNode given : items)
        {
            JsonNode item = given;
            if ("item_reference".equals(item.path("type").asText()))
            {
                // ResponsesInbound has already refused a reference Sluice does not keep.
                ObjectNode referred = store.item(consumer, item.path("id").asText(""));
                item = referred != null ? referred : item;
            }
            String type = item.path("type").asText(item.has("role") ? "message" : "");
            if (type.equals("reasoning"))
            {
                ObjectNode reasoning = reasoning(item, target, stored);
                orphaned = reasoning == null;
                if (reasoning != null)
                {
                    out.add(reasoning);
                }
                continue;
            }
            String summary = type.equals(Compaction.ITEM) ? Compaction.summary(item) : null;
            if (summary != null)
            {
                // Sluice's own compaction (of a conversation with another model): its summary, which OpenAI can read.
                ObjectNode message = out.addObject().put("type", "message").put("role", "user");
                message.putArray("content").addObject().put("type", "input_text").put("text", Compaction.continued(summary));
                orphaned = false;
                continue;
            }
            if (type.equals("message") && !"assistant".equals(item.path("role").asText()))
            {
                orphaned = false;
            }
            if (orphaned && item.has("id") && item instanceof ObjectNode object)
            {
                ObjectNode copy = object.deepCopy();
                copy.remove("id");
                item = copy;
            }
            out.add(item);
        }
        return out;
    }

    /** A reasoning item as the target can take it, or null when it cannot. */
    private static ObjectNode reasoning(JsonNode item, AiSettings.Target target, boolean stored)
    {
        String encrypted = item.path("encrypted_content").isTextual() ? item.path("encrypted_content").asText() : null;
        if (encrypted != null && encrypted.startsWith(ResponsesAnswers.SEALED_PREFIX))
        {
            JsonNode block = ResponsesAnswers.unsealed(encrypted);
            if (block == null || !OpenAiResponses.REASONING_BLOCK.equals(block.path("type").asText()) || !target.id().equals(block.path("target").asText()))
            {
                // Claude's thinking, or another model's reasoning: this one cannot read it.
                return null;
            }
            ObjectNode given = ((ObjectNode)item).deepCopy();
            given.put("id", block.path("id").asText());
            given.put("encrypted_content", block.path("encrypted_content").asText());
            given.remove("content");
            if (!given.path("summary").isArray())
            {
                given.putArray("summary");
            }
            return given;
        }
        if (encrypted == null)
        {
            for (JsonNode part : item.path("content"))
            {
                if ("reasoning_text".equals(part.path("type").asText()))
                {
                    // Text Sluice gave an open model's reasoning as: OpenAI would look its id up and not find it.
                    return null;
                }
            }
            if (!stored)
            {
                // Without its encrypted content, only a stored response's item can be found by its id.
                return null;
            }
        }
        return item instanceof ObjectNode object ? object : null;
    }

    /**
     * A relayed response's usage, with the web searches its output made (OpenAI bills each search
     * beside the tokens; priced by the target's {@code web-search-price}); null when it gave none.
     */
    static Usage usage(JsonNode response)
    {
        Usage usage = OpenAiResponses.usage(response.path("usage"));
        int searches = 0;
        for (JsonNode item : response.path("output"))
        {
            searches += "web_search_call".equals(item.path("type").asText()) && "search".equals(item.path("action").path("type").asText("search")) ? 1 : 0;
        }
        return usage == null || searches == 0 ? usage : new Usage(usage.promptTokens(), usage.completionTokens(), usage.cachedTokens(),
            usage.reasoningTokens(), usage.estimated(), usage.cacheWriteTokens(), searches);
    }
}
