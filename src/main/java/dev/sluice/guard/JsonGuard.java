// Applies a route's JSON limits (guard.json.*) to a request body before it is forwarded.
package dev.sluice.guard;

import java.io.IOException;

import dev.sluice.exchange.Exchange;
import dev.sluice.http.ClientText;
import dev.sluice.http.ContentCoding;
import dev.sluice.http.MediaTypes;
import dev.sluice.http.ProblemType;
import dev.sluice.http.ProblemWriter;
import dev.sluice.http.RequestBodies;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Called by the proxy servlet after authentication and rate limits (the body is read, so only a
 * caller let in pays for it), before OpenAPI validation and transforms. JSON bodies
 * ({@code application/json}, {@code +json}), sent as they are or with gzip, are read up to the
 * limits' {@code maxBody} and checked ({@link JsonLimits}); the body goes on as the client sent
 * it. Other bodies pass unread: {@code guard.content-types} is what requires JSON.
 */
public final class JsonGuard
{
    private JsonGuard()
    {
    }

    /** The request to forward (its body now from memory), or null when answered here: 400, 413 or 415. */
    public static HttpServletRequest check(HttpServletRequest request, HttpServletResponse response, Exchange exchange, JsonLimits limits)
    {
        if (!MediaTypes.json(MediaTypes.essence(request.getContentType())) || !RequestBodies.expected(request))
        {
            return request;
        }
        String coding = ContentCoding.of(request.getHeader("Content-Encoding"));
        boolean gzip = ContentCoding.gzip(coding);
        if (coding != null && !gzip)
        {
            response.setHeader("Accept-Encoding", "gzip");
            return refuse(response, exchange, ProblemType.UNSUPPORTED_MEDIA_TYPE, "The request body's Content-Encoding is '"
                + ClientText.quoted(coding, 32) + "'; this route checks JSON sent as it is or with gzip.");
        }
        String tooLarge = "The request body is larger than the " + limits.maxBody() + " bytes of JSON this route checks.";
        byte[] body;
        try
        {
            body = RequestBodies.readUpTo(request, limits.maxBody(), exchange.settings().proxy());
        }
        catch (IOException x)
        {
            exchange.addBytesOut(RequestBodies.refuse(response, exchange, x));
            return null;
        }
        if (body == null)
        {
            return refuse(response, exchange, ProblemType.PAYLOAD_TOO_LARGE, tooLarge);
        }
        byte[] plain = body;
        if (gzip)
        {
            try
            {
                plain = ContentCoding.gunzip(body, limits.maxBody());
            }
            catch (IOException x)
            {
                return refuse(response, exchange, ProblemType.BAD_REQUEST, "The request body is not valid gzip, which its Content-Encoding says it is.");
            }
            if (plain == null)
            {
                return refuse(response, exchange, ProblemType.PAYLOAD_TOO_LARGE, tooLarge.replace(" checks.", " checks, once decompressed."));
            }
        }
        String violation = limits.violation(plain);
        if (violation != null)
        {
            return refuse(response, exchange, ProblemType.BAD_REQUEST, violation);
        }
        return dev.sluice.transform.RequestBody.buffered(request, body);
    }

    private static HttpServletRequest refuse(HttpServletResponse response, Exchange exchange, ProblemType type, String detail)
    {
        if (exchange.outcome() == Exchange.Outcome.OK)
        {
            exchange.outcome(Exchange.Outcome.BAD_REQUEST);
        }
        exchange.addBytesOut(ProblemWriter.write(response, type, detail, exchange.id(), exchange.traceId()));
        return null;
    }
}
