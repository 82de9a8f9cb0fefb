// A client's broken request body is the client's fault: never a 502, never held against a healthy target.
package dev.sluice.proxy;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import dev.sluice.testing.SluiceUnderTest;
import dev.sluice.testing.TestUpstream;
import org.eclipse.jetty.client.HttpClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClientFailureTest
{
    private static TestUpstream a;
    private static TestUpstream b;
    private static SluiceUnderTest sluice;
    private static HttpClient client;

    @BeforeAll
    static void start() throws Exception
    {
        a = TestUpstream.start();
        b = TestUpstream.start();
        sluice = SluiceUnderTest.start("""
            upstream.pool.targets = %s, %s
            upstream.pool.outlier.consecutive-failures = 3
            route.app.path = /
            route.app.upstream = pool
            """.formatted(a.url(), b.url()));
        client = new HttpClient();
        client.start();
    }

    @AfterAll
    static void stop() throws Exception
    {
        client.stop();
        sluice.close();
        b.close();
        a.close();
    }

    /** Sends the bytes, optionally half-closes, and returns whatever comes back before the server closes. */
    private static String exchange(String request, boolean dropAfterSending) throws Exception
    {
        try (Socket socket = new Socket("127.0.0.1", sluice.port()))
        {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            if (dropAfterSending)
            {
                socket.shutdownOutput();
            }
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    @Test
    void brokenRequestBodiesGet4xxAndEjectNoTarget() throws Exception
    {
        for (int i = 0; i < 6; i++)
        {
            String malformed = exchange("POST /upload HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5\r\nhello\r\nzz-not-a-size\r\n", false);
            assertFalse(malformed.startsWith("HTTP/1.1 502"), malformed);
            assertFalse(malformed.startsWith("HTTP/1.1 503"), malformed);
            String dropped = exchange("POST /upload HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100000\r\n\r\nonly a little", true);
            assertFalse(dropped.startsWith("HTTP/1.1 502"), dropped);
            assertFalse(dropped.startsWith("HTTP/1.1 503"), dropped);
            // Small enough to be read whole and kept for a retry first.
            String droppedSmall = exchange("POST /upload HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000\r\n\r\nonly a little", true);
            assertFalse(droppedSmall.startsWith("HTTP/1.1 502"), droppedSmall);
            assertFalse(droppedSmall.startsWith("HTTP/1.1 503"), droppedSmall);
        }
        while (a.poll(100) != null || b.poll(100) != null)
        {
            // Whatever of the broken uploads reached the targets.
        }
        int toA = 0;
        for (int i = 0; i < 10; i++)
        {
            assertEquals(200, client.newRequest(sluice.uri("/ok")).timeout(10, TimeUnit.SECONDS).send().getStatus());
        }
        while (a.poll(200) != null)
        {
            toA++;
        }
        int toB = 0;
        while (b.poll(200) != null)
        {
            toB++;
        }
        assertEquals(10, toA + toB);
        assertTrue(toA >= 4 && toB >= 4, "both targets still in the pool: a=" + toA + " b=" + toB);
    }
}
