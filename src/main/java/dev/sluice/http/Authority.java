// The host a client addressed: HTTP/1.1's Host header, or HTTP/2's :authority, which the servlet API shows only in the URL.
package dev.sluice.http;

import jakarta.servlet.http.HttpServletRequest;

/**
 * Everything that reads the client's host (forwarding fields, {@code preserve-host}, cache keys)
 * reads it here, so that an HTTP/2 request is treated as the same request over HTTP/1.1.
 */
public final class Authority
{
    private Authority()
    {
    }

    /** The host and port the client asked for, as it wrote them; null when it named none (HTTP/1.0). */
    public static String of(HttpServletRequest request)
    {
        String host = request.getHeader(HeaderNames.HOST);
        if (host != null || request.getProtocol().startsWith("HTTP/1"))
        {
            return host;
        }
        // HTTP/2 and HTTP/3 requests carry no Host field; the container builds the URL from :authority.
        StringBuffer url = request.getRequestURL();
        int start = url.indexOf("://");
        if (start < 0)
        {
            return null;
        }
        start += 3;
        int end = url.indexOf("/", start);
        String authority = url.substring(start, end < 0 ? url.length() : end);
        return authority.isEmpty() ? null : authority;
    }
}
