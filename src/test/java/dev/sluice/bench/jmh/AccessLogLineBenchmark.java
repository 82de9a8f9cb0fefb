// JMH: the cost of formatting one access-log line (the writer thread's work per request).
package dev.sluice.bench.jmh;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import dev.sluice.config.ProxySettings;
import dev.sluice.config.Settings;
import dev.sluice.exchange.Exchange;
import dev.sluice.exchange.TrustedProxies;
import dev.sluice.observe.AccessLog;
import dev.sluice.route.PathPattern;
import dev.sluice.route.Route;
import dev.sluice.route.RouteMatch;
import dev.sluice.route.RouteTable;
import dev.sluice.route.Timeouts;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class AccessLogLineBenchmark
{
    private Exchange exchange;
    private long end;

    @Setup
    public void setUp()
    {
        Timeouts timeouts = new Timeouts(Duration.ofSeconds(5), Duration.ofSeconds(60), Duration.ZERO);
        Route route = new Route("orders", PathPattern.parse("/api/orders"), List.of(), Set.of(), List.of(), "orders", null, false, timeouts, dev.sluice.upstream.RetryPolicy.DEFAULT);
        Settings settings = new Settings(Map.of(), new RouteTable(List.of(route)), TrustedProxies.NONE,
            new ProxySettings("sluice", 200, 256, timeouts, 65536, false, Duration.ofSeconds(2), 1024, Duration.ofSeconds(30), 1024, 65536, 100, Duration.ofSeconds(10), true), Duration.ZERO, true, dev.sluice.auth.AuthSettings.NONE,
            dev.sluice.ratelimit.RateLimitSettings.NONE, dev.sluice.tls.TransportSettings.NONE, dev.sluice.admin.AdminSettings.OFF, dev.sluice.cache.CacheSettings.NONE,
            "stdout", dev.sluice.observe.MetricsSettings.DEFAULT, dev.sluice.observe.TracingSettings.OFF, dev.sluice.observe.AccessLogRotation.DEFAULT);
        long start = System.nanoTime();
        exchange = new Exchange("4bf92f3577b34da6a3ce929d0e0e4736", Instant.now(), start, settings, "203.0.113.7", false, "POST", "/api/orders/42/items");
        exchange.routeMatch(new RouteMatch(route, "/api/orders/42/items"));
        exchange.upstreamStarted(start + 100_000);
        exchange.upstreamResponded(start + 900_000);
        exchange.addBytesIn(512);
        exchange.addBytesOut(2048);
        end = start + 1_200_000;
    }

    @Benchmark
    public String line()
    {
        return AccessLog.line(exchange, 201, end);
    }

    private static final int BATCH = 64;
    private final java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(64 * 1024);
    private final dev.sluice.observe.TimeText time = new dev.sluice.observe.TimeText();
    private com.fasterxml.jackson.core.JsonGenerator json;

    @Setup
    public void setUpGenerator() throws java.io.IOException
    {
        json = dev.sluice.http.Json.FACTORY.createGenerator(out);
        json.setRootValueSeparator(null);
    }

    /** A batch of lines the way the writer did before: a String per line, then encoded again by PrintStream.print. */
    @Benchmark
    public int batchAsStrings()
    {
        StringBuilder lines = new StringBuilder(4096);
        for (int i = 0; i < BATCH; i++)
        {
            lines.append(AccessLog.line(exchange, 201, end)).append('\n');
        }
        return lines.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    }

    /** The same batch as the writer does it now: one generator writing UTF-8 into one buffer. */
    @Benchmark
    public int batchAsBytes() throws java.io.IOException
    {
        out.reset();
        for (int i = 0; i < BATCH; i++)
        {
            AccessLog.write(json, exchange, 201, end, time);
        }
        json.flush();
        return out.size();
    }
}
