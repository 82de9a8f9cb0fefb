// The proxy's OpenAPI step: a request on a route with a document is checked before anything is sent upstream.
package dev.sluice.openapi;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Schema;
import dev.sluice.exchange.Exchange;
import dev.sluice.http.ClientText;
import dev.sluice.http.ContentCoding;
import dev.sluice.http.MediaTypes;
import dev.sluice.http.ProblemType;
import dev.sluice.http.ProblemWriter;
import dev.sluice.http.Violation;
import dev.sluice.transform.RequestBody;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs after authentication and rate limits (an anonymous client learns nothing of the API's
 * shape) and before the route's transforms (what is checked is what the client sent). A path the
 * document does not have is 404, a method it does not have there 405 with {@code Allow}, a body
 * type it does not take 415, a body larger than {@code openapi.max-body} 413; anything else that
 * does not match is 400 with every violation listed. Only requests with a body to check are read
 * whole (bounded), and then forwarded from memory.
 */
public final class ApiValidation
{
    private static final Logger LOG = LoggerFactory.getLogger(ApiValidation.class);
    private static final ObjectMapper JSON = dev.sluice.http.Json.strictMapper();

    private ApiValidation()
    {
    }

    /**
     * The request to forward (with its body in memory when it was read), or null when the answer
     * has been written.
     */
    public static HttpServletRequest check(HttpServletRequest request, HttpServletResponse response, Exchange exchange,
                                           OpenApiSettings.RouteApi api) throws IOException
    {
        ApiDocument.Lookup lookup = api.document().find(request.getMethod(), exchange.routeMatch().upstreamPath());
        if (!lookup.pathFound())
        {
            return refuse(response, exchange, ProblemType.NOT_FOUND, "The path is not part of this API.", List.of());
        }
        ApiDocument.Operation operation = lookup.operation();
        if (operation == null)
        {
            response.setHeader("Allow", String.join(", ", lookup.allowed()));
            return refuse(response, exchange, ProblemType.METHOD_NOT_ALLOWED,
                "This API takes " + String.join(", ", lookup.allowed()) + " on this path.", List.of());
        }
        List<Violation> violations = new ArrayList<>(RequestCheck.parameters(operation, lookup.pathValues(), source(request)));
        HttpServletRequest forwarded = request;
        if (operation.body() != null)
        {
            boolean hasBody = hasBody(request);
            if (!hasBody)
            {
                if (operation.body().required())
                {
                    violations.add(new Violation("/body", "a request body is required"));
                }
            }
            else
            {
                String mediaType = MediaTypes.essence(request.getContentType());
                Map.Entry<String, Schema> content = RequestCheck.content(operation.body().content(), mediaType);
                if (content == null && !operation.body().content().isEmpty())
                {
                    response.setHeader("Accept-Post", String.join(", ", operation.body().content().keySet()));
                    return refuse(response, exchange, ProblemType.UNSUPPORTED_MEDIA_TYPE,
                        "This operation takes bodies of type " + String.join(", ", operation.body().content().keySet()) + ".", List.of());
                }
                if (content != null && content.getValue() != null && MediaTypes.json(mediaType))
                {
                    // Left unread, a body in a coding Sluice cannot undo would pass unchecked.
                    String coding = ContentCoding.of(request.getHeader("Content-Encoding"));
                    boolean gzip = ContentCoding.gzip(coding);
                    if (coding != null && !gzip)
                    {
                        response.setHeader("Accept-Encoding", "gzip");
                        return refuse(response, exchange, ProblemType.UNSUPPORTED_MEDIA_TYPE, "The request body's Content-Encoding is '"
                            + ClientText.quoted(coding, 32) + "'; this route checks bodies sent as they are or with gzip.", List.of());
                    }
                    if (request.getContentLengthLong() > api.maxBody())
                    {
                        return refuse(response, exchange, ProblemType.PAYLOAD_TOO_LARGE,
                            "The request body is larger than the " + api.maxBody() + " bytes this route checks.", List.of());
                    }
                    byte[] body;
                    try
                    {
                        body = dev.sluice.http.RequestBodies.readUpTo(request, api.maxBody(), exchange.settings().proxy());
                    }
                    catch (IOException x)
                    {
                        exchange.addBytesOut(dev.sluice.http.RequestBodies.refuse(response, exchange, x));
                        return null;
                    }
                    if (body == null)
                    {
                        return refuse(response, exchange, ProblemType.PAYLOAD_TOO_LARGE,
                            "The request body is larger than the " + api.maxBody() + " bytes this route checks.", List.of());
                    }
                    byte[] plain = body;
                    if (gzip)
                    {
                        try
                        {
                            plain = ContentCoding.gunzip(body, api.maxBody());
                        }
                        catch (IOException x)
                        {
                            return refuse(response, exchange, ProblemType.BAD_REQUEST,
                                "The request body is not valid gzip, which its Content-Encoding says it is.", List.of());
                        }
                        if (plain == null)
                        {
                            return refuse(response, exchange, ProblemType.PAYLOAD_TOO_LARGE,
                                "The request body is larger than the " + api.maxBody() + " bytes this route checks, once decompressed.", List.of());
                        }
                    }
                    violations.addAll(RequestCheck.body(content.getValue(), mediaType, plain));
                    // Forwarded as the client sent it, compressed or not.
                    forwarded = RequestBody.buffered(request, body);
                }
            }
        }
        if (!violations.isEmpty())
        {
            List<Violation> listed = violations.size() > RequestCheck.MAX_VIOLATIONS ? violations.subList(0, RequestCheck.MAX_VIOLATIONS) : violations;
            return refuse(response, exchange, ProblemType.INVALID_REQUEST, "The request does not match " + operation.method() + " "
                + operation.template() + " in this API's description (" + violations.size() + (violations.size() == 1 ? " violation)." : " violations)."),
                listed);
        }
        return forwarded;
    }

