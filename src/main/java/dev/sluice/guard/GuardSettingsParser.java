// Reads guard.* and route.<name>.guard.* / route.<name>.cors.* into GuardSettings.
package dev.sluice.guard;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import dev.sluice.config.ConfigReader;
import dev.sluice.config.SettingsParser;
import dev.sluice.exchange.Cidr;
import dev.sluice.route.Route;
import dev.sluice.route.RouteTable;

/**
 * Each key is documented in {@code conf/sluice.properties}; problems name the key, the value and
 * what is allowed, like every other parser's.
 */
public final class GuardSettingsParser
{
    private GuardSettingsParser()
    {
    }

    public static GuardSettings parse(ConfigReader reader, RouteTable routes)
    {
        Guard global = guard(reader, "guard.", Guard.NONE, false);
        Map<String, Guard> perRoute = new TreeMap<>();
        Map<String, Cors> cors = new TreeMap<>();
        for (Route route : routes.routes())
        {
            String prefix = "route." + route.name() + ".";
            Guard guard = guard(reader, prefix + "guard.", global, true);
            if (guard != global)
            {
                perRoute.put(route.name(), guard);
            }
            Cors policy = cors(reader, prefix + "cors.");
            if (policy != null)
            {
                cors.put(route.name(), policy);
                if (!route.methods().isEmpty() && !route.methods().contains("OPTIONS"))
                {
                    reader.problem("Key '" + prefix + "methods' does not name OPTIONS on a route with CORS (" + prefix
                        + "cors.origins); allowed: add OPTIONS, so that browsers' preflight requests reach the route.");
                }
            }
        }
        return new GuardSettings(global, perRoute, cors);
    }

    /** A guard from the keys under {@code prefix}; {@code base} when none is set. */
    private static Guard guard(ConfigReader reader, String prefix, Guard base, boolean route)
    {
        List<Cidr> allow = reader.cidrs(prefix + "allow", List.of());
        List<Cidr> deny = reader.cidrs(prefix + "deny", List.of());
        Set<String> methods = new LinkedHashSet<>();
        long maxBody = reader.isSet(prefix + "max-body") ? reader.size(prefix + "max-body", base.maxBody(), 1L << 40) : base.maxBody();
        int maxHeaders = reader.isSet(prefix + "max-headers") ? reader.integer(prefix + "max-headers", base.maxHeaders(), 1, 10_000) : base.maxHeaders();
        long maxHeaderBytes = reader.isSet(prefix + "max-header-size")
            ? reader.size(prefix + "max-header-size", base.maxHeaderBytes(), 16L << 20) : base.maxHeaderBytes();
        Set<String> contentTypes = new LinkedHashSet<>();
        boolean maintenance = false;
        Duration retryAfter = base.retryAfter();
        if (route)
        {
            for (String method : reader.list(prefix + "methods"))
            {
                SettingsParser.method(reader, prefix + "methods", method, "HTTP method names such as GET or POST");
                methods.add(method);
            }
            for (String type : reader.list(prefix + "content-types"))
            {
                String lower = type.toLowerCase(Locale.ROOT);
                int slash = lower.indexOf('/');
                if (slash <= 0 || slash == lower.length() - 1 || lower.contains(";") || lower.startsWith("*"))
                {
                    reader.invalid(prefix + "content-types", type, "media types such as application/json or text/*, without parameters");
                }
                contentTypes.add(lower);
            }
            maintenance = reader.bool(prefix + "maintenance", false);
            retryAfter = reader.positiveDuration(prefix + "maintenance.retry-after", base.retryAfter());
        }
        JsonLimits json = json(reader, prefix + "json.", base.json());
        boolean any = !allow.isEmpty() || !deny.isEmpty() || !methods.isEmpty() || reader.isSet(prefix + "max-body") || reader.isSet(prefix + "max-headers")
            || reader.isSet(prefix + "max-header-size") || !contentTypes.isEmpty() || maintenance || json != base.json();
        if (!any)
        {
            return base;
        }
        // A route's allow list replaces the global one (as a route's plugin replaces a global one in
        // Kong); deny lists add up, so a global deny cannot be lifted by a route.
        List<Cidr> allAllow = allow.isEmpty() ? base.allow() : allow;
        List<Cidr> allDeny = new ArrayList<>(base.deny());
        allDeny.addAll(deny);
        return new Guard(allAllow, allDeny, methods, maxBody, maxHeaders, maxHeaderBytes, contentTypes, maintenance, retryAfter, json);
    }

