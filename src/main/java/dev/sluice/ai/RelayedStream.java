// A relayed Responses API stream: the provider's events passed on as they came, read only for what the front records.
package dev.sluice.ai;

import java.nio.charset.StandardCharsets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * For a request relayed to a Responses API target ({@link ResponsesRelay}): each event goes to
 * the client as the provider sent it, and is read for what the front needs — the model, whether
 * the answer has begun (after which there is no falling back), its text (for the log, or to
 * count when no usage comes), the end ({@code response.completed} or {@code response.incomplete},
 * with the usage and the output to keep) or the failure ({@code response.failed}, {@code error}).
 * The response's opening events ({@code response.created}, {@code response.in_progress}, an item
 * or part begun with nothing in it yet) are held until something is said, so that a provider
 * that fails before can still be replaced by the alias's next target.
 */
final class RelayedStream extends ChatStream
{
    private JsonNode response;
    private long sequence = -1;
    /** Whether the provider's own failure event went to the client, which then needs no other. */
    private boolean failureSent;

    RelayedStream(boolean keepText)
    {
        super(false, keepText);
    }

    /** The finished response (its id, output and usage), or null before the end. */
    JsonNode response()
    {
        return finished ? response : null;
    }

    @Override
    public void onEvent(String event, String data)
    {
        JsonNode node = live(data);
        if (node == null)
        {
            return;
        }
        if (event != null)
        {
            out.ascii("event: ");
            out.utf8(event);
            out.ascii("\n");
        }
        out.ascii("data: ");
        out.utf8(data);
        out.ascii("\n\n");
        sequence = Math.max(sequence, node.path("sequence_number").asLong(-1));
        String kind = node.path("type").asText(event == null ? "" : event);
        switch (kind)
        {
            case "response.created", "response.in_progress", "response.queued" ->
            {
                response = node.path("response");
                if (model == null)
                {
                    model = response.path("model").asText(null);
                }
            }
            case "response.output_item.added" ->
            {
                // A message or reasoning item begun is not yet anything said; a call, a search, is.
                String type = node.path("item").path("type").asText();
                contentStarted |= !type.equals("message") && !type.equals("reasoning");
            }
            case "response.content_part.added", "response.reasoning_summary_part.added" ->
            {
                // A part begun, empty.
            }
            case "response.output_text.delta" ->
            {
                contentStarted = true;
                if (text != null)
                {
                    text.append(node.path("delta").asText(""));
                }
            }
            case "response.completed", "response.incomplete" -> complete(node.path("response"));
            case "response.failed" ->
            {
                failureSent = true;
                errorType = node.path("response").path("error").path("code").asText("api_error");
                error = node.path("response").path("error").path("message").asText("The provider failed.");
            }
            case "error" ->
            {
                failureSent = true;
                errorType = node.path("code").asText("api_error");
                error = node.path("message").asText("The provider failed.");
            }
            default -> contentStarted = true;
        }
    }

    private void complete(JsonNode finished)
    {
        response = finished;
        if (finished.path("model").isTextual())
        {
            model = finished.path("model").asText();
        }
        usage = ResponsesRelay.usage(finished);
        finishReason = OpenAiResponses.finishReason(finished, false);
        contentStarted = true;
        this.finished = true;
    }

    /**
     * The event that ends the stream with Sluice's error, in the Responses API's form: none when
     * the provider's own failure went out already.
     */
    byte[] failure(AiErrors.Error error)
    {
        if (failureSent)
        {
            return new byte[0];
        }
        failureSent = true;
        ObjectNode failed = response instanceof ObjectNode begun ? begun.deepCopy() : ResponsesAnswers.JSONs.object();
        failed.put("status", "failed");
        failed.putObject("error").put("code", error.code() == null ? "server_error" : error.code()).put("message", error.message());
        ObjectNode event = ResponsesAnswers.JSONs.object().put("type", "response.failed").put("sequence_number", sequence + 1);
        event.set("response", failed);
        return ("event: response.failed\ndata: " + event + "\n\n").getBytes(StandardCharsets.UTF_8);
    }
}
