// What the read-only admin API shows: routes, configuration, consumers, limits, cache and certificates as JSON trees.
package dev.sluice.admin;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

import dev.sluice.auth.ApiKeys;
import dev.sluice.auth.Consumer;
import dev.sluice.auth.MtlsIdentities;
import dev.sluice.auth.RoutePolicy;
import dev.sluice.cache.CacheRoute;
import dev.sluice.cache.ResponseStore;
import dev.sluice.config.ConfigStore;
import dev.sluice.config.Settings;
import dev.sluice.ratelimit.Limit;
import dev.sluice.ratelimit.RateLimitPolicy;
import dev.sluice.route.HostPattern;
import dev.sluice.route.Route;
import dev.sluice.tls.ServedCertificates;
import dev.sluice.tls.TransportSettings;

/**
 * Plain maps and lists that Jackson writes as they are. Secrets never enter them: configuration
 * values of secret keys become {@code ***} (and a URL's user-info {@code ***@}), consumers show
 * their API keys' labels and their certificate mappings, never a key or its hash.
 */
final class AdminViews
{
    static final String MASK = "***";
    /** Keys whose values are secrets: tokens, keys, passwords, client secrets. */
    private static final Pattern SECRET_KEY = Pattern.compile(
        "admin\\.token|consumer\\.[^.]+\\.api-key\\..*|ai\\.provider\\.[^.]+\\.(api-key|header\\..*)|.*(secret|password|passphrase|credential).*|.*\\.token");
    private static final Pattern USER_INFO = Pattern.compile("(?i)([a-z][a-z0-9+.-]*://)[^/@\\s]*@");

    private AdminViews()
    {
    }

    static boolean secret(String key)
    {
        return SECRET_KEY.matcher(key.toLowerCase(Locale.ROOT)).matches();
    }

    /** A configured value as the admin API may show it. */
    static String shown(String key, String value)
    {
        if (secret(key))
        {
            return value.isEmpty() ? "" : MASK;
        }
        return USER_INFO.matcher(value).replaceAll("$1" + MASK + "@");
    }

    static Map<String, Object> config(ConfigStore store)
    {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("source", store.source());
        view.put("sha256", store.digest());
        view.put("reloads", store.reloads());
        view.put("rejected_reloads", store.rejectedReloads());
        view.put("last_problem", store.lastProblem());
        Map<String, String> properties = new TreeMap<>();
        store.properties().forEach((key, value) -> properties.put(key, shown(key, value)));
        view.put("properties", properties);
        return view;
    }

    /** The route table in match order, each route with its conditions and the filters that act on it. */
    static Map<String, Object> routes(Settings settings, Map<String, String> properties)
    {
        List<Object> routes = new ArrayList<>();
        for (Route route : settings.routes().routes())
        {
            Map<String, Object> view = new LinkedHashMap<>();
            view.put("name", route.name());
            view.put("path", route.path().toString());
            view.put("case_sensitive", route.path().caseSensitive());
            view.put("hosts", route.hosts().stream().map(HostPattern::text).toList());
            view.put("methods", new TreeSet<>(route.methods()));
            view.put("headers", route.headers().stream().map(condition -> Map.of("name", condition.name(), "value", condition.value())).toList());
            view.put("upstream", route.upstream());
            view.put("rewrite", route.rewrite() == null ? null : route.rewrite().toString());
            view.put("preserve_host", route.preserveHost());
            view.put("timeouts", Map.of("connect_ms", route.timeouts().connect().toMillis(), "idle_ms", route.timeouts().idle().toMillis(),
                "total_ms", route.timeouts().total().toMillis()));
            view.put("retry", Map.of("retries", route.retry().retries(), "on_connect_failure", route.retry().onConnectFailure(),
                "on_reset", route.retry().onReset(), "on_timeout", route.retry().onTimeout(), "statuses", new TreeSet<>(route.retry().statuses())));
            view.put("mirror", route.mirror() == null ? null : Map.of("upstream", route.mirror().upstream(), "percent", route.mirror().percent(),
                "max_body", route.mirror().maxBody(), "max_in_flight", route.mirror().maxInFlight()));
            view.put("split", route.split() == null ? null : Map.of("shares", route.split().shares().stream()
                .map(share -> Map.of("upstream", share.upstream(), "percent", share.percent())).toList(),
                "by", route.split().by() == null ? "random" : route.split().by().kind().name().toLowerCase(java.util.Locale.ROOT)
                    + (route.split().by().name() == null ? "" : ":" + route.split().by().name())));
            view.put("fault", route.fault() == null ? null : Map.of("delay_ms", route.fault().delay() == null ? 0 : route.fault().delay().toMillis(),
                "delay_percent", route.fault().delayPercent(), "abort_status", route.fault().abortStatus(), "abort_percent", route.fault().abortPercent()));
            view.put("filters", filters(settings, route));
            Map<String, String> own = new TreeMap<>();
            String prefix = "route." + route.name() + ".";
            properties.forEach((key, value) ->
            {
                if (key.startsWith(prefix))
                {
                    own.put(key, shown(key, value));
                }
            });
            view.put("properties", own);
            routes.add(view);
        }
        return Map.of("routes", routes);
    }