    private static boolean hasBody(HttpServletRequest request)
    {
        return dev.sluice.http.RequestBodies.expected(request);
    }

    private static HttpServletRequest refuse(HttpServletResponse response, Exchange exchange, ProblemType type, String detail, List<Violation> violations)
    {
        exchange.outcome(Exchange.Outcome.BAD_REQUEST);
        exchange.addBytesOut(ProblemWriter.write(response, type, detail, exchange.id(), exchange.traceId(), violations));
        return null;
    }

    private static RequestCheck.Request source(HttpServletRequest request)
    {
        return new RequestCheck.Request()
        {
            @Override
            public String rawQuery()
            {
                return request.getQueryString();
            }

            @Override
            public List<String> headers(String name)
            {
                return Collections.list(request.getHeaders(name));
            }

            @Override
            public String cookie(String name)
            {
                return dev.sluice.http.Cookies.value(request, name);
            }
        };
    }

    /**
     * An upstream response's body kept as it streams past (never held back), to be checked when it
     * ends; violations are logged, the response is not changed. Only JSON bodies up to max-body are
     * kept.
     */
    public static final class ResponseCopy
    {
        private final Schema schema;
        private final long max;
        private final String operation;
        private final int status;
        private final java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream(1024);
        private boolean over;

        private ResponseCopy(Schema schema, long max, String operation, int status)
        {
            this.schema = schema;
            this.max = max;
            this.operation = operation;
            this.status = status;
        }

        /**
         * A copy for this response, or null when there is nothing to check: no operation, no
         * schema for the status (exact, then 2XX-style, then default) and media type, not JSON,
         * or compressed.
         */
        public static ResponseCopy begin(OpenApiSettings.RouteApi api, String method, String upstreamPath, int status, String contentType,
                                         String contentEncoding)
        {
            if (!api.logResponses() || (contentEncoding != null && !contentEncoding.isBlank() && !contentEncoding.equalsIgnoreCase("identity")))
            {
                return null;
            }
            ApiDocument.Operation operation = api.document().find(method, upstreamPath).operation();
            if (operation == null || "HEAD".equals(method))
            {
                return null;
            }
            Map<String, Schema> content = operation.responses().get(Integer.toString(status));
            if (content == null)
            {
                content = operation.responses().get((status / 100) + "XX");
            }
            if (content == null)
            {
                content = operation.responses().get("DEFAULT");
            }
            String mediaType = MediaTypes.essence(contentType);
            if (content == null)
            {
                LOG.warn("upstream answered {} {} with status {}, which the API description does not list", operation.method(), operation.template(), status);
                return null;
            }
            Map.Entry<String, Schema> schema = RequestCheck.content(content, mediaType);
            if (schema == null || schema.getValue() == null || !MediaTypes.json(mediaType))
            {
                return null;
            }
            return new ResponseCopy(schema.getValue(), api.maxBody(), operation.method() + " " + operation.template(), status);
        }

        public void add(byte[] buffer, int offset, int length)
        {
            if (over || body.size() + (long)length > max)
            {
                over = true;
                return;
            }
            body.write(buffer, offset, length);
        }

        /** Checks what was copied and logs what does not match (pointers and rules, never values). */
        public void finish(String requestId)
        {
            if (over)
            {
                return;
            }
            List<Violation> violations;
            try
            {
                JsonNode tree = JSON.readTree(body.toByteArray());
                violations = tree == null ? List.of(new Violation("/body", "the body is empty")) : RequestCheck.response(schema, tree);
            }
            catch (IOException x)
            {
                violations = List.of(new Violation("/body", "the body is not valid JSON"));
            }
            if (!violations.isEmpty())
            {
                StringBuilder text = new StringBuilder();
                for (Violation violation : violations)
                {
                    text.append(text.length() == 0 ? "" : "; ").append(violation.pointer()).append(": ").append(violation.message());
                }
                LOG.warn("{} the upstream's {} response to {} does not match the API description: {}", requestId, status, operation, text);
            }
        }
    }
}
