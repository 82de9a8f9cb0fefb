// A stand-in model provider for demo mode: OpenAI's chat and embeddings API, answering offline.
package dev.sluice.launcher;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Mounted at {@code /ai/v1/*} on the demo upstream. {@code POST /ai/v1/chat/completions} answers
 * "You said: " and the last user message, streamed word by word when asked (with usage when
 * {@code stream_options.include_usage} is set, as OpenAI does); {@code POST /ai/v1/embeddings}
 * answers a small fixed vector per input. Token counts are words, which is enough for a demo and
 * for the benchmark that compares Sluice in front of it with it alone ({@code bench/ai.sh}).
 */
final class DemoModelProvider extends HttpServlet
{
    private static final long serialVersionUID = 1L;
    private static final ObjectMapper JSON = dev.sluice.http.Json.mapper();

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException
    {
        JsonNode body;
        try
        {
            body = JSON.readTree(request.getInputStream());
        }
        catch (IOException x)
        {
            body = null;
        }
        if (body == null || !body.isObject())
        {
            response.setStatus(400);
            response.setContentType("application/json");
            response.getOutputStream().write("{\"error\":{\"message\":\"The body must be a JSON object.\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}}"
                .getBytes(StandardCharsets.UTF_8));
            return;
        }
        String model = body.path("model").asText("demo");
        if (request.getRequestURI().endsWith("/embeddings"))
        {
            embeddings(body, model, response);
            return;
        }
        String last = "";
        long promptWords = 0;
        for (JsonNode message : body.path("messages"))
        {
            String text = text(message.path("content"));
            promptWords += text.isBlank() ? 0 : text.trim().split("\\s+").length;
            if ("user".equals(message.path("role").asText()))
            {
                last = text;
            }
        }
        // Words as the demo echoes them: any whitespace (a newline between the parts of a translated turn) one space.
        String[] words = ("You said: " + last.strip()).split("\\s+");
        if (body.path("stream").asBoolean(false))
        {
            stream(body, model, words, promptWords, response);
            return;
        }
        ObjectNode answer = JSON.createObjectNode();
        answer.put("id", "chatcmpl-demo");
        answer.put("object", "chat.completion");
        answer.put("created", System.currentTimeMillis() / 1000);
        answer.put("model", model);
        ObjectNode choice = answer.putArray("choices").addObject();
        choice.put("index", 0);
        choice.putObject("message").put("role", "assistant").put("content", String.join(" ", words));
        choice.put("finish_reason", "stop");
        answer.putObject("usage").put("prompt_tokens", promptWords).put("completion_tokens", words.length).put("total_tokens", promptWords + words.length);
        byte[] bytes = JSON.writeValueAsBytes(answer);
        response.setContentType("application/json");
        response.setContentLength(bytes.length);
        response.getOutputStream().write(bytes);
    }

    private static void stream(JsonNode body, String model, String[] words, long promptWords, HttpServletResponse response) throws IOException
    {
        response.setContentType("text/event-stream");
        OutputStream out = response.getOutputStream();
        String head = "data: {\"id\":\"chatcmpl-demo\",\"object\":\"chat.completion.chunk\",\"created\":" + System.currentTimeMillis() / 1000
            + ",\"model\":" + JSON.writeValueAsString(model) + ",\"choices\":[{\"index\":0,\"delta\":";
        StringBuilder events = new StringBuilder();
        events.append(head).append("{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n");
        for (int i = 0; i < words.length; i++)
        {
            events.append(head).append("{\"content\":").append(JSON.writeValueAsString(i == 0 ? words[i] : " " + words[i]))
                .append("},\"finish_reason\":null}]}\n\n");
        }
        events.append(head).append("{},\"finish_reason\":\"stop\"}]}\n\n");
        if (body.path("stream_options").path("include_usage").asBoolean(false))
        {
            events.append("data: {\"id\":\"chatcmpl-demo\",\"object\":\"chat.completion.chunk\",\"model\":").append(JSON.writeValueAsString(model))
                .append(",\"choices\":[],\"usage\":{\"prompt_tokens\":").append(promptWords).append(",\"completion_tokens\":").append(words.length)
                .append(",\"total_tokens\":").append(promptWords + words.length).append("}}\n\n");
        }
        events.append("data: [DONE]\n\n");
        out.write(events.toString().getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static void embeddings(JsonNode body, String model, HttpServletResponse response) throws IOException
    {
        JsonNode input = body.path("input");
        int count = input.isArray() ? input.size() : 1;
        ObjectNode answer = JSON.createObjectNode();
        answer.put("object", "list");
        ArrayNode data = answer.putArray("data");
        float[] vector = {0.1f, 0.2f, 0.3f};
        // OpenAI's Node SDK asks for base64 (little-endian float32s) unless told otherwise, and reads
        // a list of numbers given instead as an empty vector.
        boolean base64 = "base64".equals(body.path("encoding_format").asText());
        java.nio.ByteBuffer packed = java.nio.ByteBuffer.allocate(vector.length * Float.BYTES).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (float value : vector)
        {
            packed.putFloat(value);
        }
        String encoded = java.util.Base64.getEncoder().encodeToString(packed.array());
        for (int i = 0; i < count; i++)
        {
            ObjectNode embedding = data.addObject().put("object", "embedding").put("index", i);
            if (base64)
            {
                embedding.put("embedding", encoded);
            }
            else
            {
                ArrayNode values = embedding.putArray("embedding");
                for (float value : vector)
                {
                    values.add(value);
                }
            }
        }
        answer.put("model", model);
        answer.putObject("usage").put("prompt_tokens", count).put("total_tokens", count);
        byte[] bytes = JSON.writeValueAsBytes(answer);
        response.setContentType("application/json");
        response.setContentLength(bytes.length);
        response.getOutputStream().write(bytes);
    }

    /** A message's text: its content, or its text parts joined (what the Responses API and SDKs with parts send). */
    private static String text(JsonNode content)
    {
        if (!content.isArray())
        {
            return content.isTextual() ? content.asText() : content.toString();
        }
        StringBuilder text = new StringBuilder();
        for (JsonNode part : content)
        {
            if (part.path("text").isTextual())
            {
                text.append(text.length() > 0 ? " " : "").append(part.path("text").asText());
            }
        }
        return text.toString();
    }
}
