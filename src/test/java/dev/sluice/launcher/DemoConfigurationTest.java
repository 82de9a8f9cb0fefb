// The shipped configuration with the demo upstream: the README's credentials really work.
package dev.sluice.launcher;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

import dev.sluice.testing.SluiceUnderTest;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DemoConfigurationTest
{
    private static DemoUpstream demo;
    private static SluiceUnderTest sluice;
    private static HttpClient client;

    @BeforeAll
    static void start() throws Exception
    {
        demo = DemoUpstream.start(0);
        // The shipped file reads the demo port from ${SLUICE_DEMO_PORT:-9999}.
        String shipped = Files.readString(Path.of("conf/sluice.properties"))
            .replace("${SLUICE_DEMO_PORT:-9999}", Integer.toString(demo.uri().getPort()));
        sluice = SluiceUnderTest.start(shipped);
        client = new HttpClient();
        client.start();
    }

    @AfterAll
    static void stop() throws Exception
    {
        client.stop();
        sluice.close();
        demo.close();
    }

    @Test
    void theDemoTokenOpensTheOrdersRoute() throws Exception
    {
        String token = DemoCredentials.token(Instant.now());
        ContentResponse response = client.newRequest(sluice.uri("/v2/ada/orders/7")).headers(headers -> headers.put("Authorization", "Bearer " + token))
            .timeout(10, TimeUnit.SECONDS).send();
        assertEquals(200, response.getStatus());
        assertTrue(response.getContentAsString().contains("/api/users/ada/orders/7"), response.getContentAsString());
        assertEquals(401, client.newRequest(sluice.uri("/v2/ada/orders/7")).timeout(10, TimeUnit.SECONDS).send().getStatus());
    }

    @Test
    void theDemoKeyOpensTheAccountRouteAndIsNotForwarded() throws Exception
    {
        ContentResponse response = client.newRequest(sluice.uri("/account/me")).headers(headers -> headers.put("apikey", DemoCredentials.API_KEY))
            .timeout(10, TimeUnit.SECONDS).send();
        assertEquals(200, response.getStatus());
        String echoed = response.getContentAsString();
        assertTrue(echoed.toLowerCase().contains("x-consumer-id"), echoed);
        assertFalse(echoed.contains(DemoCredentials.API_KEY), echoed);
        assertEquals(401, client.newRequest(sluice.uri("/account/me")).timeout(10, TimeUnit.SECONDS).send().getStatus());
    }

    @Test
    void theDemoPasswordOpensTheAccountRouteWithBasicAndIsNotForwarded() throws Exception
    {
        String credential = java.util.Base64.getEncoder().encodeToString(("demo:" + DemoCredentials.PASSWORD).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        ContentResponse response = client.newRequest(sluice.uri("/account/me")).headers(headers -> headers.put("Authorization", "Basic " + credential))
            .timeout(10, TimeUnit.SECONDS).send();
        assertEquals(200, response.getStatus());
        assertFalse(response.getContentAsString().contains(credential), response.getContentAsString());
        ContentResponse refused = client.newRequest(sluice.uri("/account/me")).timeout(10, TimeUnit.SECONDS).send();
        assertEquals(java.util.List.of("Key realm=\"sluice\"", "Basic realm=\"sluice\", charset=\"UTF-8\""),
            refused.getHeaders().getValuesList("WWW-Authenticate"));
    }

    @Test
    void theEchoRouteStaysPublic() throws Exception
    {
        ContentResponse response = client.newRequest(sluice.uri("/echo/hello")).timeout(10, TimeUnit.SECONDS).send();
        assertEquals(200, response.getStatus());
        assertEquals("10;w=60", response.getHeaders().get("RateLimit-Policy"), "the demo shows a visible limit");
    }

    @Test
    void theCatalogRouteIsVisiblyCached() throws Exception
    {
        ContentResponse first = client.newRequest(sluice.uri("/catalog/books")).timeout(10, TimeUnit.SECONDS).send();
        assertEquals("MISS", first.getHeaders().get("X-Cache-Status"));
        ContentResponse second = client.newRequest(sluice.uri("/catalog/books")).timeout(10, TimeUnit.SECONDS).send();
        assertEquals("HIT", second.getHeaders().get("X-Cache-Status"));
        assertEquals(first.getContentAsString(), second.getContentAsString(), "the same stored body, down to the request id it echoed");
    }

    @Test
    void theReadmesAiCurlWorksOfflineStreamedAndNot() throws Exception
    {
        String body = "{\"model\":\"demo\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello there\"}]}";
        ContentResponse answer = client.POST(sluice.uri("/v1/chat/completions")).headers(h -> h.put("apikey", DemoCredentials.API_KEY))
            .body(new org.eclipse.jetty.client.StringRequestContent("application/json", body)).timeout(10, TimeUnit.SECONDS).send();
        assertEquals(200, answer.getStatus(), answer.getContentAsString());
        assertTrue(answer.getContentAsString().contains("You said: Hello there"), answer.getContentAsString());
        assertEquals("demo-echo-1", answer.getHeaders().get("X-Sluice-AI-Model"));

        ContentResponse streamed = client.POST(sluice.uri("/v1/chat/completions")).headers(h -> h.put("Authorization", "Bearer " + DemoCredentials.API_KEY))
            .body(new org.eclipse.jetty.client.StringRequestContent("application/json", body.replace("{\"model\"", "{\"stream\":true,\"model\"")))
            .timeout(10, TimeUnit.SECONDS).send();
        assertEquals(200, streamed.getStatus(), streamed.getContentAsString());
        assertTrue(streamed.getHeaders().get("Content-Type").startsWith("text/event-stream"));
        assertTrue(streamed.getContentAsString().contains("\"content\":\" there\""), streamed.getContentAsString());
        assertTrue(streamed.getContentAsString().endsWith("data: [DONE]\n\n"));

        ContentResponse models = client.newRequest(sluice.uri("/v1/models")).headers(h -> h.put("apikey", DemoCredentials.API_KEY))
            .timeout(10, TimeUnit.SECONDS).send();
        assertTrue(models.getContentAsString().contains("\"id\":\"demo-embed\""), models.getContentAsString());
        ContentResponse anonymous = client.newRequest(sluice.uri("/v1/models")).timeout(10, TimeUnit.SECONDS).send();
        assertEquals(401, anonymous.getStatus(), "the AI route needs the demo key");
    }

    /** Codex and OpenAI's Agents SDK speak the Responses API and send text as parts; the demo echoes their text. */
    @Test
    void theDemoAnswersTheResponsesApiWithTheTextOfItsParts() throws Exception
    {
        String body = "{\"model\":\"demo\",\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"Hello\"},"
            + "{\"type\":\"input_text\",\"text\":\"parts\"}]}]}";
        ContentResponse answer = client.POST(sluice.uri("/v1/responses")).headers(h -> h.put("apikey", DemoCredentials.API_KEY))
            .body(new org.eclipse.jetty.client.StringRequestContent("application/json", body)).timeout(10, TimeUnit.SECONDS).send();
        assertEquals(200, answer.getStatus(), answer.getContentAsString());
        com.fasterxml.jackson.databind.JsonNode response = new com.fasterxml.jackson.databind.ObjectMapper().readTree(answer.getContentAsString());
        assertEquals("response", response.path("object").asText());
        assertEquals("You said: Hello parts", response.path("output").path(0).path("content").path(0).path("text").asText(), answer.getContentAsString());
    }

    /** OpenAI's Node SDK asks for base64 vectors unless told otherwise; given numbers, it read an empty vector. */
    @Test
    void demoEmbeddingsComeAsNumbersOrAsBase64WhenAsked() throws Exception
    {
        for (String format : new String[] {"", ",\"encoding_format\":\"float\"", ",\"encoding_format\":\"base64\""})
        {
            ContentResponse answer = client.POST(sluice.uri("/v1/embeddings")).headers(h -> h.put("apikey", DemoCredentials.API_KEY))
                .body(new org.eclipse.jetty.client.StringRequestContent("application/json", "{\"model\":\"demo-embed\",\"input\":[\"a\",\"b\"]" + format + "}"))
                .timeout(10, TimeUnit.SECONDS).send();
            assertEquals(200, answer.getStatus(), answer.getContentAsString());
            com.fasterxml.jackson.databind.JsonNode data = new com.fasterxml.jackson.databind.ObjectMapper().readTree(answer.getContentAsString()).path("data");
            assertEquals(2, data.size(), answer.getContentAsString());
            com.fasterxml.jackson.databind.JsonNode embedding = data.path(1).path("embedding");
            float[] vector = new float[3];
            if (format.contains("base64"))
            {
                java.nio.ByteBuffer packed = java.nio.ByteBuffer.wrap(java.util.Base64.getDecoder().decode(embedding.asText()))
                    .order(java.nio.ByteOrder.LITTLE_ENDIAN);
                assertEquals(12, packed.remaining(), answer.getContentAsString());
                packed.asFloatBuffer().get(vector);
            }
            else
            {
                assertEquals(3, embedding.size(), answer.getContentAsString());
                for (int i = 0; i < 3; i++)
                {
                    vector[i] = embedding.path(i).floatValue();
                }
            }
            assertEquals("[0.1, 0.2, 0.3]", java.util.Arrays.toString(vector), format);
        }
    }
}
