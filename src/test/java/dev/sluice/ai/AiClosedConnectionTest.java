// A model provider that closes an idle keep-alive connection as Sluice reuses it: the call goes again on a new connection, once.
package dev.sluice.ai;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

import dev.sluice.testing.KeyHashes;
import dev.sluice.testing.SluiceUnderTest;
import dev.sluice.testing.SocketUpstream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Servers close keep-alive connections that sit idle past their own timeout (uvicorn, which
 * serves vLLM and LiteLLM: 5 s; Node.js: 5 s) without saying so beforehand, and a request Sluice
 * sends on such a connection just then meets a closed socket. Measured before the change against
 * a server closing idle connections after 1 s, with requests spaced 0.95 to 1.05 s: 8 of 320
 * calls were answered 502. Here the provider answers the first request on each connection and
 * closes it when the next arrives, which makes that race certain.
 */
class AiClosedConnectionTest
{
    private static final String KEY = "closed-connection-key-0123456789";
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static SocketUpstream closing;
    private static SocketUpstream dropping;
    private static SocketUpstream refusing;
    private static SluiceUnderTest sluice;

    @BeforeAll
    static void start() throws Exception
    {
        closing = new SocketUpstream("closing-provider", AiClosedConnectionTest::answerOnceThenClose);
        dropping = new SocketUpstream("dropping-provider", socket -> SocketUpstream.readHead(socket.getInputStream()));
        refusing = new SocketUpstream("refusing-provider", AiClosedConnectionTest::refuseAndClose);
        sluice = SluiceUnderTest.start("""
            consumer.dev.api-key.main = sha256:%s
            route.ai.path = /v1
            route.ai.ai = on
            route.ai.auth = api-key
            ai.provider.closing.type = openai-compatible
            ai.provider.closing.base-url = %s/v1
            ai.provider.dropping.type = openai-compatible
            ai.provider.dropping.base-url = %s/v1
            ai.model.m.target.main.provider = closing
            ai.model.m.target.main.model = local-model
            ai.model.gone.target.main.provider = dropping
            ai.model.gone.target.main.model = local-model
            ai.provider.refusing.type = openai-compatible
            ai.provider.refusing.base-url = %s/v1
            ai.model.big.target.main.provider = refusing
            ai.model.big.target.main.model = local-model
            ai.max-request-body = 8MB
            """.formatted(KeyHashes.sha256(KEY), closing.url(), dropping.url(), refusing.url()));
    }

    @AfterAll
    static void stop() throws Exception
    {
        sluice.close();
        closing.close();
        dropping.close();
        refusing.close();
    }

    private static HttpResponse<String> chat(String model, boolean stream) throws Exception
    {
        return chat(model, stream, "{\"role\":\"user\",\"content\":\"Hi\"}");
    }

    private static HttpResponse<String> chat(String model, boolean stream, String messages) throws Exception
    {
        String body = "{\"model\":\"" + model + "\",\"stream\":" + stream + ",\"messages\":[" + messages + "]}";
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(sluice.uri("/v1/chat/completions").toString()))
            .header("Authorization", "Bearer " + KEY).header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        // The provider's connection goes back to Sluice's pool as the answer ends; the next call must find it there.
        Thread.sleep(150);
        return response;
    }

    @Test
    void aCallOnAConnectionTheProviderClosedGoesAgainOnANewOne() throws Exception
    {
        int connections = closing.connections();
        for (int i = 0; i < 4; i++)
        {
            boolean stream = i % 2 == 1;
            HttpResponse<String> answered = chat("m", stream);
            assertEquals(200, answered.statusCode(), "call " + i + ": " + answered.body());
            assertTrue(answered.body().contains("Hello again"), answered.body());
            // Each call after the first met the connection the provider had closed, and went again.
            assertEquals(i == 0 && connections == 0 ? "1" : "2", answered.headers().firstValue("X-Sluice-AI-Attempts").orElseThrow(), "call " + i);
        }
        assertEquals(connections + 4, closing.connections());
    }

    /** A connection that fails on its first call may have taken the request to the model: not sent again (the fallback order decides). */
    @Test
    void aCallOnANewConnectionIsNotSentAgain() throws Exception
    {
        int connections = dropping.connections();
        HttpResponse<String> failed = chat("gone", false);
        assertEquals(502, failed.statusCode(), failed.body());
        assertEquals(connections + 1, dropping.connections());
    }

    /**
     * A provider (llama.cpp's server, or one behind a proxy with a size limit) that refuses a
     * prompt larger than it takes as soon as the request's head is in, and closes the connection
     * with the prompt unread, which resets it. Before the change, when Sluice's write met the
     * reset before its read met the answer, Jetty's client failed the call without reading the
     * answer: a 502 "The connection to the model provider failed", and the target's cool-down
     * (within the first 4 calls in each of two runs of 40).
     */
    @Test
    void aProvidersAnswerBeforeItReadTheWholePromptIsTheAnswer() throws Exception
    {
        // 4 MB in four messages, each within the front's limit for one.
        String message = "{\"role\":\"user\",\"content\":\"" + "a ".repeat(500_000) + "\"}";
        String prompt = String.join(",", message, message, message, message);
        for (int i = 0; i < 20; i++)
        {
            HttpResponse<String> refused = chat("big", false, prompt);
            assertEquals(413, refused.statusCode(), "call " + i + ": " + refused.body());
            assertTrue(refused.body().contains("prompt too large"), refused.body());
        }
    }

    /** Answers 413 as soon as the request's head is in, then closes with the body unread (a reset). */
    private static void refuseAndClose(Socket socket) throws IOException
    {
        SocketUpstream.readHead(socket.getInputStream());
        byte[] bytes = "{\"error\":{\"message\":\"prompt too large\",\"type\":\"invalid_request_error\"}}".getBytes(StandardCharsets.UTF_8);
        socket.getOutputStream().write(("HTTP/1.1 413 Payload Too Large\r\nContent-Type: application/json\r\nContent-Length: " + bytes.length
            + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().write(bytes);
        socket.getOutputStream().flush();
    }

    /** Answers the first request on a connection (keeping it open) and closes it when the next one arrives, unanswered. */
    private static void answerOnceThenClose(Socket socket) throws IOException
    {
        InputStream in = socket.getInputStream();
        String head = SocketUpstream.readHead(in);
        String body = new String(in.readNBytes(SocketUpstream.contentLength(head)), StandardCharsets.UTF_8);
        String answer;
        String type;
        if (body.contains("\"stream\":true"))
        {
            type = "text/event-stream";
            answer = "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"local-model\",\"choices\":[{\"index\":0,"
                + "\"delta\":{\"role\":\"assistant\",\"content\":\"Hello again\"},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n";
        }
        else
        {
            type = "application/json";
            answer = "{\"id\":\"c1\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"local-model\",\"choices\":[{\"index\":0,"
                + "\"message\":{\"role\":\"assistant\",\"content\":\"Hello again\"},\"finish_reason\":\"stop\"}],"
                + "\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2,\"total_tokens\":3}}";
        }
        byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
        socket.getOutputStream().write(("HTTP/1.1 200 OK\r\nContent-Type: " + type + "\r\nContent-Length: " + bytes.length + "\r\n\r\n")
            .getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().write(bytes);
        socket.getOutputStream().flush();
        // The next request arrives on a connection this server has done with.
        SocketUpstream.readHead(in);
    }
}
