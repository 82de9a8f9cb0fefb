// One stored response: status, the headers worth keeping, the body, and when it was fetched.
package dev.sluice.cache;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Immutable (the body array is never written after construction). Times are epoch milliseconds as RFC 9111 §4.2.3 names them: {@code requestTime}
 * when the request that produced it was sent, {@code responseTime} when the response arrived.
 * {@code selecting} holds, for each header the response's {@code Vary} names, the normalised
 * value the producing request had (absent header = null), so later requests can be matched.
 * {@code url} is the request target it answers ({@code scheme://host/path?query}), for purging;
 * {@code forcedTtl} is, with {@code cache = force}, the route's fixed lifetime in milliseconds, else -1.
 */
public final class CachedResponse implements CacheEntry
{
    /**
     * The pseudo-header holding the directives of an RFC 9213 targeted field (CDN-Cache-Control,
     * Sluice-Cache-Control) that govern Sluice instead of Cache-Control; never sent to anyone.
     * No real header name starts with a colon.
     */
    public static final String CONTROL = ":control";

    // A class, not a record: Ehcache's heap sizing (cache.heap.size) walks fields with Unsafe,
    // which the JDK refuses on records.
    private final int status;
    // Arrays, not JDK collections: the heap sizer cannot look inside java.util classes on Java 17+.
    private final String[][] headers;
    private final byte[] body;
    private final long requestTime;
    private final long responseTime;
    private final String url;
    private final String[] selectingNames;
    private final String[] selectingValues;
    private final long forcedTtl;
    /** Parsed on first use: every hit reads it, the header lines never change. */
    private volatile CacheControl cacheControl;
    /** RFC 9111 §4.2.3 corrected_initial_age in milliseconds, or -1 until first used. */
    private volatile long initialAge = -1;
    /** For serving hits, computed on first use: each line's lower-case name, and whether it is the first line of that name. */
    private volatile String[] lowerNames;
    private volatile boolean[] firstOfName;

    public CachedResponse(int status, List<String[]> headers, byte[] body, long requestTime, long responseTime, String url,
                          Map<String, String> selecting, long forcedTtl)
    {
        this.status = status;
        this.headers = headers.toArray(new String[0][]);
        this.body = body;
        this.requestTime = requestTime;
        this.responseTime = responseTime;
        this.url = url;
        Map<String, String> given = selecting == null ? Map.of() : selecting;
        this.selectingNames = given.keySet().toArray(new String[0]);
        this.selectingValues = new String[selectingNames.length];
        for (int i = 0; i < selectingNames.length; i++)
        {
            selectingValues[i] = given.get(selectingNames[i]);
        }
        this.forcedTtl = forcedTtl;
    }

    public int status()
    {
        return status;
    }

    /** The stored header fields in order, as {name, value} pairs; read-only. */
    public List<String[]> headers()
    {
        return java.util.Collections.unmodifiableList(java.util.Arrays.asList(headers));
    }

    public byte[] body()
    {
        return body;
    }

    public long requestTime()
    {
        return requestTime;
    }

    public long responseTime()
    {
        return responseTime;
    }

    public String url()
    {
        return url;
    }

    /** Each Vary'd header's normalised value in the request that produced this response (null = absent), in order. */
    public Map<String, String> selecting()
    {
        Map<String, String> selecting = new java.util.LinkedHashMap<>();
        for (int i = 0; i < selectingNames.length; i++)
        {
            selecting.put(selectingNames[i], selectingValues[i]);
        }
        return selecting;
    }

    public long forcedTtl()
    {
        return forcedTtl;
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
        CacheControl parsed = cacheControl;
        if (parsed == null)
        {
            List<String> targeted = values(CONTROL);
            parsed = CacheControl.parse(targeted.isEmpty() ? values("Cache-Control") : targeted);
            cacheControl = parsed;
        }
        return parsed;
    }

    /** The age this response had when it arrived (RFC 9111 §4.2.3, corrected_initial_age), in milliseconds. */
    long initialAge()
    {
        long age = initialAge;
        if (age < 0)
        {
            age = CachePolicy.initialAge(this);
            initialAge = age;
        }
        return age;
    }

    /** Line i's name in lower case; see {@link #firstOfName(int)}. */
    String lowerName(int i)
    {
        String[] names = lowerNames;
        if (names == null)
        {
            names = new String[headers.length];
            boolean[] first = new boolean[headers.length];
            java.util.Set<String> seen = new java.util.HashSet<>();
            for (int j = 0; j < headers.length; j++)
            {
                names[j] = headers[j][0].toLowerCase(Locale.ROOT);
                first[j] = seen.add(names[j]);
            }
            firstOfName = first;
            lowerNames = names;
        }
        return names[i];
    }

    /** Whether line i is the first of its name; valid once {@link #lowerName(int)} was called. */
    boolean firstOfName(int i)
    {
        return firstOfName[i];
    }

    int headerCount()
    {
        return headers.length;
    }

    String headerName(int i)
    {
        return headers[i][0];
    }

    String headerValue(int i)
    {
        return headers[i][1];
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
        return new CachedResponse(status, headers, body, requestTime, responseTime, url, selecting(), forcedTtl);
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
