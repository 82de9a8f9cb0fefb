// What a proxied request looks like upstream, and what the client gets back.
package dev.sluice.proxy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import dev.sluice.testing.RawHttp;
import dev.sluice.testing.SluiceUnderTest;
import dev.sluice.testing.TestUpstream;
import org.eclipse.jetty.client.AsyncRequestContent;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpFields;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a request looks like when it reaches the upstream, and what comes back. */
class ProxyForwardingTest
{
    private static TestUpstream upstream;
    private static SluiceUnderTest sluice;
    private static HttpClient client;

    @BeforeAll
    static void start() throws Exception
    {
        upstream = TestUpstream.start();
        sluice = SluiceUnderTest.start("""
            upstream.app.url = %1$s
            upstream.based.url = %1$s/base/
            route.app.path = /app
            route.app.upstream = app
            route.webdav.path = /app/dav
            route.webdav.upstream = app
            route.webdav.methods = M-SEARCH, PROPFIND
            route.strip.path = /strip
            route.strip.upstream = based
            route.strip.strip-prefix = true
            route.rewrite.path = /v2/*/orders/**
            route.rewrite.upstream = app
            route.rewrite.rewrite = /api/users/{1}/orders/{**}
            route.host.path = /host
            route.host.upstream = app
            route.host.preserve-host = true
            upstream.pair.targets = %1$s, http://localhost:%2$d
            route.retried.path = /retried
            route.retried.upstream = pair
            route.retried.retries = 1
            """.formatted(upstream.url(), upstream.port()));
        client = new HttpClient();
        client.start();
    }

