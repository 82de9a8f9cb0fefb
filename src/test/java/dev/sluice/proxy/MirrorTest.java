// route.<name>.mirror: copies of a route's requests to a second upstream, their answers thrown away.
package dev.sluice.proxy;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import dev.sluice.testing.PrometheusText;
import dev.sluice.testing.SluiceUnderTest;
import dev.sluice.testing.TestUpstream;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.StringRequestContent;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Shadow traffic (nginx {@code mirror}, Envoy's request mirroring): a new back-end sees real
 * requests while clients keep the old one's answers. What a user relies on: the copy is the
 * request the primary got (method, path, query, headers, body), the client never waits for it or
 * sees it fail, and what is not copied (too large, too many under way, refused before the proxy)
 * is not.
 */
class MirrorTest
{
    private static final String KEY = "mirror-test-key-0123456789abcdef";
    private static final String ADMIN = "mirror-test-admin-0123456789";

    private static TestUpstream primary;
    private static TestUpstream shadow;
    private static TestUpstream held;
    private static volatile CountDownLatch release = new CountDownLatch(0);
    private static SluiceUnderTest sluice;
    private static HttpClient client;

    @BeforeAll
    static void start() throws Exception
    {
        primary = TestUpstream.start();
        shadow = TestUpstream.start();
        held = TestUpstream.start(new Handler.Abstract()
        {
            @Override
            public boolean handle(org.eclipse.jetty.server.Request request, org.eclipse.jetty.server.Response response, Callback callback) throws Exception
            {
                held.offer(TestUpstream.record(request));
                release.await(10, TimeUnit.SECONDS);
                Content.Sink.write(response, true, "held", callback);
                return true;
            }
        });
        int closed = dev.sluice.testing.Ports.closed();
        sluice = SluiceUnderTest.start("""
            upstream.primary.url = %1$s
            upstream.primary.host-header = primary.internal
            upstream.shadow.url = %2$s/shadow
            upstream.held.url = %3$s
            upstream.down.url = http://127.0.0.1:%4$d
            consumer.tester.api-key.main = sha256:%5$s
            route.api.path = /api
            route.api.upstream = primary
            route.api.strip-prefix = true
            route.api.mirror = shadow
            route.small.path = /small
            route.small.upstream = primary
            route.small.mirror = shadow
            route.small.mirror.max-body = 16
            route.none.path = /none
            route.none.upstream = primary
            route.none.mirror = shadow
            route.none.mirror.percent = 0%%
            route.keyed.path = /keyed
            route.keyed.upstream = primary
            route.keyed.auth = api-key
            route.keyed.mirror = shadow
            route.held.path = /held
            route.held.upstream = primary
            route.held.mirror = held
            route.held.mirror.max-in-flight = 1
            route.down.path = /down
            route.down.upstream = primary
            route.down.mirror = down
            admin.token = demo:%6$s
            """.formatted(primary.url(), shadow.url(), held.url(), closed, dev.sluice.testing.KeyHashes.sha256(KEY), ADMIN));
        client = new HttpClient();
        client.start();
    }

    @AfterAll
    static void stop() throws Exception
    {
        release.countDown();
        client.stop();
        sluice.close();
        held.close();
        shadow.close();
        primary.close();
    }

    private static Request request(String path)
    {
        return client.newRequest(sluice.uri(path)).timeout(10, TimeUnit.SECONDS);
    }

    private static double metric(String route, String outcome) throws Exception
    {
        String text = request("/-/metrics").headers(headers -> headers.put("Authorization", "Bearer " + ADMIN)).send().getContentAsString();
        PrometheusText metrics = PrometheusText.parse(text, false);
        return metrics.samples().stream()
            .filter(sample -> sample.name().equals("sluice_mirror_requests_total") && route.equals(sample.label("route")) && outcome.equals(sample.label("outcome")))
            .mapToDouble(PrometheusText.Sample::value).sum();
    }

    /** Counters move when the copy's outcome is known, after the client has its answer. */
    private static void awaitMetric(String route, String outcome, double expected) throws Exception
    {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        double value;
        while ((value = metric(route, outcome)) < expected && System.nanoTime() < deadline)
        {
            Thread.sleep(50);
        }
        assertEquals(expected, value, "sluice_mirror_requests_total{route=" + route + ", outcome=" + outcome + "}");
    }

    @Test
    void theMirrorGetsTheRequestThePrimaryGotAndTheClientThePrimarysAnswer() throws Exception
    {
        ContentResponse response = request("/api/items?x=1&y=%20z")
            .headers(headers -> headers.put("X-Custom", "kept").put("X-Consumer-ID", "forged").put("X-Request-ID", "mirror-get-1"))
            .send();
        assertEquals(200, response.getStatus());
        assertEquals("upstream ok", response.getContentAsString());
        TestUpstream.Received first = primary.take();
        TestUpstream.Received copy = shadow.take();
        assertEquals("GET", copy.method());
        assertEquals("/items?x=1&y=%20z", first.target());
        assertEquals("/shadow/items?x=1&y=%20z", copy.target(), "the mirror's own base path, the route's rewrite, the same query");
        assertEquals("kept", copy.headers().get("X-Custom"));
        assertNull(copy.headers().get("X-Consumer-ID"), "identity headers a client sends are dropped for the copy too");
        assertEquals("mirror-get-1", copy.headers().get("X-Request-ID"), "one request id for the request and its copy");
        assertEquals(first.headers().get("X-Forwarded-For"), copy.headers().get("X-Forwarded-For"));
        assertEquals("primary.internal", first.headers().get("Host"));
        assertEquals("127.0.0.1:" + shadow.port(), copy.headers().get("Host"), "the Host of the mirror's target, not the primary's host-header");
        awaitMetric("api", "answered", 1);
    }

    @Test
    void theAdminApiShowsARoutesMirror() throws Exception
    {
        String routes = request("/-/admin/routes").headers(headers -> headers.put("Authorization", "Bearer " + ADMIN)).send().getContentAsString();
        com.fasterxml.jackson.databind.JsonNode small = null;
        for (com.fasterxml.jackson.databind.JsonNode route : new com.fasterxml.jackson.databind.ObjectMapper().readTree(routes).get("routes"))
        {
            small = route.get("name").asText().equals("small") ? route : small;
        }
        assertNotNull(small, routes);
        assertEquals("shadow", small.get("mirror").get("upstream").asText());
        assertEquals(16, small.get("mirror").get("max_body").asLong());
        assertEquals(100, small.get("mirror").get("percent").asInt());
    }

    @Test
    void aBodyIsCopiedWhole() throws Exception
    {
        byte[] body = new byte[20_000];
        for (int i = 0; i < body.length; i++)
        {
            body[i] = (byte)('a' + i % 26);
        }
        ContentResponse response = request("/api/orders").method("POST").body(new BytesRequestContent("application/json", body)).send();
        assertEquals(200, response.getStatus());
        TestUpstream.Received first = primary.take();
        TestUpstream.Received copy = shadow.take();
        assertEquals("POST", copy.method());
        assertArrayEquals(body, first.bodyStart());
        assertArrayEquals(body, copy.bodyStart());
        assertEquals("application/json", copy.headers().get("Content-Type"));
    }

    @Test
    void bodiesOverMaxBodyOrOfUnknownLengthReachThePrimaryOnly() throws Exception
    {
        ContentResponse small = request("/small").method("POST").body(new StringRequestContent("short")).send();
        assertEquals(200, small.getStatus());
        assertEquals("short", primary.take().body());
        assertEquals("short", shadow.take().body(), "within mirror.max-body (16 bytes): copied");

        String large = "x".repeat(100);
        ContentResponse over = request("/small").method("POST").body(new StringRequestContent(large)).send();
        assertEquals(200, over.getStatus());
        assertEquals(large, primary.take().body());

        dev.sluice.testing.RawHttp.Reply unknown = dev.sluice.testing.RawHttp.send(sluice.port(), "POST /small HTTP/1.1", "Host: 127.0.0.1",
            "Transfer-Encoding: chunked", "Connection: close", "", "8", "streamed", "0");
        assertEquals(200, unknown.status());
        assertEquals("streamed", primary.take().body());

        assertNull(shadow.poll(500), "neither the long body nor the one of unknown length was copied");
        awaitMetric("small", "skipped", 2);
    }

    @Test
    void theClientDoesNotWaitForTheMirrorAndCopiesPastMaxInFlightAreSkipped() throws Exception
    {
        release = new CountDownLatch(1);
        try
        {
            ContentResponse first = request("/held/1").send();
            assertEquals("upstream ok", first.getContentAsString(), "answered while the mirror still holds its copy");
            assertEquals("/held/1", held.take().target());
            primary.take();

            ContentResponse second = request("/held/2").send();
            assertEquals(200, second.getStatus());
            primary.take();
            assertNull(held.poll(500), "one copy under way is mirror.max-in-flight here: the second is not sent");
            awaitMetric("held", "skipped", 1);
        }
        finally
        {
            release.countDown();
        }
        awaitMetric("held", "answered", 1);
        ContentResponse third = request("/held/3").send();
        assertEquals(200, third.getStatus());
        primary.take();
        assertEquals("/held/3", held.take().target(), "the slot is free again once the copy's answer is in");
    }

    @Test
    void aStoppingSluiceLetsCopiesUnderWayGetTheirAnswers() throws Exception
    {
        java.util.concurrent.atomic.AtomicReference<String> written = new java.util.concurrent.atomic.AtomicReference<>();
        try (TestUpstream slowMirror = TestUpstream.start(new Handler.Abstract()
        {
            @Override
            public boolean handle(org.eclipse.jetty.server.Request request, org.eclipse.jetty.server.Response response, Callback callback) throws Exception
            {
                Thread.sleep(2500);
                Content.Sink.write(response, true, "late", Callback.from(() ->
                {
                    written.set("written");
                    callback.succeeded();
                }, failure ->
                {
                    written.set("cut: " + failure);
                    callback.failed(failure);
                }));
                return true;
            }
        }))
        {
            SluiceUnderTest stopping = SluiceUnderTest.start("""
                upstream.primary.url = %s
                upstream.slow.url = %s
                route.copied.path = /copied
                route.copied.upstream = primary
                route.copied.mirror = slow
                """.formatted(primary.url(), slowMirror.url()));
            ContentResponse response = client.newRequest(stopping.uri("/copied/x")).timeout(10, TimeUnit.SECONDS).send();
            assertEquals(200, response.getStatus());
            primary.take();
            long started = System.nanoTime();
            stopping.close();
            long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            assertEquals("written", written.get(), "the copy's answer was read, not cut, by a stop that waited " + tookMillis + " ms");
            // Stopping takes about a second of its own; the copy needs longer than that.
            assertTrue(tookMillis >= 1500 && tookMillis < 9000, tookMillis + " ms");
        }
    }

    @Test
    void aMirrorThatIsDownChangesNothingForTheClient() throws Exception
    {
        for (int i = 0; i < 3; i++)
        {
            ContentResponse response = request("/down/" + i).send();
            assertEquals(200, response.getStatus());
            assertEquals("upstream ok", response.getContentAsString());
            primary.take();
        }
        awaitMetric("down", "failed", 3);
    }

    @Test
    void nothingIsCopiedAtZeroPercentNorWhatIsRefusedBeforeTheProxy() throws Exception
    {
        assertEquals(200, request("/none/a").send().getStatus());
        primary.take();
        assertEquals(401, request("/keyed/a").send().getStatus());
        assertEquals(200, request("/keyed/b").headers(headers -> headers.put("apikey", KEY)).send().getStatus());
        primary.take();
        TestUpstream.Received copy = shadow.take();
        assertEquals("/shadow/keyed/b", copy.target(), "only the authenticated request was copied");
        assertNotNull(copy.headers().get("X-Consumer-ID"), "with the identity Sluice sent the primary");
        assertNull(shadow.poll(500));
        assertEquals(0, metric("none", "answered") + metric("none", "skipped"), "at 0% no request is even sampled");
    }
}
