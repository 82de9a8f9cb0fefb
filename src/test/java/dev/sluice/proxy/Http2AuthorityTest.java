// An HTTP/2 request's authority is its Host: forwarded, preserved and part of the cache key as an HTTP/1.1 Host is.
package dev.sluice.proxy;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.sluice.testing.SluiceUnderTest;
import dev.sluice.testing.TestUpstream;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.client.transport.HttpClientTransportOverHTTP2;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * HTTP/2 carries the host as the {@code :authority} pseudo-header, which the servlet API shows
 * only in the request URL, never as a {@code Host} header. Read from the header alone, an HTTP/2
 * request had no {@code X-Forwarded-Host}, lost its host on a {@code preserve-host} route, and
 * shared cache entries across every host a route serves.
 */
class Http2AuthorityTest
{
    private static TestUpstream upstream;
    private static SluiceUnderTest sluice;
    private static HttpClient h2;
    private static HttpClient h1;

    @BeforeAll
    static void start() throws Exception
    {
        upstream = TestUpstream.start();
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
            """.formatted(upstream.url()));
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
    void aRouteThatPreservesTheHostSendsTheAuthority() throws Exception
    {
        get(h2, "shop.example", "/kept/x");
        assertEquals("shop.example:" + sluice.port(), upstream.take().headers().get("Host"));
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
}
