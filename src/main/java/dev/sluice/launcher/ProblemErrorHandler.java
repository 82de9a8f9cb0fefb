// Jetty's server-level error handler for the embedded launcher: its rejections are problem+json too.
package dev.sluice.launcher;

import java.nio.ByteBuffer;

import dev.sluice.exchange.RequestIds;
import dev.sluice.http.HeaderNames;
import dev.sluice.http.ProblemType;
import dev.sluice.http.ProblemWriter;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty refuses some requests before any web application sees them: unparseable requests,
 * a bad {@code Host}, ambiguous paths ({@code %2F}, {@code %2e%2e}, {@code ..;}). Those refusals
 * are good; their HTML pages are not what an API client expects. This handler writes them as
 * problem+json, with the container's status and, for the refusals it names in fixed words, a
 * detail of Sluice's own saying what to fix ({@link #detail}). The container's message itself is
 * never copied: some quote the request back (a second {@code Host} header's value).
 */
final class ProblemErrorHandler extends ErrorHandler
{
    /**
     * Jetty writes error bodies only for GET, POST and HEAD, so a PUT with a malformed header got
     * an empty 400; an API client of any method gets its problem (a HEAD answer still has no body).
     */
    @Override
    public boolean errorPageForMethod(String method)
    {
        return true;
    }

    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause, Callback callback)
    {
        String id = RequestIds.accept(request.getHeaders().get(HeaderNames.REQUEST_ID));
        String detail = detail(message);
        byte[] body = ProblemWriter.render(code, ProblemType.forStatus(code), detail != null ? detail : pathDetail(code, cause), id);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, ProblemWriter.CONTENT_TYPE);
        response.getHeaders().put(HeaderNames.REQUEST_ID, id);
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        response.write(true, ByteBuffer.wrap(body), callback);
    }

    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields)
    {
        fields.put(new HttpField(HttpHeader.CONTENT_TYPE, ProblemWriter.CONTENT_TYPE));
        return ByteBuffer.wrap(ProblemWriter.render(status, ProblemType.forStatus(status), detail(reason), null));
    }

    /**
     * What the client should fix when Jetty refused the request's path with its generic "Bad
     * Request": the reason is then only in the causes' fixed phrases (a '%' without two hex digits,
     * a decoded character no path may hold, a backslash, dot segments above the root); null for others.
     */
    static String pathDetail(int code, Throwable cause)
    {
        if (code != 400)
        {
            return null;
        }
        for (Throwable each = cause; each != null; each = each.getCause())
        {
            String message = each.getMessage();
            if (each instanceof NumberFormatException || "Bad URI % encoding".equals(message))
            {
                return "The path holds a '%' not followed by two hexadecimal digits; encode a literal '%' as %25.";
            }
            if (message == null)
            {
                continue;
            }
            if (message.startsWith("Illegal character in path"))
            {
                return "The path decodes to a character no path may hold (a control character such as %00).";
            }
            if (message.endsWith("Suspicious Path Character"))
            {
                return "The path holds a backslash (or %5C), which servers read differently; send it without.";
            }
            if (message.equals("Bad URI"))
            {
                return "The path's '..' segments climb above the root.";
            }
        }
        return null;
    }

    /**
     * What the client should fix, for the container's refusals whose reason is one of Jetty's
     * fixed phrases; null for any other reason (the title then says what kind of refusal it was).
     */
    static String detail(String reason)
    {
        if (reason == null)
        {
            return null;
        }
        if (reason.startsWith("No Host"))
        {
            return "The request has no Host header.";
        }
        if (reason.startsWith("Authority!=Host"))
        {
            return "The request line names another host than the Host header.";
        }
        if (reason.startsWith("Bad HostPort"))
        {
            return "The Host header is not a valid host name or address with an optional port.";
        }
        if (reason.contains("multiple `Host` headers") || reason.startsWith("Duplicate Host"))
        {
            return "The request has more than one Host header.";
        }
        if (reason.startsWith("Transfer-Encoding and Content-Length"))
        {
            return "A request cannot have both Content-Length and Transfer-Encoding.";
        }
        if (reason.startsWith("Invalid Content-Length") || reason.startsWith("Multiple Content-Lengths") || reason.startsWith("Duplicate Content-Length"))
        {
            return "Content-Length must be one number of bytes.";
        }
        if (reason.startsWith("Bad Transfer-Encoding"))
        {
            return "Transfer-Encoding must end with chunked, once.";
        }
        if (reason.startsWith("Illegal character"))
        {
            return "The request line or a header field holds a character HTTP does not allow there.";
        }
        if (reason.startsWith("Line Folding"))
        {
            return "Header fields folded over several lines are not accepted.";
        }
        if (reason.startsWith("Ambiguous"))
        {
            return "The path is ambiguous (an encoded '/' or '.', an empty segment, or a parameter on a dot segment); send it without.";
        }
        if (reason.startsWith("Unknown Version") || reason.startsWith("Unsupported Version") || reason.startsWith("HTTP/0.9"))
        {
            return "Sluice takes HTTP/1.0 and HTTP/1.1 requests, and HTTP/2 where it is enabled.";
        }
        return null;
    }
}
