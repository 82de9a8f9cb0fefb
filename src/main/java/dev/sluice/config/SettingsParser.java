// Turns the properties into validated Settings, reporting every problem at once.
package dev.sluice.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Pattern;

import dev.sluice.admin.AdminSettings;
import dev.sluice.observe.AccessLogRotation;
import dev.sluice.observe.MetricsSettings;
import dev.sluice.observe.ObserveSettingsParser;
import dev.sluice.observe.TracingSettings;
import dev.sluice.auth.ApiKeys;
import dev.sluice.auth.AuthSettings;
import dev.sluice.auth.AuthSettingsParser;
import dev.sluice.cache.CacheSettings;
import dev.sluice.cache.CacheSettingsParser;
import dev.sluice.exchange.Cidr;
import dev.sluice.exchange.TrustedProxies;
import dev.sluice.ratelimit.RateLimitSettings;
import dev.sluice.ratelimit.RateLimitSettingsParser;
import dev.sluice.tls.TransportSettings;
import dev.sluice.tls.TransportSettingsParser;
import dev.sluice.route.Fault;
import dev.sluice.route.HeaderCondition;
import dev.sluice.route.HostPattern;
import dev.sluice.route.Mirror;
import dev.sluice.route.PathPattern;
import dev.sluice.route.PathRewrite;
import dev.sluice.route.Route;
import dev.sluice.route.RouteAnswer;
import dev.sluice.route.RouteTable;
import dev.sluice.route.Split;
import dev.sluice.route.Timeouts;
import dev.sluice.upstream.RetryPolicy;
import dev.sluice.upstream.Upstream;
import dev.sluice.upstream.UpstreamSettingsParser;
import dev.sluice.upstream.UpstreamTls;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Parses the flat properties (documented key by key in {@code conf/sluice.properties}) into
 * {@link Settings}. Nothing is thrown until the whole file has been read, so a start-up failure
 * lists every problem, each naming the key, the value and what is allowed.
 */
