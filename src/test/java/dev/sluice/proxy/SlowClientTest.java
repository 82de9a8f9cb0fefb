// Slow or stalled clients cannot hold an upstream's connections: pool saturation fails fast, slow bodies are cut off.
package dev.sluice.proxy;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

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
}
