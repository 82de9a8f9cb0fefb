// Clients that stop reading a large stored answer served by the servlet chain (a WAR's path) hold no request thread.
package dev.sluice.cache;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.testing.LogCapture;
import dev.sluice.testing.Origin;
import dev.sluice.testing.Origin.Answer;
import dev.sluice.testing.PrometheusText;
import dev.sluice.testing.SluiceUnderTest;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CacheSlowClientTest
{
    private static final String ADMIN = "admin-secret-slow";
    /** Far more than loopback's socket buffers take, so a client that does not read stalls the write. */
    private static final int SIZE = 12 << 20;
    private static final int STALLED = 24;
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Origin origin;
    private static SluiceUnderTest sluice;
    private static HttpClient client;

    @BeforeAll
    static void start() throws Exception
    {
        origin = new Origin();
        // cache.fast-path = false: the chain answers hits, as in a WAR deployment.
        sluice = SluiceUnderTest.start("""
            config.reload-interval = 0
            cache.fast-path = false
            cache.heap.size = 64MB
            upstream.origin.url = %s
            route.big.path = /big
            route.big.upstream = origin
            route.big.cache = on
            route.big.cache.max-object-size = 16MB
            admin.token = demo:%s
            """.formatted(origin.url(), ADMIN));
        client = new HttpClient();
        client.start();
    }

    @AfterAll
    static void stop() throws Exception
    {
        client.stop();
        sluice.close();
        origin.close();
    }

    private static ContentResponse get(String path, String... headers) throws Exception
    {
        return dev.sluice.testing.Requests.send(client, sluice.uri(path), "GET", SIZE + 1024, headers);
    }

    private static double busyThreads() throws Exception
    {
        ContentResponse metrics = get("/-/metrics", "Authorization", "Bearer " + ADMIN);
        assertEquals(200, metrics.getStatus(), metrics.getContentAsString());
        return PrometheusText.parse(metrics.getContentAsString(), false).value("jetty_threads_busy");
    }

    @Test
    void clientsThatStopReadingAStoredAnswerHoldNoRequestThread() throws Exception
    {
        origin.script("/big/file", Answer.of(200, "x".repeat(SIZE), "Cache-Control", "max-age=600"));
        ContentResponse miss = get("/big/file");
        assertEquals("MISS", miss.getHeaders().get("X-Cache-Status"));
        ContentResponse hit = get("/big/file");
        assertEquals("HIT", hit.getHeaders().get("X-Cache-Status"));
        assertEquals(SIZE, hit.getContent().length);
        double before = busyThreads();

        List<Socket> stalled = new ArrayList<>();
        try (LogCapture logs = LogCapture.start())
        {
            for (int i = 0; i < STALLED; i++)
            {
                Socket socket = new Socket();
                socket.setReceiveBufferSize(4096);
                socket.connect(new InetSocketAddress("127.0.0.1", sluice.port()), 5000);
                OutputStream out = socket.getOutputStream();
                // Every other one asks for most of the body as a range: a stored 206 is written the same way.
                String range = i % 2 == 0 ? "" : "Range: bytes=100-" + (SIZE - 100) + "\r\n";
                // The Host and Accept-Encoding the test's client sent when it stored the answer: the same cache key.
                out.write(("GET /big/file HTTP/1.1\r\nHost: " + sluice.uri().getAuthority() + "\r\nAccept-Encoding: gzip\r\n"
                    + "X-Request-ID: stalled-" + i + "\r\n" + range + "\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
                out.flush();
                stalled.add(socket);
            }
            // Long enough for each answer to fill the socket buffers and, if it blocked, to hold its thread.
            Thread.sleep(1500);
            double during = busyThreads();
            assertTrue(during < before + STALLED / 2.0,
                "busy request threads went from " + before + " to " + during + " with " + STALLED + " clients not reading");
            ContentResponse meanwhile = get("/big/file", "Range", "bytes=0-9");
            assertEquals(206, meanwhile.getStatus());
            assertEquals("xxxxxxxxxx", meanwhile.getContentAsString());
            assertEquals(1, origin.count("/big/file"), "only the first request went upstream");

            // Gone without reading: each answer ends, logged as a hit the client abandoned.
            for (Socket socket : stalled)
            {
                socket.setSoLinger(true, 0);
                socket.close();
            }
            for (int i = 0; i < STALLED; i++)
            {
                JsonNode line = JSON.readTree(logs.accessLine("stalled-" + i));
                assertEquals("HIT", line.get("cache").asText(), line.toString());
                assertEquals(i % 2 == 0 ? 200 : 206, line.get("status").asInt(), line.toString());
                assertEquals("client_aborted", line.get("outcome").asText(), line.toString());
            }
        }
        finally
        {
            for (Socket socket : stalled)
            {
                socket.close();
            }
        }
    }
}
