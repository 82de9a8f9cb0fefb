// Writes a stored response to a client: Age computed, X-Cache-Status, 304 for a matching conditional.
package dev.sluice.cache;

import java.io.IOException;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Builds the response from a stored one (RFC 9111 §4): the stored header fields, an {@code Age}
 * for the current age (§5.1; the stored {@code Date} is kept), Content-Length from the stored
 * body, and no body for HEAD. A client condition that the stored response satisfies gets a 304
 * carrying the fields RFC 9110 §15.4.5 requires.
 */
public final class CacheResponder
{
    /** Fields a 304 carries from the stored 200 (RFC 9110 §15.4.5), plus Last-Modified for clients that revalidate by date. */
    private static final Set<String> NOT_MODIFIED_FIELDS = Set.of("cache-control", "content-location", "date", "etag", "expires", "vary",
        "last-modified");

    private CacheResponder()
    {
    }

    /**
     * @return the body bytes written
     */
    public static long write(HttpServletRequest request, HttpServletResponse response, CachedResponse stored, String label,
                             boolean statusHeader, long now) throws IOException
    {
        boolean head = "HEAD".equals(request.getMethod());
        boolean notModified = stored.status() == 200
            && Conditionals.notModified(Collections.list(request.getHeaders("If-None-Match")), request.getHeader("If-Modified-Since"), stored);
        response.setStatus(notModified ? 304 : stored.status());
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (String[] header : stored.headers())
        {
            String name = header[0].toLowerCase(Locale.ROOT);
            if (name.equals("content-length") || (notModified && !NOT_MODIFIED_FIELDS.contains(name)))
            {
                continue;
            }
            // The first line of a field replaces what the container set by default (its own Date).
            if (seen.add(name))
            {
                response.setHeader(header[0], header[1]);
            }
            else
            {
                response.addHeader(header[0], header[1]);
            }
        }
        response.setHeader("Age", Long.toString(CachePolicy.age(stored, now) / 1000));
        if (statusHeader)
        {
            response.setHeader("X-Cache-Status", label);
        }
        if (notModified || stored.status() == 204 || stored.status() < 200)
        {
            return 0;
        }
        byte[] body = stored.body();
        response.setContentLengthLong(body.length);
        if (head || body.length == 0)
        {
            return 0;
        }
        response.getOutputStream().write(body);
        response.flushBuffer();
        return body.length;
    }

    /** The headers of a servlet request by name, as the key and Vary logic read them. */
    public static List<String> headers(HttpServletRequest request, String name)
    {
        return Collections.list(request.getHeaders(name));
    }
}
