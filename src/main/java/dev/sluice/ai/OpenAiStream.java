// An OpenAI-type provider's stream, passed through event by event while Sluice reads usage and progress.
package dev.sluice.ai;

import java.io.IOException;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The provider already speaks the client's format, so each event goes out as it came, except the
 * final usage-only chunk when the client did not ask for usage (Sluice always asks, to know the
 * exact tokens of every stream). An {@code error} object in an event is the provider failing.
 */
public final class OpenAiStream extends ChatStream
{
    public OpenAiStream(boolean clientWantsUsage, boolean keepText)
    {
        super(clientWantsUsage, keepText);
    }

    @Override
    public void onEvent(String event, String data)
    {
        if (finished || error != null)
        {
            return;
        }
        if ("[DONE]".equals(data.strip()))
        {
            out.write(DONE);
            finished = true;
            return;
        }
        JsonNode chunk;
        try
        {
            chunk = AnthropicTranslation.JSON.readTree(data);
        }
        catch (IOException x)
        {
            errorType = "api_error";
            error = "The provider sent an event that is not JSON.";
            return;
        }
        if (chunk.hasNonNull("error") || "error".equals(event))
        {
            JsonNode failure = chunk.path("error");
            errorType = failure.path("type").asText("api_error");
            error = failure.path("message").asText("The provider failed.");
            return;
        }
        if (model == null && chunk.hasNonNull("model"))
        {
            model = chunk.get("model").asText();
        }
        JsonNode usageNode = chunk.get("usage");
        if (usageNode != null && usageNode.isObject())
        {
            usage = usage(usageNode);
        }
        JsonNode choices = chunk.path("choices");
        for (JsonNode choice : choices)
        {
            JsonNode delta = choice.path("delta");
            String content = delta.path("content").asText("");
            if (!content.isEmpty() || (delta.has("tool_calls") && !delta.get("tool_calls").isNull()) || !delta.path("refusal").asText("").isEmpty())
            {
                contentStarted = true;
            }
            if (text != null && !content.isEmpty())
            {
                text.append(content);
            }
            if (choice.hasNonNull("finish_reason"))
            {
                finishReason = choice.get("finish_reason").asText();
            }
        }
        if (choices.isEmpty() && usageNode != null && !clientWantsUsage)
        {
            return;
        }
        out.ascii("data: ");
        out.utf8(data);
        out.ascii("\n\n");
    }

    /** OpenAI's usage object read into {@link Usage}. */
    public static Usage usage(JsonNode usage)
    {
        return new Usage(usage.path("prompt_tokens").asLong(0), usage.path("completion_tokens").asLong(0),
            usage.path("prompt_tokens_details").path("cached_tokens").asLong(0),
            usage.path("completion_tokens_details").path("reasoning_tokens").asLong(0), false);
    }
}