    /** {@code <prefix>max-depth} and the rest, replacing {@code base} when any is set. */
    private static JsonLimits json(ConfigReader reader, String prefix, JsonLimits base)
    {
        String[] names = {"max-depth", "max-entries", "max-elements", "max-string", "max-name", "max-body"};
        boolean set = false;
        for (String name : names)
        {
            set |= reader.isSet(prefix + name);
        }
        if (!set)
        {
            return base;
        }
        if (!reader.isSet(prefix + "max-depth") && !reader.isSet(prefix + "max-entries") && !reader.isSet(prefix + "max-elements")
            && !reader.isSet(prefix + "max-string") && !reader.isSet(prefix + "max-name"))
        {
            reader.problem("Key '" + prefix + "max-body' is set without a limit to check; allowed: with " + prefix + "max-depth, max-entries, "
                + "max-elements, max-string or max-name.");
        }
        return new JsonLimits(reader.integer(prefix + "max-depth", -1, 1, 1_000), reader.integer(prefix + "max-entries", -1, 1, 1_000_000),
            reader.integer(prefix + "max-elements", -1, 1, 10_000_000), reader.integer(prefix + "max-string", -1, 1, 64 << 20),
            reader.integer(prefix + "max-name", -1, 1, 1 << 20), reader.size(prefix + "max-body", 1 << 20, 64L << 20));
    }

    private static Cors cors(ConfigReader reader, String prefix)
    {
        List<String> origins = reader.list(prefix + "origins");
        List<String> methods = reader.list(prefix + "methods");
        List<String> headers = reader.list(prefix + "headers");
        List<String> expose = reader.list(prefix + "expose-headers");
        boolean credentials = reader.bool(prefix + "credentials", false);
        Duration maxAge = reader.duration(prefix + "max-age", Duration.ofMinutes(10));
        boolean refuse = reader.bool(prefix + "refuse", false);
        if (origins.isEmpty())
        {
            if (!methods.isEmpty() || !headers.isEmpty() || !expose.isEmpty() || reader.isSet(prefix + "credentials"))
            {
                reader.problem("Keys '" + prefix + "*' are set without '" + prefix + "origins'; allowed: origins first (exact, *.example.com or *).");
            }
            return null;
        }
        boolean any = false;
        Set<String> exact = new LinkedHashSet<>();
        List<String> suffixes = new ArrayList<>();
        for (String origin : origins)
        {
            String lower = origin.toLowerCase(Locale.ROOT);
            if (lower.equals("*"))
            {
                any = true;
            }
            else if (lower.startsWith("*.") && lower.indexOf('/') < 0 && lower.length() > 2)
            {
                suffixes.add(lower.substring(1));
            }
            else if (lower.matches("https?://[a-z0-9.\\-\\[\\]:]+") && !lower.endsWith("/"))
            {
                exact.add(lower);
            }
            else
            {
                reader.invalid(prefix + "origins", origin, "origins such as https://app.example.com (scheme, host and port only), *.example.com, or *");
            }
        }
        if (any && credentials)
        {
            reader.problem("Keys '" + prefix + "origins' (*) and '" + prefix + "credentials' (true) are set together; allowed: credentials only with "
                + "named origins: browsers refuse a credentialed response for any origin, and answering every origin with itself would let any site read it.");
        }
        Set<String> methodSet = new LinkedHashSet<>(methods.isEmpty() ? List.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE") : methods);
        for (String method : methodSet)
        {
            SettingsParser.method(reader, prefix + "methods", method, "HTTP method names such as GET or PUT");
        }
        Set<String> headerSet = new LinkedHashSet<>();
        for (String header : headers)
        {
            if (!header.equals("*") && !SettingsParser.TOKEN.matcher(header).matches())
            {
                reader.invalid(prefix + "headers", header, "header names such as Content-Type or X-Request-ID, or *");
            }
            headerSet.add(header.toLowerCase(Locale.ROOT));
        }
        if (headerSet.contains("*") && credentials)
        {
            reader.problem("Keys '" + prefix + "headers' (*) and '" + prefix + "credentials' (true) are set together; allowed: name the headers: "
                + "browsers do not honour * with credentials.");
        }
        for (String header : expose)
        {
            if (!SettingsParser.TOKEN.matcher(header).matches())
            {
                reader.invalid(prefix + "expose-headers", header, "header names such as X-Request-ID");
            }
        }
        return new Cors(any, exact, suffixes, methodSet, headerSet, expose, credentials, maxAge, refuse);
    }
}
