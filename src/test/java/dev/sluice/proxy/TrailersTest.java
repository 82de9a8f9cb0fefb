// An HTTP/1.1 upstream's trailer fields reach HTTP/1.1 clients that accept them, without the fields trailers may not carry.
package dev.sluice.proxy;

import dev.sluice.testing.RawHttp;
import dev.sluice.testing.ScriptedUpstream;
import dev.sluice.testing.SluiceUnderTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A chunked answer ending in trailers (a checksum, and fields RFC 9110 §6.5.1 keeps out of
 * trailers), relayed by Sluice's launcher. Before, Jetty's proxy servlet dropped every trailer
 * field. gRPC's status trailers over HTTP/2 are in {@link GrpcProxyTest}.
 */
class TrailersTest
{
    private static final String WITH_TRAILERS = "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: text/plain\r\n"
        + "Transfer-Encoding: chunked\r\nTrailer: X-Checksum\r\n\r\n"
        + "5\r\nhello\r\n6\r\n world\r\n0\r\nX-Checksum: sha256=abc123\r\nX-Checksum: second\r\nContent-Length: 99\r\nSet-Cookie: session=stolen\r\n"
        + "X-Internal-Cost: 12\r\n\r\n";

    private static ScriptedUpstream upstream;
    private static SluiceUnderTest sluice;

    @BeforeAll
    static void start() throws Exception
    {
        upstream = new ScriptedUpstream();
        upstream.script("/trailers", WITH_TRAILERS);
        sluice = SluiceUnderTest.startAsLauncher("""
            upstream.app.url = %s
            route.app.path = /
            route.app.upstream = app
            proxy.hide-response-headers = X-Internal-Cost
            """.formatted(upstream.url()));
    }

    @AfterAll
    static void stop() throws Exception
    {
        sluice.close();
        upstream.close();
    }

    @Test
    void aClientThatAcceptsTrailersGetsThoseThatMayPass() throws Exception
    {
        RawHttp.Reply reply = RawHttp.send(sluice.port(), "GET /trailers HTTP/1.1", "Host: localhost", "TE: trailers", "Connection: close");
        assertEquals(200, reply.status());
        String body = reply.body().toLowerCase(java.util.Locale.ROOT);
        assertTrue(body.contains("hello") && body.contains(" world"), body);
        // After the last (empty) chunk: the trailer section.
        String trailers = body.substring(body.lastIndexOf("\r\n0\r\n") + 5);
        assertTrue(trailers.contains("x-checksum: sha256=abc123, second\r\n"), "the trailers, repeated names joined:\n" + body);
        assertFalse(trailers.contains("content-length"), "framing fields never come from trailers:\n" + body);
        assertFalse(trailers.contains("set-cookie"), "nor cookies:\n" + body);
        assertFalse(trailers.contains("x-internal-cost"), "nor what proxy.hide-response-headers hides:\n" + body);
    }

    @Test
    void aClientThatDidNotSayItTakesTrailersGetsNone() throws Exception
    {
        RawHttp.Reply reply = RawHttp.send(sluice.port(), "GET /trailers HTTP/1.1", "Host: localhost", "Connection: close");
        assertEquals(200, reply.status());
        assertTrue(reply.body().endsWith("\r\n0\r\n\r\n"), "the last chunk and nothing after it:\n" + reply.body());
        assertTrue(reply.body().contains("hello") && reply.body().contains(" world"), reply.body());
    }
}
