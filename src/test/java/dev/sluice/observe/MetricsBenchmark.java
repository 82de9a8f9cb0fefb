// JMH: what recording one exchange's metrics costs on the request path (ExchangeFilter's completion).
package dev.sluice.observe;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.sluice.config.ProxySettings;
import dev.sluice.config.Settings;
import dev.sluice.exchange.Exchange;
import dev.sluice.exchange.TrustedProxies;
import dev.sluice.route.PathPattern;
import dev.sluice.route.Route;
import dev.sluice.route.RouteMatch;
import dev.sluice.route.RouteTable;
import dev.sluice.route.Timeouts;
import dev.sluice.upstream.RetryPolicy;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@code bench/jmh.sh MetricsBenchmark}: a plain-route exchange (one upstream attempt) and an
 * authenticated, rate-limited, cached one, recorded into a real registry. Two threads, as on the
 * benchmark machine's two cores, so contention on the shared adders shows.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@Threads(2)
public class MetricsBenchmark
{
    private Metrics metrics;
    private Exchange plain;
    private Exchange governed;

    @Setup
    public void setUp()
    {
        Timeouts timeouts = new Timeouts(Duration.ofSeconds(5), Duration.ofSeconds(60), Duration.ZERO);
        Route route = new Route("api", PathPattern.parse("/api"), List.of(), java.util.Set.of(), List.of(), "backend", null, false, timeouts,
            RetryPolicy.DEFAULT);
        Settings settings = new Settings(Map.of(), new RouteTable(List.of(route)), TrustedProxies.NONE,
            new ProxySettings("sluice", 200, 256, timeouts, 65536, false, Duration.ofSeconds(2), 1024, Duration.ofSeconds(30), 1024, 65536, 100,
                Duration.ofSeconds(10), true), Duration.ZERO, true, dev.sluice.auth.AuthSettings.NONE,
            dev.sluice.ratelimit.RateLimitSettings.NONE, dev.sluice.tls.TransportSettings.NONE, dev.sluice.admin.AdminSettings.OFF,
            dev.sluice.cache.CacheSettings.NONE, "stdout", MetricsSettings.DEFAULT, TracingSettings.OFF, AccessLogRotation.DEFAULT);
        metrics = Metrics.of(new ServletContextHandler().getServletContext());
        plain = exchange(settings, route);
        governed = exchange(settings, route);
        governed.authMethod("api-key");
        governed.rateLimitResult("allowed");
        governed.cacheStatus("MISS");
    }

    private static Exchange exchange(Settings settings, Route route)
    {
        long start = System.nanoTime();
        Exchange exchange = new Exchange("4bf92f3577b34da6a3ce929d0e0e4736", Instant.now(), start, settings, "203.0.113.7", false, "GET", "/api/x");
        exchange.routeMatch(new RouteMatch(route, "/api/x"));
        exchange.attempted("10.0.0.5:8080");
        exchange.upstreamStarted(start + 100_000);
        exchange.upstreamResponded(start + 900_000);
        exchange.addBytesOut(2048);
        return exchange;
    }

    @Benchmark
    public void plainRoute()
    {
        metrics.started(plain);
        metrics.completed(plain, 200, plain.startNanos() + 1_000_000);
    }

    @Benchmark
    public void authRateLimitCache()
    {
        metrics.started(governed);
        metrics.completed(governed, 200, governed.startNanos() + 1_000_000);
    }
}
