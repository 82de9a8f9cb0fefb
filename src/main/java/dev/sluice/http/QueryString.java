// Reads and edits raw query strings without touching the request body or re-encoding anything.
package dev.sluice.http;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * {@code ServletRequest.getParameter} would also read a form body, which the proxy must stream
 * untouched; these work on the raw query only. Names are compared as sent (not decoded).
 */
public final class QueryString
{
    private QueryString()
    {
    }

    /**
     * The decoded value of the first parameter with this name, or null when absent or not
     * decodable.
     */
    public static String parameter(String rawQuery, String name)
    {
        if (rawQuery == null || name == null)
        {
            return null;
        }
        for (String pair : rawQuery.split("&"))
        {
            int equals = pair.indexOf('=');
            String key = equals < 0 ? pair : pair.substring(0, equals);
            if (key.equals(name))
            {
                try
                {
                    return equals < 0 ? "" : URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8);
                }
                catch (IllegalArgumentException x)
                {
                    return null;
                }
            }
        }
        return null;
    }

    /**
     * The query without any parameter of these names; every other byte unchanged. Null when
     * nothing is left.
     */
    public static String without(String rawQuery, Set<String> names)
    {
        if (rawQuery == null || names.isEmpty())
        {
            return rawQuery;
        }
        StringBuilder kept = new StringBuilder(rawQuery.length());
        for (String pair : rawQuery.split("&", -1))
        {
            int equals = pair.indexOf('=');
            String key = equals < 0 ? pair : pair.substring(0, equals);
            if (!names.contains(key))
            {
                if (!kept.isEmpty())
                {
                    kept.append('&');
                }
                kept.append(pair);
            }
        }
        return kept.isEmpty() ? null : kept.toString();
    }
}
