// HTTP/2 requests are forwarded as the same requests over HTTP/1.1: the authority is the Host, split cookies are one field, a body without a length is a body.
package dev.sluice.proxy;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.sluice.testing.Origin;
import dev.sluice.testing.SluiceUnderTest;
import dev.sluice.testing.TestUpstream;
import org.eclipse.jetty.client.AsyncRequestContent;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.client.transport.HttpClientTransportOverHTTP2;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * HTTP/2 carries the host as the {@code :authority} pseudo-header, which the servlet API shows
 * only in the request URL, never as a {@code Host} header. Read from the header alone, an HTTP/2
 * request had no {@code X-Forwarded-Host}, lost its host on a {@code preserve-host} route, and
 * shared cache entries across every host a route serves. And HTTP/2 frames a body without
 * {@code Content-Length} or {@code Transfer-Encoding}: Jetty's proxy servlet, which looks for
 * either, forwarded such a body as empty.
 */
class Http2RequestsTest
{
    private static TestUpstream upstream;
    private static Origin origin;
    private static SluiceUnderTest sluice;
    private static HttpClient h2;
    private static HttpClient h1;

    @BeforeAll
    static void start() throws Exception
    {
        upstream = TestUpstream.start();
        origin = new Origin();
        sluice = SluiceUnderTest.startAsLauncher("""
            server.h2c = true
            upstream.app.url = %s
            route.app.path = /app
            route.app.upstream = app
            route.kept.path = /kept
            route.kept.upstream = app
            route.kept.preserve-host = true
            route.stored.path = /stored
            route.stored.upstream = app
            route.stored.cache = force
            route.stored.cache.ttl = 1m
            route.typed.path = /typed
            route.typed.upstream = app
            route.typed.guard.content-types = application/json
            route.edited.path = /edited
            route.edited.upstream = app
            route.edited.transform.request.json.set./source = sluice
            upstream.origin.url = %s
            route.swr.path = /swr
            route.swr.upstream = origin
            route.swr.cache = on
            route.swr.preserve-host = true
            route.swr.transform.request.header.set.X-Edited = yes
            """.formatted(upstream.url(), origin.url()));
        h2 = new HttpClient(new HttpClientTransportOverHTTP2(new HTTP2Client()));
        h1 = new HttpClient();
        for (HttpClient client : List.of(h2, h1))
        {
            // Any host name reaches the Sluice under test; the name still goes in the request.
            client.setSocketAddressResolver((host, port, context, promise) -> promise.succeeded(List.of(new InetSocketAddress("127.0.0.1", port))));
            client.start();
        }
    }

    @AfterAll
    static void stop() throws Exception
    {
        h2.stop();
        h1.stop();
        sluice.close();
        upstream.close();
        origin.close();
    }

    private static ContentResponse get(HttpClient client, String host, String path) throws Exception
    {
        ContentResponse response = client.newRequest("http://" + host + ":" + sluice.port() + path).timeout(10, TimeUnit.SECONDS).send();
        assertEquals(200, response.getStatus(), response.getContentAsString());
        return response;
    }

    @Test
    void theAuthorityIsForwardedAsTheHost() throws Exception
    {
        assertEquals(HttpVersion.HTTP_2, get(h2, "shop.example", "/app/x").getVersion());
        TestUpstream.Received received = upstream.take();
        String authority = "shop.example:" + sluice.port();
        assertEquals(authority, received.headers().get("X-Forwarded-Host"));
        assertEquals("for=127.0.0.1;host=\"" + authority + "\";proto=http", received.headers().get("Forwarded"));
        assertEquals("127.0.0.1:" + upstream.port(), received.headers().get("Host"));
    }

    @Test
    void cookiesSplitIntoSeveralFieldsReachTheUpstreamAsOne() throws Exception
    {
        // Browsers send each cookie as a field of its own over HTTP/2 (RFC 9113 §8.2.3 allows it
        // for compression), and a hop to HTTP/1.1 must join them with "; ": many servers read
        // only the first Cookie line, or join repeated lines with ", ", which splits no cookie.
        ContentResponse response = h2.newRequest("http://app.example:" + sluice.port() + "/app/cookies")
            .headers(headers -> headers.add("Cookie", "session=abc").add("Cookie", "theme=dark").add("Cookie", "lang=en"))
            .timeout(10, TimeUnit.SECONDS).send();
        assertEquals(200, response.getStatus());
        TestUpstream.Received received = upstream.take();
        assertEquals(List.of("session=abc; theme=dark; lang=en"), received.headers().getValuesList("Cookie"));
    }

