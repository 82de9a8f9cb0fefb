// JMH: finding the upstream HTTP client for a request, as every proxied request does (twice).
package dev.sluice.proxy;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import dev.sluice.config.ProxySettings;
import dev.sluice.route.Timeouts;
import dev.sluice.upstream.Upstream;
import dev.sluice.upstream.UpstreamTls;
import org.eclipse.jetty.client.HttpClient;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@code defaultTls} is an upstream without TLS settings of its own (the fast path);
 * {@code keyedTls} an upstream whose TLS settings are equal but another object, which takes the
 * general path every upstream took before: a Key record built and hashed per request.
 * Run with {@code bench/jmh.sh UpstreamClientsBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class UpstreamClientsBenchmark
{
    private UpstreamClients clients;
    private final Duration connect = Duration.ofSeconds(5);
    private final Upstream plain = Upstream.parse("plain", "http://127.0.0.1:8080");
    private final Upstream keyed = plain.withTls(new UpstreamTls(null, null, null, false));

    @Setup
    public void setUp() throws Exception
    {
        Timeouts timeouts = new Timeouts(connect, Duration.ofSeconds(60), Duration.ZERO);
        clients = new UpstreamClients(new ProxySettings("sluice", 8, 256, timeouts, 65536, false, Duration.ofSeconds(2), 1024,
            Duration.ofSeconds(30), 1024, 65536, 100, Duration.ofSeconds(10), false), null);
        clients.forUpstream(connect, plain);
        clients.forUpstream(connect, keyed);
    }

    @TearDown
    public void tearDown()
    {
        clients.close();
    }

    @Benchmark
    public HttpClient defaultTls()
    {
        return clients.forUpstream(connect, plain);
    }

    @Benchmark
    public HttpClient keyedTls()
    {
        return clients.forUpstream(connect, keyed);
    }
}
