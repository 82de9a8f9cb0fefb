// What an upstream cannot do to Sluice or its clients: oversized or countless headers, bodies that stop short, interim answers.
package dev.sluice.proxy;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import dev.sluice.testing.RawHttp;
import dev.sluice.testing.ScriptedUpstream;
import dev.sluice.testing.SluiceUnderTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UpstreamLimitsTest
{
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

    /** Everything Sluice sends back until it closes the connection. */
    private static String raw(String path) throws Exception
    {
        try (Socket socket = new Socket("127.0.0.1", sluice.port()))
        {
            socket.setSoTimeout(15_000);
            socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try
            {
                in.transferTo(out);
            }
            catch (java.io.IOException x)
            {
                // A reset: what an aborted response looks like.
            }
            return out.toString(StandardCharsets.ISO_8859_1);
        }
    }

    @Test
    void oversizedResponseHeadersAre502() throws Exception
    {
        upstream.script("/big-header", "HTTP/1.1 200 OK\r\nX-Big: " + "a".repeat(200_000) + "\r\nContent-Length: 2\r\n\r\nok");
        RawHttp.Reply reply = RawHttp.send(sluice.port(), "GET /big-header HTTP/1.1", "Host: localhost", "Connection: close");
        assertEquals(502, reply.status(), reply.head());
        assertTrue(reply.body().contains("response headers"), reply.body());
    }

    @Test
    void tooManyResponseHeadersAre502() throws Exception
    {
        StringBuilder response = new StringBuilder("HTTP/1.1 200 OK\r\n");
        for (int i = 0; i < 5000; i++)
        {
            response.append("X-H").append(i).append(": v\r\n");
        }
        upstream.script("/many-headers", response.append("Content-Length: 2\r\n\r\nok").toString());
        RawHttp.Reply reply = RawHttp.send(sluice.port(), "GET /many-headers HTTP/1.1", "Host: localhost", "Connection: close");
        assertEquals(502, reply.status(), reply.head());
        assertTrue(reply.body().contains("response headers"), reply.body());
    }

    @Test
    void aBodyShorterThanItsContentLengthNeverLooksComplete() throws Exception
    {
        for (String version : new String[] {"HTTP/1.1", "HTTP/1.0"})
        {
            upstream.script("/short-" + version, version + " 200 OK\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n" + "x".repeat(400));
            String answer = raw("/short-" + version);
            int split = answer.indexOf("\r\n\r\n");
            assertTrue(split > 0, version + ": " + answer);
            String head = answer.substring(0, split);
            String body = answer.substring(split + 4);
            if (head.toLowerCase().contains("content-length: 1000"))
            {
                assertTrue(body.length() < 1000, version + ": the client can tell the body is short");
            }
            else
            {
                assertFalse(head.toLowerCase().contains("transfer-encoding: chunked") && body.endsWith("0\r\n\r\n"),
                    version + ": a chunked body that ends cleanly: " + head);
                assertFalse(head.startsWith("HTTP/1.1 200") && !head.toLowerCase().contains("content-length") && !head.toLowerCase().contains("chunked"),
                    version + ": a close-delimited body cannot show truncation: " + head);
            }
        }
    }

    @Test
    void aProblemThatReplacesAFailedAnswerCarriesNoneOfItsHeaders() throws Exception
    {
        // Short of its length before anything reached the client: a 502 problem takes its place,
        // and it used to keep the failed answer's headers. A client then tried to gunzip the JSON,
        // a browser stored the cookie and saved the problem as x.bin.
        upstream.script("/short-gzip", "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nSet-Cookie: s=1\r\nETag: \"e1\"\r\n"
            + "Content-Disposition: attachment; filename=x.bin\r\nX-Upstream-Only: yes\r\nContent-Length: 10\r\nConnection: close\r\n\r\n01234");
        RawHttp.Reply reply = RawHttp.send(sluice.port(), "GET /short-gzip HTTP/1.1", "Host: localhost", "Connection: close");
        assertEquals(502, reply.status(), reply.head());
        assertTrue(reply.header("Content-Type").startsWith("application/problem+json"), reply.head());
        for (String name : new String[] {"Content-Encoding", "Set-Cookie", "ETag", "Content-Disposition", "X-Upstream-Only", "Transfer-Encoding"})
        {
            assertNull(reply.header(name), name + " stayed on the problem:\n" + reply.head());
        }
        assertTrue(reply.header("X-Request-ID") != null && reply.body().contains(reply.header("X-Request-ID")), reply.head());
    }

    @Test
    void aChunkedBodyCutBeforeItsLastChunkNeverLooksComplete() throws Exception
    {
        upstream.script("/cut-chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
        String answer = raw("/cut-chunked");
        assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
        // The client asked to close after the answer: sent to its end of connection instead of
        // chunked, the cut body would look whole (RFC 9112 §6.3), as Python's urllib, which always
        // asks to close, would take it.
        assertTrue(answer.toLowerCase(java.util.Locale.ROOT).contains("\r\ntransfer-encoding: chunked\r\n"),
            "a close-delimited body cannot show truncation: " + answer);
        assertFalse(answer.endsWith("0\r\n\r\n"), answer);

        upstream.script("/whole-chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
        String whole = raw("/whole-chunked");
        assertTrue(whole.toLowerCase(java.util.Locale.ROOT).contains("\r\ntransfer-encoding: chunked\r\n"), whole);
        assertTrue(whole.endsWith("5\r\nhello\r\n0\r\n\r\n"), whole);
    }

    /** The answer to GET {@code path}, which must come well within RawHttp's 10 s read timeout. */
    private static RawHttp.Reply promptly(String path) throws Exception
    {
        long started = System.nanoTime();
        RawHttp.Reply reply = RawHttp.send(sluice.port(), "GET " + path + " HTTP/1.1", "Host: localhost", "Connection: close");
        long millis = (System.nanoTime() - started) / 1_000_000;
        assertTrue(millis < 5000, "answered after " + millis + " ms");
        return reply;
    }

    /**
     * Jetty's client, with the protocol handlers a proxy clears, stopped after a 102 or 103 and
     * waited for the request's timeout; a route has none by default, so it waited forever.
     */
    @ParameterizedTest
    @ValueSource(strings = {"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n",
        "HTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 102 Processing\r\n\r\n",
        // Unasked: Sluice never forwards Expect, but a server may send one anyway.
        "HTTP/1.1 100 Continue\r\n\r\n"})
    void interimAnswersAreReadPastToTheFinalAnswer(String interim) throws Exception
    {
        upstream.script("/interim", interim + "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 5\r\n\r\nfinal");
        RawHttp.Reply reply = promptly("/interim");
        assertEquals(200, reply.status(), reply.head());
        assertEquals("final", reply.body());
    }

    /**
     * A 1xx Jetty's client cannot read past, a 101 no client asked for (Sluice never forwards
     * Upgrade), and statuses outside HTTP's 100–599, which RFC 9110 §15 says to take as a server
     * error (libraries use 600–999 for their own failures).
     */
    @ParameterizedTest
    @ValueSource(strings = {"HTTP/1.1 199 Unknown\r\n\r\nHTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok",
        "HTTP/1.1 600 Library Error\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok",
        "HTTP/1.1 999 Request denied\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok",
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"})
    void answersSluiceCannotPassOnAre502(String answer) throws Exception
    {
        upstream.script("/odd", answer);
        RawHttp.Reply reply = promptly("/odd");
        assertEquals(502, reply.status(), reply.head());
        assertTrue(reply.header("Content-Type").startsWith("application/problem+json"), reply.head());
        assertTrue(reply.body().contains("Sluice cannot pass on"), reply.body());
    }

    /**
     * Answers that are not valid HTTP are 502s that say so, and the log names the fault: it
     * showed only "HttpResponseException", since Jetty's message names the connection instead.
     */
    @ParameterizedTest
    @ValueSource(strings = {
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok!|Multiple Content-Lengths",
        "HTTP/1.1 200 OK\r\nContent-Length: 9\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n|Transfer-Encoding and Content-Length",
        "HTTP/1.1 200 OK\r\nX-Folded: one\r\n two\r\nContent-Length: 2\r\n\r\nok|Line Folding not supported",
        "HTTP/1.1 OK\r\nContent-Length: 2\r\n\r\nok|Bad status"})
    void answersThatAreNotHttpAre502sThatSaySo(String answerAndFault) throws Exception
    {
        String[] parts = answerAndFault.split("\\|");
        String fault = parts[1];
        upstream.script("/invalid", parts[0]);
        try (dev.sluice.testing.LogCapture log = dev.sluice.testing.LogCapture.start())
        {
            RawHttp.Reply reply = promptly("/invalid");
            assertEquals(502, reply.status(), reply.head());
            assertTrue(reply.body().contains("The upstream's answer was not valid HTTP."), reply.body());
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (!log.text().contains("invalid HTTP answer (" + fault + ")") && System.nanoTime() < deadline)
            {
                Thread.sleep(20);
            }
            assertTrue(log.text().contains("invalid HTTP answer (" + fault + ")"), log.text());
        }
    }
}
