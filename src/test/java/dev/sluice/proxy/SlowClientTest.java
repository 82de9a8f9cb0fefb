// Slow or stalled clients cannot hold an upstream's connections: pool saturation fails fast, slow bodies are cut off.
package dev.sluice.proxy;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import dev.sluice.testing.SluiceUnderTest;
import dev.sluice.testing.TestUpstream;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SlowClientTest
{
    private static final CountDownLatch release = new CountDownLatch(1);
    private static final byte[] EIGHT_KIB = "0123456789abcdef".repeat(512).getBytes(StandardCharsets.US_ASCII);
    private static TestUpstream upstream;
    private static SluiceUnderTest sluice;
    private static SluiceUnderTest strict;
    private static HttpClient client;

    @BeforeAll
    static void start() throws Exception
    {
        upstream = TestUpstream.start(new Handler.Abstract()
        {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception
            {
                if (request.getHttpURI().getPath().startsWith("/hold"))
                {
                    release.await(20, TimeUnit.SECONDS);
                }
                if (request.getHttpURI().getPath().startsWith("/eight-kib"))
                {
                    EIGHT_KIB_SERVED.incrementAndGet();
                    response.getHeaders().put("Content-Length", EIGHT_KIB.length);
                    response.write(true, ByteBuffer.wrap(EIGHT_KIB), callback);
                    return true;
                }
                org.eclipse.jetty.io.Content.Source.consumeAll(request);
                org.eclipse.jetty.io.Content.Sink.write(response, true, "ok", callback);
                return true;
            }
        });
        sluice = SluiceUnderTest.start("""
            proxy.max-connections-per-upstream = 2
            proxy.queue-timeout = 300ms
            upstream.app.url = %s
            route.app.path = /
            route.app.upstream = app
            """.formatted(upstream.url()));
        strict = SluiceUnderTest.start("""
            proxy.max-connections-per-upstream = 1
            proxy.request-body.idle-timeout = 1s
            proxy.request-body.min-rate = 1KB
            upstream.app.url = %s
            route.app.path = /
            route.app.upstream = app
            """.formatted(upstream.url()));
        client = new HttpClient();
        client.start();
    }

    @AfterAll
    static void stop() throws Exception
    {
        release.countDown();
        client.stop();
        strict.close();
        sluice.close();
        upstream.close();
    }

    @Test
    void aSaturatedConnectionPoolAnswers503WithRetryAfterInsteadOfHanging() throws Exception
    {
        for (int i = 0; i < 2; i++)
        {
            // Each holds one of the two upstream connections until released.
            client.newRequest(sluice.uri("/hold/" + i)).timeout(30, TimeUnit.SECONDS).send(result ->
            {
            });
        }
        Thread.sleep(300);
        long started = System.nanoTime();
        ContentResponse refused = client.newRequest(sluice.uri("/quick")).timeout(10, TimeUnit.SECONDS).send();
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        assertEquals(503, refused.getStatus());
        assertEquals("1", refused.getHeaders().get("Retry-After"));
        assertEquals("application/problem+json", refused.getMediaType());
        assertTrue(refused.getContentAsString().contains("urn:sluice:problem:upstream-saturated"), refused.getContentAsString());
        assertTrue(millis < 3000, "answered after " + millis + " ms");
        release.countDown();
        Thread.sleep(200);
        assertEquals(200, client.newRequest(sluice.uri("/quick")).timeout(10, TimeUnit.SECONDS).send().getStatus(),
            "the target was not ejected for being busy");
    }

    /** Sends the head and the first body bytes, then more with {@code pauseMillis} between bytes; returns the status line. */
    private static String trickle(String firstBytes, long pauseMillis, int moreBytes) throws Exception
    {
        try (Socket socket = new Socket("127.0.0.1", strict.port()))
        {
            socket.setSoTimeout(15_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /upload HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100000\r\n\r\n" + firstBytes)
                .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            java.io.InputStream in = socket.getInputStream();
            Thread writer = new Thread(() ->
            {
                try
                {
                    for (int i = 0; i < moreBytes; i++)
                    {
                        Thread.sleep(pauseMillis);
                        out.write('x');
                        out.flush();
                    }
                }
                catch (Exception x)
                {
                    // Sluice closed the connection: what the test expects.
                }
            });
            writer.setDaemon(true);
            writer.start();
            String answer = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            writer.interrupt();
            return answer.isEmpty() ? "" : answer.substring(0, answer.indexOf('\r'));
        }
    }

    @Test
    void aStalledRequestBodyIsCutOffWith408AndFreesTheUpstreamConnection() throws Exception
    {
        long started = System.nanoTime();
        String status = trickle("only a few bytes", 0, 0);
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        assertEquals("HTTP/1.1 408 Request Timeout", status);
        assertTrue(millis < 5000, "cut off after " + millis + " ms");
        assertEquals(200, client.newRequest(strict.uri("/after-stall")).timeout(10, TimeUnit.SECONDS).send().getStatus());
    }

    @Test
    void aTricklingRequestBodyUnderTheMinimumRateIsCutOff() throws Exception
    {
        // A byte every 300 ms never goes silent for the idle timeout, but averages far under 1KB/s.
        long started = System.nanoTime();
        String status = trickle("x", 300, 60);
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        assertEquals("HTTP/1.1 408 Request Timeout", status);
        assertTrue(millis >= 5000 && millis < 9000, "cut off after " + millis + " ms");
        assertEquals(200, client.newRequest(strict.uri("/after-trickle")).timeout(10, TimeUnit.SECONDS).send().getStatus());
    }

    @Test
    void waitingForANewConnectionIsTheConnectTimeoutsBusinessNotAFullPool() throws Exception
    {
        // Never accepts once its backlog is full: connecting hangs, as to an unreachable host.
        try (java.net.ServerSocket unaccepting = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
             Socket filler1 = new Socket(); Socket filler2 = new Socket())
        {
            filler1.connect(unaccepting.getLocalSocketAddress(), 1000);
            filler2.connect(unaccepting.getLocalSocketAddress(), 1000);
            try (SluiceUnderTest sluggish = SluiceUnderTest.start("""
                proxy.queue-timeout = 200ms
                upstream.far.url = http://127.0.0.1:%d
                route.far.path = /
                route.far.upstream = far
                route.far.connect-timeout = 1500ms
                """.formatted(unaccepting.getLocalPort())))
            {
                ContentResponse response = client.newRequest(sluggish.uri("/x")).timeout(10, TimeUnit.SECONDS).send();
                assertEquals(504, response.getStatus(), response.getContentAsString());
            }
        }
    }

    /**
     * Answers small enough to arrive from the upstream in one piece are written without a
     * WriteListener; clients that pipeline requests and never read still must not park a thread
     * each, or a few hundred of them would starve everyone else.
     */
    @Test
    void clientsThatStopReadingSmallAnswersHoldNoThread() throws Exception
    {
        int stalled = 12;
        List<Socket> sockets = new ArrayList<>();
        // Each stalled answer keeps its upstream connection until the client takes it: a pool with room.
        try (SluiceUnderTest sluice = SluiceUnderTest.start("""
            upstream.app.url = %s
            route.app.path = /
            route.app.upstream = app
            """.formatted(upstream.url())))
        {
            byte[] pipelined = "GET /eight-kib HTTP/1.1\r\nHost: localhost\r\n\r\n".repeat(64).getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i < stalled; i++)
            {
                Socket socket = new Socket();
                socket.setReceiveBufferSize(4096);
                socket.connect(new InetSocketAddress("127.0.0.1", sluice.port()), 2000);
                sockets.add(socket);
                Thread writer = new Thread(() ->
                {
                    try
                    {
                        // Requests until Sluice stops reading them: its answers fill both buffers.
                        for (int round = 0; round < 200; round++)
                        {
                            socket.getOutputStream().write(pipelined);
                        }
                    }
                    catch (IOException x)
                    {
                        // Closed at the end of the test.
                    }
                });
                writer.setDaemon(true);
                writer.start();
            }
            // Until every stalled connection has a write pending: the answers stop being sent.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            long sent = -1;
            while (System.nanoTime() < deadline)
            {
                Thread.sleep(500);
                long now = upstreamRequests();
                if (now == sent)
                {
                    break;
                }
                sent = now;
            }
            assertTrue(sent > stalled, "the stalled clients' requests were answered " + sent + " times");
            assertEquals(List.of(), dev.sluice.testing.BlockedWrites.threads(), "threads parked writing to clients that do not read");
            ContentResponse served = client.newRequest(sluice.uri("/eight-kib")).timeout(10, TimeUnit.SECONDS).send();
            assertEquals(200, served.getStatus());
            assertEquals(EIGHT_KIB.length, served.getContent().length);
            assertEquals("8192", served.getHeaders().get("Content-Length"));
        }
        finally
        {
            for (Socket socket : sockets)
            {
                socket.close();
            }
        }
    }

    private static final AtomicLong EIGHT_KIB_SERVED = new AtomicLong();

    private static long upstreamRequests()
    {
        return EIGHT_KIB_SERVED.get();
    }
}
