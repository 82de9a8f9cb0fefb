// A route's options beyond matching and forwarding: redirect/respond, traffic split, faults, mirror.
package dev.sluice.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import dev.sluice.route.Fault;
import dev.sluice.route.Mirror;
import dev.sluice.route.RouteAnswer;
import dev.sluice.route.Split;
import dev.sluice.upstream.Upstream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Parses {@code route.<name>.redirect*}, {@code respond*}, {@code split.*}, {@code fault.*} and
 * {@code mirror*} for {@link SettingsParser}, each problem reported with its key, value and what
 * is allowed. Each method returns null when the option is not set, and its {@code INVALID_*}
 * value when it is set with problems.
 */
final class RouteOptionsParser
{
    private static final Logger LOG = LoggerFactory.getLogger(RouteOptionsParser.class);

    private RouteOptionsParser()
    {
    }

    private static final java.util.Set<Integer> REDIRECT_STATUSES = java.util.Set.of(301, 302, 303, 307, 308);
    private static final Pattern REDIRECT_URL = Pattern.compile("(?i)(https?)://([^/?#@]+)(/.*)?");

    /**
     * {@code route.<name>.redirect} or {@code route.<name>.respond} and their options; null with
     * the problems reported. A redirect's path template is put in {@code template[0]} (null: the
     * request's own path).
     */
    static RouteAnswer answer(ConfigReader reader, String prefix, boolean ai, String[] template)
    {
        String redirect = reader.optional(prefix + "redirect").orElse(null);
        String respond = reader.optional(prefix + "respond").orElse(null);
        if (ai)
        {
            if (redirect == null && respond == null)
            {
                return null; // an unresolved variable, already reported
            }
            reader.invalid(prefix + (redirect != null ? "redirect" : "respond"), redirect != null ? redirect : respond,
                "nothing on an AI route (" + prefix + "ai = on): the AI front answers it");
            return null;
        }
        if (redirect != null && respond != null)
        {
            reader.problem("Keys '" + prefix + "redirect' and '" + prefix + "respond' are both set; allowed: one of them.");
            return null;
        }
        int problems = reader.reported();
        if (redirect != null)
        {
            int status = reader.integer(prefix + "redirect.status", RouteAnswer.DEFAULT_REDIRECT_STATUS, 300, 399);
            if (reader.reported() == problems && !REDIRECT_STATUSES.contains(status))
            {
                reader.invalid(prefix + "redirect.status", Integer.toString(status), "301, 302, 303, 307 or 308");
            }
            String origin = null;
            String path = redirect;
            if (!redirect.startsWith("/"))
            {
                // The path part may hold {1} and {**}, which a URI does not take: only the origin is parsed as one.
                java.util.regex.Matcher url = REDIRECT_URL.matcher(redirect);
                java.net.URI uri = null;
                try
                {
                    uri = url.matches() ? new java.net.URI(url.group(1) + "://" + url.group(2)) : null;
                }
                catch (java.net.URISyntaxException x)
                {
                    // reported below
                }
                if (uri == null || uri.getHost() == null || uri.getRawUserInfo() != null)
                {
                    reader.invalid(prefix + "redirect", redirect, "an http:// or https:// URL with a host (no user info), or a path starting with /");
                    return null;
                }
                origin = url.group(1).toLowerCase(java.util.Locale.ROOT) + "://" + url.group(2);
                path = url.group(3);
            }
            if (path != null && (path.indexOf('?') >= 0 || path.indexOf('#') >= 0))
            {
                reader.invalid(prefix + "redirect", redirect, "a URL or path without ? or # (the request's query is passed on)");
                return null;
            }
            template[0] = path;
            return reader.reported() == problems ? new RouteAnswer(status, origin, true, null, null) : null;
        }
        int status = reader.integer(prefix + "respond", 200, 200, 599);
        String body = reader.optional(prefix + "respond.body").orElse(null);
        String contentType = reader.optional(prefix + "respond.content-type").orElse(null);
        if (reader.reported() != problems)
        {
            return null;
        }
        if (body != null && (status == 204 || status == 304))
        {
            reader.invalid(prefix + "respond.body", body.length() > 40 ? body.substring(0, 40) + "..." : body, "nothing with status " + status + ", which has no body");
            return null;
        }
        if (contentType != null && body == null)
        {
            reader.problem("Key '" + prefix + "respond.content-type' is set but '" + prefix + "respond.body' is not; allowed: a type for a body.");
            return null;
        }
        if (contentType != null && !MEDIA_TYPE.matcher(contentType).matches())
        {
            reader.invalid(prefix + "respond.content-type", contentType, "a media type such as application/json or text/plain;charset=utf-8");
            return null;
        }
        return new RouteAnswer(status, null, false, body == null ? null : body.getBytes(java.nio.charset.StandardCharsets.UTF_8),
            body == null ? null : contentType != null ? contentType : RouteAnswer.DEFAULT_CONTENT_TYPE);
    }

