// A request head sent a byte at a time is cut off at the deadline, while a normal one passes.
package dev.sluice.launcher;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import dev.sluice.testing.RawHttp;
import dev.sluice.testing.SluiceUnderTest;
import dev.sluice.testing.TestUpstream;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HeaderDeadlineTest
{
    @Test
    void aTricklingRequestHeadIsClosedAtTheDeadline() throws Exception
    {
        try (TestUpstream upstream = TestUpstream.start();
             SluiceUnderTest sluice = SluiceUnderTest.start("""
                 server.request-header-timeout = 2s
                 upstream.app.url = %s
                 route.app.path = /
                 route.app.upstream = app
                 """.formatted(upstream.url()));
             Socket socket = new Socket("127.0.0.1", sluice.port()))
        {
            socket.setSoTimeout(15_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            long started = System.nanoTime();
            byte[] head = "GET /slow HTTP/1.1\r\nHost: localhost\r\nX-Padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
            boolean closed = false;
            try
            {
                // One byte every 500 ms: never silent for long, but the head would take 40 s.
                for (byte b : head)
                {
                    out.write(b);
                    out.flush();
                    Thread.sleep(500);
                    if (in.available() > 0 || socket.isInputShutdown())
                    {
                        break;
                    }
                }
                closed = in.read() < 0;
            }
            catch (java.io.IOException x)
            {
                closed = true;
            }
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            assertTrue(closed, "the connection was closed");
            assertTrue(millis >= 2000 && millis < 6000, "closed after " + millis + " ms");
            assertEquals(null, upstream.poll(100));

            RawHttp.Reply normal = RawHttp.send(sluice.port(), "GET /fast HTTP/1.1", "Host: localhost", "Connection: close");
            assertEquals(200, normal.status());
        }
    }
}
