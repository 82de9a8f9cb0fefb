// An HTTP/2 provider that answers before it has read a large prompt and resets the stream with NO_ERROR: the client gets that answer.
package dev.sluice.ai;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;

import dev.sluice.testing.LogCapture;
import dev.sluice.testing.RawHttp2Server;
import dev.sluice.testing.Scratch;
import dev.sluice.testing.SluiceUnderTest;
import dev.sluice.testing.TestCertificates;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * RFC 9113 section 8.1 lets a server answer before the request is complete and then reset the
 * stream with NO_ERROR; Envoy, in front of many hosted APIs, does so with an early 401, 413 or 429
 * to a large upload. Before the change, the AI front read the half-sent prompt as a failed
 * connection: a 502 for the client and a cool-down for the target, whatever the provider said.
 */
class AiEarlyAnswerTest
{
    @Test
    void aProvidersAnswerBeforeTheWholePromptIsTheAnswer() throws Exception
    {
        Path directory = Scratch.directory("sluice-ai-early");
        TestCertificates pki = TestCertificates.create(directory);
        String error = "{\"error\":{\"message\":\"Request too large for model\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"request_too_large\"}}";
        try (RawHttp2Server provider = RawHttp2Server.start(RawHttp2Server.Behaviour.EARLY_ANSWER, pki.path("server.p12"), 400, "application/json", error);
             LogCapture log = LogCapture.start();
             SluiceUnderTest sluice = SluiceUnderTest.start("""
                 route.ai.path = /v1
                 route.ai.ai = on
                 ai.provider.p.type = openai-compatible
                 ai.provider.p.base-url = %s/v1
                 ai.provider.p.ca-file = %s
                 ai.model.m.target.t.provider = p
                 ai.model.m.target.t.model = m
                 """.formatted(provider.uri(), pki.path("server.pem"))))
        {
            HttpClient http = HttpClient.newHttpClient();
            // A prompt sent whole before the answer arrives, and ones the answer cuts off (the route takes 1 MiB).
            for (int size : new int[] {100, 300_000, 900_000})
            {
                for (boolean stream : new boolean[] {false, true})
                {
                    String body = "{\"model\":\"m\",\"stream\":" + stream + ",\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(size) + "\"}]}";
                    HttpResponse<String> answer = http.send(HttpRequest.newBuilder(sluice.uri("/v1/chat/completions"))
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                    assertEquals(400, answer.statusCode(), size + " characters, stream " + stream + ": " + answer.body() + "\n" + log.text());
                    assertTrue(answer.body().contains("Request too large for model"), answer.body());
                }
            }
            assertTrue(!log.text().contains("failed"), "nothing held against the provider\n" + log.text());
        }
    }
}
