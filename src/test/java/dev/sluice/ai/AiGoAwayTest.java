// A provider over HTTP/2 that says it did not process a request (GOAWAY below its stream, or REFUSED_STREAM): the call goes again.
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
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hosted providers sit behind front ends (Cloudflare, Google's) that rotate HTTP/2 connections
 * with a GOAWAY, and a request Sluice sends just then is not processed: its stream is above the
 * GOAWAY's last stream, or the server resets it with REFUSED_STREAM. Before the change, each such
 * call was answered 502 and the provider put in its cool-down.
 */
class AiGoAwayTest
{
    private static final String ANSWER = """
        {"id":"c1","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"Hello"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}""";

    @Test
    void aStreamTheProviderSaysItDidNotProcessGoesAgain() throws Exception
    {
        Path directory = Scratch.directory("sluice-ai-goaway");
        TestCertificates pki = TestCertificates.create(directory);
        for (RawHttp2Server.Behaviour refusal : new RawHttp2Server.Behaviour[] {RawHttp2Server.Behaviour.GOAWAY, RawHttp2Server.Behaviour.REFUSED_STREAM})
        {
            try (RawHttp2Server provider = RawHttp2Server.start(refusal, pki.path("server.p12"), 200, "application/json", ANSWER);
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
                for (int i = 0; i < 3; i++)
                {
                    HttpResponse<String> answer = http.send(HttpRequest.newBuilder(sluice.uri("/v1/chat/completions"))
                        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")).build(),
                        HttpResponse.BodyHandlers.ofString());
                    assertEquals(200, answer.statusCode(), refusal + " call " + i + ": " + answer.body() + "\n" + log.text());
                    assertTrue(answer.body().contains("Hello"), answer.body());
                }
                assertTrue(provider.refused() > 0, refusal + ": the provider turned a stream away");
                assertFalse(log.text().contains("failed"), refusal + ": nothing held against the provider\n" + log.text());
            }
        }
    }
}
