// Providers over HTTP/2 that turn a call away unprocessed (GOAWAY below its stream, REFUSED_STREAM) or answer before the whole prompt: what the client gets.
package dev.sluice.ai;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import dev.sluice.testing.LogCapture;
import dev.sluice.testing.RawHttp2Server;
import dev.sluice.testing.Scratch;
import dev.sluice.testing.SluiceUnderTest;
import dev.sluice.testing.TestCertificates;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hosted providers sit behind front ends (Cloudflare, Google's, Envoy) that do two things a
 * servlet cannot show: they rotate HTTP/2 connections with a GOAWAY, so that a call sent just then
 * is not processed (its stream above the GOAWAY's last one, or reset with REFUSED_STREAM; RFC 9113
 * section 8.7), and they answer a large upload before it is in (an early 401, 413 or 429) and
 * reset the stream with NO_ERROR (section 8.1). Before the changes, each was answered 502 and the
 * provider put in its cool-down.
 */
class AiHttp2ProviderTest
{
    private static final String ANSWER = """
        {"id":"c1","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"Hello"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}""";
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static TestCertificates pki;

    @BeforeAll
    static void certificates() throws Exception
    {
        pki = TestCertificates.create(Scratch.directory("sluice-ai-http2"));
    }

    /** Sluice with one model, m, on the given provider, trusting the test certificate. */
    private static SluiceUnderTest sluiceFor(URI provider) throws Exception
    {
        return SluiceUnderTest.start("""
            route.ai.path = /v1
            route.ai.ai = on
            ai.provider.p.type = openai-compatible
            ai.provider.p.base-url = %s/v1
            ai.provider.p.ca-file = %s
            ai.model.m.target.t.provider = p
            ai.model.m.target.t.model = m
            """.formatted(provider, pki.path("server.pem")));
    }

    private static HttpResponse<String> chat(SluiceUnderTest sluice, boolean stream, String content) throws Exception
    {
        String body = "{\"model\":\"m\",\"stream\":" + stream + ",\"messages\":[{\"role\":\"user\",\"content\":\"" + content + "\"}]}";
        return HTTP.send(HttpRequest.newBuilder(sluice.uri("/v1/chat/completions")).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
            HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aStreamTheProviderSaysItDidNotProcessGoesAgain() throws Exception
    {
        for (RawHttp2Server.Behaviour refusal : new RawHttp2Server.Behaviour[] {RawHttp2Server.Behaviour.GOAWAY, RawHttp2Server.Behaviour.REFUSED_STREAM})
        {
            try (RawHttp2Server provider = RawHttp2Server.start(refusal, pki.path("server.p12"), 200, "application/json", ANSWER);
                 LogCapture log = LogCapture.start();
                 SluiceUnderTest sluice = sluiceFor(provider.uri()))
            {
                for (int i = 0; i < 3; i++)
                {
                    HttpResponse<String> answer = chat(sluice, false, "hi");
                    assertEquals(200, answer.statusCode(), refusal + " call " + i + ": " + answer.body() + "\n" + log.text());
                    assertTrue(answer.body().contains("Hello"), answer.body());
                }
                assertTrue(provider.refused() > 0, refusal + ": the provider turned a stream away");
                assertFalse(log.text().contains("failed"), refusal + ": nothing held against the provider\n" + log.text());
            }
        }
    }

    @Test
    void aProvidersAnswerBeforeTheWholePromptIsTheAnswer() throws Exception
    {
        String error = "{\"error\":{\"message\":\"Request too large for model\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"request_too_large\"}}";
        try (RawHttp2Server provider = RawHttp2Server.start(RawHttp2Server.Behaviour.EARLY_ANSWER, pki.path("server.p12"), 400, "application/json", error);
             LogCapture log = LogCapture.start();
             SluiceUnderTest sluice = sluiceFor(provider.uri()))
        {
            // A prompt sent whole before the answer arrives, and ones the answer cuts off (the route takes 1 MiB).
            for (int size : new int[] {100, 300_000, 900_000})
            {
                for (boolean stream : new boolean[] {false, true})
                {
                    HttpResponse<String> answer = chat(sluice, stream, "x".repeat(size));
                    assertEquals(400, answer.statusCode(), size + " characters, stream " + stream + ": " + answer.body() + "\n" + log.text());
                    assertTrue(answer.body().contains("Request too large for model"), answer.body());
                }
            }
            assertFalse(log.text().contains("failed"), "nothing held against the provider\n" + log.text());
        }
    }
}
