// Heads the launcher takes or the upstream sends pass whole with Sluice's own fields added; server.max-request-header-size and proxy.max-response-header-size set how large.
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
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Jetty's upstream client sends heads of at most 8 KiB, the connector's own default limit: a
 * request just under it, with Sluice's forwarding fields added, went over, and was answered 502
 * "could not be reached" and counted against a healthy target (a client could do that at will).
 */
class HeadSizesTest
{
    private static TestUpstream upstream;
    /** Answers with an {@code X-Big} field as long as the request's {@code ?bytes=}. */
    private static TestUpstream bigHeads;
    private static HttpClient h1;
    private static HttpClient h2;

    @BeforeAll
    static void start() throws Exception
    {
        upstream = TestUpstream.start();
        bigHeads = TestUpstream.start(new org.eclipse.jetty.server.Handler.Abstract()
        {
            @Override
            public boolean handle(org.eclipse.jetty.server.Request request, org.eclipse.jetty.server.Response response, org.eclipse.jetty.util.Callback callback)
            {
                int bytes = Integer.parseInt(org.eclipse.jetty.server.Request.extractQueryParameters(request).getValue("bytes"));
                response.getHeaders().put("X-Big", "r".repeat(bytes));
                org.eclipse.jetty.io.Content.Sink.write(response, true, "big head", callback);
                return true;
            }
        });
        h1 = new HttpClient();
        h2 = new HttpClient(new HttpClientTransportOverHTTP2(new HTTP2Client()));
        for (HttpClient client : List.of(h1, h2))
        {
            client.setMaxRequestHeadersSize(256 * 1024);
            client.setMaxResponseHeadersSize(256 * 1024);
            client.setSocketAddressResolver((host, port, context, promise) -> promise.succeeded(List.of(new InetSocketAddress("127.0.0.1", port))));
            client.start();
        }
    }

    @AfterAll
    static void stop() throws Exception
    {
        h1.stop();
        h2.stop();
        upstream.close();
        bigHeads.close();
    }

    private static ContentResponse send(HttpClient client, SluiceUnderTest sluice, int headerBytes) throws Exception
    {
        return client.newRequest("http://127.0.0.1:" + sluice.port() + "/app/x").headers(headers -> headers.put("X-Big", "b".repeat(headerBytes)))
            .timeout(10, TimeUnit.SECONDS).send();
    }

    @Test
    void aHeadJustUnderTheConnectorsLimitReachesTheUpstreamWithSluicesFieldsAdded() throws Exception
    {
        try (SluiceUnderTest sluice = SluiceUnderTest.startAsLauncher("""
            upstream.app.url = %s
            route.app.path = /app
            route.app.upstream = app
            """.formatted(upstream.url())))
        {
            // Jetty's and Tomcat's 8 KiB, less the request line and the client's few fields.
            ContentResponse response = send(h1, sluice, 7_950);
            assertEquals(200, response.getStatus(), response.getContentAsString());
            TestUpstream.Received received = upstream.take();
            assertEquals(7_950, received.headers().get("X-Big").length());
            assertTrue(received.headers().contains("X-Forwarded-For"), received.headers().toString());

            ContentResponse refused = send(h1, sluice, 8_200);
            assertEquals(431, refused.getStatus());
            assertNull(upstream.poll(200));
        }
    }

    @Test
    void maxRequestHeaderSizeRaisesTheLimitOverBothProtocols() throws Exception
    {
        try (SluiceUnderTest sluice = SluiceUnderTest.startAsLauncher("""
            server.h2c = true
            server.max-request-header-size = 32KB
            upstream.app.url = %s
            route.app.path = /app
            route.app.upstream = app
            """.formatted(upstream.url())))
        {
            ContentResponse overHttp1 = send(h1, sluice, 30_000);
            assertEquals(200, overHttp1.getStatus(), overHttp1.getContentAsString());
            assertEquals(30_000, upstream.take().headers().get("X-Big").length());

            ContentResponse overHttp2 = send(h2, sluice, 30_000);
            assertEquals(HttpVersion.HTTP_2, overHttp2.getVersion());
            assertEquals(200, overHttp2.getStatus(), overHttp2.getContentAsString());
            assertEquals(30_000, upstream.take().headers().get("X-Big").length());

            ContentResponse refused = send(h1, sluice, 33_000);
            assertEquals(431, refused.getStatus());
            assertTrue(refused.getContentAsString().contains("\"status\":431"), refused.getContentAsString());
            assertNull(upstream.poll(200));
        }
    }

    /**
     * Upstream heads are taken up to {@code proxy.max-response-header-size} (64 KiB), but the
     * launcher's connector sent at most Jetty's 16 KiB: a 40 KB head left the client with an empty
     * reply, and the log blamed the upstream for an invalid answer.
     */
    @Test
    void aResponseHeadTheUpstreamMaySendReachesTheClientOverBothProtocols() throws Exception
    {
        try (SluiceUnderTest sluice = SluiceUnderTest.startAsLauncher("""
            server.h2c = true
            upstream.big.url = %s
            route.big.path = /big
            route.big.upstream = big
            """.formatted(bigHeads.url())))
        {
            for (HttpClient client : List.of(h1, h2))
            {
                ContentResponse response = client.newRequest("http://127.0.0.1:" + sluice.port() + "/big?bytes=40000").timeout(10, TimeUnit.SECONDS).send();
                assertEquals(200, response.getStatus(), response.getContentAsString());
                assertEquals(40_000, response.getHeaders().get("X-Big").length());
                assertEquals("big head", response.getContentAsString());
            }
            // Past the limit it is the documented 502.
            ContentResponse refused = h1.newRequest("http://127.0.0.1:" + sluice.port() + "/big?bytes=70000").timeout(10, TimeUnit.SECONDS).send();
            assertEquals(502, refused.getStatus());
            assertTrue(refused.getContentAsString().contains("larger or more numerous than Sluice accepts"), refused.getContentAsString());
        }
    }
}
