// RFC 9111 as a shared cache: what may be stored, how fresh it is, and whether a request may use it.
package dev.sluice.cache;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Pure decisions, no servlet types, the clock passed in: storability (§3), freshness lifetime
 * and age (§4.2), reuse under request directives (§5.2.1), serving stale (§4.2.4), freshening
 * from a 304 (§4.3.4) and which headers are never stored (§3.1).
 */
public final class CachePolicy
{
    /** Statuses a cache may give heuristic freshness (RFC 9110 §15.1). */
    public static final Set<Integer> HEURISTIC_STATUSES = Set.of(200, 203, 204, 206, 300, 301, 308, 404, 405, 410, 414, 501);
    /** Hop-by-hop and connection-specific fields: never stored, never taken from a 304. */
    static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding",
        "upgrade", "proxy-authenticate", "proxy-authentication-info", "proxy-authorization");
    /** Fields Sluice sets per response, which a stored copy must not carry. */
    static final Set<String> PER_RESPONSE = Set.of("x-request-id", "x-cache-status", "content-length");
    /** Fields a 304 never replaces: they describe the stored representation itself (RFC 9111 §3.2). */
    static final Set<String> NOT_UPDATED = Set.of("content-encoding", "content-length", "content-md5", "content-range", "etag");
    /** Statuses Sluice understands, for must-understand (RFC 9111 §5.2.2.3): those RFC 9110 defines. */
    static final Set<Integer> UNDERSTOOD = Set.of(200, 201, 202, 203, 204, 205, 206, 300, 301, 302, 303, 304, 305, 307, 308, 400, 401, 402,
        403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413, 414, 415, 416, 417, 421, 422, 426, 500, 501, 502, 503, 504, 505);
    private static final long HEURISTIC_CAP = 24L * 3600 * 1000;

    private CachePolicy()
    {
    }

    /**
     * Why a response is not stored, or null when it may be.
     *
     * @param requestHasCookie whether the request carried {@code Cookie}; only {@code force} looks at it
     */
    public static String refusal(String method, CachedResponse response, CacheControl requestCc, boolean requestHasAuthorization,
                                 boolean requestHasCookie, CacheRoute route)
    {
        if (!"GET".equals(method))
        {
            return "method " + method;
        }
        int status = response.status();
        if (status < 200 || status == 206 || status == 304)
        {
            return "status " + status;
        }
        if (requestCc.has("no-store"))
        {
            return "request no-store";
        }
        if (response.vary().contains("*"))
        {
            return "Vary: *";
        }
        if (!route.storeSetCookie() && !response.values("Set-Cookie").isEmpty())
        {
            return "Set-Cookie";
        }
        if (route.mode() == CacheRoute.Mode.FORCE)
        {
            if ((requestHasAuthorization || requestHasCookie) && !route.forceCredentialed())
            {
                // force overrides what the upstream says; it must not also override who the answer was for.
                return "force, and the request carried " + (requestHasAuthorization ? "Authorization" : "Cookie");
            }
            return route.forceStatuses().contains(status) ? null : "status " + status + " (force stores " + route.forceStatuses() + ")";
        }
        CacheControl cc = response.cacheControl();
        if (cc.has("must-understand"))
        {
            if (!UNDERSTOOD.contains(status))
            {
                return "must-understand with status " + status;
            }
        }
        else if (cc.has("no-store"))
        {
            return "no-store";
        }
        if (cc.unqualified("private"))
        {
            return "private";
        }
        if (requestHasAuthorization && !(cc.has("public") || cc.has("s-maxage") || cc.has("must-revalidate")))
        {
            return "Authorization without public, s-maxage or must-revalidate";
        }
        boolean explicit = cc.has("s-maxage") || cc.has("max-age") || !response.values("Expires").isEmpty();
        boolean validator = response.value("ETag") != null || response.value("Last-Modified") != null;
        boolean heuristic = route.heuristic() && HEURISTIC_STATUSES.contains(status) && response.value("Last-Modified") != null;
        if (!explicit && !heuristic && !validator)
        {
            // Storable, but never usable without a full fetch: not worth the space.
            return "no freshness and no validator";
        }
        return null;
    }

    /** Freshness lifetime in milliseconds (§4.2.1); 0 for none or invalid. */
    public static long lifetime(CachedResponse response, CacheRoute route)
    {
        if (response.forcedTtl() >= 0)
        {
            return response.forcedTtl();
        }
        CacheControl cc = response.cacheControl();
        long sMaxAge = cc.seconds("s-maxage");
        if (sMaxAge != -2)
        {
            return Math.max(0, sMaxAge) * 1000;
        }
        long maxAge = cc.seconds("max-age");
        if (maxAge != -2)
        {
            return Math.max(0, maxAge) * 1000;
        }
        List<String> expiresValues = response.values("Expires");
        if (!expiresValues.isEmpty())
        {
            long expires = HttpDates.parse(expiresValues.get(0));
            if (expires < 0)
            {
                return 0;
            }
            long date = HttpDates.parse(response.value("Date"));
            return Math.max(0, expires - (date >= 0 ? date : response.responseTime()));
        }
        if (route.heuristic() && HEURISTIC_STATUSES.contains(response.status()))
        {
            long lastModified = HttpDates.parse(response.value("Last-Modified"));
            long date = HttpDates.parse(response.value("Date"));
            long reference = date >= 0 ? date : response.responseTime();
            if (lastModified >= 0 && reference > lastModified)
            {
                return Math.min(HEURISTIC_CAP, (reference - lastModified) / 10);
            }
        }
        return 0;
    }

    /** Current age in milliseconds (§4.2.3). */
    public static long age(CachedResponse response, long now)
    {
        long residentTime = Math.max(0, now - response.responseTime());
        return response.initialAge() + residentTime;
    }

    /** RFC 9111 §4.2.3's corrected_initial_age, from the stored lines and times (which never change). */
    static long initialAge(CachedResponse response)
    {
        long ageValue = ageSeconds(response.values("Age")) * 1000;
        long date = HttpDates.parse(response.value("Date"));
        long dateValue = date >= 0 ? date : response.responseTime();
        long apparentAge = Math.max(0, response.responseTime() - dateValue);
        long responseDelay = Math.max(0, response.responseTime() - response.requestTime());
        long correctedAgeValue = ageValue + responseDelay;
        return Math.max(apparentAge, correctedAgeValue);
    }

    /**
     * The Age value in seconds as RFC 9111 §5.1 reads it: the first member of a list-valued
     * field (several lines count as one list), and 0, as if absent, when that member is not a
     * non-negative integer (a sign, a fraction, a parameter, empty). Values past 2^31 are 2^31.
     */
    static long ageSeconds(List<String> values)
    {
        if (values.isEmpty())
        {
            return 0;
        }
        String first = values.get(0);
        int comma = first.indexOf(',');
        String value = (comma >= 0 ? first.substring(0, comma) : first).strip();
        if (value.isEmpty())
        {
            return 0;
        }
        for (int i = 0; i < value.length(); i++)
        {
            char c = value.charAt(i);
            if (c < '0' || c > '9')
            {
                return 0;
            }
        }
        return value.length() > 12 ? CacheControl.MAX_DELTA : Math.min(Long.parseLong(value), CacheControl.MAX_DELTA);
    }

    /** How a stored response may answer a request. */
    public enum Use
    {
        /** Fresh enough: serve it. */
        FRESH,
        /** Stale, but the client's max-stale allows it. */
        STALE_ALLOWED,
        /** Stale within stale-while-revalidate: serve it and refresh in the background. */
        STALE_WHILE_REVALIDATE,
        /** Must be validated (or replaced) by the upstream first. */
        VALIDATE
    }

    public static Use use(CachedResponse response, CacheControl requestCc, CacheRoute route, long now)
    {
        CacheControl cc = response.cacheControl();
        long lifetime = lifetime(response, route);
        long age = age(response, now);
        boolean forced = response.forcedTtl() >= 0;
        if (!forced && cc.unqualified("no-cache"))
        {
            return Use.VALIDATE;
        }
        if (requestCc.has("no-cache"))
        {
            return Use.VALIDATE;
        }
        long requestMaxAge = requestCc.seconds("max-age");
        if (requestMaxAge != -2 && (requestMaxAge < 0 || age > requestMaxAge * 1000))
        {
            return Use.VALIDATE;
        }
        long minFresh = requestCc.seconds("min-fresh");
        if (minFresh > 0 && lifetime - age < minFresh * 1000)
        {
            return Use.VALIDATE;
        }
        if (lifetime > age)
        {
            return Use.FRESH;
        }
        if (forced || !mayServeStale(cc))
        {
            return Use.VALIDATE;
        }
        long staleness = age - lifetime;
        if (requestCc.has("max-stale"))
        {
            long maxStale = requestCc.seconds("max-stale");
            if (requestCc.unqualified("max-stale") || (maxStale >= 0 && staleness <= maxStale * 1000))
            {
                return Use.STALE_ALLOWED;
            }
        }
        long swr = cc.seconds("stale-while-revalidate");
        if (swr > 0 && staleness <= swr * 1000)
        {
            return Use.STALE_WHILE_REVALIDATE;
        }
        return Use.VALIDATE;
    }

    /** must-revalidate, proxy-revalidate and s-maxage forbid serving stale (§5.2.2.2, .8, .10). */
    static boolean mayServeStale(CacheControl cc)
    {
        return !cc.has("must-revalidate") && !cc.has("proxy-revalidate") && !cc.has("s-maxage") && !cc.unqualified("no-cache");
    }

    /**
     * Whether a stale response may stand in for an upstream error or a 5xx: within the response's
     * or the request's stale-if-error (RFC 5861), or, when the upstream could not be reached at
     * all, within the route's stale-if-unreachable (RFC 9111 §4.2.4 "disconnected").
     */
    public static boolean staleOnError(CachedResponse response, CacheControl requestCc, CacheRoute route, long now, boolean unreachable)
    {
        if (response.forcedTtl() >= 0)
        {
            return unreachable && staleness(response, route, now) <= route.staleIfUnreachable().toMillis();
        }
        CacheControl cc = response.cacheControl();
        if (!mayServeStale(cc))
        {
            return false;
        }
        long staleness = staleness(response, route, now);
        long sie = Math.max(cc.seconds("stale-if-error"), requestCc.seconds("stale-if-error"));
        if (sie >= 0 && staleness <= sie * 1000)
        {
            return true;
        }
        return unreachable && staleness <= route.staleIfUnreachable().toMillis();
    }

    static long staleness(CachedResponse response, CacheRoute route, long now)
    {
        return Math.max(0, age(response, now) - lifetime(response, route));
    }

    /**
     * The headers of an upstream response worth storing: not hop-by-hop, not named in
     * Connection, not listed in a qualified no-cache or private, not Sluice's per-response
     * headers. Order and case are kept. With targeted fields (RFC 9213), the first one present
     * and valid becomes the directives Sluice obeys ({@link CachedResponse#CONTROL}), and the
     * targeted fields are not kept unless {@code cache.forward-targeted-fields}; Cache-Control
     * is kept as it is for the clients.
     */
    public static List<String[]> storedHeaders(List<String[]> headers, CacheSettings settings)
    {
        List<String> excluded = new ArrayList<>();
        List<String> cacheControl = new ArrayList<>();
        String targeted = targetedControl(headers, settings.targetedFields());
        for (String[] header : headers)
        {
            String name = header[0].toLowerCase(Locale.ROOT);
            if (name.equals("connection"))
            {
                for (String token : header[1].split(","))
                {
                    excluded.add(token.strip().toLowerCase(Locale.ROOT));
                }
            }
            else if (name.equals("cache-control"))
            {
                cacheControl.add(header[1]);
            }
        }
        CacheControl cc = targeted != null ? CacheControl.parse(targeted) : CacheControl.parse(cacheControl);
        excluded.addAll(cc.fieldNames("no-cache"));
        excluded.addAll(cc.fieldNames("private"));
        List<String[]> kept = new ArrayList<>(headers.size() + 1);
        for (String[] header : headers)
        {
            String name = header[0].toLowerCase(Locale.ROOT);
            if (!HOP_BY_HOP.contains(name) && !PER_RESPONSE.contains(name) && !excluded.contains(name) && !name.startsWith(":")
                && !settings.consumes(name))
            {
                kept.add(header);
            }
        }
        if (targeted != null)
        {
            kept.add(new String[] {CachedResponse.CONTROL, targeted});
        }
        return kept;
    }

    /**
     * The value of the first targeted field, in the configured order, that is present and parses
     * as a structured-field dictionary (RFC 9213 §2.1); null when none does.
     */
    static String targetedControl(List<String[]> headers, List<String> targetedFields)
    {
        for (String field : targetedFields)
        {
            StringBuilder value = null;
            for (String[] header : headers)
            {
                if (header[0].equalsIgnoreCase(field))
                {
                    value = value == null ? new StringBuilder(header[1]) : value.append(", ").append(header[1]);
                }
            }
            if (value != null && DICTIONARY.matcher(value).matches() && wellTyped(value.toString()))
            {
                return value.toString().strip();
            }
        }
        return null;
    }

    /** Directives whose value RFC 9213 reads as an Integer: a string or token there makes the field invalid. */
    private static final Set<String> INTEGER_DIRECTIVES = Set.of("max-age", "s-maxage", "stale-while-revalidate", "stale-if-error");

    private static boolean wellTyped(String dictionary)
    {
        for (String member : dictionary.split(","))
        {
            String item = member.strip();
            int semicolon = item.indexOf(';');
            if (semicolon >= 0)
            {
                item = item.substring(0, semicolon);
            }
            int equals = item.indexOf('=');
            if (equals >= 0 && INTEGER_DIRECTIVES.contains(item.substring(0, equals)) && !item.substring(equals + 1).matches("-?[0-9]{1,15}"))
            {
                return false;
            }
        }
        return true;
    }

    /**
     * RFC 8941 dictionary members as cache directives use them: key, optional item value, optional
     * parameters. On RE2/J: Java's engine recursed once per member, and an upstream's field of a
     * few thousand members (within the 64 KB head) overflowed the stack, so that the answer was
     * not stored and a stack trace logged.
     */
    private static final com.google.re2j.Pattern DICTIONARY;

    static
    {
        String key = "[a-z*][a-z0-9_.*-]*";
        String bare = "(?:-?[0-9]{1,15}(?:\\.[0-9]{1,3})?|\"(?:[\\x20-\\x21\\x23-\\x5b\\x5d-\\x7e]|\\\\[\"\\\\])*\"|[A-Za-z*][!#$%&'*+.^_`|~0-9A-Za-z:/-]*|\\?[01])";
        String params = "(?:;" + key + "(?:=" + bare + ")?)*";
        String member = key + "(?:=" + bare + ")?" + params;
        DICTIONARY = com.google.re2j.Pattern.compile("[ \\t]*" + member + "(?:[ \\t]*,[ \\t]*" + member + ")*[ \\t]*");
    }

    /**
     * A stored response freshened by a 304 (§4.3.4, §3.2): each header in the 304 replaces the
     * stored ones of that name, except those never stored and Content-Length; the age
     * calculation restarts from this exchange.
     */
    public static CachedResponse freshen(CachedResponse stored, List<String[]> notModifiedHeaders, CacheSettings settings, long requestTime,
                                         long responseTime)
    {
        List<String[]> update = new ArrayList<>();
        for (String[] header : storedHeaders(notModifiedHeaders, settings))
        {
            if (!NOT_UPDATED.contains(header[0].toLowerCase(Locale.ROOT)))
            {
                update.add(header);
            }
        }
        List<String> replaced = new ArrayList<>();
        // The stored Age described the old exchange; the age now restarts from this one.
        replaced.add("age");
        for (String[] header : update)
        {
            replaced.add(header[0].toLowerCase(Locale.ROOT));
        }
        List<String[]> merged = new ArrayList<>();
        for (String[] header : stored.headers())
        {
            if (!replaced.contains(header[0].toLowerCase(Locale.ROOT)))
            {
                merged.add(header);
            }
        }
        merged.addAll(update);
        return stored.withHeaders(merged, requestTime, responseTime);
    }
}
