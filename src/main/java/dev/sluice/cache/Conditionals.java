// Answering a client's conditional request from a stored response (RFC 9110 §13).
package dev.sluice.cache;

import java.util.List;

/**
 * {@code If-None-Match} (weak comparison, any listed tag, or {@code *}) takes precedence over
 * {@code If-Modified-Since}, which is compared with the stored {@code Last-Modified} (or
 * {@code Date}). Only GET and HEAD get a 304.
 */
public final class Conditionals
{
    private Conditionals()
    {
    }

    /** Whether the client's conditions say its copy is current, so a 304 answers it. */
    public static boolean notModified(List<String> ifNoneMatch, String ifModifiedSince, CachedResponse stored)
    {
        if (!ifNoneMatch.isEmpty())
        {
            String etag = stored.value("ETag");
            if (etag == null)
            {
                return false;
            }
            for (String value : ifNoneMatch)
            {
                for (String tag : CacheControl.split(value))
                {
                    String candidate = tag.strip();
                    if (candidate.equals("*") || weakMatch(candidate, etag))
                    {
                        return true;
                    }
                }
            }
            return false;
        }
        if (ifModifiedSince != null)
        {
            long since = HttpDates.parse(ifModifiedSince);
            if (since < 0)
            {
                return false;
            }
            String lastModified = stored.value("Last-Modified");
            long modified = HttpDates.parse(lastModified != null ? lastModified : stored.value("Date"));
            return modified >= 0 && modified <= since;
        }
        return false;
    }

    /** Weak comparison: the opaque tags are equal, ignoring {@code W/} on either side. */
    public static boolean weakMatch(String a, String b)
    {
        return opaque(a).equals(opaque(b));
    }

    private static String opaque(String tag)
    {
        String value = tag.strip();
        if (value.startsWith("W/") || value.startsWith("w/"))
        {
            value = value.substring(2);
        }
        return value;
    }
}
