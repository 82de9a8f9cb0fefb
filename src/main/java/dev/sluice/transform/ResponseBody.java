// A response body held back for transforming: JSON edits or XML to JSON, gzip handled, within max-body.
package dev.sluice.transform;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Locale;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.http.ContentCoding;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Made when the upstream's headers say the body is one to transform (a 2xx with a body, JSON for
 * JSON edits or XML for a client that accepts JSON, not larger than {@code max-body}, plain or
 * gzip); fed the body as it arrives; then {@link #finish} gives what the client gets. A body
 * that turns out larger than {@code max-body}, or that does not parse, goes to the client as the
 * upstream sent it (logged), never half-transformed.
 */
public final class ResponseBody
{
    private static final Logger LOG = LoggerFactory.getLogger(ResponseBody.class);
    private static final ObjectMapper JSON = dev.sluice.http.Json.strictMapper();

    private final RouteTransform transform;
    private final boolean xml;
    private final boolean gzip;
    private final ByteArrayOutputStream body = new ByteArrayOutputStream(4096);

    /** What goes to the client: the body, its type, and whether it differs from the upstream's. */
    public record Result(byte[] body, String contentType, boolean changed)
    {
    }

    private ResponseBody(RouteTransform transform, boolean xml, boolean gzip)
    {
        this.transform = transform;
        this.xml = xml;
        this.gzip = gzip;
    }

    /**
     * A holder for this response, or null when it passes as it is.
     *
     * @param contentLength the upstream's Content-Length, or -1
     * @param accept the client's Accept header, or null
     */
    public static ResponseBody begin(RouteTransform transform, String method, int status, String contentType, String contentEncoding,
                                     long contentLength, String accept)
    {
        // 206: a piece of the upstream's body is not a document to edit; it passes as it is.
        if (!transform.responseBody() || "HEAD".equals(method) || status < 200 || status >= 300 || status == 204 || status == 206 || contentLength == 0
            || contentLength > transform.maxBody())
        {
            return null;
        }
        boolean gzip = contentEncoding != null && contentEncoding.trim().equalsIgnoreCase("gzip");
        if ((contentEncoding != null && !contentEncoding.isBlank() && !gzip && !contentEncoding.trim().equalsIgnoreCase("identity"))
            || (gzip && !transform.compressed()))
        {
            return null;
        }
        String media = dev.sluice.http.MediaTypes.essence(contentType);
        boolean json = dev.sluice.http.MediaTypes.json(media);
        boolean xml = media.equals("application/xml") || media.equals("text/xml") || media.endsWith("+xml");
        if (xml && transform.xmlToJson() && accepts(accept))
        {
            return new ResponseBody(transform, true, gzip);
        }
        if (json && !transform.responseJson().isEmpty())
        {
            return new ResponseBody(transform, false, gzip);
        }
        return null;
    }

    /**
     * Whether the client takes JSON: no Accept, or one naming JSON, a {@code +json} type,
     * {@code application/*} or {@code *}{@code /*}. A client that asks only for XML keeps XML.
     */
    static boolean accepts(String accept)
    {
        if (accept == null || accept.isBlank())
        {
            return true;
        }
        String lower = accept.toLowerCase(Locale.ROOT);
        return lower.contains("application/json") || lower.contains("+json") || lower.contains("*/*") || lower.contains("application/*");
    }

    /** Keeps a piece of the body; false when the body grew past max-body (hand back what was kept, and stream the rest). */
    public boolean add(byte[] buffer, int offset, int length)
    {
        if (body.size() + (long)length > transform.maxBody())
        {
            return false;
        }
        body.write(buffer, offset, length);
        return true;
    }

    /** What was kept, as the upstream sent it. */
    public byte[] kept()
    {
        return body.toByteArray();
    }

    /** The body for the client; the upstream's own when it does not parse. */
    public Result finish(Template.Source source, String contentType)
    {
        byte[] original = body.toByteArray();
        try
        {
            byte[] plain = gzip ? gunzip(original, transform.maxBody()) : original;
            byte[] out;
            String type = contentType;
            if (xml)
            {
                byte[] json = XmlJson.toJson(plain);
                if (!transform.responseJson().isEmpty())
                {
                    JsonNode tree = JSON.readTree(json);
                    Transforms.json(transform.responseJson(), source, tree);
                    json = JSON.writeValueAsBytes(tree);
                }
                out = json;
                type = "application/json";
            }
            else
            {
                JsonNode tree = JSON.readTree(plain);
                if (tree == null || !Transforms.json(transform.responseJson(), source, tree))
                {
                    return new Result(original, contentType, false);
                }
                out = JSON.writeValueAsBytes(tree);
            }
            return new Result(gzip ? ContentCoding.gzip(out) : out, type, true);
        }
        catch (IOException | RuntimeException x)
        {
            LOG.info("{} the upstream's {} body could not be transformed ({}); passed on untouched", source.requestId(), xml ? "XML" : "JSON",
                x.getMessage() == null ? x.getClass().getSimpleName() : x.getMessage().lines().findFirst().orElse(""));
            return new Result(original, contentType, false);
        }
    }

    private static byte[] gunzip(byte[] data, long max) throws IOException
    {
        byte[] plain = ContentCoding.gunzip(data, max);
        if (plain == null)
        {
            throw new IOException("the decompressed body is larger than max-body");
        }
        return plain;
    }
}