    /** A media type with optional parameters, as a Content-Type field holds it. */
    private static final Pattern MEDIA_TYPE = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+/[!#$%&'*+.^_`|~0-9A-Za-z-]+(\\s*;\\s*[!#$%&'*+.^_`|~0-9A-Za-z-]+=(\"[^\"]*\"|[!#$%&'*+.^_`|~0-9A-Za-z-]+))*");

    /**
     * Whether {@code value} names a configured upstream; if not, reported against {@code key}
     * (unless an upstream of that name is configured with problems, reported where it is).
     */
    static boolean namesUpstream(ConfigReader reader, String key, String value, Map<String, Upstream> upstreams)
    {
        if (upstreams.containsKey(value))
        {
            return true;
        }
        if (!reader.names("upstream.").contains(value))
        {
            reader.invalid(key, value, upstreams.isEmpty()
                ? "the name of a configured upstream.<name> (none is configured)"
                : "one of the configured upstreams " + String.join(", ", upstreams.keySet()));
        }
        return false;
    }

    /** Stands for a fault whose keys had problems (null means none configured). */
    static final Fault INVALID_FAULT = new Fault(null, 0, 0, 0);

    /** {@code route.<name>.fault.delay}, {@code fault.abort} and their shares. */
    static Fault fault(ConfigReader reader, String prefix, boolean answered)
    {
        String key = prefix + "fault.";
        if (reader.keysUnder(key).isEmpty())
        {
            return null;
        }
        if (answered)
        {
            reader.takeAll(key);
            reader.problem("Keys '" + key + "*' are set on a route without an upstream (AI, redirect or respond); allowed: on proxied routes only.");
            return INVALID_FAULT;
        }
        int problems = reader.reported();
        Duration delay = reader.duration(key + "delay", null);
        int delayPercent = reader.percent(key + "delay.percent", 100);
        int abort = reader.isSet(key + "abort") ? reader.integer(key + "abort", 503, 400, 599) : 0;
        int abortPercent = reader.percent(key + "abort.percent", 100);
        if (delay != null && (delay.isZero() || delay.compareTo(Duration.ofHours(1)) > 0))
        {
            reader.invalid(key + "delay", reader.optional(key + "delay").orElse(""), "a duration from 1ms to 1h, such as 250ms or 2s");
        }
        for (String[] pair : new String[][] {{"delay.percent", "delay"}, {"abort.percent", "abort"}})
        {
            if (reader.isSet(key + pair[0]) && !reader.isSet(key + pair[1]))
            {
                reader.problem("Key '" + key + pair[0] + "' is set but '" + key + pair[1] + "' is not; allowed: a share of the " + pair[1] + " it goes with.");
            }
        }
        if (reader.reported() != problems)
        {
            return INVALID_FAULT;
        }
        if (delay == null && abort == 0)
        {
            return null;
        }
        LOG.warn("Route '{}' injects faults on purpose ({}fault.*):{}{}", prefix.substring(6, prefix.length() - 1), prefix,
            delay == null ? "" : " " + delayPercent + "% of requests wait " + delay.toMillis() + " ms;",
            abort == 0 ? "" : " " + abortPercent + "% are answered " + abort + ";");
        return new Fault(delay, delayPercent, abort, abortPercent);
    }

    /** Stands for a split whose keys had problems (null means none configured). */
    static final Split INVALID_SPLIT = new Split(List.of(), null);

    /** {@code route.<name>.split.<upstream> = <percent>} and {@code split.by}. */
    static Split split(ConfigReader reader, String prefix, String main, boolean answered, Map<String, Upstream> upstreams)
    {
        String key = prefix + "split.";
        Set<String> names = new java.util.TreeSet<>(reader.keysUnder(key));
        boolean by = names.remove("by");
        if (names.isEmpty())
        {
            if (by)
            {
                reader.takeAll(key);
                reader.problem("Key '" + key + "by' is set but no '" + key + "<upstream>' is; allowed: split.by with a share for another upstream.");
                return INVALID_SPLIT;
            }
            return null;
        }
        if (answered)
        {
            reader.takeAll(key);
            reader.problem("Keys '" + key + "*' are set on a route without an upstream (AI, redirect or respond); allowed: on proxied routes only.");
            return INVALID_SPLIT;
        }
        int problems = reader.reported();
        List<Split.Share> shares = new ArrayList<>();
        int total = 0;
        for (String name : names)
        {
            if (name.contains("."))
            {
                reader.optional(key + name);
                reader.problem("Key '" + key + name + "' does not name an upstream; allowed: " + key + "<upstream> = <percent>, " + key + "by.");
                continue;
            }
            int percent = reader.percent(key + name, 0);
            if (!upstreams.containsKey(name))
            {
                reader.problem("Key '" + key + name + "' names no configured upstream; allowed: one of " + String.join(", ", upstreams.keySet()) + ".");
            }
            else if (name.equals(main))
            {
                reader.problem("Key '" + key + name + "' names the route's own upstream; allowed: other upstreams (the route's own takes what they leave).");
            }
            total += percent;
            shares.add(new Split.Share(name, percent));
        }
        if (total > 100)
        {
            reader.problem("Keys '" + key + "*' add up to " + total + "%; allowed: at most 100% together.");
        }
        dev.sluice.upstream.PoolSettings.HashOn hashOn = null;
        String byText = reader.optional(key + "by").orElse("random");
        if (!byText.equals("random"))
        {
            try
            {
                hashOn = dev.sluice.upstream.PoolSettings.HashOn.parse(byText);
            }
            catch (IllegalArgumentException x)
            {
                reader.invalid(key + "by", byText, "random, or " + x.getMessage());
            }
        }
        return reader.reported() == problems ? new Split(shares, hashOn) : INVALID_SPLIT;
    }

    /** Stands for a mirror whose keys had problems (null means none configured). */
    static final Mirror INVALID_MIRROR = new Mirror("", 0, 0, 0);

    /** {@code route.<name>.mirror} and its options, which mean nothing without it. */
    static Mirror mirror(ConfigReader reader, String prefix, boolean ai, Map<String, Upstream> upstreams)
    {
        String key = prefix + "mirror";
        String upstream = reader.optional(key).orElse(null);
        if (upstream == null)
        {
            Set<String> options = reader.takeAll(key + ".");
            options.forEach(option -> reader.problem("Key '" + key + "." + option + "' is set but '" + key + "' is not; allowed: set it with "
                + key + " = <upstream>."));
            return options.isEmpty() ? null : INVALID_MIRROR;
        }
        boolean valid = true;
        if (ai)
        {
            reader.invalid(key, upstream, "nothing on an AI route (" + prefix + "ai = on): its requests go to the AI front's providers");
            valid = false;
        }
        else
        {
            valid = namesUpstream(reader, key, upstream, upstreams);
        }
        int problems = reader.reported();
        int percent = reader.percent(key + ".percent", Mirror.DEFAULT_PERCENT);
        long maxBody = reader.size(key + ".max-body", Mirror.DEFAULT_MAX_BODY, 16L * 1024 * 1024);
        int maxInFlight = reader.integer(key + ".max-in-flight", Mirror.DEFAULT_MAX_IN_FLIGHT, 1, 100_000);
        valid &= reader.reported() == problems;
        return valid ? new Mirror(upstream, percent, maxBody, maxInFlight) : INVALID_MIRROR;
    }
}
