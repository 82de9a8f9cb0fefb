// The AI front end to end: Sluice with the real web.xml between the official OpenAI SDK and fake providers.
package dev.sluice.ai;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.NotFoundException;
import com.openai.errors.PermissionDeniedException;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionFunctionTool;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.CompletionUsage;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import dev.sluice.testing.FakeModelProvider;
import dev.sluice.testing.KeyHashes;
import dev.sluice.testing.FakeModelProvider.Fault;
import dev.sluice.testing.LogCapture;
import dev.sluice.testing.SluiceUnderTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AiFrontTest
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ALICE = "alice-key-0123456789abcdef";
    private static final String BOB = "bob-key-0123456789abcdef";
    private static final String OPENAI_SECRET = "sk-test-provider-secret";
    private static final String ANTHROPIC_SECRET = "ant-test-provider-secret";
    private static FakeModelProvider openai;
    private static FakeModelProvider anthropic;
    /** A provider that sends 103 Early Hints before its answer, as some behind a CDN do. */
    private static dev.sluice.testing.ScriptedUpstream hinting;
    private static SluiceUnderTest sluice;
    private static LogCapture log;
    private static OpenAIClient sdk;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws Exception
    {
        log = LogCapture.start();
        openai = FakeModelProvider.start("openai");
        anthropic = FakeModelProvider.start("anthropic");
        hinting = new dev.sluice.testing.ScriptedUpstream();
        String completion = "{\"id\":\"chatcmpl-h\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"hinted-1\",\"choices\":[{\"index\":0,"
            + "\"message\":{\"role\":\"assistant\",\"content\":\"hi after hints\"},\"finish_reason\":\"stop\"}],"
            + "\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":3,\"total_tokens\":8}}";
        hinting.script("/v1/chat/completions", "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n"
            + "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: " + completion.length() + "\r\n\r\n" + completion);
        StringBuilder config = new StringBuilder("""
            admin.token = demo:ai-test-admin
            route.ai.path = /v1
            route.ai.ai = on
            route.ai.auth = api-key
            consumer.alice.api-key.main = sha256:%s
            consumer.bob.api-key.main = sha256:%s
            consumer.bob.ai.models = gpt
            ai.max-request-body = 64KB
            ai.cooldown.failures = 100
            ai.provider.oa.type = openai
            ai.provider.oa.base-url = %s/v1
            ai.provider.oa.api-key = %s
            ai.provider.oa.first-token-timeout = 1s
            ai.provider.an.type = anthropic
            ai.provider.an.base-url = %s
            ai.provider.an.api-key = %s
            ai.provider.an.first-token-timeout = 1s
            ai.model.gpt.target.main.provider = oa
            ai.model.gpt.target.main.model = gpt-4o-mini
            ai.model.gpt.target.main.input-price = 0.15
            ai.model.gpt.target.main.output-price = 0.60
            ai.model.gpt.target.main.cached-input-price = 0.075
            ai.model.claude.target.main.provider = an
            ai.model.claude.target.main.model = claude-sonnet
            ai.model.opus.target.main.provider = an
            ai.model.opus.target.main.model = claude-opus-4-8
            ai.model.claude.target.main.input-price = 3
            ai.model.claude.target.main.output-price = 15
            ai.model.embed.type = embeddings
            ai.model.embed.target.main.provider = oa
            ai.model.embed.target.main.model = text-embedding-3-small
            ai.model.small.target.main.provider = oa
            ai.model.small.target.main.model = small-context
            ai.model.small.context-fallback = big
            ai.model.big.target.main.provider = an
            ai.model.big.target.main.model = big-context
            ai.provider.azure.type = openai-compatible
            ai.provider.azure.base-url = %s
            ai.provider.azure.chat-path = /openai/deployments/{model}/chat/completions
            ai.provider.azure.api-version = 2024-10-21
            ai.provider.azure.auth-header = api-key
            ai.provider.azure.api-key = azure-provider-secret
            ai.provider.azure.header.X-Tenant = sluice-tests
            ai.model.azure.target.main.provider = azure
            ai.model.azure.target.main.model = gpt-4o-deployment
            ai.model.tiny.strategy = cost
            ai.model.tiny.target.main.provider = oa
            ai.model.tiny.target.main.model = tiny-context
            ai.model.tiny.target.main.context-window = 20
            ai.provider.hint.type = openai
            ai.provider.hint.base-url = %s/v1
            ai.provider.hint.api-key = hint-provider-secret
            ai.provider.hint.first-token-timeout = 5s
            ai.model.hinted.target.main.provider = hint
            ai.model.hinted.target.main.model = hinted-1
            ai.model.codex.name = gpt-5.5
            ai.model.codex.target.main.provider = oa
            ai.model.codex.target.main.model = gpt-5.5-at-the-provider
            ai.model.hf.name = Qwen/Qwen3-Coder-30B
            ai.model.hf.target.main.provider = oa
            ai.model.hf.target.main.model = qwen3-coder
            ai.model.five.target.main.provider = oa
            ai.model.five.target.main.model = gpt-5
            ai.model.latest.target.main.provider = oa
            ai.model.latest.target.main.model = gpt-5.5
            ai.model.old.target.main.provider = oa
            ai.model.old.target.main.model = gpt-4o
            ai.model.lenient.target.main.provider = oa
            ai.model.lenient.target.main.model = gpt-4o
            ai.model.lenient.drop-unsupported = true
            ai.model.either.targets = first, second
            ai.model.either.target.first.provider = oa
            ai.model.either.target.first.model = gpt-5
            ai.model.either.target.second.provider = oa
            ai.model.either.target.second.model = gpt-4o-mini
            ai.model.coder.target.main.provider = oa
            ai.model.coder.target.main.model = gpt-5.3-codex
            """.formatted(KeyHashes.sha256(ALICE), KeyHashes.sha256(BOB), openai.uri(), OPENAI_SECRET, anthropic.uri(), ANTHROPIC_SECRET, openai.uri(),
                hinting.url()));
        // One alias per fallback case, so one case's cooling target never changes another's order.
        for (int i = 1; i <= 12; i++)
        {
            config.append("ai.model.fb").append(i).append(".targets = first, second\n")
                .append("ai.model.fb").append(i).append(".target.first.provider = an\n")
                .append("ai.model.fb").append(i).append(".target.first.model = claude-").append(i).append('\n')
                .append("ai.model.fb").append(i).append(".target.second.provider = oa\n")
                .append("ai.model.fb").append(i).append(".target.second.model = gpt-").append(i).append('\n');
        }
        sluice = SluiceUnderTest.start(config.toString());
        sdk = OpenAIOkHttpClient.builder().baseUrl(sluice.uri("/v1").toString()).apiKey(ALICE).maxRetries(0).build();
    }

    @AfterAll
    static void stop() throws Exception
    {
        sdk.close();
        sluice.close();
        openai.close();
        anthropic.close();
        hinting.close();
        log.close();
    }

    private static void drain()
    {
        while (openai.poll() != null || anthropic.poll() != null)
        {
            // forget what earlier tests left
        }
    }

    private static HttpResponse<String> post(String path, String body, String key) throws Exception
    {
        return HTTP.send(HttpRequest.newBuilder(sluice.uri(path)).header("Authorization", "Bearer " + key)
            .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String chat(String model, boolean stream, String extra)
    {
        return "{\"model\":\"" + model + "\",\"stream\":" + stream + ",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
            + "{\"role\":\"user\",\"content\":\"Say hi\"}]" + extra + "}";
    }

    private static JsonNode error(HttpResponse<String> response) throws Exception
    {
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("application/json"), response.headers().toString());
        JsonNode error = JSON.readTree(response.body()).path("error");
        assertTrue(error.has("message") && error.has("type") && error.has("param") && error.has("code"), response.body());
        return error;
    }

    /** The content of an event stream's chunks, and whether it ended with [DONE]. */
    private static String streamedText(String body) throws Exception
    {
        StringBuilder text = new StringBuilder();
        for (String line : body.split("\n"))
        {
            if (line.startsWith("data: {") && !line.contains("\"error\""))
            {
                text.append(JSON.readTree(line.substring(6)).path("choices").path(0).path("delta").path("content").asText(""));
            }
        }
        return text.toString();
    }

    /** What the tests below ask for as structured output: the OpenAI SDK makes its strict JSON Schema from the class. */
    public static class Forecast
    {
        public String city;
        public double celsius;
        public List<String> notes;
    }

    /**
     * An OpenAI client asking a Claude target for a typed answer (structured outputs: the SDK's
     * {@code responseFormat(Class)}, the Agents SDK's {@code outputType}) gets one: the schema
     * goes to Claude as {@code output_config.format}, and Claude's JSON comes back as the
     * message's content, which the SDK parses. Before, the request was refused with 400 ("no
     * equivalent of 'response_format'").
     */
    @Test
    void aStructuredAnswerComesFromClaudeToAnOpenAiClient() throws Exception
    {
        drain();
        com.openai.models.chat.completions.StructuredChatCompletion<Forecast> answer = sdk.chat().completions().create(
            ChatCompletionCreateParams.builder().model("claude").addUserMessage("Paris tomorrow?").responseFormat(Forecast.class).build());
        Forecast forecast = answer.choices().get(0).message().content().orElseThrow();
        assertEquals("Paris", forecast.city);
        assertEquals(7.0, forecast.celsius);
        assertEquals(List.of("Paris"), forecast.notes);
        JsonNode sent = anthropic.take().body();
        assertFalse(sent.has("response_format"), sent.toString());
        JsonNode schema = sent.path("output_config").path("format").path("schema");
        assertEquals("json_schema", sent.path("output_config").path("format").path("type").asText(), sent.toString());
        assertEquals(List.of("celsius", "city", "notes"), sorted(schema.path("properties").fieldNames()));
        assertFalse(schema.path("additionalProperties").asBoolean(true));

        // Streamed, beside a reasoning effort (both in Claude's output_config), to the newest Claude.
        HttpResponse<String> streamed = post("/v1/chat/completions", chat("opus", true, ",\"reasoning_effort\":\"low\",\"response_format\":"
            + "{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"f\",\"schema\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},"
            + "\"required\":[\"city\"],\"additionalProperties\":false}}}"), ALICE);
        assertEquals(200, streamed.statusCode(), streamed.body());
        assertEquals("{\"city\":\"Paris\"}", streamedText(streamed.body()));
        JsonNode config = anthropic.take().body().path("output_config");
        assertEquals("low", config.path("effort").asText(), config.toString());
        assertEquals("{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},\"additionalProperties\":false,\"required\":[\"city\"]}",
            config.path("format").path("schema").toString());
    }

    private static List<String> sorted(java.util.Iterator<String> names)
    {
        List<String> list = new java.util.ArrayList<>();
        names.forEachRemaining(list::add);
        java.util.Collections.sort(list);
        return list;
    }

    @Test
    void theOpenAiSdkChatsThroughSluiceWithOnlyItsBaseUrlAndASluiceKey() throws Exception
    {
        drain();
        ChatCompletion completion = sdk.chat().completions().create(ChatCompletionCreateParams.builder()
            .model("gpt").addSystemMessage("Be brief.").addUserMessage("Say hi").build());
        assertEquals("Hello from openai: Say hi", completion.choices().get(0).message().content().orElseThrow());
        assertEquals("gpt-4o-mini-2025", completion.model(), "the model that answered");
        assertTrue(completion.usage().orElseThrow().promptTokens() > 0);

        FakeModelProvider.Received received = openai.take();
        assertEquals("/v1/chat/completions", received.path());
        assertEquals("gpt-4o-mini", received.body().path("model").asText(), "the alias became the provider's model id");
        assertEquals("Bearer " + OPENAI_SECRET, received.header("Authorization"), "Sluice's provider key, not the client's");
        assertFalse(received.headers().toString().contains(ALICE), "the client's credential never reaches a provider");
    }

    /**
     * Jetty's client, with the protocol handlers cleared, stopped after the 103; the first-token
     * timeout applies to streams only, so the request waited for the provider's total timeout
     * (10 minutes by default; still waiting after 9 in this test).
     */
    @Test
    void aProvidersEarlyHintsAreReadPastToItsAnswer() throws Exception
    {
        long started = System.nanoTime();
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(sluice.uri("/v1/chat/completions")).timeout(Duration.ofSeconds(20))
            .header("Authorization", "Bearer " + ALICE).header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(chat("hinted", false, ""))).build(), HttpResponse.BodyHandlers.ofString());
        long millis = (System.nanoTime() - started) / 1_000_000;
        assertEquals(200, response.statusCode(), response.body());
        assertEquals("hi after hints", JSON.readTree(response.body()).path("choices").path(0).path("message").path("content").asText());
        assertTrue(millis < 4000, "answered after " + millis + " ms");
    }

    @Test
    void theSdkStreamsWithUsageWhenItAsksAndWithoutWhenItDoesNot() throws Exception
    {
        drain();
        StringBuilder text = new StringBuilder();
        List<Long> usages = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> stream = sdk.chat().completions().createStreaming(ChatCompletionCreateParams.builder()
            .model("gpt").addUserMessage("Stream this").streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build()))
        {
            stream.stream().forEach(chunk ->
            {
                chunk.choices().forEach(choice -> choice.delta().content().ifPresent(text::append));
                chunk.usage().ifPresent(usage -> usages.add(usage.completionTokens()));
            });
        }
        assertEquals("Hello from openai: Stream this", text.toString());
        assertEquals(List.of(5L), usages, "one usage chunk, with the provider's count");
        assertTrue(openai.take().body().path("stream_options").path("include_usage").asBoolean());

        HttpResponse<String> response = post("/v1/chat/completions", chat("gpt", true, ""), ALICE);
        assertEquals(200, response.statusCode());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
        assertEquals("no", response.headers().firstValue("X-Accel-Buffering").orElse(null));
        assertTrue(response.body().endsWith("data: [DONE]\n\n"), response.body());
        assertFalse(response.body().contains("\"usage\":{"), "no usage chunk for a client that did not ask: " + response.body());
        assertTrue(openai.take().body().path("stream_options").path("include_usage").asBoolean(), "Sluice always asks the provider for usage");
        String line = log.accessLine(response.headers().firstValue("X-Request-ID").orElseThrow());
        JsonNode ai = JSON.readTree(line).path("ai");
        assertEquals(5, ai.path("completion_tokens").asInt(), line);
        assertFalse(ai.path("tokens_estimated").asBoolean(), line);
    }

    @Test
    void toolCallsGoBothWaysThroughTheSdkOnOpenAiAndAnthropic() throws Exception
    {
        drain();
        for (String model : List.of("gpt", "claude"))
        {
            ChatCompletionCreateParams params = ChatCompletionCreateParams.builder().model(model).addUserMessage("Weather in Paris?")
                .addTool(ChatCompletionFunctionTool.builder().function(FunctionDefinition.builder().name("get_weather").description("Current weather")
                    .parameters(FunctionParameters.builder().putAdditionalProperty("type", JsonValue.from("object"))
                        .putAdditionalProperty("properties", JsonValue.from(java.util.Map.of("city", java.util.Map.of("type", "string")))).build())
                    .build()).build())
                .build();
            ChatCompletion completion = sdk.chat().completions().create(params);
            var call = completion.choices().get(0).message().toolCalls().orElseThrow().get(0).asFunction();
            assertEquals("get_weather", call.function().name(), model);
            assertEquals("Paris", JSON.readTree(call.function().arguments()).path("city").asText(), model);
            assertEquals("tool_calls", completion.choices().get(0).finishReason().asString(), model);

            StringBuilder arguments = new StringBuilder();
            List<String> names = new ArrayList<>();
            try (StreamResponse<ChatCompletionChunk> stream = sdk.chat().completions().createStreaming(params))
            {
                stream.stream().forEach(chunk -> chunk.choices().forEach(choice -> choice.delta().toolCalls().ifPresent(calls -> calls.forEach(delta ->
                {
                    delta.function().flatMap(ChatCompletionChunk.Choice.Delta.ToolCall.Function::name).ifPresent(names::add);
                    delta.function().flatMap(ChatCompletionChunk.Choice.Delta.ToolCall.Function::arguments).ifPresent(arguments::append);
                }))));
            }
            assertEquals(List.of("get_weather"), names, model);
            assertEquals("Paris", JSON.readTree(arguments.toString()).path("city").asText(), model + ": " + arguments);
        }
        JsonNode sent = anthropic.take().body();
        assertEquals("get_weather", sent.path("tools").path(0).path("name").asText());
        assertEquals("object", sent.path("tools").path(0).path("input_schema").path("type").asText());
    }

    /**
     * Chat-completions clients (Cline, and OpenCode and others on Vercel's AI SDK) send back the
     * tool calls Claude made but not its {@code thinking_blocks}, and Claude takes thinking only
     * when the turn it continues starts with that turn's signed thinking: before, every step after
     * the first tool call was answered without thinking (measured with Cline CLI 3.0.65,
     * {@code --thinking high}, and OpenCode 1.18.33). Sluice keeps the signed thinking of its
     * answer and puts it back before the same calls; calls that differ get none, as before.
     */
    @Test
    void claudesThinkingGoesBackBeforeItsToolCallsForChatClientsThatDropIt() throws Exception
    {
        drain();
        String tools = "\"reasoning_effort\":\"medium\",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
            + "\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}}}}]";
        for (boolean stream : new boolean[] {false, true})
        {
            HttpResponse<String> first = post("/v1/chat/completions", chat("claude", stream, "," + tools), ALICE);
            assertEquals(200, first.statusCode(), first.body());
            assertEquals("enabled", anthropic.take().body().path("thinking").path("type").asText());
            String reasoning = stream ? streamedReasoning(first.body())
                : JSON.readTree(first.body()).path("choices").path(0).path("message").path("reasoning_content").asText();
            assertFalse(reasoning.isEmpty(), first.body());

            // The next step as such a client sends it: the call (its arguments written anew), no thinking, the tool's answer.
            String next = "{\"model\":\"claude\",\"stream\":" + stream + "," + tools + ",\"messages\":[{\"role\":\"user\",\"content\":\"Say hi\"},"
                + "{\"role\":\"assistant\",\"content\":\"Let me check.\",\"tool_calls\":[{\"id\":\"toolu_1\",\"type\":\"function\","
                + "\"function\":{\"name\":\"get_weather\",\"arguments\":\"{ \\\"city\\\" : \\\"%s\\\" }\"}}]},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"toolu_1\",\"content\":\"Sunny\"}]}";
            assertEquals(200, post("/v1/chat/completions", next.formatted("Paris"), ALICE).statusCode());
            JsonNode sent = anthropic.take().body();
            assertEquals("enabled", sent.path("thinking").path("type").asText(), "thinking goes on: " + sent);
            JsonNode turn = sent.path("messages").path(1).path("content");
            assertEquals("thinking", turn.path(0).path("type").asText(), turn.toString());
            assertEquals(reasoning, turn.path(0).path("thinking").asText());
            assertEquals(FakeModelProvider.SIGNATURE, turn.path(0).path("signature").asText());
            assertEquals(List.of("thinking", "text", "tool_use"), types(turn));

            // Other calls than the thinking led to: no thinking is made up for them, and the request goes without.
            assertEquals(200, post("/v1/chat/completions", next.formatted("Lyon"), ALICE).statusCode());
            sent = anthropic.take().body();
            assertTrue(sent.path("thinking").isMissingNode(), sent.toString());
            assertEquals(List.of("text", "tool_use"), types(sent.path("messages").path(1).path("content")));
        }
    }

    /**
     * From Opus 4.7 on Claude refuses thinking by a token budget with 400, and every request with
     * a reasoning effort (Codex's, Cline's, OpenCode's) was refused so: it now gets adaptive
     * thinking at that effort, its text summarized so that the client has reasoning to show.
     */
    @Test
    void aReasoningEffortReachesTheNewestClaudeAsAdaptiveThinking() throws Exception
    {
        drain();
        for (boolean stream : new boolean[] {false, true})
        {
            HttpResponse<String> answered = post("/v1/chat/completions", chat("opus", stream, ",\"reasoning_effort\":\"xhigh\""), ALICE);
            assertEquals(200, answered.statusCode(), answered.body());
            JsonNode sent = anthropic.take().body();
            assertEquals("{\"type\":\"adaptive\",\"display\":\"summarized\"}", sent.path("thinking").toString());
            assertEquals("xhigh", sent.path("output_config").path("effort").asText());
            String reasoning = stream ? streamedReasoning(answered.body())
                : JSON.readTree(answered.body()).path("choices").path(0).path("message").path("reasoning_content").asText();
            assertFalse(reasoning.isEmpty(), answered.body());
        }
    }

    /**
     * An alias hands one request to OpenAI models with different reasoning, and OpenAI refuses what a model lacks (the fake
     * provider refuses as OpenAI does). Before, Codex with {@code model_reasoning_effort = "xhigh"} through an alias of
     * gpt-5 was refused ("'xhigh' is not supported with the 'gpt-5' model"), and any effort to gpt-4o; a temperature to a
     * model that reasons was refused by the provider, leaving the alias's next target untried.
     */
    @Test
    void anOpenAiTargetGetsTheReasoningEffortAndSamplingItTakes() throws Exception
    {
        drain();
        // An effort off the model's ladder goes as the nearest it takes.
        String[][] fitted = {{"five", "xhigh", "high"}, {"five", "none", "minimal"}, {"latest", "minimal", "low"}, {"latest", "none", "none"},
            {"latest", "xhigh", "xhigh"}};
        for (String[] fit : fitted)
        {
            for (boolean stream : new boolean[] {false, true})
            {
                HttpResponse<String> answered = post("/v1/chat/completions", chat(fit[0], stream, ",\"reasoning_effort\":\"" + fit[1] + "\""), ALICE);
                assertEquals(200, answered.statusCode(), String.join(" ", fit) + ": " + answered.body());
                assertEquals(fit[2], openai.take().body().path("reasoning_effort").asText(), String.join(" ", fit));
            }
        }

        // A model that does not reason takes no effort: refused naming the field, or left out where the alias drops.
        HttpResponse<String> refused = post("/v1/chat/completions", chat("old", false, ",\"reasoning_effort\":\"low\""), ALICE);
        assertEquals(400, refused.statusCode(), refused.body());
        assertEquals("reasoning_effort", error(refused).path("param").asText(), refused.body());
        assertTrue(error(refused).path("message").asText().contains("ai.model.old.drop-unsupported"), refused.body());
        assertNull(openai.poll(), "refused before the call");
        HttpResponse<String> dropped = post("/v1/chat/completions", chat("lenient", false, ",\"reasoning_effort\":\"low\",\"verbosity\":\"low\""), ALICE);
        assertEquals(200, dropped.statusCode(), dropped.body());
        JsonNode sent = openai.take().body();
        assertFalse(sent.has("reasoning_effort") || sent.has("verbosity"), sent.toString());

        // A temperature only where the model does not reason: gpt-5.5 by default (none), not when asked to reason.
        assertEquals(200, post("/v1/chat/completions", chat("latest", false, ",\"temperature\":0.2"), ALICE).statusCode());
        assertEquals(0.2, openai.take().body().path("temperature").asDouble());
        HttpResponse<String> reasoning = post("/v1/chat/completions", chat("latest", false, ",\"temperature\":0.2,\"reasoning_effort\":\"high\""), ALICE);
        assertEquals(400, reasoning.statusCode(), reasoning.body());
        assertEquals("temperature", error(reasoning).path("param").asText(), reasoning.body());
        assertNull(openai.poll(), "refused before the call");
        // gpt-5 always reasons: the alias's next target, which does not, answers.
        HttpResponse<String> fellBack = post("/v1/chat/completions", chat("either", false, ",\"temperature\":0.2"), ALICE);
        assertEquals(200, fellBack.statusCode(), fellBack.body());
        assertEquals("gpt-4o-mini", openai.take().body().path("model").asText());
        assertNull(openai.poll(), "gpt-5 was not called");
        // The default value is no sampling of the client's own, and goes.
        assertEquals(200, post("/v1/chat/completions", chat("five", false, ",\"temperature\":1"), ALICE).statusCode());
        assertEquals("gpt-5", openai.take().body().path("model").asText());
    }

    /**
     * OpenAI serves its codex and pro models only through the Responses API, and answers a chat request for one with 404
     * ("This model is only supported in v1/responses", as the fake provider does). Such a target is asked through that API:
     * the conversation as its input items, tools flattened, the answer (text, reasoning summary, tool calls, usage, an
     * incomplete end) back in the chat form, streamed and not, for OpenAI's own SDK too; the model's encrypted reasoning,
     * which the chat form has no place for, is kept and goes back with the calls it led to.
     */
    @Test
    void aModelOnlyTheResponsesApiServesIsAskedThroughIt() throws Exception
    {
        drain();
        ChatCompletion completion = sdk.chat().completions().create(ChatCompletionCreateParams.builder()
            .model("coder").addSystemMessage("Be brief.").addUserMessage("Say hi").build());
        assertEquals("Hello from openai: Say hi", completion.choices().get(0).message().content().orElseThrow());
        assertEquals("gpt-5.3-codex-2025", completion.model());
        assertEquals(ChatCompletion.Choice.FinishReason.STOP, completion.choices().get(0).finishReason());
        CompletionUsage usage = completion.usage().orElseThrow();
        assertEquals(7, usage.completionTokens(), "five words and two reasoning tokens, as the provider counted them");
        assertEquals(2, usage.completionTokensDetails().orElseThrow().reasoningTokens().orElseThrow());
        assertEquals(4, usage.promptTokensDetails().orElseThrow().cachedTokens().orElseThrow());
        FakeModelProvider.Received received = openai.take();
        assertEquals("/v1/responses", received.path());
        JsonNode sent = received.body();
        assertEquals("[{\"type\":\"message\",\"role\":\"system\",\"content\":[{\"type\":\"input_text\",\"text\":\"Be brief.\"}]},"
            + "{\"type\":\"message\",\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"Say hi\"}]}]", sent.path("input").toString());
        assertFalse(sent.path("store").asBoolean(true), "the provider keeps no copy: " + sent);
        assertFalse(sent.has("messages") || sent.has("stream_options"), sent.toString());

        // Streamed, with the reasoning summary as reasoning_content and the usage the client asked for.
        HttpResponse<String> streamed = post("/v1/chat/completions", chat("coder", true, ",\"stream_options\":{\"include_usage\":true}"), ALICE);
        assertEquals(200, streamed.statusCode(), streamed.body());
        assertEquals("Hello from openai: Say hi", streamedText(streamed.body()));
        assertEquals("Thinking it over.", streamedReasoning(streamed.body()));
        assertTrue(streamed.body().endsWith("data: [DONE]\n\n"), streamed.body());
        assertTrue(streamed.body().contains("\"finish_reason\":\"stop\"") && streamed.body().contains("\"completion_tokens\":7"), streamed.body());
        assertTrue(openai.take().body().path("stream").asBoolean());

        // A tool call and its result, there and back, streamed and not.
        String tools = ",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"parameters\":{\"type\":\"object\","
            + "\"properties\":{\"city\":{\"type\":\"string\"}}}}}],\"tool_choice\":\"auto\",\"max_completion_tokens\":100";
        for (boolean stream : new boolean[] {false, true})
        {
            HttpResponse<String> called = post("/v1/chat/completions", chat("coder", stream, tools), ALICE);
            assertEquals(200, called.statusCode(), called.body());
            JsonNode call;
            if (stream)
            {
                StringBuilder arguments = new StringBuilder();
                String id = null;
                for (String line : called.body().split("\n"))
                {
                    JsonNode delta = line.startsWith("data: {") ? JSON.readTree(line.substring(6)).path("choices").path(0).path("delta") : null;
                    if (delta != null && delta.has("tool_calls"))
                    {
                        id = id == null ? delta.path("tool_calls").path(0).path("id").asText(null) : id;
                        arguments.append(delta.path("tool_calls").path(0).path("function").path("arguments").asText(""));
                    }
                }
                assertTrue(called.body().contains("\"finish_reason\":\"tool_calls\""), called.body());
                call = JSON.createObjectNode().put("id", id).put("arguments", arguments.toString());
            }
            else
            {
                JsonNode choice = JSON.readTree(called.body()).path("choices").path(0);
                assertEquals("tool_calls", choice.path("finish_reason").asText(), called.body());
                JsonNode made = choice.path("message").path("tool_calls").path(0);
                assertEquals("get_weather", made.path("function").path("name").asText(), called.body());
                call = JSON.createObjectNode().put("id", made.path("id").asText()).put("arguments", made.path("function").path("arguments").asText());
            }
            assertEquals("call_r1", call.path("id").asText());
            assertEquals("{\"city\":\"Paris\"}", call.path("arguments").asText());
            JsonNode asked = openai.take().body();
            assertEquals("[{\"type\":\"function\",\"name\":\"get_weather\",\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":"
                + "{\"type\":\"string\"}}},\"strict\":false}]", asked.path("tools").toString());
            assertEquals(100, asked.path("max_output_tokens").asInt(), asked.toString());

            String next = "{\"model\":\"coder\",\"stream\":" + stream + tools + ",\"messages\":[{\"role\":\"user\",\"content\":\"Weather?\"},"
                + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"call_r1\",\"type\":\"function\","
                + "\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}}]},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"call_r1\",\"content\":\"Sunny\"}]}";
            HttpResponse<String> answered = post("/v1/chat/completions", next, ALICE);
            assertEquals(200, answered.statusCode(), answered.body());
            assertEquals("Hello from openai: Weather?", stream ? streamedText(answered.body())
                : JSON.readTree(answered.body()).path("choices").path(0).path("message").path("content").asText());
            JsonNode input = openai.take().body().path("input");
            // The model's own reasoning (the fake provider's "enc:0"), which a chat client has no place for, kept and put back.
            assertEquals("{\"type\":\"reasoning\",\"id\":\"rs_1\",\"summary\":[],\"encrypted_content\":\"enc:0\"}", input.path(1).toString(),
                input.toString());
            assertEquals("{\"type\":\"function_call\",\"call_id\":\"call_r1\",\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}",
                input.path(2).toString());
            assertEquals("{\"type\":\"function_call_output\",\"call_id\":\"call_r1\",\"output\":\"Sunny\"}", input.path(3).toString());
            // Other arguments than the model's: not its reasoning's calls.
            HttpResponse<String> other = post("/v1/chat/completions", next.replace("Paris", "Rome"), ALICE);
            assertEquals(200, other.statusCode(), other.body());
            assertEquals("function_call", openai.take().body().path("input").path(1).path("type").asText());
        }

        // Cut by the token limit: "length", as the chat form says it.
        HttpResponse<String> cut = post("/v1/chat/completions", chat("coder", false, ",\"max_completion_tokens\":2"), ALICE);
        assertEquals("length", JSON.readTree(cut.body()).path("choices").path(0).path("finish_reason").asText(), cut.body());
        assertEquals("Hello from", JSON.readTree(cut.body()).path("choices").path(0).path("message").path("content").asText());
        openai.take();

        // What the Responses API has no equivalent for is refused naming it, before the call.
        HttpResponse<String> stop = post("/v1/chat/completions", chat("coder", false, ",\"stop\":\"END\""), ALICE);
        assertEquals(400, stop.statusCode(), stop.body());
        assertEquals("stop", error(stop).path("param").asText(), stop.body());
        assertNull(openai.poll(), "refused before the call");
    }

    private static List<String> types(JsonNode content)
    {
        List<String> types = new ArrayList<>();
        content.forEach(block -> types.add(block.path("type").asText()));
        return types;
    }

    /** The reasoning_content of an event stream's chunks. */
    private static String streamedReasoning(String body) throws Exception
    {
        StringBuilder text = new StringBuilder();
        for (String line : body.split("\n"))
        {
            if (line.startsWith("data: {"))
            {
                text.append(JSON.readTree(line.substring(6)).path("choices").path(0).path("delta").path("reasoning_content").asText(""));
            }
        }
        return text.toString();
    }

    @Test
    void embeddingsAndTheModelListGoThroughTheSdk() throws Exception
    {
        drain();
        CreateEmbeddingResponse embeddings = sdk.embeddings().create(EmbeddingCreateParams.builder().model("embed")
            .input(EmbeddingCreateParams.Input.ofArrayOfStrings(List.of("one", "two"))).build());
        assertEquals(2, embeddings.data().size());
        assertEquals(-0.5f, embeddings.data().get(0).embedding().get(1));
        assertEquals("text-embedding-3-small", openai.take().body().path("model").asText());

        // A provider that answers numbers whatever it was asked: re-encoded as the client asked, as
        // OpenAI's Node SDK asks for base64 by default.
        HttpResponse<String> packed = post("/v1/embeddings", "{\"model\":\"embed\",\"input\":[\"one\",\"two\"],\"encoding_format\":\"base64\"}", ALICE);
        assertEquals(200, packed.statusCode(), packed.body());
        assertEquals("base64", openai.take().body().path("encoding_format").asText(), "the client's choice still reaches the provider");
        JsonNode second = JSON.readTree(packed.body()).path("data").path(1);
        assertEquals(1, second.path("index").asInt());
        java.nio.FloatBuffer vector = java.nio.ByteBuffer.wrap(java.util.Base64.getDecoder().decode(second.path("embedding").asText()))
            .order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        assertEquals(3, vector.remaining(), packed.body());
        assertEquals(List.of(0.25f, -0.5f, 1f), List.of(vector.get(0), vector.get(1), vector.get(2)));
        assertTrue(JSON.readTree(packed.body()).path("usage").path("prompt_tokens").asInt() > 0, packed.body());

        List<String> models = new ArrayList<>();
        sdk.models().list().autoPager().forEach(model -> models.add(model.id()));
        assertTrue(models.containsAll(List.of("gpt", "claude", "embed", "fb1")), models.toString());

        OpenAIClient bob = OpenAIOkHttpClient.builder().baseUrl(sluice.uri("/v1").toString()).apiKey(BOB).maxRetries(0).build();
        try
        {
            List<String> bobs = new ArrayList<>();
            bob.models().list().autoPager().forEach(model -> bobs.add(model.id()));
            assertEquals(List.of("gpt"), bobs, "a consumer sees only the aliases it may use");
            assertEquals("gpt", bob.models().retrieve("gpt").id(), "one model by its alias");
            assertThrows(NotFoundException.class, () -> bob.models().retrieve("claude"), "an alias the consumer may not use is not shown");
            assertThrows(PermissionDeniedException.class, () -> bob.chat().completions().create(ChatCompletionCreateParams.builder()
                .model("claude").addUserMessage("hi").build()));
        }
        finally
        {
            bob.close();
        }
        assertThrows(NotFoundException.class, () -> sdk.chat().completions().create(ChatCompletionCreateParams.builder()
            .model("no-such-model").addUserMessage("hi").build()));
        assertThrows(NotFoundException.class, () -> sdk.models().retrieve("no-such-model"));
    }

    /** Codex picks its tools by the model's name (gpt-5.5), and Hugging Face names have a '/': names no properties key can hold. */
    @Test
    void modelsAreAskedForByTheirNameEvenWhereAKeyCannotHoldIt() throws Exception
    {
        drain();
        ChatCompletion answer = sdk.chat().completions().create(ChatCompletionCreateParams.builder().model("gpt-5.5").addUserMessage("hi").build());
        assertEquals("gpt-5.5-at-the-provider", openai.take().body().path("model").asText());
        assertFalse(answer.choices().isEmpty());
        ChatCompletion qwen = sdk.chat().completions().create(ChatCompletionCreateParams.builder().model("Qwen/Qwen3-Coder-30B")
            .addUserMessage("hi").build());
        assertEquals("qwen3-coder", openai.take().body().path("model").asText());
        assertFalse(qwen.choices().isEmpty());

        List<String> models = new ArrayList<>();
        sdk.models().list().autoPager().forEach(model -> models.add(model.id()));
        assertTrue(models.containsAll(List.of("gpt-5.5", "Qwen/Qwen3-Coder-30B")) && !models.contains("codex") && !models.contains("hf"), models.toString());
        assertEquals("gpt-5.5", sdk.models().retrieve("gpt-5.5").id());
        HttpResponse<String> one = HTTP.send(HttpRequest.newBuilder(sluice.uri("/v1/models/Qwen/Qwen3-Coder-30B")).header("Authorization", "Bearer " + ALICE)
            .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, one.statusCode(), one.body());
        assertEquals("Qwen/Qwen3-Coder-30B", JSON.readTree(one.body()).path("id").asText());

        HttpResponse<String> byKey = post("/v1/chat/completions", chat("codex", false, ""), ALICE);
        assertEquals(404, byKey.statusCode(), "the alias in the keys is not a name clients send: " + byKey.body());
        assertEquals("model_not_found", error(byKey).path("code").asText());
    }

    @Test
    void anthropicAnswersAreTranslatedWithUsageCostAndTheAnsweringModel() throws Exception
    {
        drain();
        HttpResponse<String> response = post("/v1/chat/completions", chat("claude", false, ",\"stop\":\"END\",\"temperature\":0.2"), ALICE);
        assertEquals(200, response.statusCode(), response.body());
        JsonNode completion = JSON.readTree(response.body());
        assertEquals("chat.completion", completion.path("object").asText());
        assertEquals("Hello from anthropic: Say hi", completion.path("choices").path(0).path("message").path("content").asText());
        assertEquals("stop", completion.path("choices").path(0).path("finish_reason").asText());
        JsonNode usage = completion.path("usage");
        assertEquals(4, usage.path("prompt_tokens_details").path("cached_tokens").asInt());
        assertEquals("claude-sonnet-20250101", response.headers().firstValue("X-Sluice-AI-Model").orElse(null));
        assertEquals("an", response.headers().firstValue("X-Sluice-AI-Provider").orElse(null));
        assertEquals("1", response.headers().firstValue("X-Sluice-AI-Attempts").orElse(null));
        double expected = ((usage.path("prompt_tokens").asLong() - 4) * 3 + 4 * 3 + usage.path("completion_tokens").asLong() * 15) / 1e6;
        assertEquals(expected, Double.parseDouble(response.headers().firstValue("X-Sluice-AI-Cost").orElseThrow()), 1e-9);

        FakeModelProvider.Received received = anthropic.take();
        assertEquals("/v1/messages", received.path());
        assertEquals(ANTHROPIC_SECRET, received.header("x-api-key"));
        assertEquals("2023-06-01", received.header("anthropic-version"));
        assertNull(received.header("Authorization"), "the client's bearer key does not go to the provider");
        assertEquals("Be brief.", received.body().path("system").asText());
        assertEquals("[\"END\"]", received.body().path("stop_sequences").toString());
        assertEquals(4096, received.body().path("max_tokens").asInt(), "the target's default max_tokens");

        String line = log.accessLine(response.headers().firstValue("X-Request-ID").orElseThrow());
        JsonNode ai = JSON.readTree(line).path("ai");
        assertEquals("claude", ai.path("alias").asText(), line);
        assertEquals("claude-sonnet-20250101", ai.path("model").asText(), line);
        assertEquals(expected, ai.path("cost_usd").asDouble(), 1e-8, line);
        assertFalse(line.contains("Say hi"), "no prompt text in the log by default: " + line);
        assertFalse(line.contains(ALICE) || line.contains(ANTHROPIC_SECRET), line);
    }

    @Test
    void anAnthropicStreamBecomesOpenAiChunksEvenInAwkwardPieces() throws Exception
    {
        drain();
        anthropic.next(Fault.AWKWARD_CHUNKS);
        HttpResponse<String> response = post("/v1/chat/completions", chat("claude", true, ",\"stream_options\":{\"include_usage\":true}"), ALICE);
        assertEquals(200, response.statusCode(), response.body());
        assertEquals("Hello from anthropic: Say hi", streamedText(response.body()));
        assertTrue(response.body().contains("\"finish_reason\":\"stop\""), response.body());
        assertTrue(response.body().contains("\"choices\":[],\"usage\":{\"prompt_tokens\":"), response.body());
        assertTrue(response.body().endsWith("data: [DONE]\n\n"));
        assertTrue(anthropic.take().body().path("stream").asBoolean());
    }

    @Test
    void failuresBeforeTheFirstByteFallBackToTheNextTarget() throws Exception
    {
        Fault[] faults = {Fault.RATE_LIMITED, Fault.SERVER_ERROR, Fault.OVERLOADED, Fault.GARBAGE, Fault.BAD_KEY};
        for (int i = 0; i < faults.length; i++)
        {
            drain();
            anthropic.next(faults[i]);
            HttpResponse<String> response = post("/v1/chat/completions", chat("fb" + (i + 1), false, ""), ALICE);
            assertEquals(200, response.statusCode(), faults[i] + ": " + response.body());
            assertEquals("oa", response.headers().firstValue("X-Sluice-AI-Provider").orElse(null), faults[i].toString());
            assertEquals("2", response.headers().firstValue("X-Sluice-AI-Attempts").orElse(null), faults[i].toString());
            assertEquals("gpt-" + (i + 1) + "-2025", response.headers().firstValue("X-Sluice-AI-Model").orElse(null));
            String line = log.accessLine(response.headers().firstValue("X-Request-ID").orElseThrow());
            assertEquals(2, JSON.readTree(line).path("attempts").asInt(), line);
        }
        // The 429 said Retry-After: 7, so its target now waits its turn behind the other one.
        drain();
        HttpResponse<String> again = post("/v1/chat/completions", chat("fb1", false, ""), ALICE);
        assertEquals("oa", again.headers().firstValue("X-Sluice-AI-Provider").orElse(null));
        assertEquals("1", again.headers().firstValue("X-Sluice-AI-Attempts").orElse(null));
        assertNull(anthropic.poll(), "the cooling target was not tried");
    }

    @Test
    void aProvidersMultiLineErrorIsOneLogLine() throws Exception
    {
        drain();
        openai.next(Fault.ERROR_BEFORE_FIRST_TOKEN);
        HttpResponse<String> response = post("/v1/chat/completions", chat("gpt", true, ""), ALICE);
        assertTrue(response.body().contains("Retry it."), response.body());
        // Before, the provider's line break went into the log as it came, and its second line read as a log line of its own.
        String warned = log.lines().stream().filter(line -> line.contains("AI target oa/gpt-4o-mini failed") && line.contains("processing your request"))
            .reduce((first, second) -> second).orElseThrow(() -> new AssertionError(log.text()));
        assertTrue(warned.contains("processing your request.?Retry it."), warned);
        assertFalse(log.lines().stream().anyMatch(line -> line.startsWith("Retry it.")), log.text());
    }

    @Test
    void streamsThatFailBeforeTheirFirstTokenFallBackToo() throws Exception
    {
        Fault[] faults = {Fault.SLOW_FIRST_TOKEN, Fault.CUT_BEFORE_FIRST_TOKEN, Fault.ERROR_BEFORE_FIRST_TOKEN};
        for (int i = 0; i < faults.length; i++)
        {
            drain();
            anthropic.next(faults[i]);
            long start = System.nanoTime();
            HttpResponse<String> response = post("/v1/chat/completions", chat("fb" + (i + 6), true, ""), ALICE);
            assertEquals(200, response.statusCode(), faults[i] + ": " + response.body());
            assertEquals("Hello from openai: Say hi", streamedText(response.body()), faults[i].toString());
            assertEquals("2", response.headers().firstValue("X-Sluice-AI-Attempts").orElse(null), faults[i].toString());
            assertFalse(response.body().contains("anthropic"), "nothing of the failed attempt reached the client: " + response.body());
            assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) < 2900, "the first-token timeout (1 s) cut the slow one short");
        }
    }

    @Test
    void afterTheFirstTokenAFailureEndsTheStreamWithAnErrorEvent() throws Exception
    {
        for (Fault fault : List.of(Fault.CUT_AFTER_FIRST_TOKEN, Fault.ERROR_MID_STREAM))
        {
            drain();
            anthropic.next(fault);
            HttpResponse<String> response = post("/v1/chat/completions", chat("fb" + (fault == Fault.CUT_AFTER_FIRST_TOKEN ? 9 : 10), true, ""), ALICE);
            assertEquals(200, response.statusCode());
            assertEquals("an", response.headers().firstValue("X-Sluice-AI-Provider").orElse(null), "no switching after the first byte");
            assertTrue(streamedText(response.body()).startsWith("Hello"), response.body());
            assertTrue(response.body().contains("data: {\"error\":{"), fault + ": " + response.body());
            assertFalse(response.body().contains("[DONE]"), response.body());
            assertEquals(0, openai.count(), "the other target was not tried");
        }
    }

    /**
     * Some OpenAI-style servers (llama.cpp forks, TGI before 2.2) end a whole stream without {@code [DONE]}. It was taken
     * for a stream cut short: the client got an error event after the whole answer, and the target was put in cooldown.
     */
    @Test
    void aWholeStreamWithoutItsDoneEndsAsAWholeStream() throws Exception
    {
        drain();
        openai.next(Fault.NO_DONE);
        HttpResponse<String> response = post("/v1/chat/completions", chat("gpt", true, ""), ALICE);
        assertEquals(200, response.statusCode());
        assertFalse(response.body().contains("\"error\""), response.body());
        assertTrue(response.body().endsWith("data: [DONE]\n\n"), response.body());
        assertTrue(streamedText(response.body()).startsWith("Hello from openai"), response.body());
        assertEquals(1, openai.count());
    }

    @Test
    void whenEveryTargetFailsTheClientGetsOpenAisErrorWithRetryAfter() throws Exception
    {
        drain();
        openai.next(Fault.RATE_LIMITED);
        HttpResponse<String> limited = post("/v1/chat/completions", chat("gpt", false, ""), ALICE);
        assertEquals(429, limited.statusCode());
        assertEquals("7", limited.headers().firstValue("Retry-After").orElse(null));
        assertEquals("rate_limit_error", error(limited).path("type").asText());

        anthropic.next(Fault.OVERLOADED);
        HttpResponse<String> overloaded = post("/v1/chat/completions", chat("claude", false, ""), ALICE);
        assertEquals(503, overloaded.statusCode());
        assertTrue(overloaded.headers().firstValue("Retry-After").isPresent());

        anthropic.next(Fault.BAD_KEY);
        openai.next(Fault.BAD_KEY);
        HttpResponse<String> refused = post("/v1/chat/completions", chat("fb11", false, ""), ALICE);
        assertEquals(502, refused.statusCode());
        assertEquals("provider_auth_failed", error(refused).path("code").asText());
        assertFalse(refused.body().contains("sk-test"), "a provider's words about Sluice's key never reach the client: " + refused.body());
    }

    @Test
    void aPromptTooLongForOneAliasFallsBackToTheLargerOne() throws Exception
    {
        drain();
        openai.next(Fault.CONTEXT_EXCEEDED);
        HttpResponse<String> response = post("/v1/chat/completions", chat("small", false, ""), ALICE);
        assertEquals(200, response.statusCode(), response.body());
        assertEquals("big-context-20250101", response.headers().firstValue("X-Sluice-AI-Model").orElse(null));
        assertEquals("2", response.headers().firstValue("X-Sluice-AI-Attempts").orElse(null));
    }

    @Test
    void azureStylePathsVersionsAndKeysAndUnknownFieldsPassThroughToOpenAiTypeProviders() throws Exception
    {
        drain();
        HttpResponse<String> response = post("/v1/chat/completions", chat("azure", false, ",\"seed\":7,\"some_new_field\":{\"x\":1}"), ALICE);
        assertEquals(200, response.statusCode(), response.body());
        FakeModelProvider.Received received = openai.take();
        assertEquals("/openai/deployments/gpt-4o-deployment/chat/completions?api-version=2024-10-21", received.path());
        assertEquals("azure-provider-secret", received.header("api-key"));
        assertEquals("sluice-tests", received.header("X-Tenant"));
        assertNull(received.header("Authorization"), "the key goes only where the provider wants it");
        assertEquals(7, received.body().path("seed").asInt());
        assertEquals("{\"x\":1}", received.body().path("some_new_field").toString(), "fields Sluice does not know pass through to OpenAI-type providers");
    }

    @Test
    void thePromptFittingNoTargetsContextWindowIsRefusedBeforeAnyProviderIsAsked() throws Exception
    {
        drain();
        HttpResponse<String> response = post("/v1/chat/completions", chat("tiny", false, ""), ALICE);
        assertEquals(400, response.statusCode(), response.body());
        assertEquals("context_length_exceeded", error(response).path("code").asText());
        assertEquals(0, openai.count());
    }

    @Test
    void badInputGetsClearOpenAiStyleErrors() throws Exception
    {
        drain();
        HttpResponse<String> malformed = post("/v1/chat/completions", "{\"model\": \"gpt\", \"messages\": [", ALICE);
        assertEquals(400, malformed.statusCode());
        assertEquals("invalid_request_error", error(malformed).path("type").asText());

        HttpResponse<String> unknown = post("/v1/chat/completions", chat("gpt-9", false, ""), ALICE);
        assertEquals(404, unknown.statusCode());
        assertEquals("model_not_found", error(unknown).path("code").asText());

        HttpResponse<String> large = post("/v1/chat/completions", chat("gpt", false, ",\"user\":\"" + "x".repeat(70_000) + "\""), ALICE);
        assertEquals(413, large.statusCode());
        error(large);

        HttpResponse<String> noMessages = post("/v1/chat/completions", "{\"model\":\"gpt\"}", ALICE);
        assertEquals(400, noMessages.statusCode());
        assertEquals("messages", error(noMessages).path("param").asText());

        HttpResponse<String> unsupported = post("/v1/chat/completions", chat("claude", false, ",\"response_format\":{\"type\":\"json_object\"}"), ALICE);
        assertEquals(400, unsupported.statusCode());
        assertEquals("response_format", error(unsupported).path("param").asText());
        assertTrue(error(unsupported).path("message").asText().contains("response_format"));

        // What token limits and budgets reserve from: checked here, with OpenAI's bounds and wording,
        // rather than left to each provider (or to none: an OpenAI-compatible server may take n = 0).
        for (String[] bad : new String[][] {{",\"n\":0", "n"}, {",\"n\":129", "n"}, {",\"n\":1.5", "n"}, {",\"n\":\"2\"", "n"},
            {",\"max_tokens\":-5", "max_tokens"}, {",\"max_tokens\":0", "max_tokens"}, {",\"max_completion_tokens\":\"many\"", "max_completion_tokens"}})
        {
            HttpResponse<String> refused = post("/v1/chat/completions", chat("gpt", false, bad[0]), ALICE);
            assertEquals(400, refused.statusCode(), bad[0] + ": " + refused.body());
            assertEquals(bad[1], error(refused).path("param").asText(), refused.body());
            assertTrue(error(refused).path("message").asText().startsWith("Invalid '" + bad[1] + "'"), refused.body());
        }

        HttpResponse<String> get = HTTP.send(HttpRequest.newBuilder(sluice.uri("/v1/chat/completions")).header("Authorization", "Bearer " + ALICE).build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(405, get.statusCode());
        assertEquals("POST", get.headers().firstValue("Allow").orElse(null));

        HttpResponse<String> noKey = post("/v1/chat/completions", chat("gpt", false, ""), "wrong-key-0123456789");
        assertEquals(401, noKey.statusCode());
        // Refused by authentication, before the AI front: still in OpenAI's shape, which SDKs read.
        assertEquals("The API key is not valid.", error(noKey).path("message").asText(), noKey.body());
        assertEquals("unauthorized", error(noKey).path("code").asText());
        assertTrue(noKey.headers().firstValue("X-Request-ID").isPresent());
        assertEquals(0, openai.count() + anthropic.count(), "nothing bad reached a provider");
    }

    @Test
    void theSdkShowsWhyAuthenticationRefusedIt() throws Exception
    {
        OpenAIClient stranger = OpenAIOkHttpClient.builder().baseUrl(sluice.uri("/v1").toString()).apiKey("wrong-key-0123456789").maxRetries(0).build();
        try
        {
            com.openai.errors.UnauthorizedException refused = assertThrows(com.openai.errors.UnauthorizedException.class,
                () -> stranger.chat().completions().create(ChatCompletionCreateParams.builder().model("gpt").addUserMessage("hi").build()));
            assertTrue(refused.getMessage().contains("The API key is not valid."), refused.getMessage());
            assertEquals("unauthorized", refused.code().orElse(null));
        }
        finally
        {
            stranger.close();
        }
    }

    @Test
    void aStreamArrivesUnbufferedAndAClientThatLeavesCancelsTheProvider() throws Exception
    {
        drain();
        anthropic.next(Fault.PAUSE_AFTER_FIRST);
        HttpRequest request = HttpRequest.newBuilder(sluice.uri("/v1/chat/completions")).header("Authorization", "Bearer " + ALICE)
            .POST(HttpRequest.BodyPublishers.ofString(chat("claude", true, ""))).build();
        long start = System.nanoTime();
        HttpResponse<InputStream> response = HTTP.send(request, HttpResponse.BodyHandlers.ofInputStream());
        String requestId = response.headers().firstValue("X-Request-ID").orElseThrow();
        InputStream body = response.body();
        StringBuilder seen = new StringBuilder();
        while (!seen.toString().contains("Hello"))
        {
            int b = body.read();
            assertTrue(b >= 0, "stream ended early: " + seen);
            seen.append((char)b);
        }
        long firstMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(firstMillis < 1500, "the first chunk came before the provider's pause ended, not with the last: " + firstMillis + " ms");
        body.close();
        assertTrue(anthropic.streamCancelled.await(10, TimeUnit.SECONDS), "the provider's stream was cancelled when the client left");
        JsonNode line = JSON.readTree(log.accessLine(requestId));
        assertEquals("client_aborted", line.path("outcome").asText(), line.toString());
        assertTrue(line.path("ai").path("prompt_tokens").asInt() > 0, "the partial usage was recorded: " + line);
    }

    @Test
    void usageWithoutProviderCountsIsEstimatedAndAddedUpForTheAdmin() throws Exception
    {
        drain();
        openai.next(Fault.NO_USAGE);
        HttpResponse<String> response = post("/v1/chat/completions", chat("gpt", false, ""), ALICE);
        assertEquals(200, response.statusCode());
        JsonNode ai = JSON.readTree(log.accessLine(response.headers().firstValue("X-Request-ID").orElseThrow())).path("ai");
        assertTrue(ai.path("tokens_estimated").asBoolean(), ai.toString());
        assertEquals(7, ai.path("completion_tokens").asInt(), "'Hello from openai: Say hi' is 7 tokens in o200k_base: " + ai);

        HttpResponse<String> usage = HTTP.send(HttpRequest.newBuilder(sluice.uri("/-/admin/ai/usage")).header("Authorization", "Bearer ai-test-admin").build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(200, usage.statusCode(), usage.body());
        JsonNode view = JSON.readTree(usage.body());
        assertTrue(view.path("consumers").path("alice").path("gpt").path("requests").asInt() >= 1, usage.body());
        assertTrue(view.path("aliases").path("gpt").path("completion_tokens").asInt() >= 7, usage.body());
        assertTrue(view.path("targets").has("oa/gpt-4o-mini"), usage.body());

        HttpResponse<String> config = HTTP.send(HttpRequest.newBuilder(sluice.uri("/-/admin/config")).header("Authorization", "Bearer ai-test-admin").build(),
            HttpResponse.BodyHandlers.ofString());
        assertFalse(config.body().contains(OPENAI_SECRET) || config.body().contains(ANTHROPIC_SECRET), "provider keys never in admin output");
        assertEquals("***", JSON.readTree(config.body()).path("properties").path("ai.provider.oa.api-key").asText(), config.body());
        assertFalse(log.text().contains(OPENAI_SECRET) || log.text().contains(ANTHROPIC_SECRET), "provider keys never logged");
    }

    @Test
    void aiMetricsCountTokensAndCostPerAliasAndProvider() throws Exception
    {
        post("/v1/chat/completions", chat("gpt", false, ""), ALICE);
        HttpResponse<String> metrics = HTTP.send(HttpRequest.newBuilder(sluice.uri("/-/metrics")).header("Authorization", "Bearer ai-test-admin").build(),
            HttpResponse.BodyHandlers.ofString());
        String text = metrics.body().lines().filter(line -> line.startsWith("sluice_ai_")).collect(Collectors.joining("\n"));
        assertTrue(text.contains("sluice_ai_tokens_total{alias=\"gpt\",kind=\"prompt\",provider=\"oa\"}"), text);
        assertTrue(text.contains("sluice_ai_cost_usd_total{alias=\"gpt\",provider=\"oa\"}"), text);
        assertNotNull(text);
    }
}
