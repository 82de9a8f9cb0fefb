// Errors on AI routes in OpenAI's error format, and providers' errors mapped to it.
package dev.sluice.ai;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.servlet.http.HttpServletResponse;

/**
 * OpenAI's SDKs read {@code {"error": {"message", "type", "param", "code"}}}; every error the AI
 * front answers has that shape, so a client sees the same whichever provider failed. Messages are
 * Sluice's own or the provider's explanation of a bad request, never a provider's reaction to
 * Sluice's credentials (which can echo part of the key).
 */
public final class AiErrors
{
    private static final int MAX_MESSAGE = 1000;

    private AiErrors()
    {
    }

    /** One error as Sluice will answer it. {@code retryAfterSeconds} is 0 for none. */
    public record Error(int status, String type, String message, String param, String code, long retryAfterSeconds)
    {
        public byte[] body()
        {
            ObjectNode root = AnthropicTranslation.JSON.createObjectNode();
            ObjectNode error = root.putObject("error");
            error.put("message", message);
            error.put("type", type);
            if (param == null)
            {
                error.putNull("param");
            }
            else
            {
                error.put("param", param);
            }
            if (code == null)
            {
                error.putNull("code");
            }
            else
            {
                error.put("code", code);
            }
            return (root.toString() + "\n").getBytes(StandardCharsets.UTF_8);
        }

        /** As a server-sent event, for a failure after the stream began. */
        public byte[] event()
        {
            byte[] body = body();
            return ("data: " + new String(body, 0, body.length - 1, StandardCharsets.UTF_8) + "\n\n").getBytes(StandardCharsets.UTF_8);
        }
    }

    public static Error invalid(String message, String param)
    {
        return new Error(400, "invalid_request_error", message, param, null, 0);
    }

    /** Writes the error unless the response is committed; returns the bytes written. */
    public static int write(HttpServletResponse response, Error error)
    {
        if (response.isCommitted())
        {
            return 0;
        }
        byte[] body = error.body();
        try
        {
            response.resetBuffer();
            response.setStatus(error.status());
            response.setContentType("application/json");
            response.setCharacterEncoding("UTF-8");
            response.setHeader("Cache-Control", "no-store");
            if (error.retryAfterSeconds() > 0)
            {
                response.setHeader("Retry-After", Long.toString(error.retryAfterSeconds()));
            }
            response.setContentLength(body.length);
            response.getOutputStream().write(body);
            response.flushBuffer();
            return body.length;
        }
        catch (IOException | IllegalStateException x)
        {
            return 0;
        }
    }

    /** Whether a provider's status is worth trying another target for (before anything reached the client). */
    public static boolean retryable(int status)
    {
        return status == 408 || status == 409 || status == 429 || status >= 500 || status == 401 || status == 403 || status == 404;
    }

    /** Whether a provider's 400 says the prompt does not fit the model's context window. */
    public static boolean contextExceeded(int status, JsonNode body)
    {
        if (status != 400 || body == null)
        {
            return false;
        }
        JsonNode error = body.path("error");
        if ("context_length_exceeded".equals(error.path("code").asText(null)))
        {
            return true;
        }
        String message = error.path("message").asText("").toLowerCase(java.util.Locale.ROOT);
        return message.contains("prompt is too long") || message.contains("context length") || message.contains("context window");
    }

    /**
     * A provider's error answer as the client's error.
     *
     * @param body the provider's error body, or null when it was not JSON
     * @param retryAfterSeconds the provider's Retry-After, or 0
     */
    public static Error fromProvider(int status, JsonNode body, long retryAfterSeconds)
    {
        JsonNode error = body == null ? null : body.path("error");
        String message = error == null ? null : error.path("message").asText(null);
        if (message != null && message.length() > MAX_MESSAGE)
        {
            message = message.substring(0, MAX_MESSAGE) + "...";
        }
        String code = error == null ? null : error.path("code").asText(null);
        String param = error == null ? null : error.path("param").asText(null);
        return switch (status)
        {
            case 401, 403 -> new Error(502, "api_error", "The model provider refused Sluice's credentials for it; tell the gateway's operator.",
                null, "provider_auth_failed", 0);
            // What the request names and the provider does not have (OpenAI's "Item with id 'rs_…' not found", param "input") is
            // the client's to hear; a model it does not serve (no param, or "model") the operator's.
            case 404 -> param != null && !"null".equals(param) && !"model".equals(param) && message != null
                ? new Error(404, "invalid_request_error", message, param, code, 0)
                : new Error(502, "api_error", "The model provider does not know the configured model; tell the gateway's operator.",
                    null, "provider_model_not_found", 0);
            case 408, 504 -> new Error(504, "timeout", "The model provider timed out.", null, "provider_timeout", 0);
            case 429 -> new Error(429, "rate_limit_error",
                message != null ? message : "The model provider is rate limiting requests; try again later.", null, "rate_limit_exceeded",
                Math.max(1, retryAfterSeconds));
            case 529, 503 -> new Error(503, "overloaded_error", message != null ? message : "The model provider is overloaded; try again later.",
                null, "provider_overloaded", Math.max(1, retryAfterSeconds));
            default ->
            {
                if (status >= 500)
                {
                    yield new Error(502, "api_error", "The model provider failed (" + status + ").", null, "provider_error", 0);
                }
                yield new Error(status, "invalid_request_error", message != null ? message : "The model provider refused the request.",
                    "null".equals(param) ? null : param, code, 0);
            }
        };
    }
}
