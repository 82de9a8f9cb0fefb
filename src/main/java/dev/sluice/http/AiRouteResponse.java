// A response on an AI route: Sluice's own refusals in the error shape of the model API the client speaks.
package dev.sluice.http;

import java.io.IOException;
import java.io.UncheckedIOException;

import com.fasterxml.jackson.core.JsonGenerator;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.ServletResponseWrapper;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;

/**
 * Model SDKs read an error's message from their API's own shape and nothing else: given a problem
 * document, OpenAI's Node SDK reported a wrong key as "401 status code (no body)". On a route with
 * {@code ai = on}, {@link ProblemWriter} writes what authentication, limits and guards refuse as
 * OpenAI's {@code {"error": {"message", "type", "param", "code"}}}, or on {@code /messages} (and its count) as
 * Anthropic's {@code {"type": "error", "error": {"type", "message"}}}, in {@code application/json};
 * the code is the problem type's slug, and the request id stays in {@code X-Request-ID}. The AI
 * front's own errors already come in these shapes.
 */
public final class AiRouteResponse extends HttpServletResponseWrapper
{
    private final boolean anthropic;

    private AiRouteResponse(HttpServletResponse response, boolean anthropic)
    {
        super(response);
        this.anthropic = anthropic;
    }

    /** @param path the request's path on the route: Anthropic's shape for its Messages API and its token count */
    public static HttpServletResponse wrap(HttpServletResponse response, String path)
    {
        return new AiRouteResponse(response, path.endsWith("/messages") || path.endsWith("/messages/count_tokens"));
    }

    /** The AI route's response under any wrappers a later filter put around it, or null off AI routes. */
    static AiRouteResponse of(ServletResponse response)
    {
        while (response instanceof ServletResponseWrapper wrapper)
        {
            if (response instanceof AiRouteResponse ai)
            {
                return ai;
            }
            response = wrapper.getResponse();
        }
        return null;
    }

    /** The error type Anthropic's SDKs expect for a status; OpenAI's read the same names. */
    public static String errorType(int status)
    {
        return switch (status)
        {
            case 400, 405, 411, 414, 415, 416, 417, 426, 431 -> "invalid_request_error";
            case 401 -> "authentication_error";
            case 402 -> "billing_error";
            case 403 -> "permission_error";
            case 404 -> "not_found_error";
            case 413 -> "request_too_large";
            case 429 -> "rate_limit_error";
            case 503, 529 -> "overloaded_error";
            case 504 -> "timeout_error";
            default -> "api_error";
        };
    }

    byte[] render(int status, ProblemType problemType, String detail)
    {
        String message = detail != null ? detail
            : problemType.title() != null ? problemType.title() : org.eclipse.jetty.http.HttpStatus.getMessage(status);
        var out = new java.io.ByteArrayOutputStream(256);
        try (JsonGenerator json = Json.FACTORY.createGenerator(out))
        {
            json.writeStartObject();
            if (anthropic)
            {
                json.writeStringField("type", "error");
                json.writeObjectFieldStart("error");
                json.writeStringField("type", errorType(status));
                json.writeStringField("message", message);
                json.writeEndObject();
            }
            else
            {
                json.writeObjectFieldStart("error");
                json.writeStringField("message", message);
                json.writeStringField("type", errorType(status));
                json.writeNullField("param");
                json.writeStringField("code", problemType.slug().replace('-', '_'));
                json.writeEndObject();
            }
            json.writeEndObject();
        }
        catch (IOException x)
        {
            throw new UncheckedIOException(x);
        }
        out.write('\n');
        return out.toByteArray();
    }
}
