// The whole validated configuration; immutable, swapped atomically on reload.
package dev.sluice.config;

import java.time.Duration;
import java.util.Map;

import dev.sluice.admin.AdminSettings;
import dev.sluice.auth.AuthSettings;
import dev.sluice.cache.CacheSettings;
import dev.sluice.exchange.TrustedProxies;
import dev.sluice.ratelimit.RateLimitSettings;
import dev.sluice.tls.TransportSettings;
import dev.sluice.route.RouteTable;
import dev.sluice.upstream.Upstream;

/**
 * One complete, validated configuration. Requests take the snapshot current when they start and
 * keep it to the end; a reload replaces the snapshot for later requests only.
 *
 * @param reloadInterval how often the file is checked for changes; zero turns reloading off
 * @param accessLog whether a JSON access-log line is written per exchange
 * @param accessLogOutput where: {@code stdout}, {@code stderr}, {@code slf4j} (logger {@code sluice.access}) or a file path
 * @param auth consumers, authenticators and each route's policy
 * @param rateLimit where buckets live and each route's limits
 * @param transport HSTS, plain-HTTP policy per route, client-certificate headers
 * @param admin who may call the admin endpoints
 * @param cache storage tiers and each route's caching
 * @param metrics what is recorded and who may scrape it
 * @param tracing where spans are exported, if anywhere
 * @param accessLogRotation when a file access log is rotated
 * @param ai providers, model aliases and who may use them
 * @param guard address, method, size and type guards and CORS, per route
 * @param transform header, query and body transforms, per route
 * @param openapi OpenAPI documents requests are checked against, per route
 * @param compression which answers the launcher gzips for clients that accept it
 */
public record Settings(
    Map<String, Upstream> upstreams,
    RouteTable routes,
    TrustedProxies trustedProxies,
    ProxySettings proxy,
    Duration reloadInterval,
    boolean accessLog,
    AuthSettings auth,
    RateLimitSettings rateLimit,
    TransportSettings transport,
    AdminSettings admin,
    CacheSettings cache,
    String accessLogOutput,
    dev.sluice.observe.MetricsSettings metrics,
    dev.sluice.observe.TracingSettings tracing,
    dev.sluice.observe.AccessLogRotation accessLogRotation,
    dev.sluice.ai.AiSettings ai,
    dev.sluice.guard.GuardSettings guard,
    dev.sluice.transform.TransformSettings transform,
    dev.sluice.openapi.OpenApiSettings openapi,
    dev.sluice.http.CompressionSettings compression)
{
    /** Without an AI front (tests and benchmarks that build settings by hand). */
    public Settings(Map<String, Upstream> upstreams, RouteTable routes, TrustedProxies trustedProxies, ProxySettings proxy, Duration reloadInterval,
        boolean accessLog, AuthSettings auth, RateLimitSettings rateLimit, TransportSettings transport, AdminSettings admin, CacheSettings cache,
        String accessLogOutput, dev.sluice.observe.MetricsSettings metrics, dev.sluice.observe.TracingSettings tracing,
        dev.sluice.observe.AccessLogRotation accessLogRotation)
    {
        this(upstreams, routes, trustedProxies, proxy, reloadInterval, accessLog, auth, rateLimit, transport, admin, cache, accessLogOutput, metrics,
            tracing, accessLogRotation, dev.sluice.ai.AiSettings.NONE, dev.sluice.guard.GuardSettings.NONE,
            dev.sluice.transform.TransformSettings.NONE, dev.sluice.openapi.OpenApiSettings.NONE, dev.sluice.http.CompressionSettings.NONE);
    }

    public Settings
    {
        upstreams = Map.copyOf(upstreams);
    }

    public Upstream upstream(String name)
    {
        return upstreams.get(name);
    }
}