    @AfterAll
    static void stop() throws Exception
    {
        client.stop();
        sluice.close();
        upstream.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
    void everyStandardMethodIsForwarded(String method) throws Exception
    {
        ContentResponse response = client.newRequest(sluice.uri("/app/m")).method(method).timeout(10, TimeUnit.SECONDS).send();
        assertEquals(200, response.getStatus());
        TestUpstream.Received received = upstream.take();
        assertEquals(method, received.method());
        assertEquals("/app/m", received.target());
    }

    @ParameterizedTest
    @ValueSource(strings = {"M-SEARCH", "PROPFIND"})
    void extensionMethodsAreForwardedWhereTheRouteNamesThem(String method) throws Exception
    {
        ContentResponse refused = client.newRequest(sluice.uri("/app/m")).method(method).timeout(10, TimeUnit.SECONDS).send();
        assertEquals(405, refused.getStatus());
        assertEquals("GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS", refused.getHeaders().get("Allow"));
        assertNull(upstream.poll(200));
        ContentResponse response = client.newRequest(sluice.uri("/app/dav/m")).method(method).timeout(10, TimeUnit.SECONDS).send();
        assertEquals(200, response.getStatus());
        assertEquals(method, upstream.take().method());
    }

    @ParameterizedTest
    @ValueSource(strings = {"get", "Post", "trace", "Trace", "connect", "propfind"})
    void methodsInAnotherCaseAreRefusedNeverFolded(String method) throws Exception
    {
        RawHttp.Reply reply = RawHttp.send(sluice.port(), method + " /app/dav/m HTTP/1.1", "Host: localhost", "Cookie: session=secret",
            "Connection: close");
        assertEquals(405, reply.status(), reply.head());
        assertTrue(reply.body().contains("\"type\":\"urn:sluice:problem:method-not-allowed\""), reply.body());
        assertFalse(reply.body().contains("secret"), reply.body());
        assertNull(upstream.poll(200));
    }

    @Test
    void traceIsRefusedNotForwarded() throws Exception
    {
        // TRACE echoes cookies and Authorization back (cross-site tracing); nginx refuses it too.
        ContentResponse response = client.newRequest(sluice.uri("/app/m")).method("TRACE").send();
        assertEquals(405, response.getStatus());
        assertEquals("application/problem+json", response.getMediaType());
        assertTrue(response.getContentAsString().contains("\"type\":\"urn:sluice:problem:method-not-allowed\""), response.getContentAsString());
        assertNull(upstream.poll(200));
    }

    @Test
    void theQueryStringPassesExactlyAsSent() throws Exception
    {
        String query = "b=2&a=1&a=%20+x&empty=&flag&enc=%2F%3F%26&utf=%C3%A9";
        RawHttp.Reply reply = RawHttp.send(sluice.port(), "GET /app/q?" + query + " HTTP/1.1", "Host: localhost", "Connection: close");
        assertEquals(200, reply.status());
        assertEquals("/app/q?" + query, upstream.take().target());
    }

    @Test
    void thePrefixIsStrippedAndTheUpstreamBasePathPrepended() throws Exception
    {
        assertEquals(200, client.GET(sluice.uri("/strip/a/b%20c?x=1")).getStatus());
        TestUpstream.Received stripped = upstream.take();
        assertEquals("/base/a/b%20c?x=1", stripped.target());
        // What the application puts in front of its own paths in the URLs it builds for clients.
        assertEquals("/strip", stripped.headers().get("X-Forwarded-Prefix"));
        assertEquals(200, client.GET(sluice.uri("/strip")).getStatus());
        TestUpstream.Received root = upstream.take();
        assertEquals("/base", root.target());
        assertEquals("/strip", root.headers().get("X-Forwarded-Prefix"));
    }

    @Test
    void aRewriteTemplateUsesTheCapturedSegments() throws Exception
    {
        assertEquals(200, client.GET(sluice.uri("/v2/bob/orders/7")).getStatus());
        TestUpstream.Received received = upstream.take();
        assertEquals("/api/users/bob/orders/7", received.target());
        assertNull(received.headers().get("X-Forwarded-Prefix"), "no prefix describes this rewrite");
    }

    @Test
    void hopByHopHeadersAndThoseNamedInConnectionAreRemoved() throws Exception
    {
        RawHttp.Reply reply = RawHttp.send(sluice.port(),
            "GET /app/h HTTP/1.1",
            "Host: client.example",
            "Connection: close, X-Hop-Secret",
            "X-Hop-Secret: 1",
            "Keep-Alive: timeout=5",
            "TE: gzip;q=0.5, trailers",
            "Proxy-Authorization: Basic cHJveHk6c2VjcmV0",
            "Proxy-Connection: keep-alive",
            "X-End-To-End: kept");
        assertEquals(200, reply.status());
        HttpFields headers = upstream.take().headers();
        for (String hop : new String[]{"X-Hop-Secret", "Keep-Alive", "Proxy-Authorization", "Proxy-Connection"})
        {
            assertNull(headers.get(hop), hop + " reached the upstream");
        }
        // The client's transfer codings are its own hop's; that it takes trailers, which Sluice
        // passes on, is said upstream (RFC 9110 §10.1.4), as gRPC servers expect.
        assertEquals("trailers", headers.get("TE"));
        assertEquals("kept", headers.get("X-End-To-End"));
        assertFalse(headers.getValuesList("Connection").contains("X-Hop-Secret"));
        assertEquals("127.0.0.1:" + upstream.port(), headers.get("Host"));
    }

    @Test
    void forwardingHeadersDescribeTheClientConnection() throws Exception
    {
        RawHttp.Reply reply = RawHttp.send(sluice.port(),
            "GET /app/f HTTP/1.1",
            "Host: api.example.com:8443",
            "X-Forwarded-For: 6.6.6.6",
            "X-Forwarded-Proto: https",
            "X-Forwarded-Host: evil.example",
            "X-Forwarded-Port: 1",
            "Forwarded: for=6.6.6.6;proto=https",
            "Via: 1.0 earlier-hop",
            "X-Real-IP: 6.6.6.6",
            "X-Forwarded-Server: evil",
            "X-Forwarded-Prefix: /evil",
            "X-Original-URL: /admin",
            "X-Rewrite-URL: /admin",
            "Connection: close");
        assertEquals(200, reply.status());
        HttpFields headers = upstream.take().headers();
        // The peer is not a trusted proxy: what it claimed is replaced, not passed on.
        assertEquals("127.0.0.1", headers.get("X-Forwarded-For"));
        assertEquals("http", headers.get("X-Forwarded-Proto"));
        assertEquals("api.example.com:8443", headers.get("X-Forwarded-Host"));
        assertEquals(Integer.toString(sluice.port()), headers.get("X-Forwarded-Port"));
        assertEquals("for=127.0.0.1;host=\"api.example.com:8443\";proto=http", headers.get("Forwarded"));
        assertEquals("1.1 sluice", headers.get("Via"));
        assertEquals(1, headers.getValuesList("X-Forwarded-For").size());
        assertEquals("127.0.0.1", headers.get("X-Real-IP"));
        assertNull(headers.get("X-Forwarded-Server"));
        assertNull(headers.get("X-Forwarded-Prefix"), "the route passed the path unchanged");
        // Path overrides some frameworks honoured from anyone: /app/f naming /admin.
        assertNull(headers.get("X-Original-URL"));
        assertNull(headers.get("X-Rewrite-URL"));
    }

    @Test
    void hostIsTheUpstreamsUnlessTheRoutePreservesIt() throws Exception
    {
        RawHttp.send(sluice.port(), "GET /host HTTP/1.1", "Host: api.example.com", "Connection: close");
        assertEquals("api.example.com", upstream.take().headers().get("Host"));
    }

    @Test
    void aSaneRequestIdIsKeptAndSentBothWays() throws Exception
    {
        ContentResponse response = client.newRequest(sluice.uri("/app/id")).headers(h -> h.put("X-Request-ID", "abc-123.X_y:z")).send();
        assertEquals("abc-123.X_y:z", response.getHeaders().get("X-Request-ID"));
        assertEquals("abc-123.X_y:z", upstream.take().headers().get("X-Request-ID"));
    }

    @Test
    void anUnusableRequestIdIsReplaced() throws Exception
    {
        ContentResponse response = client.newRequest(sluice.uri("/app/id")).headers(h -> h.put("X-Request-ID", "has spaces\"and quotes")).send();
        String id = response.getHeaders().get("X-Request-ID");
        assertTrue(id.matches("[0-9a-f]{32}"), id);
        assertEquals(id, upstream.take().headers().get("X-Request-ID"));
        assertEquals(1, response.getHeaders().getValuesList("X-Request-ID").size());
    }

    @Test
    void noMatchingRouteIsA404Problem() throws Exception
    {
        ContentResponse response = client.GET(sluice.uri("/nothing/here"));
        assertEquals(404, response.getStatus());
        assertEquals("application/problem+json", response.getMediaType());
        String id = response.getHeaders().get("X-Request-ID");
        // The trace id is new for this request (none was sent): any 32 hex digits.
        String body = response.getContentAsString();
        assertTrue(body.matches("\\{\"type\":\"urn:sluice:problem:no-route\",\"title\":\"No route matches this request\",\"status\":404,"
            + "\"detail\":\"No route matches this method, host and path.\",\"request_id\":\"" + id + "\",\"trace_id\":\"[0-9a-f]{32}\"}\n"), body);
        assertNull(upstream.poll(100));
    }

    @Test
    void chunkedBodiesStreamBothWays() throws Exception
    {
        byte[] chunk = new byte[64 * 1024];
        java.util.Arrays.fill(chunk, (byte)'x');
        AsyncRequestContent content = new AsyncRequestContent();
        var listener = new org.eclipse.jetty.client.CompletableResponseListener(
            client.newRequest(sluice.uri("/app/upload")).method("POST").body(content), 1024);
        var future = listener.send();
        for (int i = 0; i < 160; i++)
        {
            content.write(ByteBuffer.wrap(chunk), org.eclipse.jetty.util.Callback.NOOP);
        }
        content.close();
        ContentResponse response = future.get(30, TimeUnit.SECONDS);
        assertEquals(200, response.getStatus());
        TestUpstream.Received received = upstream.take();
        assertEquals(160L * chunk.length, received.bodyBytes());
        assertEquals("chunked", received.headers().get("Transfer-Encoding"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"/app/untyped", "/retried/untyped"})
    void aBodyWithoutContentTypeReachesTheUpstreamWithoutOne(String path) throws Exception
    {
        // Jetty's client would label it application/octet-stream; Sluice does not change the
        // API, so a body the client did not type stays untyped (as nginx forwards it). The
        // second path keeps the body whole for a retry, which builds its content differently.
        for (String framing : new String[]{"Content-Length: 5", "Transfer-Encoding: chunked"})
        {
            String body = framing.startsWith("Content-Length") ? "hello" : "5\r\nhello\r\n0\r\n";
            RawHttp.Reply reply = RawHttp.send(sluice.port(),
                "POST " + path + " HTTP/1.1", "Host: client.example", framing, "Connection: close", "", body);
            assertEquals(200, reply.status(), reply.body());
            TestUpstream.Received received = upstream.take();
            assertEquals(5, received.bodyBytes(), framing);
            assertNull(received.headers().get("Content-Type"), framing + " gained a Content-Type");
        }
        RawHttp.Reply typed = RawHttp.send(sluice.port(),
            "POST " + path + " HTTP/1.1", "Host: client.example", "Content-Type: text/csv", "Content-Length: 3", "Connection: close", "", "a,b");
        assertEquals(200, typed.status());
        assertEquals("text/csv", upstream.take().headers().get("Content-Type"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"gzip, chunked", "identity, chunked", "x-custom,chunked"})
    void aTransferCodingOtherThanChunkedIsRefusedNotDropped(String codings) throws Exception
    {
        // Forwarded, the body would reach the upstream still coded but labelled as plain bytes;
        // RFC 9112 §6.1 answers 501, as nginx and Tomcat do.
        RawHttp.Reply reply = RawHttp.send(sluice.port(),
            "POST /app/coded HTTP/1.1", "Host: client.example", "Transfer-Encoding: " + codings, "Connection: close", "", "5\r\nhello\r\n0\r\n");
        assertEquals(501, reply.status(), reply.body());
        assertTrue(reply.header("Content-Type").startsWith("application/problem+json"), reply.head());
        assertTrue(reply.body().contains("urn:sluice:problem:unsupported-transfer-coding"), reply.body());
        assertTrue(reply.body().contains("only chunked"), reply.body());
        assertNull(upstream.poll(200), "the request reached the upstream");
    }

    @Test
    void aRequestExpecting100ContinueGetsItsBodyThrough() throws Exception
    {
        byte[] body = "x".repeat(100_000).getBytes(StandardCharsets.US_ASCII);
        ContentResponse response = client.newRequest(sluice.uri("/app/continue"))
            .method("PUT")
            .headers(h -> h.put("Expect", "100-continue"))
            .body(new BytesRequestContent(body))
            .timeout(10, TimeUnit.SECONDS)
            .send();
        assertEquals(200, response.getStatus());
        TestUpstream.Received received = upstream.take();
        assertEquals(body.length, received.bodyBytes());
        assertNull(received.headers().get("Expect"), "Sluice answers the expectation itself");
    }

    /**
     * An upstream that ignores {@code Expect} (HTTP/1.0 servers, many small ones) waits for the
     * body without a 100 of its own. Sluice used to forward the field and wait for that 100 before
     * reading the body: the client got no 100, and even when it sent the body anyway (curl does
     * after a second) the exchange hung until its idle timeout (a 504 after 60 s).
     */
    @Test
    void aClientExpecting100ContinueIsAnsweredByItselfWhenTheUpstreamIgnoresTheField() throws Exception
    {
        try (dev.sluice.testing.ScriptedUpstream ignoring = new dev.sluice.testing.ScriptedUpstream();
             SluiceUnderTest proxy = SluiceUnderTest.start("upstream.s.url = " + ignoring.url() + "\nroute.s.path = /\nroute.s.upstream = s\n"))
        {
            ignoring.script("/upload", "HTTP/1.1 201 Created\r\nContent-Length: 7\r\nConnection: close\r\n\r\ncreated");
            try (java.net.Socket socket = new java.net.Socket("127.0.0.1", proxy.port()))
            {
                socket.setSoTimeout(10_000);
                java.io.OutputStream out = socket.getOutputStream();
                out.write(("POST /upload HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                socket.setSoTimeout(5_000);
                byte[] interim = socket.getInputStream().readNBytes("HTTP/1.1 100 Continue\r\n\r\n".length());
                assertEquals("HTTP/1.1 100 Continue\r\n\r\n", new String(interim, StandardCharsets.ISO_8859_1));
                long sent = System.nanoTime();
                out.write("hello".getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                RawHttp.Reply reply = RawHttp.read(socket.getInputStream());
                assertEquals(201, reply.status(), reply.head());
                assertEquals("created", reply.body());
                long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent);
                assertTrue(millis < 3_000, "answered " + millis + " ms after the body");
            }
        }
    }

    @Test
    void upstreamResponseHeadersNamedInConnectionAreDropped() throws Exception
    {
        try (TestUpstream special = TestUpstream.start(new org.eclipse.jetty.server.Handler.Abstract()
        {
            @Override
            public boolean handle(org.eclipse.jetty.server.Request request, org.eclipse.jetty.server.Response response, org.eclipse.jetty.util.Callback callback)
            {
                response.getHeaders().put("Connection", "X-Internal-Token");
                response.getHeaders().put("X-Internal-Token", "secret");
                response.getHeaders().put("X-Request-ID", "upstream-made-this");
                response.getHeaders().put("X-Public", "yes");
                org.eclipse.jetty.io.Content.Sink.write(response, true, "ok", callback);
                return true;
            }
        });
             SluiceUnderTest proxy = SluiceUnderTest.start("upstream.s.url = " + special.url() + "\nroute.s.path = /\nroute.s.upstream = s\n"))
        {
            ContentResponse response = client.newRequest(proxy.uri("/x")).headers(h -> h.put("X-Request-ID", "mine")).send();
            assertEquals(200, response.getStatus());
            assertNull(response.getHeaders().get("X-Internal-Token"));
            assertEquals("yes", response.getHeaders().get("X-Public"));
            assertEquals(java.util.List.of("mine"), response.getHeaders().getValuesList("X-Request-ID"));
        }
    }
}
