// Interim (1xx) answers from an upstream: read past to the final answer, or refused with 502, never a hang.
package dev.sluice.proxy;

import dev.sluice.testing.RawHttp;
import dev.sluice.testing.ScriptedUpstream;
import dev.sluice.testing.SluiceUnderTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Jetty's client, with the protocol handlers a proxy clears, stopped after a 102 or 103 and waited
 * for the request's timeout; the route here has none, so the client would wait forever. RawHttp
 * reads with a 10 s socket timeout, far above what any of these answers takes.
 */
class InterimAnswersTest
{
    private static final String FINAL = "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 5\r\n\r\nfinal";

    private static ScriptedUpstream upstream;
    private static SluiceUnderTest sluice;

    @BeforeAll
    static void start() throws Exception
    {
        upstream = new ScriptedUpstream();
        sluice = SluiceUnderTest.start("""
            upstream.app.url = %s
            upstream.app.outlier.consecutive-failures = 0
            route.app.path = /
            route.app.upstream = app
            route.app.retries = 0
            """.formatted(upstream.url()));
    }

    @AfterAll
    static void stop() throws Exception
    {
        sluice.close();
        upstream.close();
    }

    private static RawHttp.Reply get(String path) throws Exception
    {
        long started = System.nanoTime();
        RawHttp.Reply reply = RawHttp.send(sluice.port(), "GET " + path + " HTTP/1.1", "Host: localhost", "Connection: close");
        long millis = (System.nanoTime() - started) / 1_000_000;
        assertTrue(millis < 5000, "answered after " + millis + " ms");
        return reply;
    }

    @Test
    void earlyHintsAreReadPastToTheFinalAnswer() throws Exception
    {
        upstream.script("/hints", "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n" + FINAL);
        RawHttp.Reply reply = get("/hints");
        assertEquals(200, reply.status(), reply.head());
        assertEquals("final", reply.body());
    }

    @Test
    void processingAnswersAreReadPastToTheFinalAnswer() throws Exception
    {
        upstream.script("/processing", "HTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 102 Processing\r\n\r\n" + FINAL);
        RawHttp.Reply reply = get("/processing");
        assertEquals(200, reply.status(), reply.head());
        assertEquals("final", reply.body());
    }

    /** A 1xx Jetty's client cannot read past, and a 101 no client asked for (Sluice never forwards Upgrade). */
    @ParameterizedTest
    @ValueSource(strings = {"HTTP/1.1 199 Unknown\r\n\r\n" + FINAL, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"})
    void answersSluiceCannotPassOnAre502(String answer) throws Exception
    {
        upstream.script("/odd", answer);
        RawHttp.Reply reply = get("/odd");
        assertEquals(502, reply.status(), reply.head());
        assertTrue(reply.header("Content-Type").startsWith("application/problem+json"), reply.head());
        assertTrue(reply.body().contains("Sluice cannot pass on"), reply.body());
    }
}
