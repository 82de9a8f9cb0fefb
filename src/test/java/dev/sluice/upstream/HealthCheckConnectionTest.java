// Active health checks against a target that closes idle keep-alive connections without saying so: a check that meets such a connection goes again, and the target stays in.
package dev.sluice.upstream;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

import dev.sluice.testing.LogCapture;
import dev.sluice.testing.SluiceUnderTest;
import dev.sluice.testing.SocketUpstream;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * uvicorn and many small services close a keep-alive connection after their own idle timeout
 * without a {@code Keep-Alive} header to warn of it. A health check sent on such a connection
 * just as it closes meets a closed socket, which says nothing about the target. Before the
 * change it counted as a failed check, so with {@code unhealthy-threshold = 1} the target was
 * taken out (and the next passed check did not bring it back below {@code healthy-threshold}).
 * Here the target answers the first request on each connection and closes it when the next
 * arrives, which makes the race certain on every check after the first.
 */
class HealthCheckConnectionTest
{
    @Test
    void aCheckThatMeetsAConnectionTheTargetClosedGoesAgainAndTheTargetStaysIn() throws Exception
    {
        AtomicInteger answered = new AtomicInteger();
        try (SocketUpstream target = new SocketUpstream("closing-target", socket -> answerOnceThenClose(socket, answered));
             SocketUpstream dropping = new SocketUpstream("dropping-target", socket -> SocketUpstream.readHead(socket.getInputStream()));
             LogCapture log = LogCapture.start();
             SluiceUnderTest sluice = SluiceUnderTest.start("""
                 upstream.api.targets = %s
                 upstream.api.health.path = /health
                 upstream.api.health.interval = 100ms
                 upstream.api.health.timeout = 100ms
                 upstream.api.health.unhealthy-threshold = 1
                 upstream.api.health.healthy-threshold = 5
                 route.api.path = /**
                 route.api.upstream = api
                 upstream.down.targets = %s
                 upstream.down.health.path = /health
                 upstream.down.health.interval = 100ms
                 upstream.down.health.timeout = 100ms
                 upstream.down.health.unhealthy-threshold = 1
                 """.formatted(target.url(), dropping.url())))
        {
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (answered.get() < 8 && System.nanoTime() < deadline)
            {
                Thread.sleep(50);
            }
            assertTrue(answered.get() >= 8, "health checks answered: " + answered.get());
            assertFalse(log.text().contains("'api' target " + target.url().substring("http://".length()) + " is unhealthy"), log.text());
            // A target that closes a fresh connection under the check is unhealthy, and the log says why in a few words.
            assertTrue(log.text().contains("'down' target " + dropping.url().substring("http://".length())
                + " is unhealthy: 1 health checks failed (last: connection closed by the target)"), log.text());
            assertTrue(target.connections() >= 8, "each check after the first met a closed connection and took a new one: " + target.connections());

            HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(sluice.uri("/orders")).build(),
                HttpResponse.BodyHandlers.ofString());
            assertEquals(200, answer.statusCode(), answer.body());
        }
    }

    /** Answers the first request on a connection (keeping it open) and closes it when the next one arrives, unanswered. */
    private static void answerOnceThenClose(Socket socket, AtomicInteger answered) throws IOException
    {
        InputStream in = socket.getInputStream();
        SocketUpstream.readHead(in);
        socket.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().flush();
        answered.incrementAndGet();
        SocketUpstream.readHead(in);
    }
}
