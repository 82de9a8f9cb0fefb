// Clients that stop reading a long AI stream hold a connection each, never a thread, and slow their provider's stream.
package dev.sluice.ai;

import java.io.InputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.sluice.testing.BlockedWrites;
import dev.sluice.testing.FakeModelProvider;
import dev.sluice.testing.FakeModelProvider.Fault;
import dev.sluice.testing.KeyHashes;
import dev.sluice.testing.SluiceUnderTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The AI front writes its answers from the container's threads. Before, each client that
 * stopped reading a long stream held one of them in a blocking write until the connection's idle
 * timeout; a few hundred such clients (measured: 210, against the launcher's 200 threads) left
 * the gateway answering nothing, its model list included.
 */
class AiSlowClientTest
{
    private static final String KEY = "slow-key-0123456789abcdef";
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static FakeModelProvider openai;
    private static SluiceUnderTest sluice;

    @BeforeAll
    static void start() throws Exception
    {
        openai = FakeModelProvider.start("openai");
        sluice = SluiceUnderTest.start("""
            consumer.dev.api-key.main = sha256:%s
            route.ai.path = /v1
            route.ai.ai = on
            route.ai.auth = api-key
            ai.provider.oa.type = openai-compatible
            ai.provider.oa.base-url = %s/v1
            ai.model.gpt.target.main.provider = oa
            ai.model.gpt.target.main.model = gpt-4o-mini
            route.cached.path = /cached/v1
            route.cached.ai = on
            route.cached.auth = api-key
            route.cached.ai.cache = on
            route.cached.ai.guard.max-message-size = 8MB
            ai.cache.max-entry-size = 16MB
            ai.max-request-body = 16MB
            """.formatted(KeyHashes.sha256(KEY), openai.uri()));
    }

    @AfterAll
    static void stop() throws Exception
    {
        sluice.close();
        openai.close();
    }

    @Test
    void clientsThatStopReadingALongStreamHoldNoThreadAndSlowTheirProvider() throws Exception
    {
        int clients = 4;
        List<Socket> sockets = new ArrayList<>();
        try
        {
            String body = "{\"model\":\"gpt\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Say hi\"}]}";
            for (int i = 0; i < clients; i++)
            {
                openai.next(Fault.LONG_STREAM);
                Socket socket = new Socket();
                socket.setReceiveBufferSize(4096);
                socket.connect(new java.net.InetSocketAddress("127.0.0.1", sluice.port()), 5000);
                socket.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: sluice\r\nAuthorization: Bearer " + KEY
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
                sockets.add(socket);
            }
            for (int i = 0; i < clients; i++)
            {
                openai.take();
            }
            // Until the buffers between the provider, Sluice and the clients are full and nothing moves.
            long before;
            long after = openai.longStreamEvents.get();
            do
            {
                before = after;
                Thread.sleep(1000);
                after = openai.longStreamEvents.get();
            }
            while (after > before);

            assertEquals(List.of(), BlockedWrites.threads(), "threads parked writing to clients that do not read");
            long limit = (long)clients * FakeModelProvider.LONG_STREAM_EVENTS / 2;
            assertTrue(after < limit, "the provider was read only as far as the clients took: " + after + " of "
                + clients * FakeModelProvider.LONG_STREAM_EVENTS + " events written");

            // Meanwhile the gateway answers others.
            HttpResponse<String> models = HTTP.send(HttpRequest.newBuilder(sluice.uri("/v1/models")).header("Authorization", "Bearer " + KEY)
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, models.statusCode());
            HttpResponse<String> answered = HTTP.send(HttpRequest.newBuilder(sluice.uri("/v1/chat/completions")).header("Authorization", "Bearer " + KEY)
                .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.ofString(
                    "{\"model\":\"gpt\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Say hi\"}]}")).build(),
                HttpResponse.BodyHandlers.ofString());
            assertEquals(200, answered.statusCode());
            assertTrue(answered.body().endsWith("data: [DONE]\n\n"), answered.body());

            // A client that reads on late gets the whole answer.
            sockets.get(0).setSoTimeout(30_000);
            InputStream late = sockets.get(0).getInputStream();
            byte[] buffer = new byte[1 << 16];
            long read = 0;
            String tail = "";
            for (int n; (n = late.read(buffer)) > 0; )
            {
                read += n;
                tail = (tail + new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
                tail = tail.substring(Math.max(0, tail.length() - 64));
                if (tail.contains("data: [DONE]"))
                {
                    break;
                }
            }
            assertTrue(tail.contains("data: [DONE]"), "the stream ran to its end: " + read + " bytes, ending " + tail);
            assertTrue(read > 20_000_000, "all of it: " + read + " bytes");
        }
        finally
        {
            for (Socket socket : sockets)
            {
                socket.close();
            }
        }
    }

    @Test
    void clientsThatStopReadingALargeCachedAnswerHoldNoThread() throws Exception
    {
        // About 6 MB of answer, more than the socket buffers hold: the fake provider says the prompt back.
        String prompt = "word ".repeat(1_200_000);
        String body = "{\"model\":\"gpt\",\"messages\":[{\"role\":\"user\",\"content\":\"" + prompt + "\"}]}";
        HttpRequest ask = HttpRequest.newBuilder(sluice.uri("/cached/v1/chat/completions")).header("Authorization", "Bearer " + KEY)
            .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(body)).build();
        HttpResponse<String> first = HTTP.send(ask, HttpResponse.BodyHandlers.ofString());
        assertEquals(200, first.statusCode(), first.body());
        assertEquals("MISS", first.headers().firstValue("X-Cache-Status").orElse(null));
        assertTrue(first.body().length() > 6_000_000, "a large answer: " + first.body().length() + " characters");

        int clients = 4;
        List<Socket> sockets = new ArrayList<>();
        try
        {
            byte[] request = ("POST /cached/v1/chat/completions HTTP/1.1\r\nHost: sluice\r\nAuthorization: Bearer " + KEY
                + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8);
            for (int i = 0; i < clients; i++)
            {
                Socket socket = new Socket();
                socket.setReceiveBufferSize(4096);
                socket.connect(new java.net.InetSocketAddress("127.0.0.1", sluice.port()), 5000);
                socket.getOutputStream().write(request);
                sockets.add(socket);
            }
            // Time for every hit to be answered as far as the buffers allow.
            Thread.sleep(2000);
            List<String> blocked = BlockedWrites.threads();
            assertEquals(List.of(), blocked, "threads parked writing cached answers to clients that do not read");

            // Meanwhile the gateway answers others, from the cache too.
            HttpResponse<String> again = HTTP.send(ask, HttpResponse.BodyHandlers.ofString());
            assertEquals(200, again.statusCode());
            assertEquals("HIT", again.headers().firstValue("X-Cache-Status").orElse(null));
            assertEquals(first.body(), again.body());

            // A client that reads on late gets the whole answer.
            Socket late = sockets.get(0);
            late.setSoTimeout(30_000);
            dev.sluice.testing.RawHttp.Reply reply = dev.sluice.testing.RawHttp.read(late.getInputStream());
            assertEquals(200, reply.status(), reply.head());
            assertEquals("HIT", reply.header("X-Cache-Status"), reply.head());
            String answer = reply.body();
            assertEquals(first.body(), answer, "the whole answer");
        }
        finally
        {
            for (Socket socket : sockets)
            {
                socket.close();
            }
        }
    }
}
