// An upstream's Keep-Alive timeout: Sluice does not reuse a connection the upstream has said it closes by then.
package dev.sluice.proxy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.sluice.testing.SluiceUnderTest;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.StringRequestContent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Node.js (5 s), uvicorn (5 s) and Apache say how long they keep an idle connection open
 * ({@code Keep-Alive: timeout=5}) and then close it; one closed just as Sluice sends the next
 * request on it fails that request, and a POST cannot be sent again: a 502. Here the upstream
 * says {@code timeout=1} and closes any connection that comes back after more than a second
 * idle when the next request arrives, which is that race made certain.
 */
class KeepAliveHintTest
{
    private static HintingUpstream upstream;
    private static SluiceUnderTest sluice;
    private static HttpClient client;

    @BeforeAll
    static void start() throws Exception
    {
        upstream = new HintingUpstream();
        sluice = SluiceUnderTest.start("upstream.app.url = " + upstream.url() + "\nroute.app.path = /app\nroute.app.upstream = app\n");
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

    private static ContentResponse post(String body) throws Exception
    {
        ContentResponse response = client.newRequest(sluice.uri("/app/orders")).method("POST").body(new StringRequestContent(body))
            .timeout(10, TimeUnit.SECONDS).send();
        // The answer can reach the client just before Sluice's connection goes back to the pool.
        Thread.sleep(100);
        return response;
    }

    @Test
    void aConnectionIdlePastTheUpstreamsKeepAliveTimeoutIsNotReused() throws Exception
    {
        assertEquals(200, post("first").getStatus());
        int connections = upstream.connections.get();
        // Within the upstream's second: the same connection, reused.
        assertEquals(200, post("soon").getStatus());
        assertEquals(connections, upstream.connections.get(), "a connection inside the upstream's keep-alive was not reused");
        Thread.sleep(1_300);
        ContentResponse late = post("late");
        assertEquals(200, late.getStatus(), late.getContentAsString());
        assertEquals("late", upstream.lastBody);
        assertEquals(connections + 1, upstream.connections.get());
    }

    @Test
    void theTimeoutIsReadFromTheField()
    {
        assertEquals(5, UpstreamClients.timeoutSeconds("timeout=5, max=1000"));
        assertEquals(5, UpstreamClients.timeoutSeconds("max=100,Timeout = 5"));
        assertEquals(0, UpstreamClients.timeoutSeconds("timeout=0"));
        assertEquals(-1, UpstreamClients.timeoutSeconds("max=100"));
        assertEquals(-1, UpstreamClients.timeoutSeconds("timeout=soon"));
        assertEquals(-1, UpstreamClients.timeoutSeconds("timeout=-3"));
        assertEquals(-1, UpstreamClients.timeoutSeconds("timeout=99999999999999999999"));
    }

    /** Answers with Keep-Alive: timeout=1; a connection idle for longer is closed when its next request arrives. */
    private static final class HintingUpstream implements AutoCloseable
    {
        private final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        final AtomicInteger connections = new AtomicInteger();
        volatile String lastBody = "";

        HintingUpstream() throws IOException
        {
            Thread acceptor = new Thread(() ->
            {
                while (!server.isClosed())
                {
                    try
                    {
                        Socket socket = server.accept();
                        connections.incrementAndGet();
                        Thread handler = new Thread(() -> serve(socket), "hinting-upstream-connection");
                        handler.setDaemon(true);
                        handler.start();
                    }
                    catch (IOException x)
                    {
                        return;
                    }
                }
            }, "hinting-upstream");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        String url()
        {
            return "http://127.0.0.1:" + server.getLocalPort();
        }

        private void serve(Socket socket)
        {
            try (socket)
            {
                InputStream in = socket.getInputStream();
                long answeredAt = 0;
                while (true)
                {
                    String head = readHead(in);
                    if (head.isEmpty())
                    {
                        return;
                    }
                    if (answeredAt != 0 && System.nanoTime() - answeredAt > TimeUnit.SECONDS.toNanos(1))
                    {
                        // Past its keep-alive: this server has done with the connection.
                        return;
                    }
                    lastBody = new String(in.readNBytes(contentLength(head)), StandardCharsets.ISO_8859_1);
                    socket.getOutputStream().write("HTTP/1.1 200 OK\r\nKeep-Alive: timeout=1\r\nContent-Length: 2\r\n\r\nok"
                        .getBytes(StandardCharsets.ISO_8859_1));
                    socket.getOutputStream().flush();
                    answeredAt = System.nanoTime();
                }
            }
            catch (SocketTimeoutException x)
            {
                // Not used: reads block.
            }
            catch (IOException x)
            {
                // The client went away first.
            }
        }

        private static String readHead(InputStream in) throws IOException
        {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) >= 0)
            {
                head.write(b);
                if (head.size() >= 4 && head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n"))
                {
                    break;
                }
            }
            return head.toString(StandardCharsets.ISO_8859_1);
        }

        private static int contentLength(String head)
        {
            for (String line : head.split("\r\n"))
            {
                if (line.regionMatches(true, 0, "Content-Length:", 0, 15))
                {
                    return Integer.parseInt(line.substring(15).trim());
                }
            }
            return 0;
        }

        @Override
        public void close() throws IOException
        {
            server.close();
        }
    }
}
