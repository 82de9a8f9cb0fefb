// JMH: what the upstream request-header policy costs per request, and the share of the underscore-name scan in it.
package dev.sluice.proxy;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.sluice.config.Settings;
import dev.sluice.config.SettingsParser;
import dev.sluice.exchange.Exchange;
import org.eclipse.jetty.http.HttpFields;
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

/**
 * Twelve headers as a browser-ish API client sends them. {@code apply} is the whole policy
 * (the hardening issue added the underscore check to it); {@code removalPass} is the one pass that
 * drops owned and underscore names, which replaced about 20 separate removals.
 * Run with {@code bench/jmh.sh UpstreamRequestHeadersBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class UpstreamRequestHeadersBenchmark
{
    private Exchange exchange;
    private HttpFields template;

    @Setup
    public void setUp() throws Exception
    {
        Settings settings = SettingsParser.parse("bench", Map.of(
            "upstream.app.url", "http://127.0.0.1:9",
            "route.app.path", "/api",
            "route.app.upstream", "app"), name -> null);
        exchange = new Exchange("4bf92f3577b34da6a3ce929d0e0e4736", Instant.now(), System.nanoTime(), settings, "203.0.113.7", false, "GET", "/api/x");
        exchange.routeMatch(settings.routes().match(new dev.sluice.route.RouteRequest("localhost", "GET",
            dev.sluice.route.RequestPath.parse("/api/x"), name -> null)));
        template = HttpFields.build()
            .add("Accept", "application/json")
            .add("Accept-Encoding", "gzip, deflate, br")
            .add("Accept-Language", "en-GB,en;q=0.9")
            .add("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36")
            .add("Authorization", "Bearer eyJhbGciOiJSUzI1NiJ9.e30.c2ln")
            .add("Cookie", "session=abc; theme=dark")
            .add("X-Api-Version", "2")
            .add("X-Correlation-ID", "c0ffee")
            .add("If-None-Match", "\"v1\"")
            .add("Cache-Control", "no-cache")
            .add("Referer", "https://app.example.com/orders")
            .add("Origin", "https://app.example.com")
            .asImmutable();
    }

    @Benchmark
    public HttpFields.Mutable apply()
    {
        HttpFields.Mutable headers = HttpFields.build(template);
        UpstreamRequestHeaders.apply(exchange, "api.example.com", null, headers);
        return headers;
    }

    @Benchmark
    public HttpFields.Mutable copyOnly()
    {
        return HttpFields.build(template);
    }

    /** The removals as they were before the single pass, kept here to measure side by side. */
    @Benchmark
    public HttpFields.Mutable previousRemovals()
    {
        HttpFields.Mutable headers = HttpFields.build(template);
        for (java.util.ListIterator<org.eclipse.jetty.http.HttpField> fields = headers.listIterator(); fields.hasNext();)
        {
            if (fields.next().getLowerCaseName().indexOf('_') >= 0)
            {
                fields.remove();
            }
        }
        java.util.Set.of("x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-forwarded-port", "x-forwarded-server", "x-real-ip",
            "forwarded", "via", "x-request-id").forEach(headers::remove);
        exchange.settings().auth().strippedHeaders().forEach(headers::remove);
        dev.sluice.tls.TransportSettings.STRIPPED_HEADERS.forEach(headers::remove);
        return headers;
    }

    /** The forwarding fields as they were set before 2026-12-07: each a put, which scans every header for its name. */
    @Benchmark
    public HttpFields.Mutable forwardingPut()
    {
        HttpFields.Mutable headers = HttpFields.build(template);
        for (String[] field : FORWARDING)
        {
            headers.put(field[0], field[1]);
        }
        return headers;
    }

    /** The same fields added: the policy has dropped the client's own already. */
    @Benchmark
    public HttpFields.Mutable forwardingAdd()
    {
        HttpFields.Mutable headers = HttpFields.build(template);
        for (String[] field : FORWARDING)
        {
            headers.add(field[0], field[1]);
        }
        return headers;
    }

    private static final String[][] FORWARDING = {
        {dev.sluice.http.HeaderNames.X_FORWARDED_FOR, "203.0.113.7"}, {dev.sluice.http.HeaderNames.X_FORWARDED_PROTO, "https"},
        {dev.sluice.http.HeaderNames.X_FORWARDED_HOST, "api.example.com"}, {dev.sluice.http.HeaderNames.X_FORWARDED_PORT, "443"},
        {dev.sluice.http.HeaderNames.FORWARDED, "for=203.0.113.7;proto=https;host=api.example.com"},
        {dev.sluice.http.HeaderNames.X_REAL_IP, "203.0.113.7"}, {dev.sluice.http.HeaderNames.VIA, "1.1 sluice"},
    };

    @Benchmark
    public HttpFields.Mutable removalPass()
    {
        HttpFields.Mutable headers = HttpFields.build(template);
        UpstreamRequestHeaders.dropOwnedAndUnderscoreNames(exchange, headers);
        return headers;
    }
}
