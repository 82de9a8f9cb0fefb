// An OpenAI-type provider's stream, passed through event by event while Sluice reads usage and progress.
package dev.sluice.ai;

import java.io.IOException;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * The provider already speaks the client's format, so each event goes out as it came, except the
 * final usage-only chunk when the client did not ask for usage (Sluice always asks, to know the
 * exact tokens of every stream). An {@code error} object in an event is the provider failing.
 */
public final class OpenAiStream extends ChatStream
{
    /** Read with the streaming parser: every chunk passes through here, and only a few fields matter. */
    private static final JsonFactory FACTORY = AnthropicTranslation.JSON.getFactory();

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
        if ("error".equals(event))
        {
            failed(data);
            return;
        }
        boolean hadChoices;
        boolean usageOnly;
        try (JsonParser parser = FACTORY.createParser(data))
        {
            if (parser.nextToken() != JsonToken.START_OBJECT)
            {
                throw new IOException("not an object");
            }
            hadChoices = false;
            boolean sawUsage = false;
            while (parser.nextToken() == JsonToken.FIELD_NAME)
            {
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                switch (name)
                {
                    case "error" ->
                    {
                        if (value == JsonToken.START_OBJECT)
                        {
                            JsonNode failure = parser.readValueAsTree();
                            errorType = failure.path("type").asText("api_error");
                            error = failure.path("message").asText("The provider failed.");
                            return;
                        }
                    }
                    case "model" ->
                    {
                        if (model == null && value == JsonToken.VALUE_STRING)
                        {
                            model = parser.getText();
                        }
                    }
                    case "usage" ->
                    {
                        if (value == JsonToken.START_OBJECT)
                        {
                            usage = usage((JsonNode)parser.readValueAsTree());
                            sawUsage = true;
                        }
                    }
                    case "choices" ->
                    {
                        if (value == JsonToken.START_ARRAY)
                        {
                            while (parser.nextToken() == JsonToken.START_OBJECT)
                            {
                                hadChoices = true;
                                choice(parser);
                            }
                        }
                        else
                        {
                            parser.skipChildren();
                        }
                    }
                    default -> parser.skipChildren();
                }
            }
            usageOnly = !hadChoices && sawUsage;
        }
        catch (IOException x)
        {
            errorType = "api_error";
            error = "The provider sent an event that is not JSON.";
            return;
        }
        if (usageOnly && !clientWantsUsage)
        {
            return;
        }
        out.ascii("data: ");
        out.utf8(data);
        out.ascii("\n\n");
    }

    /** One element of {@code choices}, the parser on its START_OBJECT; leaves it on the END_OBJECT. */
    private void choice(JsonParser parser) throws IOException
    {
        while (parser.nextToken() == JsonToken.FIELD_NAME)
        {
            String name = parser.currentName();
            JsonToken value = parser.nextToken();
            if ("delta".equals(name) && value == JsonToken.START_OBJECT)
            {
                while (parser.nextToken() == JsonToken.FIELD_NAME)
                {
                    String field = parser.currentName();
                    JsonToken token = parser.nextToken();
                    if (("content".equals(field) || "refusal".equals(field)) && token == JsonToken.VALUE_STRING)
                    {
                        String content = parser.getText();
                        if (!content.isEmpty())
                        {
                            contentStarted = true;
                            if (text != null && "content".equals(field))
                            {
                                text.append(content);
                            }
                        }
                    }
                    else if (("reasoning_content".equals(field) || "reasoning".equals(field)) && token == JsonToken.VALUE_STRING)
                    {
                        // A reasoning model's thinking (DeepSeek, vLLM, OpenRouter): the answer has started, and
                        // the client sees it as it comes rather than after the whole of it, or a first-token timeout.
                        contentStarted |= !parser.getText().isEmpty();
                    }
                    else if ("tool_calls".equals(field) && token != JsonToken.VALUE_NULL)
                    {
                        contentStarted = true;
                        parser.skipChildren();
                    }
                    else
                    {
                        parser.skipChildren();
                    }
                }
            }
            else if ("finish_reason".equals(name) && value == JsonToken.VALUE_STRING)
            {
                finishReason = parser.getText();
            }
            else
            {
                parser.skipChildren();
            }
        }
    }

    /**
     * A body that ends cleanly after a chunk gave the finish reason is a whole answer without its {@code [DONE]}: some
     * OpenAI-style servers (llama.cpp forks, TGI before 2.2, llama-box) never send one, and OpenAI's SDKs end the stream at
     * the body's end all the same. The client gets the {@code [DONE]}; a body that ends before any finish reason is
     * still a stream cut short.
     */
    @Override
    public void ended()
    {
        if (!finished && error == null && finishReason != null)
        {
            out.write(DONE);
            finished = true;
        }
    }

    private void failed(String data)
    {
        errorType = "api_error";
        error = "The provider failed.";
        try
        {
            JsonNode failure = AnthropicTranslation.JSON.readTree(data).path("error");
            errorType = failure.path("type").asText(errorType);
            error = failure.path("message").asText(error);
        }
        catch (IOException ignored)
        {
            // the defaults above
        }
    }

    /** OpenAI's usage object read into {@link Usage}. */
    public static Usage usage(JsonNode usage)
    {
        return new Usage(Usage.tokens(usage.path("prompt_tokens")), Usage.tokens(usage.path("completion_tokens")),
            Usage.tokens(usage.path("prompt_tokens_details").path("cached_tokens")),
            Usage.tokens(usage.path("completion_tokens_details").path("reasoning_tokens")), false, Usage.tokens(usage.path("cache_creation_input_tokens")));
    }
}
