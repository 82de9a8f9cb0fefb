// Pools through the real chain: three or more loopback upstreams behind Sluice with the real web.xml.
package dev.sluice.upstream;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.testing.LogCapture;
import dev.sluice.testing.PoolTarget;
import dev.sluice.testing.SluiceUnderTest;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.StringRequestContent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UpstreamPoolTest
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static HttpClient client;
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private PoolTarget a;
    private PoolTarget b;
    private PoolTarget c;

    @BeforeAll
    static void startClient() throws Exception
    {
        client = new HttpClient();
        client.setMaxConnectionsPerDestination(64);
        client.start();
    }

    @AfterAll
    static void stopClient() throws Exception
    {
        client.stop();
    }

    @BeforeEach
    void startTargets() throws Exception
    {
        a = track(PoolTarget.start("a"));
        b = track(PoolTarget.start("b"));
        c = track(PoolTarget.start("c"));
    }

    @AfterEach
    void closeAll() throws Exception
    {
        for (AutoCloseable closeable : closeables)
        {
            closeable.close();
        }
    }

    private <T extends AutoCloseable> T track(T closeable)
    {
        closeables.add(closeable);
        return closeable;
    }

    private SluiceUnderTest sluice(String upstreamKeys, String routeKeys) throws Exception
    {
        return track(SluiceUnderTest.start("""
            config.reload-interval = 0
            exchange.access-log = false
            route.api.path = /api
            route.api.upstream = api
            """ + routeKeys + "\n" + upstreamKeys));
    }

    private static ContentResponse get(SluiceUnderTest sluice, String path) throws Exception
    {
        return client.newRequest(sluice.uri(path)).timeout(10, TimeUnit.SECONDS).send();
    }

    private static Map<String, Integer> spread(SluiceUnderTest sluice, int requests) throws Exception
    {
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < requests; i++)
        {
            ContentResponse response = get(sluice, "/api/x");
            assertEquals(200, response.getStatus(), response.getContentAsString());
            counts.merge(response.getHeaders().get("X-Served-By"), 1, Integer::sum);
        }
        return counts;
    }

    @Test
    void weightedRoundRobinSharesByWeight() throws Exception
    {
        SluiceUnderTest sluice = sluice("upstream.api.targets = " + a.url() + " weight=1, " + b.url() + " weight=2, " + c.url() + " weight=3", "");
        assertEquals(Map.of("a", 100, "b", 200, "c", 300), spread(sluice, 600));
        assertEquals(100, a.requests());
        assertEquals(300, c.requests());
    }

    /** Runs requests from several threads at once; returns the count per target. */
    private static Map<String, Integer> load(SluiceUnderTest sluice, int threads, int perThread) throws Exception
    {
        Map<String, Integer> counts = new ConcurrentHashMap<>();
        AtomicInteger failures = new AtomicInteger();
        // What each failure was, so a rare one says why.
        List<String> what = new java.util.concurrent.CopyOnWriteArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try
        {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++)
            {
                futures.add(pool.submit(() ->
                {
                    for (int i = 0; i < perThread; i++)
                    {
                        try
                        {
                            ContentResponse response = get(sluice, "/api/x");
                            if (response.getStatus() == 200)
                            {
                                counts.merge(response.getHeaders().get("X-Served-By"), 1, Integer::sum);
                            }
                            else
                            {
                                failures.incrementAndGet();
                                what.add(response.getStatus() + " " + response.getContentAsString());
                            }
                        }
                        catch (Exception x)
                        {
                            failures.incrementAndGet();
                            what.add(x.toString());
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> future : futures)
            {
                future.get(60, TimeUnit.SECONDS);
            }
        }
        finally
        {
            pool.shutdownNow();
        }
        assertEquals(0, failures.get(), "every request answered 200: " + counts + "; failures: " + what);
        return counts;
    }

    @Test
    void leastInFlightGivesASlowTargetASmallShare() throws Exception
    {
        c.delayMillis = 200;
        SluiceUnderTest sluice = sluice("upstream.api.targets = " + a.url() + ", " + b.url() + ", " + c.url()
            + "\nupstream.api.balance = least-in-flight", "");
        Map<String, Integer> counts = load(sluice, 6, 40);
        int slow = counts.getOrDefault("c", 0);
        assertTrue(slow < 240 * 0.10, "the slow target got " + slow + " of 240: " + counts);
    }

    @Test
    void latencyAwareGivesASlowTargetASmallShare() throws Exception
    {
        c.delayMillis = 200;
        SluiceUnderTest sluice = sluice("upstream.api.targets = " + a.url() + ", " + b.url() + ", " + c.url()
            + "\nupstream.api.balance = latency", "");
        Map<String, Integer> counts = load(sluice, 4, 60);
        int slow = counts.getOrDefault("c", 0);
        assertTrue(slow < 240 * 0.05, "the slow target got " + slow + " of 240: " + counts);
    }

    @Test
    void consistentHashingOnAHeaderKeepsEachKeyOnOneTarget() throws Exception
    {
        SluiceUnderTest sluice = sluice("upstream.api.targets = " + a.url() + ", " + b.url() + ", " + c.url()
            + "\nupstream.api.balance = hash\nupstream.api.hash-on = header:X-User", "");
        Map<String, String> home = new HashMap<>();
        for (int round = 0; round < 3; round++)
        {
            for (int user = 0; user < 60; user++)
            {
                String key = "u" + user;
                ContentResponse response = client.newRequest(sluice.uri("/api/x")).headers(h -> h.put("X-User", key)).send();
                String servedBy = response.getHeaders().get("X-Served-By");
                String before = home.putIfAbsent("u" + user, servedBy);
                if (before != null)
                {
                    assertEquals(before, servedBy, "user u" + user + " moved");
                }
            }
        }
        assertEquals(3, new java.util.HashSet<>(home.values()).size(), "keys spread over all targets: " + home);
    }

    @Test
    void killingATargetMidLoadLosesNoIdempotentRequest() throws Exception
    {
        SluiceUnderTest sluice = sluice("upstream.api.targets = " + a.url() + ", " + b.url() + ", " + c.url(), "");
        a.delayMillis = 5;
        b.delayMillis = 5;
        c.delayMillis = 5;
        Thread killer = new Thread(() ->
        {
            try
            {
                Thread.sleep(300);
                b.stop();
            }
            catch (Exception x)
            {
                throw new IllegalStateException(x);
            }
        });
        killer.start();
        // load() asserts that every one of the 600 requests answered 200.
        Map<String, Integer> counts = load(sluice, 6, 100);
        killer.join();
        assertEquals(600, counts.values().stream().mapToInt(Integer::intValue).sum());
        assertTrue(counts.getOrDefault("b", 0) > 0, "b served before it was stopped: " + counts);
    }

    @Test
    void anEjectedTargetReturnsAfterItRecovers() throws Exception
    {
        try (LogCapture log = LogCapture.start())
        {
            SluiceUnderTest sluice = sluice("upstream.api.targets = " + a.url() + ", " + b.url() + ", " + c.url()
                + "\nupstream.api.outlier.consecutive-failures = 3\nupstream.api.outlier.ejection-time = 500ms", "route.api.retries = 0");
            b.status = 503;
            Map<Integer, Integer> failing = new HashMap<>();
            for (int i = 0; i < 30; i++)
            {
                failing.merge(get(sluice, "/api/x").getStatus(), 1, Integer::sum);
            }
            // Three 503s eject b; the other requests are served by a and c.
            assertEquals(Map.of(200, 27, 503, 3), failing);
            assertEquals(1, count(log, "target " + b.authority() + " ejected for 500 ms: 3 consecutive failures"));
            b.status = 200;
            b.reset();
            assertEquals(0, spread(sluice, 9).getOrDefault("b", 0), "still ejected");
            Thread.sleep(600);
            Map<String, Integer> back = spread(sluice, 30);
            assertTrue(back.getOrDefault("b", 0) >= 8, "b is back in the rotation: " + back);
            assertEquals(1, count(log, "target " + b.authority() + " is back in the pool"));
        }
    }

    @Test
    void activeHealthChecksTakeATargetOutAndBringItBack() throws Exception
    {
        SluiceUnderTest sluice = sluice("upstream.api.targets = " + a.url() + ", " + b.url() + ", " + c.url()
            + "\nupstream.api.health.path = /health\nupstream.api.health.interval = 100ms\nupstream.api.health.timeout = 100ms"
            + "\nupstream.api.health.unhealthy-threshold = 2\nupstream.api.health.healthy-threshold = 2", "");
        c.healthStatus = 500;
        waitFor(() -> c.healthChecks() >= 4, "health checks of c");
        Thread.sleep(200);
        c.reset();
        assertEquals(0, spread(sluice, 30).getOrDefault("c", 0), "unhealthy c gets nothing");
        c.healthStatus = 200;
        int checks = c.healthChecks();
        waitFor(() -> c.healthChecks() >= checks + 3, "health checks of c");
        assertTrue(spread(sluice, 30).getOrDefault("c", 0) >= 9, "healthy again");
    }

    @Test
    void zoneAwareRoutingSpillsOverWhenTheLocalZoneIsDown() throws Exception
    {
        SluiceUnderTest sluice = sluice("proxy.zone = eu-1\nupstream.api.targets = " + a.url() + " zone=eu-1, " + b.url() + " zone=eu-2, "
            + c.url() + " zone=eu-2", "");
        assertEquals(Map.of("a", 20), spread(sluice, 20));
        a.stop();
        Map<String, Integer> spilled = spread(sluice, 20);
        assertEquals(20, spilled.getOrDefault("b", 0) + spilled.getOrDefault("c", 0), "every request served in eu-2: " + spilled);
        assertEquals(null, spilled.get("a"));
    }

    @Test
    void noHealthyTargetGives503ProblemWithRetryAfter() throws Exception
    {
        SluiceUnderTest sluice = sluice("upstream.api.targets = http://127.0.0.1:" + dev.sluice.testing.Ports.closed() + ", http://127.0.0.1:" + dev.sluice.testing.Ports.closed()
            + ", http://127.0.0.1:" + dev.sluice.testing.Ports.closed()
            + "\nupstream.api.outlier.consecutive-failures = 1\nupstream.api.outlier.max-ejection-percent = 100"
            + "\nupstream.api.outlier.ejection-time = 20s", "");
        // The first request tries all three targets (two retries), each refuses and is ejected.
        ContentResponse first = get(sluice, "/api/x");
        assertEquals(502, first.getStatus());
        ContentResponse refused = get(sluice, "/api/x");
        assertEquals(503, refused.getStatus());
        assertEquals("application/problem+json", refused.getMediaType());
        JsonNode problem = JSON.readTree(refused.getContent());
        assertEquals("No target of the upstream is healthy; try again later.", problem.get("detail").asText());
        long retryAfter = Long.parseLong(refused.getHeaders().get("Retry-After"));
        assertTrue(retryAfter >= 19 && retryAfter <= 20, "Retry-After " + retryAfter);
    }

    @Test
    void aPostIsRetriedWithItsBodyOnlyWhenItWasNeverSent() throws Exception
    {
        int dead = dev.sluice.testing.Ports.closed();
        SluiceUnderTest sluice = sluice("upstream.api.targets = http://127.0.0.1:" + dead + ", " + a.url()
            + "\nupstream.api.outlier.consecutive-failures = 0", "route.api.retry-on = connect-failure, 503");
        for (int i = 0; i < 10; i++)
        {
            ContentResponse response = client.POST(sluice.uri("/api/orders")).body(new StringRequestContent("order-" + i)).send();
            assertEquals(200, response.getStatus());
            assertEquals("a", response.getHeaders().get("X-Served-By"));
        }
        assertEquals(10, a.bodies().size());
        assertTrue(a.bodies().contains("order-7"));

        // A 503 is retried for GET but a POST that reached the upstream is not sent twice.
        SluiceUnderTest second = sluice("upstream.api.targets = " + b.url() + ", " + c.url(), "route.api.retry-on = connect-failure, 503");
        b.status = 503;
        for (int i = 0; i < 4; i++)
        {
            assertEquals(200, get(second, "/api/x").getStatus());
        }
        b.reset();
        c.reset();
        int posts503 = 0;
        for (int i = 0; i < 4; i++)
        {
            ContentResponse response = client.POST(second.uri("/api/orders")).body(new StringRequestContent("p" + i)).send();
            posts503 += response.getStatus() == 503 ? 1 : 0;
        }
        assertEquals(4, b.requests() + c.requests(), "each POST reached the upstream once");
        assertEquals(b.requests(), posts503);

        // Unless it carries an Idempotency-Key and the route takes them: then its 503 is retried too.
        SluiceUnderTest keyed = sluice("upstream.api.targets = " + b.url() + ", " + c.url(), "route.api.retry-on = connect-failure, 503, idempotency-key");
        b.reset();
        c.reset();
        for (int i = 0; i < 4; i++)
        {
            String key = "key-" + i;
            ContentResponse response = client.POST(keyed.uri("/api/orders")).headers(h -> h.put("Idempotency-Key", key))
                .body(new StringRequestContent("k" + i)).send();
            assertEquals(200, response.getStatus(), "a keyed POST answered 503 was not retried");
        }
        assertEquals(4, c.requests(), "each keyed POST reached the healthy target");
    }

    @Test
    void aLargeBodyIsRetriedWhenItWasNeverSentAndKeptWhole() throws Exception
    {
        int dead = dev.sluice.testing.Ports.closed();
        SluiceUnderTest sluice = sluice("upstream.api.targets = http://127.0.0.1:" + dead + ", " + a.url()
            + "\nupstream.api.outlier.consecutive-failures = 0\nproxy.retry.max-body = 64KB", "");
        String body = "x".repeat(60 * 1024);
        for (int i = 0; i < 4; i++)
        {
            ContentResponse response = client.newRequest(sluice.uri("/api/blob")).method("PUT").body(new StringRequestContent(body + i)).send();
            assertEquals(200, response.getStatus());
        }
        assertEquals(4, a.bodies().size());
        assertEquals(body.length() + 1, a.bodies().get(3).length());
    }

    @Test
    void theRetryBudgetCapsRetries() throws Exception
    {
        int dead = dev.sluice.testing.Ports.closed();
        SluiceUnderTest sluice = sluice("upstream.api.targets = http://127.0.0.1:" + dead + ", " + a.url()
            + "\nupstream.api.outlier.consecutive-failures = 0\nupstream.api.retry.budget = 0%\nupstream.api.retry.min-per-second = 0"
            + "\nupstream.api.balance = round-robin", "");
        Map<Integer, Integer> statuses = new HashMap<>();
        for (int i = 0; i < 10; i++)
        {
            statuses.merge(get(sluice, "/api/x").getStatus(), 1, Integer::sum);
        }
        // Round-robin alternates; with no budget the dead target's half is never retried.
        assertEquals(Map.of(200, 5, 502, 5), statuses);
    }

    private static long count(LogCapture log, String text)
    {
        return log.lines().stream().filter(line -> line.contains(text)).count();
    }

    private static void waitFor(java.util.function.BooleanSupplier condition, String what) throws InterruptedException
    {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() > deadline)
            {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }
}
