// Whether a request has a body, for every protocol: HTTP/2 and HTTP/3 frame one without a length or chunking.
package dev.sluice.http;

import jakarta.servlet.http.HttpServletRequest;

/**
 * Jetty's proxy servlet (and checks written for HTTP/1.1) take a body to be there only when
 * {@code Content-Length} is above 0 or {@code Transfer-Encoding} is present. An HTTP/2 client may
 * send DATA frames with neither, and such a body was forwarded as empty. Every part of Sluice that
 * asks whether a body comes asks here.
 *
 * <p>Whether such a request has a body is known only once it is read (the servlet API says
 * nothing before), so the answer leans to yes: a body of unknown length is streamed, and an empty
 * one reaches the upstream as an empty chunked body, which loses nothing. Only a GET or HEAD that
 * declares no {@code Content-Type} is taken to have none, as Jetty 9's proxy took any request
 * without one: a body there would be ignored by most servers anyway, and forwarding every HTTP/2
 * GET with {@code Transfer-Encoding: chunked} would keep it from the cache and upset servers that
 * refuse bodies on GET.
 */
public final class RequestBodies
{
    private RequestBodies()
    {
    }

    public static boolean expected(HttpServletRequest request)
    {
        long length = request.getContentLengthLong();
        if (length >= 0)
        {
            return length > 0;
        }
        if (request.getHeader(HeaderNames.TRANSFER_ENCODING) != null)
        {
            return true;
        }
        if (request.getProtocol().startsWith("HTTP/1"))
        {
            return false;
        }
        String method = request.getMethod();
        return request.getContentType() != null || !(method.equals("GET") || method.equals("HEAD"));
    }

    /**
     * The body read whole for a check that needs all of it, or null when it is (or declares
     * itself) longer than {@code max}. Blocks the request thread until it has arrived.
     */
    public static byte[] readUpTo(HttpServletRequest request, long max) throws java.io.IOException
    {
        if (request.getContentLengthLong() > max)
        {
            return null;
        }
        byte[] body = request.getInputStream().readNBytes((int)Math.min(Integer.MAX_VALUE - 8, max + 1));
        return body.length > max ? null : body;
    }
}