    @Test
    void aRouteThatPreservesTheHostSendsTheAuthority() throws Exception
    {
        get(h2, "shop.example", "/kept/x");
        assertEquals("shop.example:" + sluice.port(), upstream.take().headers().get("Host"));
    }

    /** Sends a body of unknown length (no Content-Length): over HTTP/2, DATA frames alone. */
    private static ContentResponse post(HttpClient client, String path, String type, String body) throws Exception
    {
        AsyncRequestContent content = new AsyncRequestContent(type);
        var listener = new org.eclipse.jetty.client.CompletableResponseListener(
            client.newRequest("http://app.example:" + sluice.port() + path).method("POST").body(content).timeout(10, TimeUnit.SECONDS));
        var future = listener.send();
        content.write(java.nio.ByteBuffer.wrap(body.getBytes(java.nio.charset.StandardCharsets.UTF_8)), org.eclipse.jetty.util.Callback.NOOP);
        content.close();
        return future.get(10, TimeUnit.SECONDS);
    }

    @Test
    void aBodyWithoutALengthIsForwardedWhole() throws Exception
    {
        ContentResponse response = post(h2, "/app/upload", "text/plain", "hello over h2");
        assertEquals(200, response.getStatus(), response.getContentAsString());
        TestUpstream.Received received = upstream.take();
        assertEquals("hello over h2", received.body());

        // A request without a body still goes without one.
        get(h2, "app.example", "/app/nothing");
        TestUpstream.Received bodiless = upstream.take();
        assertEquals(0, bodiless.bodyBytes());
        assertNull(bodiless.headers().get("Transfer-Encoding"), bodiless.headers().toString());
    }

    @Test
    void guardsAndTransformsSeeABodyWithoutALength() throws Exception
    {
        // The guard's content types applied only to bodies with a length: HTTP/2 slipped past it.
        ContentResponse refused = post(h2, "/typed/x", "text/plain", "not json");
        assertEquals(415, refused.getStatus(), refused.getContentAsString());
        assertNull(upstream.poll(200));

        ContentResponse edited = post(h2, "/edited/x", "application/json", "{\"a\":1}");
        assertEquals(200, edited.getStatus(), edited.getContentAsString());
        assertEquals("{\"a\":1,\"source\":\"sluice\"}", upstream.take().body());
    }

    @Test
    void eachHostHasItsOwnCacheEntriesWhateverTheProtocol() throws Exception
    {
        assertEquals("MISS", get(h2, "a.example", "/stored/page").getHeaders().get("X-Cache-Status"));
        upstream.take();
        assertEquals("MISS", get(h2, "b.example", "/stored/page").getHeaders().get("X-Cache-Status"), "b.example got a.example's entry");
        upstream.take();
        assertEquals("HIT", get(h2, "a.example", "/stored/page").getHeaders().get("X-Cache-Status"));
        assertEquals("HIT", get(h1, "a.example", "/stored/page").getHeaders().get("X-Cache-Status"), "HTTP/1.1 and HTTP/2 name the same resource");
    }

    /**
     * The stale-while-revalidate refresh is a request of Sluice's own, sent while a client is
     * answered from the stale copy. It sent no forwarding headers and no header transforms, and
     * on a preserve-host route an HTTP/2 client's host did not reach it.
     */
    @Test
    void aBackgroundRefreshCarriesWhatTheClientsRequestWould() throws Exception
    {
        origin.script("/swr/page", Origin.Answer.of(200, "v1", "Cache-Control", "max-age=1, stale-while-revalidate=60"));
        assertEquals("MISS", get(h2, "shop.example", "/swr/page").getHeaders().get("X-Cache-Status"));
        Thread.sleep(1100);
        assertEquals("STALE", get(h2, "shop.example", "/swr/page").getHeaders().get("X-Cache-Status"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (origin.count("/swr/page") < 2 && System.nanoTime() < deadline)
        {
            Thread.sleep(20);
        }
        assertEquals(2, origin.count("/swr/page"), "one background refresh");
        org.eclipse.jetty.http.HttpFields client = origin.request("/swr/page", 0);
        org.eclipse.jetty.http.HttpFields refresh = origin.request("/swr/page", 1);
        assertEquals("shop.example:" + sluice.port(), refresh.get("Host"));
        for (String name : List.of("Host", "X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "X-Forwarded-Port", "Forwarded", "X-Real-IP",
            "Via", "X-Edited"))
        {
            assertEquals(client.get(name), refresh.get(name), name + " in " + refresh);
        }
    }
}
