// upstream.<name>.request-buffering: chunked request bodies read whole and sent with a length to upstreams that take no chunked body.
package dev.sluice.proxy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.testing.RawHttp;
import dev.sluice.testing.SluiceUnderTest;
import dev.sluice.testing.SocketUpstream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The upstream here reads a request as Python's {@code http.server} and WSGI servers that read
 * only {@code Content-Length} do: the body is as long as that field says, 0 without it, and
 * {@code Transfer-Encoding} means nothing to it. A chunked body streamed to it arrives empty;
 * with {@code request-buffering} it arrives whole.
 */
class RequestBufferingTest
{
    private static SocketUpstream upstream;
    /** Reads a request as the other does, and answers 503. */
    private static SocketUpstream busy;
    private static SluiceUnderTest sluice;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception
    {
        upstream = new SocketUpstream("length-only-upstream", RequestBufferingTest::serve);
        busy = new SocketUpstream("busy-upstream", socket ->
        {
            String head = SocketUpstream.readHead(socket.getInputStream());
            socket.getInputStream().readNBytes(SocketUpstream.contentLength(head));
            socket.getOutputStream().write("HTTP/1.0 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        });
        sluice = SluiceUnderTest.start("""
            upstream.old.url = %1$s
            upstream.old.request-buffering = 1KB
            route.old.path = /old
            route.old.upstream = old
            route.guarded.path = /guarded
            route.guarded.upstream = old
            route.guarded.guard.max-body = 100
            upstream.plain.url = %1$s
            route.plain.path = /plain
            route.plain.upstream = plain
            upstream.pair.targets = %2$s, %1$s
            upstream.pair.request-buffering = 1KB
            route.pair.path = /pair
            route.pair.upstream = pair
            route.pair.retry-on = 503
            proxy.request-body.idle-timeout = 1s
            proxy.request-body.min-rate = 1KB
            """.formatted(upstream.url(), busy.url()));
    }

    @AfterAll
    static void stop() throws Exception
    {
        sluice.close();
        upstream.close();
        busy.close();
    }

    /** Answers what it read: the body's length by Content-Length, and whether the head said chunked. */
    private static void serve(Socket socket) throws IOException
    {
        InputStream in = socket.getInputStream();
        String head = SocketUpstream.readHead(in);
        byte[] body = in.readNBytes(SocketUpstream.contentLength(head));
        String answer = "read " + body.length + " bytes: " + new String(body, StandardCharsets.UTF_8)
            + (head.toLowerCase().contains("transfer-encoding: chunked") ? " (sent chunked)" : "");
        OutputStream out = socket.getOutputStream();
        out.write(("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n" + answer).getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** A body of unknown length: Java's client sends it chunked. */
    private static HttpResponse<String> postStreamed(String path, String body) throws Exception
    {
        return HTTP.send(HttpRequest.newBuilder(sluice.uri(path)).POST(HttpRequest.BodyPublishers.ofInputStream(
            () -> new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8)))).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aChunkedBodyReachesAnUpstreamThatReadsOnlyContentLength() throws Exception
    {
        HttpResponse<String> response = postStreamed("/old/upload", "hello from a chunked body");
        assertEquals(200, response.statusCode(), response.body());
        assertEquals("read 25 bytes: hello from a chunked body", response.body());

        // Several chunks, as a client streaming an upload writes them.
        RawHttp.Reply pieces = RawHttp.send(sluice.port(), "POST /old/upload HTTP/1.1", "Host: 127.0.0.1", "Connection: close",
            "Transfer-Encoding: chunked", "", "5\r\nfirst\r\n1\r\n \r\n6\r\nsecond\r\n0\r\n");
        assertEquals(200, pieces.status(), pieces.head());
        assertTrue(pieces.body().contains("read 12 bytes: first second"), pieces.body());

        HttpResponse<String> empty = postStreamed("/old/upload", "");
        assertEquals("read 0 bytes: ", empty.body());
    }

    @Test
    void withoutTheSettingTheBodyStreamsChunkedAndSuchAnUpstreamReadsNothing() throws Exception
    {
        HttpResponse<String> response = postStreamed("/plain/upload", "hello from a chunked body");
        // The upstream answers having read nothing, and closes: the client gets that answer, or a
        // 502 when the close met chunks still being sent. The body never arrives either way.
        assertTrue(response.body().equals("read 0 bytes:  (sent chunked)") || response.statusCode() == 502,
            response.statusCode() + " " + response.body());
        // A body with a length goes as it always did.
        HttpResponse<String> sized = HTTP.send(HttpRequest.newBuilder(sluice.uri("/plain/upload")).POST(HttpRequest.BodyPublishers.ofString("sized"))
            .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals("read 5 bytes: sized", sized.body());
    }

    @Test
    void aBufferedBodyIsSentAgainWhenTheRequestIsRetried() throws Exception
    {
        for (int i = 0; i < 4; i++)
        {
            byte[] body = ("version " + i).getBytes(StandardCharsets.UTF_8);
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(sluice.uri("/pair/doc")).PUT(HttpRequest.BodyPublishers.ofInputStream(
                () -> new ByteArrayInputStream(body))).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode(), response.body());
            assertEquals("read 9 bytes: version " + i, response.body(), "whichever target was tried first");
        }
        assertTrue(busy.connections() > 0, "the busy target was tried, and its 503 retried");
    }

    /** The body's minimum rate holds while it is read whole too, before anything goes upstream. */
    @Test
    void aTricklingBodyIsCutOffWhileItIsReadWhole() throws Exception
    {
        long started = System.nanoTime();
        // A byte every 300 ms never goes silent for the idle timeout, but averages far under 1KB/s.
        RawHttp.Reply reply = RawHttp.trickle(sluice.port(), "POST /old/upload HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n",
            "1\r\nx\r\n", 300, 60);
        assertEquals(408, reply.status(), reply.head());
        long millis = java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        assertTrue(millis < 12_000, "cut off after " + millis + " ms, before the trickle's 18 s");
    }

    @Test
    void aBodyOverTheBufferOrTheRoutesLimitIs413AndTheClientGetsIt() throws Exception
    {
        HttpResponse<String> large = postStreamed("/old/upload", "x".repeat(300_000));
        assertEquals(413, large.statusCode(), large.body());
        assertTrue(large.headers().firstValue("Content-Type").orElse("").startsWith("application/problem+json"), large.headers().toString());
        assertEquals(413, new ObjectMapper().readTree(large.body()).path("status").asInt(), large.body());
        assertEquals("The request body is larger than the 1024 bytes this route accepts.",
            new ObjectMapper().readTree(large.body()).path("detail").asText(), large.body());

        HttpResponse<String> guarded = postStreamed("/guarded/upload", "y".repeat(500));
        assertEquals(413, guarded.statusCode(), "the route's own limit, lower than the buffer, holds: " + guarded.body());
        assertEquals("read 50 bytes: " + "z".repeat(50), postStreamed("/guarded/upload", "z".repeat(50)).body());
    }
}