    private static List<Object> filters(Settings settings, Route candidate)
    {
        String route = candidate.name();
        List<Object> filters = new ArrayList<>();
        TransportSettings.RouteTls tls = settings.transport().routes().get(route);
        if (tls != null)
        {
            filters.add(ordered("filter", "transport", "plain_http", tls.redirect() ? "redirect" : "refuse"));
        }
        RoutePolicy auth = settings.auth().policy(route);
        if (!auth.isPublic())
        {
            filters.add(ordered("filter", "auth",
                "methods", auth.methods().stream().map(RoutePolicy.Method::toString).toList(),
                "scopes", new TreeSet<>(auth.scopes()),
                "groups", new TreeSet<>(auth.groups()),
                "anonymous", auth.anonymous() == null ? null : auth.anonymous().id(),
                "hide_credentials", auth.hideCredentials()));
        }
        RateLimitPolicy limit = settings.rateLimit().policies().get(route);
        if (limit != null)
        {
            Map<String, Object> groups = new TreeMap<>();
            limit.groupLimits().forEach((group, limits) -> groups.put(group, policies(limits)));
            Map<String, Object> consumers = new TreeMap<>();
            limit.consumerLimits().forEach((consumer, limits) -> consumers.put(consumer, policies(limits)));
            filters.add(ordered("filter", "ratelimit",
                "limits", policies(limit.limits()),
                "by", limit.key().name().toLowerCase(Locale.ROOT) + (limit.header() == null ? "" : ":" + limit.header()),
                "groups", groups,
                "consumers", consumers,
                "concurrency", limit.concurrency(),
                "on_store_failure", limit.failOpen() ? "allow" : "refuse"));
        }
        CacheRoute cache = settings.cache().routes().get(route);
        if (cache != null && cache.mode() != CacheRoute.Mode.OFF)
        {
            filters.add(ordered("filter", "cache",
                "mode", cache.mode().name().toLowerCase(Locale.ROOT),
                "ttl_s", cache.ttl() == null ? null : cache.ttl().toSeconds(),
                "max_object_size", cache.maxObjectSize(),
                "key_consumer", cache.keyConsumer()));
        }
        filters.add(ordered("filter", "proxy", "upstream", candidate.upstream()));
        return filters;
    }

    private static List<String> policies(List<Limit> limits)
    {
        return limits.stream().map(Limit::policy).toList();
    }

    /** A map in the order given: key, value, key, value… (nulls allowed, unlike Map.of). */
    static Map<String, Object> ordered(Object... pairs)
    {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2)
        {
            map.put((String)pairs[i], pairs[i + 1]);
        }
        return map;
    }

    static Map<String, Object> consumers(Settings settings)
    {
        Map<String, List<String>> keys = new TreeMap<>();
        for (ApiKeys.Entry entry : settings.auth().apiKeys().entries())
        {
            keys.computeIfAbsent(entry.consumer().id(), id -> new ArrayList<>()).add(entry.label());
        }
        Map<String, List<String>> passwords = new TreeMap<>();
        for (dev.sluice.auth.Passwords.Entry entry : settings.auth().passwords().entries())
        {
            passwords.computeIfAbsent(entry.consumer().id(), id -> new ArrayList<>()).add(entry.label());
        }
        Map<String, List<Object>> certificates = new TreeMap<>();
        for (MtlsIdentities.Mapping mapping : settings.auth().certificates().mappings())
        {
            certificates.computeIfAbsent(mapping.consumer().id(), id -> new ArrayList<>())
                .add(Map.of("kind", mapping.kind().name().toLowerCase(Locale.ROOT), "value", mapping.value()));
        }
        List<Object> consumers = new ArrayList<>();
        for (Consumer consumer : new TreeMap<>(settings.auth().consumers()).values())
        {
            consumers.add(ordered("id", consumer.id(), "username", consumer.username(), "custom_id", consumer.customId(),
                "groups", new TreeSet<>(consumer.groups()),
                "credentials", ordered("api_keys", new TreeSet<>(keys.getOrDefault(consumer.id(), List.of())),
                    "passwords", new TreeSet<>(passwords.getOrDefault(consumer.id(), List.of())),
                    "certificates", certificates.getOrDefault(consumer.id(), List.of()))));
        }
        return Map.of("consumers", consumers);
    }

    static Map<String, Object> cache(List<ResponseStore.Tier> tiers)
    {
        List<Object> views = new ArrayList<>();
        for (ResponseStore.Tier tier : tiers)
        {
            views.add(ordered("tier", tier.tier(), "entries", tier.entries(), "bytes", tier.bytes(), "hits", tier.hits(), "misses", tier.misses(),
                "evictions", tier.evictions()));
        }
        return Map.of("tiers", views);
    }

    static Map<String, Object> certificates(List<ServedCertificates.Served> served, java.time.Instant now)
    {
        List<Object> views = new ArrayList<>();
        for (ServedCertificates.Served certificate : served)
        {
            views.add(ordered("alias", certificate.alias(), "subject", certificate.subject(), "sans", certificate.names(),
                "issuer", certificate.issuer(), "not_before", certificate.notBefore().toString(), "not_after", certificate.notAfter().toString(),
                "expires_in_days", java.time.Duration.between(now, certificate.notAfter()).toDays()));
        }
        return Map.of("certificates", views);
    }
}
