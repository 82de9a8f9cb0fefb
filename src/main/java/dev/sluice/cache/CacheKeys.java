// Cache keys: the primary key of a request on a route, and the secondary key of a Vary variant.
package dev.sluice.cache;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Primary key: route, scheme, host and path, the query (whole and byte for byte, or only the
 * configured parameters, sorted), the consumer when the route keys by it, the configured key
 * headers, and the names of any non-standard headers the request carries. Method is not part of it: HEAD is answered from the GET entry. Parts are separated by
 * a newline, which no URL, host or header value can contain, so two requests can never collide
 * by shifting text from one part into another.
 */
public final class CacheKeys
{
    private CacheKeys()
    {
    }

    /** {@code scheme://host/path?query} with the query as the key uses it. */
    public static String url(String scheme, String host, String rawPath, String rawQuery, CacheRoute route)
    {
        String query = query(rawQuery, route.keyQuery());
        return scheme + "://" + host + rawPath + (query == null ? "" : "?" + query);
    }

    /**
     * @param consumer the authenticated consumer (or token subject), or null
     * @param headers every value of a request header by name
     * @param extraNames the names of non-standard headers the request carries (see {@link #extraNames}), or null
     */
    public static String primary(String routeName, String url, CacheRoute route, String consumer, Function<String, List<String>> headers,
                                 List<String> extraNames)
    {
        StringBuilder key = new StringBuilder(routeName.length() + url.length() + 16)
            .append(routeName).append('\n').append(url).append('\n');
        if (route.keyConsumer())
        {
            key.append(consumer == null ? "" : consumer);
        }
        for (String name : route.keyHeaders())
        {
            key.append('\n').append(name).append('=').append(normalise(headers.apply(name)));
        }
        if (extraNames != null && !extraNames.isEmpty())
        {
            key.append("\nwith=").append(String.join(",", extraNames));
        }
        return key.toString();
    }

    /**
     * Request headers every client may send and the origin is expected to declare in Vary when
     * it uses them; any other header's name joins the key (see {@link CacheRoute#stripUnkeyed}).
     */
    public static final java.util.Set<String> STANDARD = java.util.Set.of("accept", "accept-encoding", "accept-language", "accept-charset",
        "cache-control", "pragma", "if-none-match", "if-modified-since", "if-match", "if-unmodified-since", "if-range", "range",
        "authorization", "host", "content-type", "content-length", "content-encoding", "transfer-encoding", "te", "connection",
        "keep-alive", "expect", "user-agent", "referer", "cookie", "dnt", "upgrade-insecure-requests", "priority", "x-request-id",
        "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-forwarded-port", "forwarded", "x-real-ip", "via");

    /** The sorted lower-case names of the request's headers outside the standard set and the key headers. */
    public static List<String> extraNames(Iterable<String> names, CacheRoute route)
    {
        java.util.TreeSet<String> extra = new java.util.TreeSet<>();
        for (String name : names)
        {
            String lower = name.toLowerCase(java.util.Locale.ROOT);
            if (!STANDARD.contains(lower) && !lower.startsWith("sec-") && !route.keyHeaders().contains(lower))
            {
                extra.add(lower);
            }
        }
        return List.copyOf(extra);
    }

    /** The key of the variant selected by these request headers. */
    public static String variant(String primary, List<String> vary, Function<String, List<String>> headers)
    {
        StringBuilder key = new StringBuilder(primary).append("\nvary");
        for (Map.Entry<String, String> selecting : selecting(vary, headers).entrySet())
        {
            key.append('\n').append(selecting.getKey()).append('=');
            key.append(selecting.getValue() == null ? "\u0000" : selecting.getValue());
        }
        return key.toString();
    }

    /** Each Vary'd header's normalised request value (null when absent), by sorted name. */
    public static Map<String, String> selecting(List<String> vary, Function<String, List<String>> headers)
    {
        Map<String, String> values = new TreeMap<>();
        for (String name : vary)
        {
            List<String> present = headers.apply(name);
            values.put(name, present == null || present.isEmpty() ? null : normalise(present));
        }
        return values;
    }

    /**
     * Field lines combined and list members trimmed (RFC 9111 §4.1): {@code " 1, 2 "} and two
     * lines {@code 1} and {@code 2} select the same variant.
     */
    static String normalise(List<String> values)
    {
        if (values == null || values.isEmpty())
        {
            return "";
        }
        List<String> members = new ArrayList<>();
        for (String value : values)
        {
            for (String member : value.split(","))
            {
                members.add(member.strip());
            }
        }
        return String.join(",", members);
    }

    /** The query the key uses: as sent (null = none), or only the named parameters, sorted. */
    static String query(String rawQuery, List<String> keep)
    {
        if (keep == null || rawQuery == null)
        {
            return keep == null ? rawQuery : null;
        }
        List<String> kept = new ArrayList<>();
        for (String pair : rawQuery.split("&"))
        {
            int equals = pair.indexOf('=');
            String name = equals < 0 ? pair : pair.substring(0, equals);
            if (keep.contains(name))
            {
                kept.add(pair);
            }
        }
        if (kept.isEmpty())
        {
            return null;
        }
        kept.sort(null);
        return String.join("&", kept);
    }
}
