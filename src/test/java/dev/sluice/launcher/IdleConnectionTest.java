// The launcher keeps an idle client connection for server.idle-timeout, and closes it after.
package dev.sluice.launcher;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import dev.sluice.testing.SluiceUnderTest;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A load balancer that pools connections to Sluice (AWS's ALB keeps them 60 s idle) must never
 * find one that Sluice closed first: the balancer would send a request on it and answer 502
 * itself. Jetty's own default closed them after 30 s; the launcher now takes
 * {@code server.idle-timeout} (75 s by default, checked in {@code TransportSettingsParserTest}).
 */
class IdleConnectionTest
{
    @Test
    void anIdleKeepAliveConnectionStaysOpenUntilTheIdleTimeoutAndIsClosedAfter() throws Exception
    {
        try (SluiceUnderTest sluice = SluiceUnderTest.startAsLauncher("""
                upstream.app.url = http://127.0.0.1:9
                route.app.path = /app
                route.app.upstream = app
                server.idle-timeout = 2s
                """);
             Socket socket = new Socket(InetAddress.getLoopbackAddress(), sluice.port()))
        {
            InputStream in = socket.getInputStream();
            String health = "GET /-/health HTTP/1.1\r\nHost: localhost\r\n\r\n";
            socket.getOutputStream().write(health.getBytes(StandardCharsets.ISO_8859_1));
            assertTrue(answer(in).startsWith("HTTP/1.1 200"));
            // Idle for 1.2 s, less than the timeout: the connection still serves.
            Thread.sleep(1200);
            socket.getOutputStream().write(health.getBytes(StandardCharsets.ISO_8859_1));
            assertTrue(answer(in).startsWith("HTTP/1.1 200"));
            // Then idle past it: closed by Sluice, within a second of the timeout.
            long idleSince = System.nanoTime();
            socket.setSoTimeout(10_000);
            assertEquals(-1, in.read(), "closed");
            long idleMillis = (System.nanoTime() - idleSince) / 1_000_000;
            assertTrue(idleMillis >= 1800 && idleMillis < 3500, "closed after " + idleMillis + " ms idle");
        }
    }

    /** One answer's head and its body (by Content-Length). */
    private static String answer(InputStream in) throws java.io.IOException
    {
        String head = dev.sluice.testing.SocketUpstream.readHead(in);
        in.readNBytes(dev.sluice.testing.SocketUpstream.contentLength(head));
        return head;
    }
}
