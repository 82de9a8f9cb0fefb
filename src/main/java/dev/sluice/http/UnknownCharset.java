// A request whose Content-Type names a charset the JVM does not know, made safe to read: Jetty's getContentType() throws for one.
package dev.sluice.http;

import java.nio.charset.Charset;
import java.nio.charset.IllegalCharsetNameException;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;

/**
 * Jetty's {@code getContentType()} parses the charset parameter and throws
 * {@code UnsupportedCharsetException} for a name the JVM does not know
 * ({@code application/json; charset=utf-99}), and every part of Sluice that asks for the type
 * (gRPC detection, guards, body transforms, the AI front) then failed the request with a 500. A
 * proxy passes the body and its type on as they came, as nginx and Envoy do, and leaves the
 * charset to the upstream; so such a request is wrapped to answer the type as the client wrote
 * it, and no character encoding. Tomcat does not throw, and requests with a known charset or
 * none are not wrapped.
 */
public final class UnknownCharset
{
    private UnknownCharset()
    {
    }

    /** The request itself, or a wrapper of it when its Content-Type's charset is one the JVM does not know. */
    public static HttpServletRequest guard(HttpServletRequest request)
    {
        String type = request.getHeader("Content-Type");
        String charset = type == null ? null : charset(type);
        return charset == null || known(charset) ? request : new Wrapped(request, type);
    }

    /** The charset parameter's value, unquoted; null when there is none. */
    static String charset(String type)
    {
        int at = indexOfIgnoreCase(type, "charset=");
        if (at < 0)
        {
            return null;
        }
        int start = at + "charset=".length();
        int end = type.indexOf(';', start);
        String value = type.substring(start, end < 0 ? type.length() : end).strip();
        if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\""))
        {
            value = value.substring(1, value.length() - 1);
        }
        return value;
    }

    private static boolean known(String charset)
    {
        try
        {
            return !charset.isEmpty() && Charset.isSupported(charset);
        }
        catch (IllegalCharsetNameException x)
        {
            return false;
        }
    }

    private static int indexOfIgnoreCase(String text, String part)
    {
        for (int i = 0; i + part.length() <= text.length(); i++)
        {
            if (text.regionMatches(true, i, part, 0, part.length()))
            {
                return i;
            }
        }
        return -1;
    }

    private static final class Wrapped extends HttpServletRequestWrapper
    {
        private final String type;

        Wrapped(HttpServletRequest request, String type)
        {
            super(request);
            this.type = type;
        }

        @Override
        public String getContentType()
        {
            return type;
        }

        @Override
        public String getCharacterEncoding()
        {
            return null;
        }
    }
}
