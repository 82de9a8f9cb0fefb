// Providers over TLS: verified by default, HTTP/2 when the provider offers it by ALPN.
package dev.sluice.ai;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.testing.FakeModelProvider;
import dev.sluice.testing.Scratch;
import dev.sluice.testing.SluiceUnderTest;
import dev.sluice.testing.TestCertificates;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AiProviderTlsTest
{
    @Test
    void aTlsProviderIsReachedOverHttp2AndOnlyWhenItsCertificateIsTrusted() throws Exception
    {
        Path directory = Scratch.directory("sluice-ai-tls");
        TestCertificates pki = TestCertificates.create(directory);
        try (FakeModelProvider provider = FakeModelProvider.start("tls", pki.path("server.p12"));
             SluiceUnderTest sluice = SluiceUnderTest.start("""
                 route.ai.path = /v1
                 route.ai.ai = on
                 ai.provider.trusted.type = openai-compatible
                 ai.provider.trusted.base-url = %1$s/v1
                 ai.provider.trusted.ca-file = %2$s
                 ai.provider.default.type = openai-compatible
                 ai.provider.default.base-url = %1$s/v1
                 ai.model.good.target.t.provider = trusted
                 ai.model.good.target.t.model = m
                 ai.model.unverified.target.t.provider = default
                 ai.model.unverified.target.t.model = m
                 """.formatted(provider.uri(), pki.path("server.pem"))))
        {
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> good = http.send(HttpRequest.newBuilder(sluice.uri("/v1/chat/completions"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"good\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")).build(),
                HttpResponse.BodyHandlers.ofString());
            assertEquals(200, good.statusCode(), good.body());
            assertTrue(good.body().contains("Hello from tls: hi"), good.body());
            assertEquals("HTTP/2.0", provider.take().protocol(), "h2 negotiated by ALPN");

            HttpResponse<String> unverified = http.send(HttpRequest.newBuilder(sluice.uri("/v1/chat/completions"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"unverified\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")).build(),
                HttpResponse.BodyHandlers.ofString());
            assertEquals(502, unverified.statusCode(), "a certificate the JDK does not trust is refused: " + unverified.body());
            assertEquals("api_error", new ObjectMapper().readTree(unverified.body()).path("error").path("type").asText());
            assertEquals(null, provider.poll(), "no request reached the untrusted provider");
        }
    }
}
