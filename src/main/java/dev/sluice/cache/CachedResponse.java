// One stored response: status, the headers worth keeping, the body, and when it was fetched.
package dev.sluice.cache;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Immutable. Times are epoch milliseconds as RFC 9111 §4.2.3 names them: {@code requestTime}
 * when the request that produced it was sent, {@code responseTime} when the response arrived.
 * {@code selecting} holds, for each header the response's {@code Vary} names, the normalised
 * value the producing request had (absent header = null), so later requests can be matched.
 *
 * @param url the request target it answers ({@code scheme://host/path?query}), for purging
 * @param forcedTtl with {@code cache = force}, the route's fixed lifetime in milliseconds; else -1
 */
public record CachedResponse(int status, List<String[]> headers, byte[] body, long requestTime, long responseTime, String url,
                             Map<String, String> selecting, long forcedTtl) implements CacheEntry
{
    public CachedResponse
    {
        headers = List.copyOf(headers);
        selecting = selecting == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(selecting));
    }

    /** Every value of a header, in order; empty when absent. */
    public List<String> values(String name)
    {
        List<String> values = new ArrayList<>(1);
        for (String[] header : headers)
        {
            if (header[0].equalsIgnoreCase(name))
            {
                values.add(header[1]);
            }
        }
        return values;
    }

    /** The first value of a header, or null. */
    public String value(String name)
    {
        for (String[] header : headers)
        {
            if (header[0].equalsIgnoreCase(name))
            {
                return header[1];
            }
        }
        return null;
    }

    public CacheControl cacheControl()
    {
        return CacheControl.parse(values("Cache-Control"));
    }

    /** The lower-case names listed in Vary (a {@code *} included as is). */
    public List<String> vary()
    {
        List<String> names = new ArrayList<>();
        for (String value : values("Vary"))
        {
            for (String name : value.split(","))
            {
                if (!name.isBlank())
                {
                    names.add(name.strip().toLowerCase(Locale.ROOT));
                }
            }
        }
        return names;
    }

    public CachedResponse withHeaders(List<String[]> headers, long requestTime, long responseTime)
    {
        return new CachedResponse(status, headers, body, requestTime, responseTime, url, selecting, forcedTtl);
    }

    /** Approximate bytes held, for logs and limits. */
    public long weight()
    {
        long size = body.length + 64;
        for (String[] header : headers)
        {
            size += header[0].length() + header[1].length() + 8;
        }
        return size;
    }
}
