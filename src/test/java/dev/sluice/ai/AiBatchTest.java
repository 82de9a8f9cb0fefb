// Embeddings batching end to end: concurrent callers merged into one provider call and split back, each charged its own tokens.
package dev.sluice.ai;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.testing.FakeModelProvider;
import dev.sluice.testing.FakeModelProvider.Fault;
import dev.sluice.testing.SluiceUnderTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AiBatchTest
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    private static FakeModelProvider provider;
    private static SluiceUnderTest sluice;

    @BeforeAll
    static void start() throws Exception
    {
        provider = FakeModelProvider.start("openai");
        sluice = SluiceUnderTest.start("""
            route.ai.path = /v1
            route.ai.ai = on
            ai.embeddings.batch-window = 300ms
            ai.embeddings.batch-max = 8
            ai.provider.oa.type = openai-compatible
            ai.provider.oa.base-url = %s/v1
            ai.model.embed.type = embeddings
            ai.model.embed.target.main.provider = oa
            ai.model.embed.target.main.model = text-embedding-3-small
            """.formatted(provider.uri()));
    }

    @AfterAll
    static void stop() throws Exception
    {
        sluice.close();
        provider.close();
    }

    private static CompletableFuture<HttpResponse<String>> embed(String input)
    {
        return HTTP.sendAsync(HttpRequest.newBuilder(sluice.uri("/v1/embeddings")).header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"embed\",\"input\":" + input + "}")).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void drain()
    {
        while (provider.poll() != null)
        {
            // forget earlier requests
        }
    }

    @Test
    void callersWithinTheWindowShareOneProviderCallAndGetTheirOwnVectors() throws Exception
    {
        drain();
        List<String> inputs = List.of("[\"alpha\"]", "[\"bravo\",\"charlie\"]", "\"delta echo foxtrot\"", "[\"golf\",\"hotel\",\"india\"]");
        List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        for (String input : inputs)
        {
            answers.add(embed(input));
        }
        FakeModelProvider.Received merged = provider.take();
        assertNull(provider.poll(), "one provider call for all four");
        JsonNode sent = merged.body().path("input");
        assertEquals(7, sent.size(), sent.toString());
        assertEquals("text-embedding-3-small", merged.body().path("model").asText());
        long charged = 0;
        for (int c = 0; c < inputs.size(); c++)
        {
            HttpResponse<String> response = answers.get(c).join();
            assertEquals(200, response.statusCode(), response.body());
            JsonNode own = JSON.readTree(response.body());
            JsonNode asked = JSON.readTree(inputs.get(c));
            List<String> mine = new ArrayList<>();
            (asked.isArray() ? asked : JSON.createArrayNode().add(asked)).forEach(item -> mine.add(item.asText()));
            assertEquals(mine.size(), own.path("data").size());
            for (int i = 0; i < mine.size(); i++)
            {
                JsonNode item = own.path("data").path(i);
                assertEquals(i, item.path("index").asInt(), "renumbered for each caller");
                // The fake's third component is the position in the merged input: it must be this caller's text.
                int position = item.path("embedding").path(2).asInt();
                assertEquals(mine.get(i), sent.path(position).asText());
            }
            charged += own.path("usage").path("prompt_tokens").asLong();
        }
        assertEquals(3 * 7, charged, "the callers' shares add up to what the provider billed");
    }

    @Test
    void aFullBatchGoesAtOnceAndAFailedOneFailsEveryCaller() throws Exception
    {
        drain();
        List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        for (int i = 0; i < 3; i++)
        {
            answers.add(embed("[\"a\",\"b\",\"c\",\"d\"]"));
        }
        for (CompletableFuture<HttpResponse<String>> answer : answers)
        {
            assertEquals(200, answer.join().statusCode());
        }
        int calls = 0;
        while (provider.poll() != null)
        {
            calls++;
        }
        assertTrue(calls >= 2, "twelve inputs with at most eight per call: " + calls + " calls");

        provider.next(Fault.SERVER_ERROR);
        CompletableFuture<HttpResponse<String>> first = embed("\"one\"");
        CompletableFuture<HttpResponse<String>> second = embed("\"two\"");
        for (CompletableFuture<HttpResponse<String>> answer : List.of(first, second))
        {
            assertEquals(502, answer.join().statusCode(), answer.join().body());
            assertEquals("provider_error", JSON.readTree(answer.join().body()).path("error").path("code").asText());
        }
    }
}
