// A pooled upstream connection the upstream closes as Sluice reuses it: the request is sent again on a new one, when that is safe.
package dev.sluice.proxy;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import dev.sluice.testing.SluiceUnderTest;
import dev.sluice.testing.SocketUpstream;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.StringRequestContent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An upstream may close a keep-alive connection whenever it likes (RFC 9112 §9.3), and one whose
 * keep-alive timeout is shorter than Sluice's pool's (Node.js: 5 s) does so while Sluice is
 * writing the next request on it. That request never reached the application: nginx sends it
 * again on a new connection, and so does Sluice, for methods that may be repeated and bodies it
 * can send again. Here the upstream answers the first request on each connection and closes it
 * when the second arrives, which is that race made certain.
 */
class StaleConnectionTest
{
    private static SocketUpstream upstream;
    private static volatile String lastBody = "";
    private static SluiceUnderTest sluice;
    private static HttpClient client;

    @BeforeAll
    static void start() throws Exception
    {
        upstream = new SocketUpstream("closing-upstream", StaleConnectionTest::serve);
        sluice = SluiceUnderTest.start("""
            upstream.app.url = %s
            route.app.path = /app
            route.app.upstream = app
            route.strict.path = /strict
            route.strict.upstream = app
            route.strict.retry-on = connect-failure
            route.keyed.path = /keyed
            route.keyed.upstream = app
            route.keyed.retry-on = connect-failure, reset, idempotency-key
            """.formatted(upstream.url()));
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

    private static ContentResponse send(String method, String path, String body) throws Exception
    {
        return send(method, path, body, null);
    }

    private static ContentResponse send(String method, String path, String body, String idempotencyKey) throws Exception
    {
        var request = client.newRequest(sluice.uri(path)).method(method).timeout(10, TimeUnit.SECONDS);
        if (idempotencyKey != null)
        {
            request.headers(headers -> headers.put("Idempotency-Key", idempotencyKey));
        }
        if (body != null)
        {
            request.body(new StringRequestContent(body));
        }
        ContentResponse response = request.send();
        // The client can have the whole answer just before Sluice's upstream exchange ends and
        // its connection goes back to the pool; the next request must find it there, not open
        // another (as it did once in a loaded CI run).
        Thread.sleep(150);
        return response;
    }

    @Test
    void aRequestOnAConnectionTheUpstreamClosedIsSentAgainOnANewOne() throws Exception
    {
        int connections = upstream.connections();
        for (int i = 0; i < 4; i++)
        {
            ContentResponse response = send(i % 2 == 0 ? "GET" : "PUT", "/app/r" + i, i % 2 == 0 ? null : "replayed");
            assertEquals(200, response.getStatus(), "request " + i + ": " + response.getContentAsString());
            assertEquals("ok", response.getContentAsString());
        }
        // Every request after the first met a closed pooled connection and needed a new one.
        assertEquals(connections + 4, upstream.connections());
        assertTrue(lastBody.contains("replayed"), "the PUT's body was not sent again: " + lastBody);
    }

    @Test
    void aPostIsNotSentTwice() throws Exception
    {
        assertEquals(200, send("GET", "/app/warm", null).getStatus());
        // The upstream may have acted on it before closing: a 502, as nginx answers.
        ContentResponse post = send("POST", "/app/order", "{\"qty\":1}");
        assertEquals(502, post.getStatus(), post.getContentAsString());
    }

    /**
     * A POST with an Idempotency-Key on a route whose retry-on lists idempotency-key: its upstream
     * applies a key once, so it is sent again on a new connection like a PUT (Go's client does
     * the same). Without the key, or on a route that does not say so, it is not.
     */
    @Test
    void aPostWithAnIdempotencyKeyIsSentAgainWhereTheRouteSaysSo() throws Exception
    {
        assertEquals(200, send("GET", "/keyed/warm", null).getStatus());
        ContentResponse keyed = send("POST", "/keyed/orders", "{\"qty\":2}", "8e03978e-40d5-43e8-bc93-6894a57f9324");
        assertEquals(200, keyed.getStatus(), keyed.getContentAsString());
        assertTrue(lastBody.contains("{\"qty\":2}"), "the POST's body was not sent again: " + lastBody);
        assertEquals(200, send("GET", "/keyed/warm", null).getStatus());
        assertEquals(502, send("POST", "/keyed/orders", "{\"qty\":3}").getStatus(), "a POST without a key was sent again");
        assertEquals(200, send("GET", "/app/warm", null).getStatus());
        assertEquals(502, send("POST", "/app/orders", "{\"qty\":4}", "ae1c1d4b-1f5a-4c37-9a35-0c1b1a6c1e77").getStatus(),
            "a keyed POST was sent again on a route that does not take keys");
    }

    @Test
    void aRouteThatDoesNotRetryResetsDoesNotSendItAgain() throws Exception
    {
        // The pool of connections is the upstream's, shared by both routes.
        assertEquals(200, send("GET", "/app/warm", null).getStatus());
        assertEquals(502, send("GET", "/strict/again", null).getStatus());
    }

    /** Answers the first request on a connection (keeping it open) and closes it when the next one arrives. */
    private static void serve(Socket socket) throws IOException
    {
        InputStream in = socket.getInputStream();
        String head = SocketUpstream.readHead(in);
        lastBody = new String(in.readNBytes(SocketUpstream.contentLength(head)), StandardCharsets.ISO_8859_1);
        socket.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().flush();
        // The next request arrives on a connection this server has done with.
        SocketUpstream.readHead(in);
    }
}
