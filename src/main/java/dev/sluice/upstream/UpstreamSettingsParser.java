// Parses upstream.<name>.* into upstreams with their pools, reporting every problem.
package dev.sluice.upstream;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

import dev.sluice.config.ConfigReader;

/**
 * {@code upstream.<name>.url} or {@code .targets}, the balancing, health and outlier keys, and
 * {@code proxy.zone}. TLS keys are read by the settings parser, which knows the files.
 */
public final class UpstreamSettingsParser
{
    public static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,63}");
    private static final Pattern ZONE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final Duration MAX_KEEPALIVE_TIMEOUT = Duration.ofHours(1);
    /** The most {@code upstream.<name>.request-buffering} may hold in memory per request. */
    private static final long MAX_REQUEST_BUFFERING = 64L * 1024 * 1024;
    private static final String TARGETS_ALLOWED = "comma-separated target URLs, each optionally followed by weight=<0-1000> and zone=<label>, "
        + "such as http://10.0.0.1:8080 weight=2 zone=eu-1";
    private static final int MAX_TARGETS = 256;
    private static final String LABEL = "[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?";
    private static final Pattern HOST_HEADER = Pattern.compile("(?:" + LABEL + "(?:\\." + LABEL + ")*|\\[[0-9A-Fa-f:.]{2,45}\\])(?::([0-9]{1,5}))?");

    private UpstreamSettingsParser()
    {
    }

    public static Map<String, Upstream> parse(ConfigReader reader)
    {
        String zone = reader.optional("proxy.zone").filter(value -> !value.isEmpty()).orElse(null);
        if (zone != null && !ZONE.matcher(zone).matches())
        {
            reader.invalid("proxy.zone", zone, "a zone label of letters, digits, '.', '_' and '-'");
            zone = null;
        }
        Map<String, Upstream> upstreams = new TreeMap<>();
        for (String name : reader.names("upstream."))
        {
            if (!NAME.matcher(name).matches())
            {
                reader.problem("Upstream name '" + name + "' is not allowed; allowed: letters, digits, '-' and '_', starting with a letter or digit.");
                continue;
            }
            Upstream upstream = upstream(reader, name, zone);
            String hostHeader = hostHeader(reader, "upstream." + name + ".host-header");
            boolean http2 = http2(reader, "upstream." + name + ".http-version");
            Sticky sticky = Sticky.parse(reader, "upstream." + name + ".");
            Duration keepaliveTimeout = keepaliveTimeout(reader, "upstream." + name + ".keepalive-timeout");
            long requestBuffering = requestBuffering(reader, "upstream." + name + ".request-buffering");
            if (upstream != null && !http2 && upstream.pool().health() != null && upstream.pool().health().grpcService() != null)
            {
                reader.problem("Key 'upstream." + name + ".health.type' is grpc but 'upstream." + name + ".http-version' is not 2; allowed: gRPC "
                    + "health checks only to upstreams with http-version = 2, as gRPC servers speak only HTTP/2.");
            }
            else if (upstream != null && http2 && requestBuffering > 0)
            {
                reader.problem("Key 'upstream." + name + ".request-buffering' is set but 'upstream." + name + ".http-version' is 2; allowed: "
                    + "request-buffering only for HTTP/1.1 upstreams (over HTTP/2 a body of unknown length goes in frames, which every "
                    + "HTTP/2 server reads, and gRPC's streaming calls need it streamed).");
            }
            else if (upstream != null)
            {
                upstreams.put(name, upstream.withHostHeader(hostHeader).withHttp2(http2).withSticky(sticky).withKeepaliveTimeout(keepaliveTimeout)
                    .withRequestBuffering(requestBuffering));
            }
        }
        return upstreams;
    }

    /**
     * How long an idle connection to the upstream may be reused, or null for the default: set
     * below an upstream's own keep-alive timeout when it closes idle connections sooner than
     * Sluice's pool and does not say so in a {@code Keep-Alive} field (uvicorn, gunicorn).
     */
    private static Duration keepaliveTimeout(ConfigReader reader, String key)
    {
        if (!reader.isSet(key))
        {
            return null;
        }
        Duration value = reader.duration(key, Upstream.DEFAULT_KEEPALIVE_TIMEOUT);
        if (value.isZero() || value.compareTo(MAX_KEEPALIVE_TIMEOUT) > 0)
        {
            reader.invalid(key, reader.optional(key).orElse(""), "a duration from 1ms to 1h, such as 4s (a second or more below the upstream's own "
                + "keep-alive timeout)");
            return null;
        }
        return value;
    }

    /**
     * The largest body of unknown length read whole before it is sent, or 0 to stream it chunked:
     * for upstreams that ignore a chunked request body (HTTP/1.0 servers, Python's
     * {@code http.server}, WSGI servers that read only {@code Content-Length}), as nginx's
     * default {@code proxy_request_buffering on} serves them.
     */
    private static long requestBuffering(ConfigReader reader, String key)
    {
        String value = reader.optional(key).orElse("off").trim();
        if (value.equalsIgnoreCase("off"))
        {
            return 0;
        }
        int reported = reader.reported();
        long size = reader.size(key, 0, MAX_REQUEST_BUFFERING);
        if (size == 0 && reader.reported() == reported)
        {
            reader.invalid(key, value, "off, or a size from 1 byte to 64MB such as 8MB");
        }
        return size;
    }

    private static Upstream upstream(ConfigReader reader, String name, String localZone)
    {
        String prefix = "upstream." + name + ".";
        boolean urlSet = reader.isSet(prefix + "url");
        String url = reader.optional(prefix + "url").orElse(null);
        boolean targetsSet = reader.isSet(prefix + "targets");
        List<String> entries = reader.list(prefix + "targets");
        PoolSettings pool = pool(reader, prefix);
        if (urlSet && targetsSet)
        {
            reader.problem("Keys '" + prefix + "url' and '" + prefix + "targets' are both set; allowed: one of them.");
            return null;
        }
        if (!urlSet && !targetsSet)
        {
            reader.problem("Key '" + prefix + "url' or '" + prefix + "targets' is required; allowed: " + Upstream.allowed()
                + ", or " + TARGETS_ALLOWED + ".");
            return null;
        }
        if (urlSet)
        {
            if (url == null)
            {
                // Empty, or an unresolved variable that was already reported.
                if (!reader.isUnresolved(prefix + "url"))
                {
                    reader.invalid(prefix + "url", "", Upstream.allowed());
                }
                return null;
            }
            try
            {
                return Upstream.parse(name, url).withPool(pool);
            }
            catch (IllegalArgumentException x)
            {
                reader.invalid(prefix + "url", url, x.getMessage());
                return null;
            }
        }
        if (entries.isEmpty())
        {
            reader.invalid(prefix + "targets", "", "at least one target: " + TARGETS_ALLOWED);
            return null;
        }
        if (entries.size() > MAX_TARGETS)
        {
            reader.invalid(prefix + "targets", entries.size() + " targets", "at most " + MAX_TARGETS + " targets");
            return null;
        }
        List<Target> targets = new ArrayList<>();
        Upstream.Address first = null;
        Set<String> seen = new HashSet<>();
        boolean valid = true;
        for (String entry : entries)
        {
            String[] parts = entry.trim().split("\\s+");
            Upstream.Address address;
            try
            {
                address = Upstream.address(parts[0]);
            }
            catch (IllegalArgumentException x)
            {
                reader.invalid(prefix + "targets", entry, TARGETS_ALLOWED + "; each URL " + x.getMessage());
                valid = false;
                continue;
            }
            if (first == null)
            {
                first = address;
            }
            else if (!first.scheme().equals(address.scheme()) || !first.basePath().equals(address.basePath()))
            {
                reader.invalid(prefix + "targets", entry, "targets that all share one scheme and base path (the first is "
                    + first.scheme() + "://…" + first.basePath() + ")");
                valid = false;
                continue;
            }
            int weight = 1;
            String zone = null;
            for (int i = 1; i < parts.length; i++)
            {
                String part = parts[i];
                if (part.startsWith("weight="))
                {
                    weight = weight(part.substring("weight=".length()));
                    if (weight < 0)
                    {
                        reader.invalid(prefix + "targets", entry, "weight=<a whole number from 0 to 1000> (0 drains the target)");
                        valid = false;
                    }
                }
                else if (part.startsWith("zone=") && ZONE.matcher(part.substring("zone=".length())).matches())
                {
                    zone = part.substring("zone=".length());
                }
                else
                {
                    reader.invalid(prefix + "targets", entry, TARGETS_ALLOWED);
                    valid = false;
                }
            }
            Target target = new Target(address.host(), address.port(), Math.max(weight, 0), zone);
            if (!seen.add(target.authority()))
            {
                reader.invalid(prefix + "targets", entry, "each target once (" + target.authority() + " is listed twice)");
                valid = false;
            }
            targets.add(target);
        }
        if (!valid)
        {
            return null;
        }
        Set<String> zones = new TreeSet<>();
        targets.stream().map(Target::zone).filter(java.util.Objects::nonNull).forEach(zones::add);
        if (localZone != null && !zones.isEmpty())
        {
            if (!zones.contains(localZone))
            {
                reader.problem("Key 'proxy.zone' is '" + localZone + "', but upstream '" + name + "' has no target in that zone; allowed: one of its zones "
                    + String.join(", ", zones) + ", or no zone labels on its targets.");
                return null;
            }
            pool = new PoolSettings(pool.balance(), pool.hashOn(), localZone, pool.zoneMinAvailablePercent(), pool.zoneMaxInFlight(),
                pool.health(), pool.outliers(), pool.retryBudgetPercent(), pool.retryMinPerSecond(), pool.slowStart());
        }
        return new Upstream(name, first.scheme(), first.basePath(), targets, UpstreamTls.DEFAULT, pool);
    }

    /**
     * {@code upstream.<name>.host-header}: one host name (letters, digits, '-', '_', dots), IPv4
     * address or bracketed IPv6 address, with an optional port; null when not set. Anything else
     * (a list, a path, spaces, user information) would not be one host in a {@code Host} field.
     */
    static String hostHeader(ConfigReader reader, String key)
    {
        String value = reader.optional(key).map(String::strip).filter(text -> !text.isEmpty()).orElse(null);
        if (value == null)
        {
            return null;
        }
        java.util.regex.Matcher matcher = HOST_HEADER.matcher(value);
        if (value.length() > 255 || !matcher.matches()
            || (matcher.group(1) != null && (Integer.parseInt(matcher.group(1)) < 1 || Integer.parseInt(matcher.group(1)) > 65535)))
        {
            reader.invalid(key, value, "one host name or IP address with an optional port (1-65535), such as api.internal, "
                + "api.internal:8443 or [2001:db8::1]:8080");
            return null;
        }
        return value;
    }

    /**
     * {@code upstream.<name>.http-version}: {@code 1.1} (the default, as nginx's
     * {@code proxy_http_version 1.1}) or {@code 2}; true for 2.
     */
    static boolean http2(ConfigReader reader, String key)
    {
        String value = reader.optional(key).map(String::strip).orElse("1.1");
        return switch (value)
        {
            case "1.1" -> false;
            case "2" -> true;
            default ->
            {
                reader.invalid(key, value, "1.1 or 2 (HTTP/2: cleartext with prior knowledge to http:// targets, by ALPN to https:// ones)");
                yield false;
            }
        };
    }

    /**
     * The TLS server name for a host-header value: the host without its
     * port; null for an IP address, which SNI cannot carry (RFC 6066 §3).
     */
    public static String serverName(String host)
    {
        String name = host.startsWith("[") ? null : host.indexOf(':') >= 0 ? host.substring(0, host.indexOf(':')) : host;
        return name == null || name.chars().allMatch(c -> c == '.' || Character.isDigit(c)) ? null : name;
    }

    private static int weight(String text)
    {
        try
        {
            int weight = Integer.parseInt(text);
            return weight >= 0 && weight <= 1000 ? weight : -1;
        }
        catch (NumberFormatException x)
        {
            return -1;
        }
    }

    /** {@code upstream.<name>.health.*}: null unless a path or {@code type = grpc} turns checks on, or when a key is wrong. */
    private static PoolSettings.HealthCheck healthCheck(ConfigReader reader, String prefix)
    {
        String path = reader.optional(prefix + "health.path").orElse(null);
        Duration interval = reader.positiveDuration(prefix + "health.interval", Duration.ofSeconds(10));
        Duration timeout = reader.positiveDuration(prefix + "health.timeout", Duration.ofSeconds(2));
        int healthy = reader.integer(prefix + "health.healthy-threshold", 2, 1, 100);
        int unhealthy = reader.integer(prefix + "health.unhealthy-threshold", 3, 1, 100);
        StatusRanges statuses = statuses(reader, prefix + "health.statuses", "200-399");
        String type = reader.optional(prefix + "health.type").map(String::strip).orElse("http");
        String grpcService = reader.optional(prefix + "health.grpc-service").orElse(null);
        boolean grpc = type.equals("grpc");
        if (!grpc && !type.equals("http"))
        {
            reader.invalid(prefix + "health.type", type, "http (GET of health.path) or grpc (gRPC's health-checking protocol)");
            return null;
        }
        if (!grpc && grpcService != null)
        {
            reader.problem("Key '" + prefix + "health.grpc-service' is set but '" + prefix + "health.type' is not grpc; allowed: grpc-service only with "
                + "health.type = grpc.");
            return null;
        }
        if (!grpc && path == null)
        {
            return null;
        }
        if (grpc && path != null)
        {
            reader.problem("Key '" + prefix + "health.path' is set with '" + prefix + "health.type' = grpc; allowed: no path, as a gRPC check "
                + "calls " + GrpcHealth.PATH + ".");
            return null;
        }
        if (grpc && reader.isSet(prefix + "health.statuses"))
        {
            reader.problem("Key '" + prefix + "health.statuses' is set with '" + prefix + "health.type' = grpc; allowed: no statuses, as a gRPC "
                + "target is healthy when it answers SERVING.");
            return null;
        }
        if (grpc && grpcService != null && (grpcService.length() > 200 || grpcService.chars().anyMatch(c -> c <= 0x20 || c >= 0x7f)))
        {
            reader.invalid(prefix + "health.grpc-service", grpcService, "a gRPC service name such as acme.orders.v1.OrderService (empty for the whole server)");
            return null;
        }
        if (!grpc && (!path.startsWith("/") || path.contains("#") || path.chars().anyMatch(c -> c <= 0x20 || c >= 0x7f)))
        {
            reader.invalid(prefix + "health.path", path, "a path starting with /, such as /healthz, without spaces");
            return null;
        }
        if (timeout.compareTo(interval) > 0)
        {
            reader.problem("Key '" + prefix + "health.timeout' (" + timeout.toMillis() + " ms) is longer than '" + prefix
                + "health.interval' (" + interval.toMillis() + " ms); allowed: a timeout no longer than the interval.");
            return null;
        }
        return grpc
            ? new PoolSettings.HealthCheck(GrpcHealth.PATH, interval, timeout, healthy, unhealthy, statuses, grpcService == null ? "" : grpcService)
            : new PoolSettings.HealthCheck(path, interval, timeout, healthy, unhealthy, statuses);
    }

    private static PoolSettings pool(ConfigReader reader, String prefix)
    {
        PoolSettings.Balance balance = PoolSettings.Balance.ROUND_ROBIN;
        String balanceText = reader.optional(prefix + "balance").orElse(null);
        if (balanceText != null)
        {
            balance = PoolSettings.Balance.of(balanceText.toLowerCase(Locale.ROOT));
            if (balance == null)
            {
                reader.invalid(prefix + "balance", balanceText, "round-robin, least-in-flight, latency or hash");
                balance = PoolSettings.Balance.ROUND_ROBIN;
            }
        }
        PoolSettings.HashOn hashOn = null;
        String hashText = reader.optional(prefix + "hash-on").orElse(null);
        if (hashText != null)
        {
            try
            {
                hashOn = PoolSettings.HashOn.parse(hashText);
            }
            catch (IllegalArgumentException x)
            {
                reader.invalid(prefix + "hash-on", hashText, x.getMessage());
            }
            if (balance != PoolSettings.Balance.HASH)
            {
                reader.problem("Key '" + prefix + "hash-on' is set but '" + prefix + "balance' is not hash; allowed: hash-on only with balance = hash.");
            }
        }
        else if (balance == PoolSettings.Balance.HASH)
        {
            hashOn = new PoolSettings.HashOn(PoolSettings.HashOn.Kind.IP, null);
        }
        int zoneMinAvailable = reader.percent(prefix + "zone.min-available", 50);
        int zoneMaxInFlight = reader.integer(prefix + "zone.max-in-flight", 0, 0, 1_000_000);

        PoolSettings.HealthCheck health = healthCheck(reader, prefix);

        PoolSettings.Outliers defaults = PoolSettings.DEFAULT_OUTLIERS;
        int failures = reader.integer(prefix + "outlier.consecutive-failures", defaults.consecutiveFailures(), 0, 1000);
        Set<Integer> failureStatuses = new TreeSet<>();
        List<String> statusItems = reader.optional(prefix + "outlier.statuses").isPresent()
            ? reader.list(prefix + "outlier.statuses") : null;
        if (statusItems == null)
        {
            failureStatuses.addAll(defaults.statuses());
        }
        else
        {
            for (String item : statusItems)
            {
                int status = statusCode(item);
                if (status < 500)
                {
                    reader.invalid(prefix + "outlier.statuses", item, "status codes from 500 to 599");
                }
                else
                {
                    failureStatuses.add(status);
                }
            }
        }
        Duration ejection = reader.positiveDuration(prefix + "outlier.ejection-time", defaults.ejectionTime());
        Duration maxEjection = reader.positiveDuration(prefix + "outlier.max-ejection-time", defaults.maxEjectionTime());
        if (maxEjection.compareTo(ejection) < 0)
        {
            reader.problem("Key '" + prefix + "outlier.max-ejection-time' is shorter than '" + prefix + "outlier.ejection-time'; allowed: at least as long.");
        }
        int maxEjectionPercent = reader.percent(prefix + "outlier.max-ejection-percent", defaults.maxEjectionPercent());
        PoolSettings.Outliers outliers = new PoolSettings.Outliers(failures, failureStatuses, ejection, maxEjection, maxEjectionPercent);

        int budget = reader.percent(prefix + "retry.budget", 20);
        int minPerSecond = reader.integer(prefix + "retry.min-per-second", 5, 0, 10_000);
        Duration slowStart = reader.duration(prefix + "slow-start", Duration.ZERO);
        if (slowStart.compareTo(Duration.ofHours(1)) > 0)
        {
            reader.invalid(prefix + "slow-start", reader.string(prefix + "slow-start", ""), "a duration up to 1h (0 for none)");
            slowStart = Duration.ZERO;
        }
        else if (!slowStart.isZero() && balance == PoolSettings.Balance.HASH)
        {
            reader.problem("Key '" + prefix + "slow-start' is set but '" + prefix + "balance' is hash; allowed: slow-start with round-robin, "
                + "least-in-flight or latency (a hash ring keeps each key on its target whatever the weights).");
            slowStart = Duration.ZERO;
        }
        return new PoolSettings(balance, hashOn, null, zoneMinAvailable, zoneMaxInFlight, health, outliers, budget, minPerSecond, slowStart);
    }

    private static StatusRanges statuses(ConfigReader reader, String key, String defaultValue)
    {
        List<String> items = reader.optional(key).isPresent() ? reader.list(key) : List.of(defaultValue);
        try
        {
            return StatusRanges.parse(items);
        }
        catch (IllegalArgumentException x)
        {
            reader.invalid(key, String.join(", ", items), x.getMessage());
            return StatusRanges.parse(List.of(defaultValue));
        }
    }

    private static int statusCode(String text)
    {
        try
        {
            int status = Integer.parseInt(text.trim());
            return status <= 599 ? status : -1;
        }
        catch (NumberFormatException x)
        {
            return -1;
        }
    }

    /**
     * {@code route.<name>.retries} and {@code route.<name>.retry-on}.
     */
    public static RetryPolicy retryPolicy(ConfigReader reader, String prefix)
    {
        int retries = reader.integer(prefix + "retries", RetryPolicy.DEFAULT.retries(), 0, 10);
        if (reader.optional(prefix + "retry-on").isEmpty())
        {
            return new RetryPolicy(retries, true, true, false, Set.of(), false);
        }
        boolean connect = false;
        boolean reset = false;
        boolean timeout = false;
        boolean idempotencyKey = false;
        Set<Integer> statuses = new TreeSet<>();
        for (String item : reader.list(prefix + "retry-on"))
        {
            switch (item.toLowerCase(Locale.ROOT))
            {
                case "connect-failure" -> connect = true;
                case "reset" -> reset = true;
                case "timeout" -> timeout = true;
                case "idempotency-key" -> idempotencyKey = true;
                default ->
                {
                    int status = statusCode(item);
                    if (status >= 500)
                    {
                        statuses.add(status);
                    }
                    else
                    {
                        reader.invalid(prefix + "retry-on", item, RetryPolicy.ALLOWED);
                    }
                }
            }
        }
        return new RetryPolicy(retries, connect, reset, timeout, statuses, idempotencyKey);
    }
}
