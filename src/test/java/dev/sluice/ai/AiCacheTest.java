// The AI response cache end to end: streams replayed faithfully, forms crossed, cut streams never stored, keys normalised.
package dev.sluice.ai;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import dev.sluice.testing.FakeModelProvider;
import dev.sluice.testing.KeyHashes;
import dev.sluice.testing.FakeModelProvider.Fault;
import dev.sluice.testing.LogCapture;
import dev.sluice.testing.Scratch;
import dev.sluice.testing.SluiceUnderTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AiCacheTest
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    private static final String ALICE = "alice-key-0123456789abcdef";
    private static final String BOB = "bob-key-0123456789abcdef";
    private static FakeModelProvider openai;
    private static FakeModelProvider anthropic;
    private static SluiceUnderTest sluice;
    private static LogCapture log;

    @BeforeAll
    static void start() throws Exception
    {
        log = LogCapture.start();
        openai = FakeModelProvider.start("openai");
        anthropic = FakeModelProvider.start("anthropic");
        sluice = SluiceUnderTest.start("""
            consumer.alice.api-key.main = sha256:%s
            consumer.bob.api-key.main = sha256:%s
            route.ai.path = /v1
            route.ai.ai = on
            route.ai.auth = api-key
            route.ai.ai.cache = on
            route.plain.path = /plain
            route.plain.ai = on
            route.plain.auth = api-key
            ai.cache.ttl = 10m
            ai.provider.oa.type = openai-compatible
            ai.provider.oa.base-url = %s/v1
            ai.provider.an.type = anthropic
            ai.provider.an.base-url = %s
            ai.provider.an.api-key = ant-secret
            ai.model.gpt.target.main.provider = oa
            ai.model.gpt.target.main.model = gpt-4o-mini
            ai.model.claude.target.main.provider = an
            ai.model.claude.target.main.model = claude-sonnet
            ai.model.embed.type = embeddings
            ai.model.embed.target.main.provider = oa
            ai.model.embed.target.main.model = text-embedding-3-small
            """.formatted(KeyHashes.sha256(ALICE), KeyHashes.sha256(BOB), openai.uri(), anthropic.uri()));
    }

    @AfterAll
    static void stop() throws Exception
    {
        sluice.close();
        openai.close();
        anthropic.close();
        log.close();
    }

    private static HttpResponse<String> post(String path, String body, String key, String... headers) throws Exception
    {
        HttpRequest.Builder builder = HttpRequest.newBuilder(sluice.uri(path)).header("Authorization", "Bearer " + key)
            .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2)
        {
            builder.header(headers[i], headers[i + 1]);
        }
        return HTTP.send(builder.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String chat(String model, boolean stream, String question)
    {
        return "{\"model\":\"" + model + "\",\"stream\":" + stream + ",\"stream_options\":{\"include_usage\":true},\"temperature\":0.5,"
            + "\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},{\"role\":\"user\",\"content\":\"" + question + "\"}]}";
    }

    /** Content and usage of a streamed answer: {text, prompt, completion}. */
    private static String[] streamed(String body) throws Exception
    {
        StringBuilder text = new StringBuilder();
        String prompt = null;
        String completion = null;
        assertTrue(body.endsWith("data: [DONE]\n\n"), body);
        for (String line : body.split("\n"))
        {
            if (line.startsWith("data: {"))
            {
                JsonNode chunk = JSON.readTree(line.substring(6));
                text.append(chunk.path("choices").path(0).path("delta").path("content").asText(""));
                if (chunk.path("usage").isObject())
                {
                    prompt = chunk.path("usage").path("prompt_tokens").asText();
                    completion = chunk.path("usage").path("completion_tokens").asText();
                }
            }
        }
        return new String[] {text.toString(), prompt, completion};
    }

    private static int calls(FakeModelProvider provider)
    {
        int count = 0;
        while (provider.poll() != null)
        {
            count++;
        }
        return count;
    }

    @Test
    void theSameStreamTwiceIsOneProviderCallAndAFaithfulReplay() throws Exception
    {
        calls(openai);
        HttpResponse<String> first = post("/v1/chat/completions", chat("gpt", true, "stream twice please"), ALICE);
        assertEquals(200, first.statusCode(), first.body());
        assertEquals("MISS", first.headers().firstValue("X-Cache-Status").orElseThrow());
        HttpResponse<String> second = post("/v1/chat/completions", chat("gpt", true, "stream twice please"), ALICE, "X-Request-ID", "cache-hit-1");
        assertEquals("HIT", second.headers().firstValue("X-Cache-Status").orElseThrow());
        assertTrue(second.headers().firstValue("Content-Type").orElseThrow().startsWith("text/event-stream"));
        assertTrue(Long.parseLong(second.headers().firstValue("Age").orElseThrow()) >= 0);
        String[] a = streamed(first.body());
        String[] b = streamed(second.body());
        assertEquals(a[0], b[0], "the same content");
        assertEquals("Hello from openai: stream twice please", b[0]);
        assertEquals(a[1], b[1], "the same prompt tokens");
        assertEquals(a[2], b[2], "the same completion tokens");
        assertEquals(1, calls(openai), "the second came from the cache");
        JsonNode line = JSON.readTree(log.accessLine("cache-hit-1")).path("ai");
        assertEquals("HIT", line.path("cache").asText());
        assertEquals(Long.parseLong(a[1]) + Long.parseLong(a[2]), line.path("tokens_saved").asLong(), line.toString());
        assertFalse(line.has("prompt_tokens"), "a hit costs no tokens");
    }

    @Test
    void aStoredStreamAnswersAJsonRequestAndAStoredAnswerAStream() throws Exception
    {
        calls(anthropic);
        HttpResponse<String> streamedFirst = post("/v1/chat/completions", chat("claude", true, "cross the forms"), ALICE);
        assertEquals("MISS", streamedFirst.headers().firstValue("X-Cache-Status").orElseThrow());
        HttpResponse<String> json = post("/v1/chat/completions", chat("claude", false, "cross the forms"), ALICE);
        assertEquals("HIT", json.headers().firstValue("X-Cache-Status").orElseThrow(), json.body());
        JsonNode answer = JSON.readTree(json.body());
        assertEquals("chat.completion", answer.path("object").asText());
        assertEquals(streamed(streamedFirst.body())[0], answer.path("choices").path(0).path("message").path("content").asText());
        assertEquals("stop", answer.path("choices").path(0).path("finish_reason").asText());
        assertEquals(streamed(streamedFirst.body())[1], answer.path("usage").path("prompt_tokens").asText());

        HttpResponse<String> jsonFirst = post("/v1/chat/completions", chat("gpt", false, "json first"), ALICE);
        assertEquals("MISS", jsonFirst.headers().firstValue("X-Cache-Status").orElseThrow());
        // The official SDK reads the replay as any stream.
        OpenAIClient sdk = OpenAIOkHttpClient.builder().baseUrl(sluice.uri("/v1").toString()).apiKey(ALICE).maxRetries(0).build();
        try (StreamResponse<ChatCompletionChunk> replay = sdk.chat().completions().createStreaming(ChatCompletionCreateParams.builder()
                 .model("gpt").temperature(0.5).addSystemMessage("Be brief.").addUserMessage("json first")
                 .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build()))
        {
            StringBuilder text = new StringBuilder();
            long[] usage = {-1};
            replay.stream().forEach(chunk ->
            {
                chunk.choices().forEach(choice -> choice.delta().content().ifPresent(text::append));
                chunk.usage().ifPresent(u -> usage[0] = u.completionTokens());
            });
            JsonNode original = JSON.readTree(jsonFirst.body());
            assertEquals(original.path("choices").path(0).path("message").path("content").asText(), text.toString());
            assertEquals(original.path("usage").path("completion_tokens").asLong(), usage[0]);
        }
        finally
        {
            sdk.close();
        }
        assertEquals(1, calls(openai), "one call for the JSON answer, none for the streamed replay");
    }

    @Test
    void aCutStreamIsNeverStored() throws Exception
    {
        calls(openai);
        openai.next(Fault.CUT_AFTER_FIRST_TOKEN);
        HttpResponse<String> cut = post("/v1/chat/completions", chat("gpt", true, "this one is cut short"), ALICE);
        assertTrue(cut.body().contains("\"error\""), cut.body());
        HttpResponse<String> again = post("/v1/chat/completions", chat("gpt", true, "this one is cut short"), ALICE);
        assertEquals("MISS", again.headers().firstValue("X-Cache-Status").orElseThrow());
        assertEquals("Hello from openai: this one is cut short", streamed(again.body())[0]);
        assertEquals(2, calls(openai));
    }

    @Test
    void keysIgnoreJsonKeyOrderWhitespaceAndTheUserFieldButNotSamplingOrTheConsumer() throws Exception
    {
        calls(openai);
        post("/v1/chat/completions", chat("gpt", false, "normalise me"), ALICE);
        ObjectNode reordered = JSON.createObjectNode();
        reordered.put("temperature", 0.50);
        reordered.set("messages", JSON.readTree("[{\"content\":\"Be brief.\",\"role\":\"system\"},{\"content\":\"normalise me\",\"role\":\"user\"}]"));
        reordered.put("user", "someone-else");
        reordered.put("stream", false);
        reordered.put("model", "gpt");
        String spaced = JSON.writerWithDefaultPrettyPrinter().writeValueAsString(reordered);
        assertEquals("HIT", post("/v1/chat/completions", spaced, ALICE).headers().firstValue("X-Cache-Status").orElseThrow());
        assertEquals("MISS", post("/v1/chat/completions", chat("gpt", false, "normalise me").replace("0.5", "0.9"), ALICE)
            .headers().firstValue("X-Cache-Status").orElseThrow(), "another temperature is another answer");
        assertEquals("MISS", post("/v1/chat/completions", chat("gpt", false, "normalise me"), BOB).headers().firstValue("X-Cache-Status").orElseThrow(),
            "each consumer has its own entries");
        assertEquals(3, calls(openai));
    }

    @Test
    void theClientControlsTheCachePerRequest() throws Exception
    {
        calls(openai);
        String body = chat("gpt", false, "controls");
        assertEquals("BYPASS", post("/v1/chat/completions", body, ALICE, "X-Sluice-Cache", "no-store").headers().firstValue("X-Cache-Status").orElseThrow());
        assertEquals("MISS", post("/v1/chat/completions", body, ALICE).headers().firstValue("X-Cache-Status").orElseThrow(), "no-store stored nothing");
        assertEquals("BYPASS", post("/v1/chat/completions", body, ALICE, "X-Sluice-Cache", "no-cache").headers().firstValue("X-Cache-Status").orElseThrow());
        assertEquals("HIT", post("/v1/chat/completions", body, ALICE).headers().firstValue("X-Cache-Status").orElseThrow());
        assertEquals(3, calls(openai));

        String brief = chat("gpt", false, "short lived");
        post("/v1/chat/completions", brief, ALICE, "X-Sluice-Cache", "ttl=1");
        assertEquals("HIT", post("/v1/chat/completions", brief, ALICE).headers().firstValue("X-Cache-Status").orElseThrow());
        Thread.sleep(1300);
        assertEquals("MISS", post("/v1/chat/completions", brief, ALICE).headers().firstValue("X-Cache-Status").orElseThrow(), "expired after its ttl");

        HttpResponse<String> bad = post("/v1/chat/completions", body, ALICE, "X-Sluice-Cache", "forever");
        assertEquals(400, bad.statusCode());
        assertTrue(JSON.readTree(bad.body()).path("error").path("message").asText().contains("no-cache, no-store or ttl=<seconds>"));
    }

    @Test
    void embeddingsAreCachedAndRoutesWithoutTheCacheSayNothing() throws Exception
    {
        calls(openai);
        String body = "{\"model\":\"embed\",\"input\":[\"one\",\"two\"]}";
        HttpResponse<String> first = post("/v1/embeddings", body, ALICE);
        HttpResponse<String> second = post("/v1/embeddings", body, ALICE);
        assertEquals("HIT", second.headers().firstValue("X-Cache-Status").orElseThrow());
        assertEquals(JSON.readTree(first.body()), JSON.readTree(second.body()));
        HttpResponse<String> plain = post("/plain/chat/completions", chat("gpt", false, "not cached"), ALICE);
        assertEquals(200, plain.statusCode());
        assertNull(plain.headers().firstValue("X-Cache-Status").orElse(null));
        assertEquals(2, calls(openai));
    }

    @Test
    void aTruncatedAnswerIsNotStoredUnlessAllowedAndToolCallStreamsAssembleIntoOneAnswer() throws Exception
    {
        AiCache strict = new AiCache(Governance.CacheSpec.OFF);
        AiCache lenient = new AiCache(new Governance.CacheSpec(java.util.Set.of("r"), Duration.ofMinutes(1), 10, 0, null, 0, 1 << 20, false, false, true));
        byte[] truncated = ("{\"id\":\"x\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"message\":"
            + "{\"role\":\"assistant\",\"content\":\"cut\"},\"finish_reason\":\"length\"}]}").getBytes(StandardCharsets.UTF_8);
        Usage usage = new Usage(10, 3, 0, 0, false);
        assertFalse(strict.storeAnswer("k", truncated, usage, "p", null, AiFront.Operation.CHAT));
        assertNull(strict.get("k"));
        assertTrue(lenient.storeAnswer("k", truncated, usage, "p", null, AiFront.Operation.CHAT));
        assertNotNull(lenient.get("k"));

        String head = "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":";
        String sse = head + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\","
            + "\"function\":{\"name\":\"weather\",\"arguments\":\"\"}}]},\"finish_reason\":null}]}\n\n"
            + head + "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"city\\\":\"}}]},\"finish_reason\":null}]}\n\n"
            + head + "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"\\\"Paris\\\"}\"}}]},\"finish_reason\":null}]}\n\n"
            + head + "{},\"finish_reason\":\"tool_calls\"}]}\n\n"
            + "data: {\"id\":\"c\",\"choices\":[],\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":3}}\n\ndata: [DONE]\n\n";
        assertTrue(strict.storeStream("t", sse.getBytes(StandardCharsets.UTF_8), usage, "p", null));
        JsonNode answer = JSON.readTree(strict.get("t").answer());
        JsonNode call = answer.path("choices").path(0).path("message").path("tool_calls").path(0);
        assertEquals("call_1", call.path("id").asText());
        assertEquals("weather", call.path("function").path("name").asText());
        assertEquals("{\"city\":\"Paris\"}", call.path("function").path("arguments").asText());
        assertEquals("tool_calls", answer.path("choices").path(0).path("finish_reason").asText());
        assertFalse(new String(strict.get("t").events(), StandardCharsets.UTF_8).contains("usage"), "the usage chunk is added per replay");
        assertFalse(strict.storeStream("e", (head + "{\"content\":\"x\"},\"finish_reason\":null}]}\n\ndata: {\"error\":{\"message\":\"boom\"}}\n\n")
            .getBytes(StandardCharsets.UTF_8), usage, "p", null), "a stream that ended in an error");
        strict.close();
        lenient.close();
    }

    @Test
    void ignoringTheSystemPromptAndSharingBetweenConsumersAreTheOperatorsChoice() throws Exception
    {
        ObjectNode polite = (ObjectNode)JSON.readTree(chat("gpt", false, "same question"));
        ObjectNode terse = (ObjectNode)JSON.readTree(chat("gpt", false, "same question").replace("Be brief.", "Be terse."));
        try (AiCache strict = new AiCache(Governance.CacheSpec.OFF);
             AiCache lenient = new AiCache(new Governance.CacheSpec(java.util.Set.of("r"), Duration.ofMinutes(1), 10, 0, null, 0, 1 << 20, true, true, false)))
        {
            assertFalse(strict.key(AiFront.Operation.CHAT, "consumer/a", polite).equals(strict.key(AiFront.Operation.CHAT, "consumer/a", terse)));
            assertEquals(lenient.key(AiFront.Operation.CHAT, "consumer/a", polite), lenient.key(AiFront.Operation.CHAT, "consumer/a", terse));
            assertFalse(strict.key(AiFront.Operation.CHAT, "consumer/a", polite).equals(strict.key(AiFront.Operation.CHAT, "consumer/b", polite)));
            assertEquals(lenient.key(AiFront.Operation.CHAT, "consumer/a", polite), lenient.key(AiFront.Operation.CHAT, "consumer/b", polite));
            assertFalse(strict.key(AiFront.Operation.CHAT, "consumer/a", polite).equals(strict.key(AiFront.Operation.EMBEDDINGS, "consumer/a", polite)));
        }
    }

    @Test
    void aDiskTierKeepsAnswersAcrossARestartAndABusyDirectoryFallsBackToMemory() throws Exception
    {
        java.nio.file.Path directory = Scratch.directory("sluice-ai-cache");
        Governance.CacheSpec spec = new Governance.CacheSpec(java.util.Set.of("r"), Duration.ofMinutes(10), 10, 0, directory, 16L << 20, 1 << 20,
            false, false, false);
        byte[] answer = ("{\"id\":\"x\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"message\":"
            + "{\"role\":\"assistant\",\"content\":\"kept\"},\"finish_reason\":\"stop\"}]}").getBytes(StandardCharsets.UTF_8);
        AiCache first = new AiCache(spec);
        assertTrue(first.storeAnswer("k", answer, new Usage(5, 1, 0, 0, false), "p", null, AiFront.Operation.CHAT));
        try (AiCache busy = new AiCache(spec))
        {
            // The directory is the first one's: the second caches in memory and still works.
            assertNull(busy.get("k"));
            assertTrue(busy.storeAnswer("m", answer, new Usage(5, 1, 0, 0, false), "p", null, AiFront.Operation.CHAT));
            assertNotNull(busy.get("m"));
        }
        first.close();
        try (AiCache again = new AiCache(spec))
        {
            AiCache.Entry kept = again.get("k");
            assertNotNull(kept, "stored before the restart");
            assertEquals(new String(answer, StandardCharsets.UTF_8), new String(kept.answer(), StandardCharsets.UTF_8));
            assertEquals(5, kept.promptTokens());
        }
    }
}