public final class SettingsParser
{
    private static final Logger LOG = LoggerFactory.getLogger(SettingsParser.class);
    public static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,63}");
    public static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    private static final Pattern HEADER_VALUE = Pattern.compile("[\\x20-\\x7e]+");
    /** RFC 9110's methods and PATCH: clients send them in capitals, and method names are case-sensitive. */
    private static final Set<String> STANDARD_METHODS = Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH");

    /**
     * Whether a configured method name is one a client can send, reporting it when not: a token,
     * and not a standard method spelled in other than capitals, which as method names are
     * case-sensitive would never match ("get" is not GET).
     */
    public static boolean method(ConfigReader reader, String key, String method, String allowed)
    {
        if (!TOKEN.matcher(method).matches())
        {
            reader.invalid(key, method, allowed);
            return false;
        }
        String capitals = method.toUpperCase(java.util.Locale.ROOT);
        if (!capitals.equals(method) && STANDARD_METHODS.contains(capitals))
        {
            reader.invalid(key, method, allowed + "; method names are case-sensitive, so " + capitals + ", as clients send it");
            return false;
        }
        return true;
    }

    static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);
    static final Duration DEFAULT_TOTAL_TIMEOUT = Duration.ZERO;
    static final Duration DEFAULT_RELOAD_INTERVAL = Duration.ofSeconds(2);

    private SettingsParser()
    {
    }

    public static Settings parse(String source, Map<String, String> properties, Function<String, String> variables) throws ConfigException
    {
        ConfigReader reader = new ConfigReader(properties, variables);

        Duration reloadInterval = reader.duration("config.reload-interval", DEFAULT_RELOAD_INTERVAL);
        // Resolved by ConfigStore before parsing; read here so it is a known key.
        reader.optional(ConfigStore.INCLUDE_KEY);
        boolean accessLog = reader.bool("exchange.access-log", true);
        String accessLogOutput = reader.string("exchange.access-log.output", "stdout");
        if (!List.of("stdout", "stderr", "slf4j").contains(accessLogOutput))
        {
            accessLogFile(reader, accessLogOutput);
        }
        AccessLogRotation rotation = ObserveSettingsParser.accessLogRotation(reader);
        TrustedProxies trustedProxies = trustedProxies(reader);
        AdminSettings admin = admin(reader);
        MetricsSettings metrics = ObserveSettingsParser.metrics(reader);
        TracingSettings tracing = ObserveSettingsParser.tracing(reader);
        ProxySettings proxy = proxy(reader);
        Map<String, Upstream> upstreams = upstreams(reader);
        RouteTable routes = routes(reader, upstreams, proxy.timeouts());
        AuthSettings auth = AuthSettingsParser.parse(reader, reader.names("route."));
        RateLimitSettings rateLimit = RateLimitSettingsParser.parse(reader, reader.names("route."), auth.consumers().keySet());
        TransportSettings transport = TransportSettingsParser.parse(reader, reader.names("route."));
        Set<String> authenticated = new java.util.HashSet<>();
        for (String name : reader.names("route."))
        {
            if (!auth.policy(name).isPublic())
            {
                authenticated.add(name);
            }
        }
        CacheSettings cache = CacheSettingsParser.parse(reader, reader.names("route."), authenticated);
        dev.sluice.ai.AiSettings ai = dev.sluice.ai.AiSettingsParser.parse(reader, routes, auth.consumers().keySet(),
            rateLimit.store() == RateLimitSettings.Store.REDIS);
        dev.sluice.guard.GuardSettings guard = dev.sluice.guard.GuardSettingsParser.parse(reader, routes);
        Set<String> cached = new java.util.HashSet<>();
        for (String name : reader.names("route."))
        {
            if (cache.route(name) != null)
            {
                cached.add(name);
            }
        }
        for (Route route : routes.routes())
        {
            if (route.answer() != null && cached.contains(route.name()))
            {
                reader.problem("Key 'route." + route.name() + ".cache' is set on a route Sluice answers itself (redirect or respond); allowed: off there, "
                    + "nothing is fetched to store.");
            }
        }
        dev.sluice.transform.TransformSettings transform = dev.sluice.transform.TransformSettingsParser.parse(reader, routes, cached);
        dev.sluice.openapi.OpenApiSettings openapi = dev.sluice.openapi.OpenApiSettingsParser.parse(reader, routes);
        dev.sluice.http.CompressionSettings compression = dev.sluice.http.CompressionSettingsParser.parse(reader, reader.names("route."));

        List<String> problems = reader.problems();
        if (!problems.isEmpty())
        {
            throw new ConfigException(source, problems);
        }
        return new Settings(upstreams, routes, trustedProxies, proxy, reloadInterval, accessLog, auth, rateLimit, transport, admin, cache,
            accessLogOutput, metrics, tracing, rotation, ai, guard, transform, openapi, compression);
    }

    private static AdminSettings admin(ConfigReader reader)
    {
        String token = reader.optional("admin.token").orElse(null);
        List<Cidr> blocks = reader.cidrs("admin.allow", List.of("127.0.0.0/8", "::1/128"));
        if (token == null)
        {
            return AdminSettings.OFF;
        }
        byte[] hash = ApiKeys.configuredHash(token);
        if (hash == null)
        {
            reader.invalid("admin.token", token, "sha256:<64 lowercase hex digits> of the token (make one with: ./sluice generate-admin-token), "
                + "or demo:<token> for a demonstration");
            return AdminSettings.OFF;
        }
        if (token.startsWith("demo:"))
        {
            LOG.warn("Key 'admin.token' holds a plain demonstration token; store only sha256: hashes outside demonstrations");
        }
        return new AdminSettings(hash, blocks);
    }

    private static TrustedProxies trustedProxies(ConfigReader reader)
    {
        return new TrustedProxies(reader.cidrs("exchange.trusted-proxies", List.of()));
    }

    private static ProxySettings proxy(ConfigReader reader)
    {
        String via = reader.string("proxy.via", "sluice");
        if ("off".equals(via))
        {
            via = null;
        }
        else if (!TOKEN.matcher(via).matches())
        {
            reader.invalid("proxy.via", via, "a name made of letters, digits and -._~ (or 'off')");
        }
        int maxThreads = reader.integer("proxy.max-threads", 200, 8, 4096);
        String threads = reader.string("proxy.threads", "container");
        if (!threads.equals("container") && !threads.equals("own"))
        {
            reader.invalid("proxy.threads", threads, "'container' (the container's thread pool when it offers one) or 'own' (proxy.max-threads threads of Sluice's own)");
        }
        int maxConnections = reader.integer("proxy.max-connections-per-upstream", 256, 1, 65536);
        Timeouts timeouts = timeouts(reader, "proxy.",
            new Timeouts(DEFAULT_CONNECT_TIMEOUT, DEFAULT_IDLE_TIMEOUT, DEFAULT_TOTAL_TIMEOUT));
        long retryMaxBody = reader.size("proxy.retry.max-body", 64 * 1024, 16L * 1024 * 1024);
        boolean underscores = reader.bool("exchange.allow-underscore-headers", false);
        Duration queueTimeout = reader.positiveDuration("proxy.queue-timeout", Duration.ofSeconds(2));
        int maxQueued = reader.integer("proxy.max-queued-per-upstream", 1024, 1, 65536);
        Duration bodyIdle = reader.duration("proxy.request-body.idle-timeout", Duration.ofSeconds(30));
        long minRate = reader.size("proxy.request-body.min-rate", 1024, 1024L * 1024 * 1024);
        long maxHeaderBytes = reader.size("proxy.max-response-header-size", ProxySettings.DEFAULT_MAX_RESPONSE_HEADER_BYTES, 16L * 1024 * 1024);
        int maxHeaders = reader.integer("proxy.max-response-headers", 100, 1, 10_000);
        return new ProxySettings(via, maxThreads, maxConnections, timeouts, retryMaxBody, underscores, queueTimeout, maxQueued, bodyIdle, minRate,
            (int)maxHeaderBytes, maxHeaders, reader.duration("proxy.drain-timeout", Duration.ofSeconds(10)), threads.equals("container"),
            hiddenResponseHeaders(reader), reader.integer("proxy.websocket.max-connections", ProxySettings.DEFAULT_MAX_WEBSOCKETS, 1, 1_000_000));
    }

    /** {@code proxy.hide-response-headers}: names, or {@code none}; the fields that frame a body cannot be hidden. */
    private static java.util.Set<String> hiddenResponseHeaders(ConfigReader reader)
    {
        String key = "proxy.hide-response-headers";
        if (!reader.isSet(key))
        {
            return ProxySettings.DEFAULT_HIDDEN_RESPONSE_HEADERS;
        }
        java.util.Set<String> names = new java.util.HashSet<>();
        for (String name : reader.list(key))
        {
            String lower = name.toLowerCase(java.util.Locale.ROOT);
            if (lower.equals("none"))
            {
                continue;
            }
            if (!TOKEN.matcher(name).matches() || lower.equals("content-length") || lower.equals("transfer-encoding") || lower.equals("content-type"))
            {
                reader.invalid(key, name, "header names other than Content-Length, Transfer-Encoding and Content-Type (or 'none')");
                continue;
            }
            names.add(lower);
        }
        return names;
    }

    private static Timeouts timeouts(ConfigReader reader, String prefix, Timeouts defaults)
    {
        Duration connect = reader.positiveDuration(prefix + "connect-timeout", defaults.connect());
        Duration idle = reader.positiveDuration(prefix + "idle-timeout", defaults.idle());
        Duration total = reader.duration(prefix + "timeout", defaults.total());
        return new Timeouts(connect, idle, total);
    }

    private static Map<String, Upstream> upstreams(ConfigReader reader)
    {
        Map<String, Upstream> upstreams = new TreeMap<>();
        UpstreamSettingsParser.parse(reader).forEach((name, upstream) ->
            upstreams.put(name, upstream.withTls(upstreamTls(reader, "upstream." + name + ".tls.", upstream))));
        return upstreams;
    }

    private static UpstreamTls upstreamTls(ConfigReader reader, String prefix, Upstream upstream)
    {
        String ca = reader.optional(prefix + "ca-file").orElse(null);
        String keystore = reader.optional(prefix + "client-keystore").orElse(null);
        String password = reader.optional(prefix + "client-keystore-password").orElse(null);
        boolean insecure = reader.bool(prefix + "insecure-skip-verify", false);
        // A host-header names the host for TLS too (as in Kong): SNI picks the virtual host's
        // certificate, and servers that compare SNI with Host (Jetty, Apache httpd) take the request.
        String serverName = "https".equals(upstream.scheme()) && upstream.hostHeader() != null
            ? UpstreamSettingsParser.serverName(upstream.hostHeader()) : null;
        if (ca == null && keystore == null && !insecure)
        {
            return serverName == null ? UpstreamTls.DEFAULT : new UpstreamTls(null, null, null, false, serverName);
        }
        if (!"https".equals(upstream.scheme()))
        {
            reader.problem("Keys '" + prefix + "*' are set for an http:// upstream; allowed: only for https:// upstreams.");
            return UpstreamTls.DEFAULT;
        }
        if (ca != null)
        {
            try
            {
                UpstreamTls.trustStore(Path.of(ca));
            }
            catch (Exception x)
            {
                reader.invalid(prefix + "ca-file", ca, "a readable PEM file with the CA certificates to trust");
            }
        }
        if (keystore != null)
        {
            try
            {
                UpstreamTls.clientKeyStore(Path.of(keystore), password);
            }
            catch (java.nio.file.NoSuchFileException x)
            {
                reader.invalid(prefix + "client-keystore", keystore, "a readable PKCS12 key store with the client certificate and key");
            }
            catch (Exception x)
            {
                reader.problem("Key '" + prefix + "client-keystore' names '" + keystore + "', which cannot be opened with "
                    + prefix + "client-keystore-password (wrong password or not PKCS12); allowed: a PKCS12 key store and its password.");
            }
        }
        if (insecure && ca != null)
        {
            reader.problem("Keys '" + prefix + "insecure-skip-verify' and '" + prefix + "ca-file' are both set; allowed: one of them.");
        }
        if (insecure)
        {
            LOG.warn("Upstream '{}' is reached WITHOUT verifying its TLS certificate ({}insecure-skip-verify = true): anyone on the path can impersonate it",
                upstream.name(), prefix);
        }
        return new UpstreamTls(ca == null ? null : Path.of(ca), keystore == null ? null : Path.of(keystore), password, insecure, serverName);
    }

    private static RouteTable routes(ConfigReader reader, Map<String, Upstream> upstreams, Timeouts defaults)
    {
        List<Route> routes = new ArrayList<>();
        for (String name : reader.names("route."))
        {
            String prefix = "route." + name + ".";
            if (!NAME.matcher(name).matches())
            {
                reader.problem("Route name '" + name + "' is not allowed; allowed: letters, digits, '-' and '_', starting with a letter or digit.");
                continue;
            }
            Route route = route(reader, name, prefix, upstreams, defaults);
            if (route != null)
            {
                routes.add(route);
            }
        }
        RouteTable table = new RouteTable(routes);
        table.ties().forEach(reader::problem);
        return table;
    }

    /**
     * An access-log file must be one Sluice can open now, as nginx checks its own at start-up:
     * otherwise every line would be lost, each batch with a warning.
     */
    private static void accessLogFile(ConfigReader reader, String text)
    {
        String key = "exchange.access-log.output";
        java.nio.file.Path file;
        try
        {
            file = java.nio.file.Path.of(text);
        }
        catch (java.nio.file.InvalidPathException x)
        {
            file = null;
        }
        if (file == null || !file.isAbsolute())
        {
            reader.invalid(key, text, "stdout, stderr, slf4j (the logger sluice.access) or an absolute file path");
        }
        else if (java.nio.file.Files.isDirectory(file))
        {
            reader.invalid(key, text, "a file, not a directory");
        }
        else if (file.getParent() == null || !java.nio.file.Files.isDirectory(file.getParent()))
        {
            reader.invalid(key, text, "a file in a directory that exists (" + file.getParent() + " does not)");
        }
        else if (java.nio.file.Files.exists(file) ? !java.nio.file.Files.isWritable(file) : !java.nio.file.Files.isWritable(file.getParent()))
        {
            reader.invalid(key, text, "a file Sluice may write (this one, or its directory, is not writable)");
        }
    }

    /** Whether {@code key} has a value, or names a variable that is not set (reported already). */
    private static boolean given(ConfigReader reader, String key)
    {
        return reader.optional(key).isPresent() || reader.isUnresolved(key);
    }

    /** A route switch ({@code ai}, {@code websocket}) that is off unless set: on or off (true and false are taken too). */
    private static boolean onOff(ConfigReader reader, String key)
    {
        String value = reader.optional(key).orElse("off").toLowerCase(java.util.Locale.ROOT);
        return switch (value)
        {
            case "on", "true" -> true;
            case "off", "false" -> false;
            default ->
            {
                reader.invalid(key, value, "on or off");
                yield false;
            }
        };
    }

    private static Route route(ConfigReader reader, String name, String prefix, Map<String, Upstream> upstreams, Timeouts defaults)
    {
        boolean valid = true;

        PathPattern path = null;
        String pathText = reader.required(prefix + "path", "a path such as /api, =/exact or /api/*/items/**");
        boolean caseSensitive = reader.bool(prefix + "case-sensitive", true);
        if (pathText != null)
        {
            try
            {
                path = PathPattern.parse(pathText, caseSensitive);
            }
            catch (IllegalArgumentException x)
            {
                reader.invalid(prefix + "path", pathText, x.getMessage());
            }
        }
        valid &= path != null;

        List<HostPattern> hosts = new ArrayList<>();
        for (String host : reader.list(prefix + "host"))
        {
            try
            {
                hosts.add(HostPattern.parse(host));
            }
            catch (IllegalArgumentException x)
            {
                reader.invalid(prefix + "host", host, x.getMessage());
                valid = false;
            }
        }

        Set<String> methods = new LinkedHashSet<>();
        for (String method : reader.list(prefix + "methods"))
        {
            if ("CONNECT".equalsIgnoreCase(method))
            {
                reader.invalid(prefix + "methods", method, "HTTP method names such as GET, POST or M-SEARCH, except CONNECT");
                valid = false;
            }
            else if (!method(reader, prefix + "methods", method, "HTTP method names such as GET, POST or M-SEARCH, except CONNECT"))
            {
                valid = false;
            }
            else
            {
                methods.add(method);
            }
        }

        List<HeaderCondition> headers = new ArrayList<>();
        for (String key : reader.keysUnder(prefix + "header."))
        {
            String value = reader.optional(prefix + "header." + key).orElse("");
            if (!TOKEN.matcher(key).matches())
            {
                reader.problem("Key '" + prefix + "header." + key + "' does not name a valid header; allowed: a header name such as X-Version.");
                valid = false;
            }
            else if (!HEADER_VALUE.matcher(value).matches())
            {
                reader.invalid(prefix + "header." + key, value, "a visible ASCII header value, or * for any value");
                valid = false;
            }
            else
            {
                headers.add(new HeaderCondition(key, value));
            }
        }

        boolean ai = onOff(reader, prefix + "ai");
        // An empty value is no value, as everywhere else; one naming an unset variable is reported already.
        boolean answered = given(reader, prefix + "redirect") || given(reader, prefix + "respond");
        String upstream = ai || answered ? reader.optional(prefix + "upstream").orElse(null)
            : reader.required(prefix + "upstream", "the name of a configured upstream.<name> (or redirect, respond, ai = on)");
        if (answered && !ai)
        {
            if (upstream != null)
            {
                reader.invalid(prefix + "upstream", upstream, "nothing: the route answers itself (" + prefix + (given(reader, prefix + "redirect") ? "redirect" : "respond") + ")");
                valid = false;
            }
        }
        else if (ai)
        {
            if (upstream != null)
            {
                reader.invalid(prefix + "upstream", upstream, "nothing: an AI route (" + prefix + "ai = on) is answered by the AI front's providers");
                valid = false;
            }
        }
        else
        {
            valid &= upstream != null && RouteOptionsParser.namesUpstream(reader, prefix + "upstream", upstream, upstreams);
        }

        boolean stripPrefix = reader.bool(prefix + "strip-prefix", false);
        String rewriteText = reader.optional(prefix + "rewrite").orElse(null);
        PathRewrite rewrite = null;
        RouteAnswer answer = null;
        if (answered)
        {
            if (stripPrefix || rewriteText != null)
            {
                reader.problem("Keys '" + prefix + (stripPrefix ? "strip-prefix" : "rewrite") + "' and '" + prefix + (given(reader, prefix + "redirect") ? "redirect" : "respond")
                    + "' are both set; allowed: one of them (a redirect's own path template says where it points).");
                valid = false;
            }
            String[] template = new String[1];
            answer = RouteOptionsParser.answer(reader, prefix, ai, template);
            valid &= answer != null;
            if (template[0] != null && path != null)
            {
                try
                {
                    rewrite = PathRewrite.parse(template[0], path);
                }
                catch (IllegalArgumentException x)
                {
                    reader.invalid(prefix + "redirect", reader.optional(prefix + "redirect").orElse(""), "an http(s) URL or a path; its path " + x.getMessage());
                    valid = false;
                }
            }
            stripPrefix = false;
            rewriteText = null;
        }
        if (stripPrefix && rewriteText != null)
        {
            reader.problem("Keys '" + prefix + "strip-prefix' and '" + prefix + "rewrite' are both set; allowed: one of them.");
            valid = false;
        }
        else if (path != null && (stripPrefix || rewriteText != null))
        {
            String template = stripPrefix ? PathRewrite.STRIP_PREFIX : rewriteText;
            try
            {
                rewrite = PathRewrite.parse(template, path);
            }
            catch (IllegalArgumentException x)
            {
                if (stripPrefix)
                {
                    reader.invalid(prefix + "strip-prefix", "true", "true only when the path is a prefix or ends in /**");
                }
                else
                {
                    reader.invalid(prefix + "rewrite", rewriteText, x.getMessage());
                }
                valid = false;
            }
        }

        boolean preserveHost = reader.bool(prefix + "preserve-host", false);
        boolean rewriteLocation = reader.bool(prefix + "rewrite-location", true);
        Timeouts timeouts = timeouts(reader, prefix, defaults);
        RetryPolicy retry = UpstreamSettingsParser.retryPolicy(reader, prefix);
        boolean websocket = onOff(reader, prefix + "websocket");
        if (websocket && ai)
        {
            reader.invalid(prefix + "websocket", "on", "off on an AI route (" + prefix + "ai = on): the AI front answers it, no upstream takes the upgrade");
            valid = false;
        }
        else if (websocket && upstream != null && upstreams.containsKey(upstream) && upstreams.get(upstream).http2())
        {
            // An HTTP/1.1 upgrade cannot go over HTTP/2, and Jetty's servlet layer has no RFC 8441 tunnels.
            reader.invalid(prefix + "websocket", "on", "off when the route's upstream (" + upstream + ") has http-version = 2: WebSockets go to upstreams over HTTP/1.1");
            valid = false;
        }

        // Off by default, as Jetty and Tomcat refuse them: on for APIs that name things with '/' in
        // one segment (GitLab's group%2Fproject), whose back-ends take %2F as data.
        boolean allowEncodedSlashes = reader.bool(prefix + "allow-encoded-slashes", false);

        Mirror mirror = RouteOptionsParser.mirror(reader, prefix, ai, upstreams);
        valid &= mirror != RouteOptionsParser.INVALID_MIRROR;
        Split split = RouteOptionsParser.split(reader, prefix, upstream, ai || answered, upstreams);
        valid &= split != RouteOptionsParser.INVALID_SPLIT;
        Fault fault = RouteOptionsParser.fault(reader, prefix, ai || answered);
        valid &= fault != RouteOptionsParser.INVALID_FAULT;
        if (answer != null && (websocket || (mirror != null && mirror != RouteOptionsParser.INVALID_MIRROR)))
        {
            reader.problem("Key '" + prefix + (websocket ? "websocket" : "mirror") + "' is set on a route Sluice answers itself ("
                + prefix + (answer.redirect() ? "redirect" : "respond") + "); allowed: on proxied routes only.");
            valid = false;
        }

        if (!valid)
        {
            return null;
        }
        return new Route(name, path, hosts, methods, headers, upstream, rewrite, preserveHost, timeouts, retry, ai, rewriteLocation, websocket, allowEncodedSlashes, mirror, split,
            fault, answer);
    }
}
