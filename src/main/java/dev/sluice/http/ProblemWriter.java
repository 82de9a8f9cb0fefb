// The one place that writes Sluice's own responses: problem+json (RFC 9457), a gRPC status for gRPC, a model API's error on AI routes.
package dev.sluice.http;

import java.io.IOException;
import java.io.UncheckedIOException;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a problem document with {@code type}, {@code title}, {@code status}, {@code detail} and
 * the request id. The detail is written by Sluice, never copied from an exception, so no stack
 * trace, upstream address or secret reaches a client. A gRPC call's response ({@link GrpcResponse})
 * gets the same detail as its {@code grpc-message} instead.
 */
public final class ProblemWriter
{
    public static final String CONTENT_TYPE = "application/problem+json";
    private static final Logger LOG = LoggerFactory.getLogger(ProblemWriter.class);
    private static final JsonFactory JSON = dev.sluice.http.Json.FACTORY;

    private ProblemWriter()
    {
    }

    /**
     * Renders the document with a status chosen elsewhere (a container's rejection).
     */
    public static byte[] render(int status, ProblemType problemType, String detail, String requestId)
    {
        return render(status, problemType, detail, requestId, null);
    }

    private static byte[] render(int status, ProblemType problemType, String detail, String requestId, String traceId)
    {
        return render(status, problemType, detail, requestId, traceId, java.util.List.of());
    }

    private static byte[] render(int status, ProblemType problemType, String detail, String requestId, String traceId,
                                 java.util.List<Violation> violations)
    {
        var out = new java.io.ByteArrayOutputStream(256);
        try (JsonGenerator json = JSON.createGenerator(out))
        {
            json.writeStartObject();
            json.writeStringField("type", problemType.type());
            json.writeStringField("title", problemType.title() != null ? problemType.title() : org.eclipse.jetty.http.HttpStatus.getMessage(status));
            json.writeNumberField("status", status);
            if (detail != null)
            {
                json.writeStringField("detail", detail);
            }
            if (requestId != null)
            {
                json.writeStringField("request_id", requestId);
            }
            if (traceId != null)
            {
                json.writeStringField("trace_id", traceId);
            }
            if (!violations.isEmpty())
            {
                json.writeArrayFieldStart("violations");
                for (Violation violation : violations)
                {
                    json.writeStartObject();
                    json.writeStringField("pointer", violation.pointer());
                    json.writeStringField("message", violation.message());
                    json.writeEndObject();
                }
                json.writeEndArray();
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

    /**
     * Writes the problem unless the response is already committed, in which case the client has
     * started receiving something else and nothing more can be said. Returns the bytes written.
     */
    public static int write(HttpServletResponse response, ProblemType problemType, String detail, String requestId)
    {
        return write(response, problemType.status(), problemType, detail, requestId, null);
    }

    /** As above, with the W3C trace id the exchange belongs to (null for none). */
    public static int write(HttpServletResponse response, ProblemType problemType, String detail, String requestId, String traceId)
    {
        return write(response, problemType.status(), problemType, detail, requestId, traceId);
    }

    /**
     * As {@link #write(HttpServletResponse, ProblemType, String, String)} with an explicit status,
     * for statuses chosen elsewhere (an error dispatch).
     */
    public static int write(HttpServletResponse response, int status, ProblemType problemType, String detail, String requestId)
    {
        return write(response, status, problemType, detail, requestId, null);
    }

    /** As above, listing what is wrong with the request ({@code violations}: pointer and message each). */
    public static int write(HttpServletResponse response, ProblemType problemType, String detail, String requestId, String traceId,
                            java.util.List<Violation> violations)
    {
        return write(response, problemType.status(), problemType, detail, requestId, traceId, violations);
    }

    private static int write(HttpServletResponse response, int status, ProblemType problemType, String detail, String requestId, String traceId)
    {
        return write(response, status, problemType, detail, requestId, traceId, java.util.List.of());
    }

    private static int write(HttpServletResponse response, int status, ProblemType problemType, String detail, String requestId, String traceId,
                             java.util.List<Violation> violations)
    {
        GrpcResponse grpc = GrpcResponse.of(response);
        if (grpc != null)
        {
            return grpc.refuse(status, detail);
        }
        if (response.isCommitted())
        {
            return 0;
        }
        AiRouteResponse ai = AiRouteResponse.of(response);
        byte[] body = ai != null ? ai.render(status, problemType, detail) : render(status, problemType, detail, requestId, traceId, violations);
        try
        {
            response.resetBuffer();
            response.setStatus(status);
            response.setContentType(ai != null ? "application/json" : CONTENT_TYPE);
            response.setCharacterEncoding("UTF-8");
            response.setContentLength(body.length);
            response.setHeader("Cache-Control", "no-store");
            response.getOutputStream().write(body);
            response.flushBuffer();
            return body.length;
        }
        catch (IOException | IllegalStateException x)
        {
            // The client went away or the response cannot take a body any more: nothing to say.
            LOG.debug("{} could not write problem {}: {}", requestId, problemType, x.toString());
            return 0;
        }
    }
}
