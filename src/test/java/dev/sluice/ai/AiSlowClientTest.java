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
}
