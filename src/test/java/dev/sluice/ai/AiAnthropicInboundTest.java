// Anthropic's Messages API in front: the official Anthropic SDK against Sluice, answered by OpenAI-style and Anthropic providers.
package dev.sluice.ai;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.JsonValue;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.NotFoundException;
import com.anthropic.errors.RateLimitException;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.ContentBlock;
import com.anthropic.models.messages.ContentBlockParam;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.StopReason;
import com.anthropic.models.messages.Tool;
import com.anthropic.models.messages.ToolResultBlockParam;
import com.anthropic.models.messages.ToolUseBlock;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.testing.FakeModelProvider;
import dev.sluice.testing.KeyHashes;
import dev.sluice.testing.SluiceUnderTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AiAnthropicInboundTest
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "claude-code-key-0123456789abcdef";
    private static FakeModelProvider openai;
    private static FakeModelProvider anthropic;
    private static SluiceUnderTest sluice;
    private static AnthropicClient sdk;

    @BeforeAll
    static void start() throws Exception
    {
        openai = FakeModelProvider.start("openai");
        anthropic = FakeModelProvider.start("anthropic");
        sluice = SluiceUnderTest.start("""
            consumer.dev.api-key.main = sha256:%s
            route.ai.path = /v1
            route.ai.ai = on
            route.ai.auth = api-key
            route.ai.ai.cache = on
            ai.provider.oa.type = openai-compatible
            ai.provider.oa.base-url = %s/v1
            ai.provider.an.type = anthropic
            ai.provider.an.base-url = %s
            ai.provider.an.api-key = ant-provider-secret
            ai.model.gpt.target.main.provider = oa
            ai.model.gpt.target.main.model = gpt-4o-mini
            ai.model.claude.target.main.provider = an
            ai.model.claude.target.main.model = claude-sonnet
            ai.model.reasoner.target.main.provider = oa
            ai.model.reasoner.target.main.model = deepseek-reasoner
            ai.model.gemini.target.main.provider = oa
            ai.model.gemini.target.main.model = gemini-2.0-flash
            ai.model.gemini3.target.main.provider = oa
            ai.model.gemini3.target.main.model = gemini-3-pro
            ai.provider.openai.type = openai
            ai.provider.openai.base-url = %2$s/v1
            ai.provider.openai.api-key = sk-provider-secret
            ai.model.gpt5.target.main.provider = openai
            ai.model.gpt5.target.main.model = gpt-5-mini
            ai.provider.ds.type = openai-compatible
            ai.provider.ds.base-url = %2$s/v1
            ai.provider.ds.reasoning-history = on
            ai.model.ds4.target.main.provider = ds
            ai.model.ds4.target.main.model = deepseek-v4-pro
            ai.model.groq.target.main.provider = oa
            ai.model.groq.target.main.model = groq-kimi
            ai.model.llama.target.main.provider = oa
            ai.model.llama.target.main.model = llama-server
            ai.model.once.target.main.provider = oa
            ai.model.once.target.main.model = gpt-4o-mini
            ai.limit.once.requests = 1/h
            ai.limit.once.models = once
            ai.model.coder.target.main.provider = openai
            ai.model.coder.target.main.model = gpt-5.1-codex-max
            """.formatted(KeyHashes.sha256(KEY),
            openai.uri(), anthropic.uri()));
        // Anthropic's SDK adds /v1/messages to its base URL and sends the key in x-api-key.
        sdk = AnthropicOkHttpClient.builder().baseUrl(sluice.uri("/").toString()).apiKey(KEY).maxRetries(0).build();
    }

    @AfterAll
    static void stop() throws Exception
    {
        sdk.close();
        sluice.close();
        openai.close();
        anthropic.close();
    }

    /** A POST to Sluice as Anthropic's API takes it: the key in x-api-key, JSON, and any other headers as name, value pairs. */
    private static HttpResponse<String> post(String path, String key, String body, String... headers) throws Exception
    {
        HttpRequest.Builder request = HttpRequest.newBuilder(sluice.uri(path)).header("x-api-key", key).header("Content-Type", "application/json");
        for (int i = 0; i < headers.length; i += 2)
        {
            request.header(headers[i], headers[i + 1]);
        }
        return HttpClient.newHttpClient().send(request.POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Forgets what earlier tests left with both providers. */
    private static void drain()
    {
        while (openai.poll() != null || anthropic.poll() != null)
        {
            // forget earlier requests
        }
    }

    private static MessageCreateParams params(String model, String question)
    {
        return MessageCreateParams.builder().model(model).maxTokens(100).system("Be brief.").addUserMessage(question).build();
    }

    /** The typed answer asked for below; Anthropic's SDK makes its JSON Schema from the class. */
    public static class Contact
    {
        public String name;
        public String email;
        public boolean demo;
    }

    /**
     * A Claude client's typed answer ({@code output_config.format}: the SDK's
     * {@code outputConfig(Class)}) from any target: as it came to Claude, as OpenAI's
     * {@code response_format} (strict, the schema being closed and fully required) to OpenAI-style
     * ones. Before, the format was dropped on the way to them, and they answered in prose that
     * the SDK could not parse. The beta's top-level {@code output_format} is taken as the format;
     * a format that is not a JSON Schema is refused as Anthropic refuses it.
     */
    @Test
    void aStructuredAnswerComesFromAnyTarget() throws Exception
    {
        drain();
        for (String model : new String[] {"gpt", "claude", "gpt5"})
        {
            com.anthropic.models.messages.StructuredMessage<Contact> message = sdk.messages().create(MessageCreateParams.builder()
                .model(model).maxTokens(200).addUserMessage("John (john@example.com) wants a demo").outputConfig(Contact.class).build());
            Contact contact = message.content().stream().flatMap(block -> block.text().stream()).findFirst().orElseThrow().text();
            assertEquals("Paris", contact.name, model);
            assertTrue(contact.demo, model);
        }
        JsonNode toOpenAi = openai.take().body();
        assertFalse(toOpenAi.has("output_config"), toOpenAi.toString());
        assertEquals("json_schema", toOpenAi.path("response_format").path("type").asText(), toOpenAi.toString());
        assertTrue(toOpenAi.path("response_format").path("json_schema").path("strict").asBoolean(), toOpenAi.toString());
        JsonNode toClaude = anthropic.take().body();
        assertEquals("json_schema", toClaude.path("output_config").path("format").path("type").asText(), toClaude.toString());
        assertFalse(toClaude.has("response_format"), toClaude.toString());
        JsonNode toGpt5 = openai.take().body();
        assertEquals("gpt-5-mini", toGpt5.path("model").asText());
        assertEquals("json_schema", toGpt5.path("response_format").path("type").asText(), toGpt5.toString());

        // An optional property: OpenAI then follows the schema without strict mode, which would refuse it.
        String optional = "{\"type\":\"json_schema\",\"schema\":{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"},"
            + "\"age\":{\"type\":\"integer\"}},\"required\":[\"name\"],\"additionalProperties\":false}}";
        HttpResponse<String> legacy = post("/v1/messages", KEY, "{\"model\":\"gpt\",\"max_tokens\":100,\"output_format\":" + optional
            + ",\"messages\":[{\"role\":\"user\",\"content\":\"Ada\"}]}", "anthropic-beta", "structured-outputs-2025-11-13");
        assertEquals(200, legacy.statusCode(), legacy.body());
        assertEquals("{\"name\":\"Paris\",\"age\":7}", JSON.readTree(legacy.body()).path("content").path(0).path("text").asText());
        JsonNode loose = openai.take().body().path("response_format").path("json_schema");
        assertFalse(loose.path("strict").asBoolean(true), loose.toString());

        HttpResponse<String> refused = post("/v1/messages", KEY, "{\"model\":\"gpt\",\"max_tokens\":100,\"output_config\":{\"format\":{\"type\":\"json\"}},"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Ada\"}]}");
        assertEquals(400, refused.statusCode(), refused.body());
        assertEquals("output_config.format.type: Input should be 'json_schema'", JSON.readTree(refused.body()).path("error").path("message").asText());
        assertEquals(null, openai.poll(), "nothing reached the provider");
    }

    @Test
    void theAnthropicSdkTalksToAnOpenAiStyleProviderThroughSluice() throws Exception
    {
        drain();
        Message message = sdk.messages().create(params("gpt", "Say hi"));
        assertEquals("Hello from openai: Say hi", message.content().get(0).asText().text());
        assertEquals(StopReason.END_TURN, message.stopReason().orElseThrow());
        assertEquals(5, message.usage().outputTokens());
        JsonNode sent = openai.take().body();
        assertEquals("gpt-4o-mini", sent.path("model").asText());
        assertEquals("system", sent.path("messages").path(0).path("role").asText());
        assertEquals("Be brief.", sent.path("messages").path(0).path("content").asText());
        assertEquals(100, sent.path("max_tokens").asInt());
    }

    /** Anthropic's Java SDK reads created_at, which OpenAI's model list does not have; before, listing failed. */
    @Test
    void theModelListReadsAsAnthropicsToo() throws Exception
    {
        List<String> ids = new java.util.ArrayList<>();
        sdk.models().list().autoPager().forEach(model -> ids.add(model.id() + " " + model.displayName() + " " + model.createdAt().getYear()));
        assertEquals(List.of("claude claude 1970", "coder coder 1970", "ds4 ds4 1970", "gemini gemini 1970", "gemini3 gemini3 1970", "gpt gpt 1970", "gpt5 gpt5 1970", "groq groq 1970", "llama llama 1970", "once once 1970", "reasoner reasoner 1970"), ids);
        assertEquals("gpt", sdk.models().retrieve("gpt").id());
    }

    /**
     * Claude Code marks its system prompt and latest turn as prompt-cache breakpoints;
     * dropped, every turn to Claude was billed as uncached input. They reach an Anthropic target
     * where they were, and never an OpenAI-style one.
     */
    @Test
    void cacheBreakpointsReachAnAnthropicTargetAndNoOther() throws Exception
    {
        drain();
        String body = """
            {"model": "%s", "max_tokens": 50,
             "system": [{"type": "text", "text": "You are Claude Code."}, {"type": "text", "text": "Project rules.", "cache_control": {"type": "ephemeral"}}],
             "tools": [{"name": "Bash", "input_schema": {"$schema": "http://json-schema.org/draft-07/schema#", "type": "object"},
                        "cache_control": {"type": "ephemeral"}}],
             "messages": [
               {"role": "user", "content": [{"type": "text", "text": "run it"}]},
               {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1", "name": "Bash", "input": {}}]},
               {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "done", "cache_control": {"type": "ephemeral"}},
                                             {"type": "text", "text": "and now?", "cache_control": {"type": "ephemeral", "ttl": "1h"}}]}
             ]}""";
        for (String model : new String[] {"claude", "gpt"})
        {
            HttpResponse<String> response = post("/v1/messages", KEY, body.formatted(model));
            assertEquals(200, response.statusCode(), response.body());
        }
        JsonNode toClaude = anthropic.take().body();
        assertEquals("You are Claude Code.", toClaude.path("system").path(0).path("text").asText(), toClaude.toString());
        assertFalse(toClaude.path("system").path(0).has("cache_control"));
        assertEquals("ephemeral", toClaude.path("system").path(1).path("cache_control").path("type").asText(), toClaude.toString());
        assertEquals("ephemeral", toClaude.path("tools").path(0).path("cache_control").path("type").asText(), toClaude.toString());
        JsonNode last = toClaude.path("messages").path(2).path("content");
        assertEquals("tool_result", last.path(0).path("type").asText(), last.toString());
        assertEquals("ephemeral", last.path(0).path("cache_control").path("type").asText(), last.toString());
        assertEquals("1h", last.path(1).path("cache_control").path("ttl").asText(), last.toString());
        assertFalse(toClaude.path("messages").path(0).path("content").path(0).has("cache_control"), "only where the client put them");

        JsonNode toOpenAi = openai.take().body();
        assertFalse(toOpenAi.toString().contains("cache_control"), toOpenAi.toString());
        // Text only, as one string each: DeepSeek refuses content parts ("invalid type: sequence, expected a string").
        JsonNode turns = toOpenAi.path("messages");
        assertEquals("You are Claude Code.\nProject rules.", turns.path(0).path("content").asText(), turns.toString());
        assertEquals("run it", turns.path(1).path("content").asText(), turns.toString());
        assertEquals("tool", turns.path(3).path("role").asText(), turns.toString());
        assertEquals("done", turns.path(3).path("content").asText(), turns.toString());
        assertEquals("and now?", turns.path(4).path("content").asText(), turns.toString());
        // The schema's dialect, which Gemini refuses, is left out; Claude gets the schema as sent.
        assertEquals(JSON.readTree("{\"type\":\"object\"}"), toOpenAi.path("tools").path(0).path("function").path("parameters"));
        assertEquals("http://json-schema.org/draft-07/schema#", toClaude.path("tools").path(0).path("input_schema").path("$schema").asText());
    }

    /** Claude Code asks for betas (its 1M context window, say); before, an Anthropic target never saw them. */
    @Test
    void anAnthropicClientsBetasReachAnAnthropicTargetOnly() throws Exception
    {
        drain();
        // Each asks something different: the route caches answers.
        for (String[] sent : new String[][] {{"claude", "context-1m-2025-08-07, interleaved-thinking-2025-05-14"}, {"gpt", "context-1m-2025-08-07"},
            {"claude", "bad;beta"}})
        {
            HttpResponse<String> response = post("/v1/messages?beta=true", KEY, "{\"model\":\"" + sent[0] + "\",\"max_tokens\":5,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"betas " + sent[1] + "\"}]}", "anthropic-beta", sent[1]);
            assertEquals(200, response.statusCode(), response.body());
        }
        assertEquals("context-1m-2025-08-07, interleaved-thinking-2025-05-14", anthropic.take().header("anthropic-beta"));
        assertEquals(null, openai.take().header("anthropic-beta"), "not for an OpenAI-style provider");
        assertEquals(null, anthropic.take().header("anthropic-beta"), "not a malformed list");
    }

    /**
     * Claude Code sends a PDF it reads as a document block, and a file its Read tool returns
     * (an image, a PDF) inside the tool result; both were a 400.
     */
    @Test
    void documentsAndAToolResultsImagesReachEitherProvider() throws Exception
    {
        drain();
        String body = """
            {"model": "%s", "max_tokens": 50, "messages": [
              {"role": "user", "content": [{"type": "document", "title": "spec.pdf", "source": {"type": "base64", "media_type": "application/pdf", "data": "JVBERi0xLjQK"}},
                                           {"type": "text", "text": "Summarise it (%1$s)."}]},
              {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_9", "name": "Read", "input": {"file_path": "a.png"}}]},
              {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_9", "content": [{"type": "text", "text": "The image:"},
                {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}}]}]}
            ]}""";
        for (String model : new String[] {"claude", "gpt"})
        {
            HttpResponse<String> response = post("/v1/messages", KEY, body.formatted(model));
            assertEquals(200, response.statusCode(), response.body());
        }
        JsonNode toClaude = anthropic.take().body().path("messages");
        JsonNode document = toClaude.path(0).path("content").path(0);
        assertEquals("document", document.path("type").asText(), toClaude.toString());
        assertEquals("JVBERi0xLjQK", document.path("source").path("data").asText());
        assertEquals("spec.pdf", document.path("title").asText());
        JsonNode lastTurn = toClaude.path(2).path("content");
        assertEquals("tool_result", lastTurn.path(0).path("type").asText(), lastTurn.toString());
        assertEquals("The image:", lastTurn.path(0).path("content").asText(), lastTurn.toString());
        assertEquals("image", lastTurn.path(1).path("type").asText(), "the result's image right after it, in the same turn: " + lastTurn);

        JsonNode toOpenAi = openai.take().body().path("messages");
        assertEquals("data:application/pdf;base64,JVBERi0xLjQK", toOpenAi.path(0).path("content").path(0).path("file").path("file_data").asText(),
            toOpenAi.toString());
        assertEquals("tool", toOpenAi.path(2).path("role").asText(), toOpenAi.toString());
        assertEquals("user", toOpenAi.path(3).path("role").asText(), toOpenAi.toString());
        assertEquals("data:image/png;base64,iVBORw0KGgo=", toOpenAi.path(3).path("content").path(0).path("image_url").path("url").asText());
    }

    /** Claude Code sends system turns within the conversation (beta mid-conversation-system); before, a 400. */
    @Test
    void aSystemTurnWithinTheConversationKeepsItsPlace() throws Exception
    {
        drain();
        HttpResponse<String> response = post("/v1/messages", KEY, """
                {"model": "gpt", "max_tokens": 50, "system": [{"type": "text", "text": "Be brief."}], "messages": [
                  {"role": "user", "content": [{"type": "text", "text": "run echo"}]},
                  {"role": "system", "content": "Agents available: Explore."},
                  {"role": "assistant", "content": "Sure."},
                  {"role": "system", "content": [{"type": "text", "text": "Mind the sandbox."}]},
                  {"role": "user", "content": "go"}
                ]}""");
        assertEquals(200, response.statusCode(), response.body());
        JsonNode messages = openai.take().body().path("messages");
        assertEquals("[system, user, system, assistant, system, user]", roles(messages));
        assertEquals("Agents available: Explore.", messages.path(2).path("content").asText());
        assertEquals("Mind the sandbox.", messages.path(4).path("content").asText());
    }

    private static String roles(JsonNode messages)
    {
        java.util.List<String> roles = new java.util.ArrayList<>();
        messages.forEach(message -> roles.add(message.path("role").asText()));
        return roles.toString();
    }

    @Test
    void aStreamIsTranslatedEventByEventWhateverTheProvider() throws Exception
    {
        for (String model : new String[] {"gpt", "claude"})
        {
            MessageAccumulator accumulator = MessageAccumulator.create();
            try (StreamResponse<RawMessageStreamEvent> stream = sdk.messages().createStreaming(params(model, "Stream " + model)))
            {
                stream.stream().forEach(accumulator::accumulate);
            }
            Message streamed = accumulator.message();
            String provider = model.equals("gpt") ? "openai" : "anthropic";
            assertEquals("Hello from " + provider + ": Stream " + model, streamed.content().get(0).asText().text());
            assertEquals(StopReason.END_TURN, streamed.stopReason().orElseThrow());
            assertEquals(5, streamed.usage().outputTokens(), model);
            // Claude's own id as Claude gave it, not the chat form's chatcmpl-msg_fake; another provider's id made a message id.
            assertTrue(model.equals("gpt") ? streamed.id().startsWith("msg_chatcmpl") : streamed.id().equals("msg_fake"), streamed.id());
        }
    }

    /**
     * Claude Code defers MCP tools behind its ToolSearch when they are many (or with
     * ENABLE_TOOL_SEARCH=true): the search's result is a {@code tool_reference} and the tool found
     * comes with {@code defer_loading}. Before, that result was a 400 for every provider.
     */
    @Test
    void aToolSearchsFindReachesEveryProviderAsTheToolsDefinition() throws Exception
    {
        drain();
        String body = """
            {"model": "%s", "max_tokens": 100, "tools": [
               {"name": "ToolSearch", "description": "Fetches deferred tools.", "input_schema": {"type": "object", "properties": {"query": {"type": "string"}}}},
               {"name": "mcp__demo__lookup", "description": "Looks up a record by id.", "defer_loading": true,
                "input_schema": {"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]}}],
             "messages": [
               {"role": "user", "content": "Look up record 7"},
               {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_s", "name": "ToolSearch", "input": {"query": "select:mcp__demo__lookup"}}]},
               {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_s", "content": [{"type": "tool_reference", "tool_name": "mcp__demo__lookup"}]}]}]}""";
        HttpResponse<String> toGpt = post("/v1/messages", KEY, body.formatted("gpt"));
        assertEquals(200, toGpt.statusCode(), toGpt.body());
        JsonNode sent = openai.take().body();
        assertEquals("mcp__demo__lookup", sent.path("tools").path(1).path("function").path("name").asText(), "the deferred tool is offered: " + sent);
        String result = sent.path("messages").path(2).path("content").asText();
        assertTrue(result.startsWith("<functions>\n<function>") && result.endsWith("</function>\n</functions>"), result);
        JsonNode definition = JSON.readTree(result.substring("<functions>\n<function>".length(), result.length() - "</function>\n</functions>".length()));
        assertEquals("mcp__demo__lookup", definition.path("name").asText());
        assertEquals("Looks up a record by id.", definition.path("description").asText());
        assertEquals("id", definition.path("parameters").path("required").path(0).asText());

        HttpResponse<String> toClaude = post("/v1/messages", KEY, body.formatted("claude"));
        assertEquals(200, toClaude.statusCode(), toClaude.body());
        JsonNode claude = anthropic.take().body();
        assertFalse(claude.path("tools").path(1).has("defer_loading"), "the tool is loaded, as its definition is in the result: " + claude);
        assertTrue(claude.path("messages").path(2).path("content").path(0).path("content").toString().contains("<functions>"), claude.toString());

        HttpResponse<String> nameless = post("/v1/messages", KEY, body.formatted("gpt").replace("\"tool_name\": \"mcp__demo__lookup\"", "\"tool_name\": 7"));
        assertEquals(400, nameless.statusCode(), nameless.body());
        assertTrue(nameless.body().contains("tool_reference") || nameless.body().contains("tool_name"), nameless.body());
    }

    @Test
    void toolsGoOutAsFunctionsAndComeBackAsToolUseBlocks() throws Exception
    {
        Tool weather = Tool.builder().name("weather").description("The weather in a city")
            .inputSchema(Tool.InputSchema.builder().properties(JsonValue.from(Map.of("city", Map.of("type", "string")))).build()).build();
        MessageCreateParams params = MessageCreateParams.builder().model("gpt").maxTokens(100).addUserMessage("Weather in Paris?").addTool(weather).build();
        Message message = sdk.messages().create(params);
        ToolUseBlock use = message.content().stream().filter(block -> block.isToolUse()).findFirst().orElseThrow().asToolUse();
        assertEquals("weather", use.name());
        assertEquals("call_1", use.id());
        assertEquals(JsonValue.from(Map.of("city", "Paris")), use._input());
        assertEquals(StopReason.TOOL_USE, message.stopReason().orElseThrow());

        MessageAccumulator accumulator = MessageAccumulator.create();
        try (StreamResponse<RawMessageStreamEvent> stream = sdk.messages().createStreaming(params.toBuilder().model("claude").build()))
        {
            stream.stream().forEach(accumulator::accumulate);
        }
        Message streamed = accumulator.message();
        ToolUseBlock streamedUse = streamed.content().stream().filter(block -> block.isToolUse()).findFirst().orElseThrow().asToolUse();
        assertEquals("weather", streamedUse.name());
        assertEquals(JsonValue.from(Map.of("city", "Paris")), streamedUse._input());
        assertEquals(StopReason.TOOL_USE, streamed.stopReason().orElseThrow());
    }

    /**
     * Claude Code through an alias of a model OpenAI serves only through its Responses API: the tool use and the text
     * after it reach the Anthropic client, streamed, and the model's reasoning summary as a thinking block; the model's
     * encrypted reasoning goes back with its call.
     */
    @Test
    void aModelOnlyTheResponsesApiServesAnswersAnAnthropicClient() throws Exception
    {
        drain();
        Tool bash = Tool.builder().name("Bash").inputSchema(Tool.InputSchema.builder().properties(JsonValue.from(Map.of("city", Map.of("type",
            "string")))).build()).build();
        MessageCreateParams params = MessageCreateParams.builder().model("coder").maxTokens(1000).addUserMessage("Run it").addTool(bash)
            .putAdditionalHeader("X-Sluice-Cache", "no-store").build();
        MessageAccumulator accumulator = MessageAccumulator.create();
        try (StreamResponse<RawMessageStreamEvent> stream = sdk.messages().createStreaming(params))
        {
            stream.stream().forEach(accumulator::accumulate);
        }
        Message streamed = accumulator.message();
        assertEquals(StopReason.TOOL_USE, streamed.stopReason().orElseThrow());
        ToolUseBlock use = streamed.content().stream().filter(ContentBlock::isToolUse).findFirst().orElseThrow().asToolUse();
        assertEquals("call_r1", use.id());
        assertEquals(JsonValue.from(Map.of("city", "Paris")), use._input());
        assertEquals("Thinking it over.", streamed.content().get(0).asThinking().thinking(), streamed.toString());
        FakeModelProvider.Received asked = openai.take();
        assertEquals("/v1/responses", asked.path());
        assertEquals(1000, asked.body().path("max_output_tokens").asInt());

        // The next request as Claude Code sends it: the answer whole, then the tool's result.
        Message answered = sdk.messages().create(params.toBuilder().addMessage(streamed)
            .addUserMessageOfContentBlockParams(List.of(ContentBlockParam.ofToolResult(ToolResultBlockParam.builder()
                .toolUseId("call_r1").content("Sunny").build()))).build());
        assertEquals(StopReason.END_TURN, answered.stopReason().orElseThrow());
        assertEquals("Hello from openai: Run it", answered.content().stream().filter(ContentBlock::isText).findFirst().orElseThrow().asText().text());
        JsonNode input = openai.take().body().path("input");
        assertEquals("function_call_output", input.path(input.size() - 1).path("type").asText(), input.toString());
        // The model's encrypted reasoning, which an Anthropic client has no place for, kept and put back before its call.
        assertEquals("enc:0", input.path(input.size() - 3).path("encrypted_content").asText(), input.toString());
    }

    /**
     * Gemini's and Ollama's OpenAI forms end an answer with tool calls as "stop". It reached Anthropic clients as
     * {@code end_turn}, which an agent loop takes as the end of the turn, leaving the calls unrun.
     */
    @Test
    void toolCallsEndedAsStopByTheProviderAreToolUse() throws Exception
    {
        MessageCreateParams params = MessageCreateParams.builder().model("gemini").maxTokens(100).addUserMessage("Weather in Paris?")
            .addTool(Tool.builder().name("weather").inputSchema(Tool.InputSchema.builder().build()).build()).build();
        Message message = sdk.messages().create(params.toBuilder().putAdditionalHeader("X-Sluice-Cache", "no-store").build());
        assertTrue(message.content().stream().anyMatch(ContentBlock::isToolUse), message.toString());
        assertEquals(StopReason.TOOL_USE, message.stopReason().orElseThrow());
        MessageAccumulator accumulator = MessageAccumulator.create();
        try (StreamResponse<RawMessageStreamEvent> stream = sdk.messages().createStreaming(params.toBuilder().putAdditionalHeader("X-Sluice-Cache", "no-store").build()))
        {
            stream.stream().forEach(accumulator::accumulate);
        }
        assertEquals(StopReason.TOOL_USE, accumulator.message().stopReason().orElseThrow());
        // Without a call, "stop" is the end of the turn.
        assertEquals(StopReason.END_TURN, sdk.messages().create(params("gemini", "Say hi")).stopReason().orElseThrow());
    }

    /**
     * Claude Code (any Anthropic client) always sends max_tokens; OpenAI's reasoning models refuse it ("Use
     * 'max_completion_tokens' instead"), so every request to such an alias was a 400.
     */
    @Test
    void anOpenAiReasoningModelGetsItsLimitAsMaxCompletionTokens() throws Exception
    {
        drain();
        Message message = sdk.messages().create(params("gpt5", "Say hi to OpenAI"));
        assertEquals("Hello from openai: Say hi to OpenAI", message.content().get(0).asText().text());
        JsonNode asked = openai.take().body();
        assertEquals(100, asked.path("max_completion_tokens").asInt(), asked.toString());
        assertFalse(asked.has("max_tokens"), asked.toString());
        // An OpenAI-compatible server keeps the name every such server knows.
        sdk.messages().create(params("gpt", "Say hi to a compatible server"));
        assertTrue(openai.take().body().has("max_tokens"));
    }

    /**
     * Claude Code asks for thinking in Claude's fields (adaptive thinking and {@code output_config.effort: high}, for a
     * model name it does not know). Before, an OpenAI target got none of it, and gpt-5.1 and later, which reason only when
     * asked, answered without reasoning (measured with Claude Code 2.1.197 through an alias of gpt-5.5). Now the thinking
     * asked for goes as the effort the model takes; a model that does not reason gets none and answers as before.
     */
    @Test
    void aClaudeClientsThinkingReachesAnOpenAiReasoningModelAsItsEffort() throws Exception
    {
        drain();
        String body = """
            {"model": "%s", "max_tokens": 8000, "messages": [{"role": "user", "content": "Think"}], "thinking": %s}""";
        String[][] cases = {
            {"{\"type\": \"adaptive\"}, \"output_config\": {\"effort\": \"max\"}", "high"},
            {"{\"type\": \"adaptive\"}, \"output_config\": {\"effort\": \"low\"}", "low"},
            {"{\"type\": \"adaptive\"}", "high"},
            {"{\"type\": \"enabled\", \"budget_tokens\": 1024}", "low"},
            {"{\"type\": \"enabled\", \"budget_tokens\": 3000}", "medium"},
            {"{\"type\": \"disabled\"}", "minimal"}};
        for (String[] asked : cases)
        {
            HttpResponse<String> response = post("/v1/messages", KEY, body.formatted("gpt5", asked[0]));
            assertEquals(200, response.statusCode(), asked[0] + ": " + response.body());
            JsonNode sent = openai.take().body();
            assertEquals(asked[1], sent.path("reasoning_effort").asText(), asked[0] + ": " + sent);
            assertFalse(sent.has("thinking") || sent.has("output_config"), sent.toString());
        }
        HttpResponse<String> plain = post("/v1/messages", KEY, body.formatted("gpt", "{\"type\": \"adaptive\"}"));
        assertEquals(200, plain.statusCode(), plain.body());
        assertFalse(openai.take().body().has("reasoning_effort"), "gpt-4o-mini does not reason");
    }

    /**
     * Claude Code sends a JSON object of about 150 characters as its {@code metadata.user_id}, and OpenAI refuses a
     * {@code user} over 64 (as the fake provider does): every request of Claude Code to an OpenAI target was a 400. Such
     * an id goes to every provider as its SHA-256 in hex, the same for the same user; a short one goes as it came.
     */
    @Test
    void claudeCodesUserIdGoesToEachProviderInAFormItTakes() throws Exception
    {
        drain();
        String id = "{\"device_id\":\"31d274f2af676488b606fa651fa9c63ff51cca4a234a66c38b8ac05eab868fac\",\"account_uuid\":\"\","
            + "\"session_id\":\"0fbb6c34-b7bf-4c55-942a-2e24e6449910\"}";
        String hashed = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
            .digest(id.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        String body = "{\"model\": \"%s\", \"max_tokens\": 100, \"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}],"
            + " \"metadata\": {\"user_id\": " + JSON.writeValueAsString("%s") + "}}";
        for (String model : new String[] {"gpt5", "gpt", "claude"})
        {
            HttpResponse<String> response = post("/v1/messages", KEY, body.formatted(model, id.replace("\"", "\\\"")));
            assertEquals(200, response.statusCode(), model + ": " + response.body());
            JsonNode sent = (model.equals("claude") ? anthropic : openai).take().body();
            assertEquals(hashed, model.equals("claude") ? sent.path("metadata").path("user_id").asText() : sent.path("user").asText(), model + ": " + sent);
        }
        // Another question, not the cache's answer to the first.
        body = body.replace("Hi", "Hi again");
        assertEquals(200, post("/v1/messages", KEY, body.formatted("gpt5", "user-7")).statusCode());
        assertEquals("user-7", openai.take().body().path("user").asText(), "an id every provider takes goes as it came");
        assertEquals(200, post("/v1/messages", KEY, body.formatted("claude", "user-7")).statusCode());
        assertEquals("user-7", anthropic.take().body().path("metadata").path("user_id").asText());
    }

    /**
     * Gemini 3 refuses a turn whose tool calls come back without the thought signature it attached to them
     * ({@code extra_content}), which a Messages client has no field for: it rides in the call's id.
     */
    @Test
    void geminisThoughtSignatureGoesBackWithItsToolCall() throws Exception
    {
        drain();
        Tool bash = Tool.builder().name("Bash").inputSchema(Tool.InputSchema.builder().build()).build();
        MessageCreateParams first = MessageCreateParams.builder().model("gemini3").maxTokens(1000).addUserMessage("Run it").addTool(bash)
            .putAdditionalHeader("X-Sluice-Cache", "no-store").build();
        for (boolean streamed : new boolean[] {false, true})
        {
            Message answer;
            if (streamed)
            {
                MessageAccumulator accumulator = MessageAccumulator.create();
                try (StreamResponse<RawMessageStreamEvent> stream = sdk.messages().createStreaming(first))
                {
                    stream.stream().forEach(accumulator::accumulate);
                }
                answer = accumulator.message();
            }
            else
            {
                answer = sdk.messages().create(first);
            }
            openai.take();
            ToolUseBlock use = answer.content().stream().filter(ContentBlock::isToolUse).findFirst().orElseThrow().asToolUse();
            assertEquals(StopReason.TOOL_USE, answer.stopReason().orElseThrow());
            Message next = sdk.messages().create(first.toBuilder().addMessage(answer).addUserMessageOfContentBlockParams(List.of(
                ContentBlockParam.ofToolResult(ToolResultBlockParam.builder().toolUseId(use.id()).content("ok").build()))).build());
            assertFalse(next.content().isEmpty(), streamed + " " + next);
            JsonNode turns = openai.take().body().path("messages");
            JsonNode call = turns.path(1).path("tool_calls").path(0);
            assertEquals("call_1", call.path("id").asText(), "the provider's own id: " + turns);
            assertEquals(FakeModelProvider.GEMINI_SIGNATURE, call.path("extra_content").path("google").path("thought_signature").asText(), turns.toString());
            assertEquals("call_1", turns.path(2).path("tool_call_id").asText(), turns.toString());
        }
    }

    /**
     * DeepSeek's thinking mode refuses a tool-using turn sent back without its reasoning ("Missing reasoning_content"),
     * which reached Claude Code as a thinking block and went back stripped; a strict server (Groq) refuses the field.
     */
    @Test
    void reasoningGoesBackToAServerThatNeedsItAndNoOther() throws Exception
    {
        drain();
        Tool bash = Tool.builder().name("Bash").inputSchema(Tool.InputSchema.builder().build()).build();
        MessageCreateParams first = MessageCreateParams.builder().model("ds4").maxTokens(1000).addUserMessage("Run it").addTool(bash)
            .putAdditionalHeader("X-Sluice-Cache", "no-store").build();
        Message answer = sdk.messages().create(first);
        assertEquals("The user wants 5 words back.", answer.content().get(0).asThinking().thinking(), answer.toString());
        assertEquals("", answer.content().get(0).asThinking().signature(), "unsigned: not Claude's");
        openai.take();
        ToolUseBlock use = answer.content().stream().filter(ContentBlock::isToolUse).findFirst().orElseThrow().asToolUse();
        for (String model : new String[] {"ds4", "groq"})
        {
            Message next = sdk.messages().create(first.toBuilder().model(model).addMessage(answer).addUserMessageOfContentBlockParams(List.of(
                ContentBlockParam.ofToolResult(ToolResultBlockParam.builder().toolUseId(use.id()).content("ok").build()))).build());
            assertFalse(next.content().isEmpty(), model);
            JsonNode turn = openai.take().body().path("messages").path(1);
            assertEquals("assistant", turn.path("role").asText());
            if (model.equals("ds4"))
            {
                assertEquals("The user wants 5 words back.", turn.path("reasoning_content").asText(), turn.toString());
            }
            else
            {
                assertFalse(turn.has("reasoning_content"), turn.toString());
            }
        }
    }

    /** A tool call whose arguments a server sends as a JSON object (llama.cpp's, in 2026) kept its input; it was {} before. */
    @Test
    void argumentsSentAsAnObjectAreTheToolsInput() throws Exception
    {
        MessageCreateParams params = MessageCreateParams.builder().model("llama").maxTokens(100).addUserMessage("Weather in Paris?")
            .addTool(Tool.builder().name("weather").inputSchema(Tool.InputSchema.builder().build()).build())
            .putAdditionalHeader("X-Sluice-Cache", "no-store").build();
        Message message = sdk.messages().create(params);
        assertEquals(JsonValue.from(Map.of("city", "Paris")), message.content().stream().filter(ContentBlock::isToolUse).findFirst().orElseThrow()
            .asToolUse()._input());
        MessageAccumulator accumulator = MessageAccumulator.create();
        try (StreamResponse<RawMessageStreamEvent> stream = sdk.messages().createStreaming(params))
        {
            stream.stream().forEach(accumulator::accumulate);
        }
        assertEquals(JsonValue.from(Map.of("city", "Paris")), accumulator.message().content().stream().filter(ContentBlock::isToolUse).findFirst()
            .orElseThrow().asToolUse()._input());
    }

    /**
     * Parallel tool calls from an OpenAI-style provider that interleaves them (vLLM, Qwen's servers) or reuses an index
     * (Ollama). The translation gave each delta to the block open at the time: the first call's last part went into the
     * second's block after the first had been closed, and a reused index's call merged into the one before.
     */
    @Test
    void parallelToolCallsInterleavedByTheProviderComeBackOneBlockEach() throws Exception
    {
        String body = """
            {"model": "gpt", "max_tokens": 100, "stream": true, "messages": [{"role": "user", "content": "Weather in three cities?"}],
             "tools": [{"name": "weather", "input_schema": {"type": "object"}}, {"name": "forecast", "input_schema": {"type": "object"}},
                       {"name": "alerts", "input_schema": {"type": "object"}}]}""";
        HttpResponse<String> raw = post("/v1/messages", KEY, body, "X-Sluice-Cache", "no-store");
        assertEquals(200, raw.statusCode(), raw.body());
        Map<Integer, String> state = new java.util.HashMap<>();
        Map<Integer, StringBuilder> inputs = new java.util.TreeMap<>();
        Map<Integer, String> names = new java.util.TreeMap<>();
        for (String line : raw.body().split("\n"))
        {
            if (!line.startsWith("data: "))
            {
                continue;
            }
            JsonNode event = JSON.readTree(line.substring(6));
            int index = event.path("index").asInt(-1);
            switch (event.path("type").asText())
            {
                case "content_block_start" ->
                {
                    assertEquals(null, state.put(index, "open"), "one start per block: " + raw.body());
                    names.put(index, event.path("content_block").path("name").asText());
                    inputs.put(index, new StringBuilder());
                }
                case "content_block_delta" ->
                {
                    assertEquals("open", state.get(index), "a delta only while its block is open: " + raw.body());
                    inputs.get(index).append(event.path("delta").path("partial_json").asText());
                }
                case "content_block_stop" -> assertEquals("open", state.put(index, "closed"), raw.body());
                default ->
                {
                }
            }
            if (event.path("type").asText().equals("content_block_start"))
            {
                assertFalse(state.entrySet().stream().anyMatch(other -> other.getKey() != index && other.getValue().equals("open")),
                    "one block open at a time: " + raw.body());
            }
        }
        assertEquals(List.of("weather", "forecast", "alerts"), List.copyOf(names.values()));
        assertEquals(List.of("{\"city\":\"Paris\"}", "{\"city\":\"Rome\"}", "{\"city\":\"Oslo\"}"),
            inputs.values().stream().map(StringBuilder::toString).toList());

        // Anthropic's SDK reads the same, and the answer the cache kept (one JSON answer made from the chunks) comes back the same.
        MessageCreateParams params = MessageCreateParams.builder().model("gpt").maxTokens(100).addUserMessage("Weather in three cities, cached?")
            .addTool(Tool.builder().name("weather").inputSchema(Tool.InputSchema.builder().build()).build())
            .addTool(Tool.builder().name("forecast").inputSchema(Tool.InputSchema.builder().build()).build())
            .addTool(Tool.builder().name("alerts").inputSchema(Tool.InputSchema.builder().build()).build()).build();
        for (String cache : new String[] {"ttl=60", "ttl=60"})
        {
            MessageAccumulator accumulator = MessageAccumulator.create();
            try (StreamResponse<RawMessageStreamEvent> stream = sdk.messages().createStreaming(params.toBuilder().putAdditionalHeader("X-Sluice-Cache", cache).build()))
            {
                stream.stream().forEach(accumulator::accumulate);
            }
            List<ToolUseBlock> uses = accumulator.message().content().stream().filter(ContentBlock::isToolUse).map(ContentBlock::asToolUse).toList();
            assertEquals(List.of("call_1", "call_2", "call_3"), uses.stream().map(ToolUseBlock::id).toList(), cache);
            assertEquals(List.of(JsonValue.from(Map.of("city", "Paris")), JsonValue.from(Map.of("city", "Rome")), JsonValue.from(Map.of("city", "Oslo"))),
                uses.stream().map(ToolUseBlock::_input).toList(), cache);
            Message whole = sdk.messages().create(params.toBuilder().putAdditionalHeader("X-Sluice-Cache", cache).build());
            assertEquals(3, whole.content().stream().filter(ContentBlock::isToolUse).count(), "from the cache, as JSON: " + whole);
            assertEquals(JsonValue.from(Map.of("city", "Oslo")), whole.content().get(2).asToolUse()._input());
        }
    }

    /**
     * Claude Code asks for extended thinking on every turn (budget 31999 in a capture of 2.1.197
     * with a Claude model name). The translation dropped it, so Claude answered without thinking,
     * and an earlier turn's thinking, which Claude needs back (signed) to continue tool use with
     * thinking, never reached it.
     */
    @Test
    void extendedThinkingReachesClaudeAndComesBackSignedToContinueATurn() throws Exception
    {
        drain();
        Tool bash = Tool.builder().name("Bash").inputSchema(Tool.InputSchema.builder().build()).build();
        MessageCreateParams params = MessageCreateParams.builder().model("claude").maxTokens(4000).enabledThinking(2048)
            .addUserMessage("Run it").addTool(bash).build();
        Message message = sdk.messages().create(params);
        assertTrue(message.content().get(0).isThinking(), message.toString());
        assertEquals("The user wants 5 words back.", message.content().get(0).asThinking().thinking());
        assertEquals(FakeModelProvider.SIGNATURE, message.content().get(0).asThinking().signature());
        assertTrue(message.content().get(2).isToolUse(), message.toString());
        // Named as asked: Claude Code sends thinking back only for answers of the model it asks for now.
        assertEquals("claude", message.model().asString(), "not the provider's claude-sonnet-20250101");
        assertEquals("msg_fake", message.id(), "Claude's id as Claude gave it");
        JsonNode asked = anthropic.take().body();
        assertEquals(JSON.readTree("{\"type\":\"enabled\",\"budget_tokens\":2048}"), asked.path("thinking"));

        // Streamed from the cache (the answer above cut into chunks), from Claude's stream, then the stream's answer from the cache.
        Message streamed = null;
        for (String cache : new String[] {"ttl=60", "no-cache"})
        {
            MessageAccumulator accumulator = MessageAccumulator.create();
            try (StreamResponse<RawMessageStreamEvent> stream = sdk.messages().createStreaming(params.toBuilder().putAdditionalHeader("X-Sluice-Cache", cache).build()))
            {
                stream.stream().forEach(accumulator::accumulate);
            }
            streamed = accumulator.message();
            assertEquals("The user wants 5 words back.", streamed.content().get(0).asThinking().thinking(), cache + " " + streamed);
            assertEquals(FakeModelProvider.SIGNATURE, streamed.content().get(0).asThinking().signature(), cache);
            assertEquals("claude", streamed.model().asString(), cache);
        }
        assertTrue(anthropic.take().body().path("stream").asBoolean(), "the second stream came from Claude");
        Message fromStream = sdk.messages().create(params);
        assertEquals("The user wants 5 words back.", fromStream.content().get(0).asThinking().thinking(), fromStream.toString());
        assertEquals(FakeModelProvider.SIGNATURE, fromStream.content().get(0).asThinking().signature());
        ToolUseBlock use = streamed.content().stream().filter(block -> block.isToolUse()).findFirst().orElseThrow().asToolUse();
        assertEquals("Bash", use.name(), streamed.toString());

        // The next request of the turn, as Claude Code sends it: the answer back, then the tool's result.
        MessageCreateParams next = params.toBuilder().addMessage(streamed).addUserMessageOfContentBlockParams(List.of(ContentBlockParam.ofToolResult(
            ToolResultBlockParam.builder().toolUseId(use.id()).content("hi").build()))).build();
        sdk.messages().create(next);
        JsonNode turn = anthropic.take().body().path("messages").path(1);
        assertEquals("assistant", turn.path("role").asText(), turn.toString());
        assertEquals("thinking", turn.path("content").path(0).path("type").asText(), turn.toString());
        assertEquals("The user wants 5 words back.", turn.path("content").path(0).path("thinking").asText());
        assertEquals(FakeModelProvider.SIGNATURE, turn.path("content").path(0).path("signature").asText());
        assertEquals("tool_use", turn.path("content").path(turn.path("content").size() - 1).path("type").asText(), turn.toString());

        // Other providers get neither the setting nor the earlier thinking (OpenAI refuses fields it does not know).
        sdk.messages().create(next.toBuilder().model("gpt").build());
        String toOpenAi = openai.take().body().toString();
        assertFalse(toOpenAi.contains("thinking") || toOpenAi.contains(FakeModelProvider.SIGNATURE), toOpenAi);
    }

    /** Before, Claude stopping at one of the client's stop sequences reached the client as end_turn with no sequence. */
    @Test
    void whichStopSequenceEndedClaudesAnswerReachesTheClient() throws Exception
    {
        MessageCreateParams params = params("claude", "Count").toBuilder().addStopSequence("DONE").addStopSequence("STOP").build();
        Message message = sdk.messages().create(params);
        assertEquals(StopReason.STOP_SEQUENCE, message.stopReason().orElseThrow(), message.toString());
        assertEquals("STOP", message.stopSequence().orElseThrow());
        for (String cache : new String[] {"ttl=60", "no-cache"})
        {
            // From the AI cache (the answer above cut into chunks), then from Claude's stream.
            MessageAccumulator accumulator = MessageAccumulator.create();
            try (StreamResponse<RawMessageStreamEvent> stream = sdk.messages().createStreaming(params.toBuilder().putAdditionalHeader("X-Sluice-Cache", cache).build()))
            {
                stream.stream().forEach(accumulator::accumulate);
            }
            assertEquals(StopReason.STOP_SEQUENCE, accumulator.message().stopReason().orElseThrow(), cache);
            assertEquals("STOP", accumulator.message().stopSequence().orElseThrow(), cache);
        }
        Message fromStream = sdk.messages().create(params);
        assertEquals("STOP", fromStream.stopSequence().orElseThrow(), "the stream's answer from the cache");
    }

    /** A reasoning model behind an OpenAI-style API (DeepSeek's reasoner) gives reasoning_content: an Anthropic client sees it as thinking. */
    @Test
    void anOpenAiStyleProvidersReasoningIsAThinkingBlock() throws Exception
    {
        Message message = sdk.messages().create(params("reasoner", "Say hi"));
        assertEquals("The user wants 5 words back.", message.content().get(0).asThinking().thinking(), message.toString());
        assertEquals("", message.content().get(0).asThinking().signature(), "unsigned: only Claude signs");
        assertEquals("Hello from openai: Say hi", message.content().get(1).asText().text());

        MessageAccumulator accumulator = MessageAccumulator.create();
        try (StreamResponse<RawMessageStreamEvent> stream = sdk.messages().createStreaming(params("reasoner", "Say hi")))
        {
            stream.stream().forEach(accumulator::accumulate);
        }
        Message streamed = accumulator.message();
        assertEquals("The user wants 5 words back.", streamed.content().get(0).asThinking().thinking(), streamed.toString());
        assertEquals("Hello from openai: Say hi", streamed.content().get(1).asText().text());

        // Sent back to Claude, an unsigned block would be refused: it is left out.
        drain();
        sdk.messages().create(params("claude", "Say hi").toBuilder().addMessage(streamed).addUserMessage("And again").build());
        String toClaude = anthropic.take().body().toString();
        assertFalse(toClaude.contains("The user wants"), toClaude);
    }

    /**
     * Anthropic's client tools (bash, text editor, computer use) are run by the client like any
     * tool, but their schema is Anthropic's: before, they were refused as server tools.
     */
    @Test
    void anthropicsClientToolsReachClaudeAsTheyAreAndNoOtherProvider() throws Exception
    {
        drain();
        String body = """
            {"model": "%s", "max_tokens": 50, "messages": [{"role": "user", "content": "Fix the file"}],
             "tools": [{"type": "text_editor_20250728", "name": "str_replace_based_edit_tool", "max_characters": 10000},
                       {"type": "bash_20250124", "name": "bash"}]}""";
        HttpResponse<String> edited = post("/v1/messages", KEY, body.formatted("claude"));
        assertEquals(200, edited.statusCode(), edited.body());
        JsonNode use = JSON.readTree(edited.body()).path("content").path(1);
        assertEquals("str_replace_based_edit_tool", use.path("name").asText(), edited.body());
        JsonNode tools = anthropic.take().body().path("tools");
        assertEquals(JSON.readTree("[{\"type\":\"text_editor_20250728\",\"name\":\"str_replace_based_edit_tool\",\"max_characters\":10000},"
            + "{\"type\":\"bash_20250124\",\"name\":\"bash\"}]"), tools);

        HttpResponse<String> elsewhere = post("/v1/messages", KEY, body.formatted("gpt"));
        assertEquals(400, elsewhere.statusCode(), elsewhere.body());
        assertTrue(elsewhere.body().contains("tools[1]") && elsewhere.body().contains("bash_20250124"), elsewhere.body());
        assertEquals(null, openai.poll(), "not sent to a provider that cannot know the tool");

        HttpResponse<String> server = post("/v1/messages", KEY, body.formatted("gpt").replace("bash_20250124", "web_search_20250305"));
        assertEquals(400, server.statusCode(), server.body());
        assertTrue(server.body().contains("web_search_20250305"), server.body());
    }

    /**
     * Claude Code's WebSearch asks, in a request of its own, for Anthropic's web search tool
     * and reads the search, its results and the citations from the stream. Before, Sluice refused
     * server tools with a 400, so WebSearch failed through it.
     */
    @Test
    void claudesWebSearchReachesTheClientAndGoesBackAsClaudeGaveIt() throws Exception
    {
        drain();
        // As Claude Code 2.1.197 sent it (captured): the tool alone, chosen, streamed.
        String asked = """
            {"model": "claude", "max_tokens": 32000, "stream": true, "thinking": {"type": "disabled"},
             "system": [{"type": "text", "text": "You are an assistant for performing a web search tool use"}],
             "messages": [{"role": "user", "content": [{"type": "text", "text": "Perform a web search for the query: sluice"}]}],
             "tools": [{"type": "web_search_20250305", "name": "web_search", "max_uses": 8}],
             "tool_choice": {"type": "tool", "name": "web_search"}}""";
        HttpResponse<String> streamed = post("/v1/messages", KEY, asked);
        assertEquals(200, streamed.statusCode(), streamed.body());
        JsonNode toClaude = anthropic.take().body();
        assertEquals(JSON.readTree("[{\"type\":\"web_search_20250305\",\"name\":\"web_search\",\"max_uses\":8}]"), toClaude.path("tools"));
        assertEquals(JSON.readTree("{\"type\":\"tool\",\"name\":\"web_search\"}"), toClaude.path("tool_choice"));
        List<JsonNode> events = new java.util.ArrayList<>();
        for (String line : streamed.body().split("\n"))
        {
            if (line.startsWith("data: "))
            {
                events.add(JSON.readTree(line.substring(6)));
            }
        }
        List<String> starts = events.stream().filter(e -> e.path("type").asText().equals("content_block_start"))
            .map(e -> e.path("index").asInt() + ":" + e.path("content_block").path("type").asText()).toList();
        assertEquals(List.of("0:text", "1:server_tool_use", "2:web_search_tool_result", "3:text", "4:text"), starts, streamed.body());
        String input = events.stream().filter(e -> e.path("index").asInt() == 1 && e.path("delta").path("type").asText().equals("input_json_delta"))
            .map(e -> e.path("delta").path("partial_json").asText()).reduce("", String::concat);
        assertEquals(JSON.readTree("{\"query\":\"Hello from anthropic: Perform a web search for the query: sluice\"}"), JSON.readTree(input));
        assertTrue(events.stream().anyMatch(e -> e.path("index").asInt() == 3 && e.path("delta").path("type").asText().equals("citations_delta")
            && e.path("delta").path("citation").path("url").asText().equals("https://sluice.example/about")), streamed.body());

        // The SDK reads the same stream into a message with the search, its result and the citation.
        MessageCreateParams params = MessageCreateParams.builder().model("claude").maxTokens(1000).addUserMessage("What is sluice?")
            .addTool(com.anthropic.models.messages.WebSearchTool20250305.builder().maxUses(8).build()).build();
        MessageAccumulator accumulator = MessageAccumulator.create();
        try (StreamResponse<RawMessageStreamEvent> stream = sdk.messages().createStreaming(params))
        {
            stream.stream().forEach(accumulator::accumulate);
        }
        Message message = accumulator.message();
        anthropic.take();
        assertEquals("web_search", message.content().get(1).asServerToolUse().name().asString(), message.toString());
        assertEquals(FakeModelProvider.SEARCH_CONTENT, message.content().get(2).asWebSearchToolResult().content().asResultBlocks().get(0).encryptedContent());
        assertEquals("Sluice is an API proxy", message.content().get(3).asText().text());
        assertEquals("https://sluice.example/about", message.content().get(3).asText().citations().orElseThrow().get(0).asWebSearchResultLocation().url());

        // Not streamed: the same blocks, and how many searches Claude made (billed apart from tokens).
        HttpResponse<String> plain = post("/v1/messages", KEY, asked.replace("\"stream\": true", "\"stream\": false"));
        JsonNode answer = JSON.readTree(plain.body());
        assertEquals(200, plain.statusCode(), plain.body());
        assertEquals("server_tool_use", answer.path("content").path(1).path("type").asText(), plain.body());
        assertEquals(FakeModelProvider.SEARCH_CONTENT, answer.path("content").path(2).path("content").path(0).path("encrypted_content").asText());
        assertEquals("EncryptedIndex==", answer.path("content").path(3).path("citations").path(0).path("encrypted_index").asText());
        assertEquals(1, answer.path("usage").path("server_tool_use").path("web_search_requests").asInt(), plain.body());
        anthropic.take();

        // Never from the AI cache: a search's results are of the moment.
        post("/v1/messages", KEY, asked.replace("\"stream\": true", "\"stream\": false"), "X-Sluice-Cache", "ttl=60");
        post("/v1/messages", KEY, asked.replace("\"stream\": true", "\"stream\": false"), "X-Sluice-Cache", "ttl=60");
        anthropic.take();
        anthropic.take();

        // The next turn: Claude gets the turn back as it gave it (it reads the results' encrypted content); another model its text.
        MessageCreateParams next = params.toBuilder().addMessage(message).addUserMessage("And who makes it?").build();
        sdk.messages().create(next);
        JsonNode turn = anthropic.take().body().path("messages").path(1);
        assertEquals("assistant", turn.path("role").asText(), turn.toString());
        assertEquals(List.of("text", "server_tool_use", "web_search_tool_result", "text", "text"),
            java.util.stream.StreamSupport.stream(turn.path("content").spliterator(), false).map(b -> b.path("type").asText()).toList(), turn.toString());
        assertEquals(FakeModelProvider.SEARCH_CONTENT, turn.path("content").path(2).path("content").path(0).path("encrypted_content").asText(), turn.toString());
        assertEquals("EncryptedIndex==", turn.path("content").path(3).path("citations").path(0).path("encrypted_index").asText(), turn.toString());
        sdk.messages().create(MessageCreateParams.builder().model("gpt").maxTokens(100).messages(next.messages()).build());
        JsonNode toOpenAi = openai.take().body().path("messages").path(1);
        assertEquals("Let me search.Sluice is an API proxy, by the look of it.", toOpenAi.path("content").asText(), toOpenAi.toString());
        assertFalse(toOpenAi.toString().contains(FakeModelProvider.SEARCH_CONTENT), toOpenAi.toString());
    }

    /**
     * A document or search result given with citations enabled reaches Claude as the client gave
     * it, and Claude's citations of it come back, streamed or not. Before, documents crossed as
     * plain parts (Claude was never asked to cite) and search results were refused.
     */
    @Test
    void documentsAndSearchResultsClaudeIsToCiteReachItWhole() throws Exception
    {
        drain();
        String body = """
            {"model": "%s", "max_tokens": 200, %s "messages": [{"role": "user", "content": [
              {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "Sluice is cited."},
               "title": "Notes", "context": "internal", "citations": {"enabled": true}},
              {"type": "search_result", "source": "https://kb.example/1", "title": "KB", "content": [{"type": "text", "text": "A gateway."}],
               "citations": {"enabled": true}},
              {"type": "text", "text": "What is Sluice?"}]}]}""";
        HttpResponse<String> plain = post("/v1/messages", KEY, body.formatted("claude", ""));
        assertEquals(200, plain.statusCode(), plain.body());
        JsonNode sent = JSON.readTree(body.formatted("claude", "")).path("messages").path(0).path("content");
        JsonNode received = anthropic.take().body().path("messages").path(0).path("content");
        assertEquals(sent.path(0), received.path(0), "the document as given: " + received);
        assertEquals(sent.path(1), received.path(1), "the search result as given: " + received);
        JsonNode answer = JSON.readTree(plain.body()).path("content");
        assertEquals("char_location", answer.path(1).path("citations").path(0).path("type").asText(), plain.body());

        MessageAccumulator accumulator = MessageAccumulator.create();
        HttpResponse<String> streamed = post("/v1/messages", KEY, body.formatted("claude", "\"stream\": true,"));
        anthropic.take();
        List<JsonNode> events = new java.util.ArrayList<>();
        for (String line : streamed.body().split("\n"))
        {
            if (line.startsWith("data: "))
            {
                events.add(JSON.readTree(line.substring(6)));
            }
        }
        assertTrue(events.stream().anyMatch(e -> e.path("index").asInt() == 1 && e.path("delta").path("type").asText().equals("citations_delta")),
            "the citation on the text it belongs to, a block of its own: " + streamed.body());

        HttpResponse<String> elsewhere = post("/v1/messages", KEY, body.formatted("gpt", ""));
        assertEquals(200, elsewhere.statusCode(), elsewhere.body());
        String toOpenAi = openai.take().body().toString();
        assertTrue(toOpenAi.contains("Sluice is cited.") && toOpenAi.contains("A gateway."), toOpenAi);
        assertFalse(toOpenAi.contains("anthropic_block") || toOpenAi.contains("citations"), toOpenAi);

        // As a RAG tool returns them: search results in a tool result.
        String fromTool = """
            {"model": "%s", "max_tokens": 200, "messages": [{"role": "user", "content": "What is Sluice?"},
              {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_kb", "name": "kb", "input": {"q": "sluice"}}]},
              {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_kb", "content": [
                {"type": "search_result", "source": "https://kb.example/1", "title": "KB", "content": [{"type": "text", "text": "A gateway."}],
                 "citations": {"enabled": true}}]}]}]}""";
        HttpResponse<String> cited = post("/v1/messages", KEY, fromTool.formatted("claude"));
        assertEquals(200, cited.statusCode(), cited.body());
        JsonNode result = anthropic.take().body().path("messages").path(2).path("content").path(0);
        assertEquals(JSON.readTree(fromTool.formatted("claude")).path("messages").path(2).path("content").path(0).path("content"), result.path("content"),
            "the search results as given: " + result);
        assertEquals("search_result_location", JSON.readTree(cited.body()).path("content").path(1).path("citations").path(0).path("type").asText(),
            cited.body());
        assertEquals(200, post("/v1/messages", KEY, fromTool.formatted("gpt")).statusCode());
        JsonNode toolMessage = openai.take().body().path("messages").path(2);
        assertEquals("KB\nhttps://kb.example/1\n\nA gateway.", toolMessage.path("content").asText(), toolMessage.toString());
    }

    /**
     * Claude pauses a long server-tool turn ({@code pause_turn}); the client continues it by
     * sending the answer back. Before, the chat form's "stop" reached the client as
     * {@code end_turn}, and the turn ended unfinished.
     */
    @Test
    void aPausedTurnReachesTheClientAsPaused() throws Exception
    {
        MessageCreateParams params = MessageCreateParams.builder().model("claude").maxTokens(1000).addUserMessage("Search long PAUSE")
            .addTool(com.anthropic.models.messages.WebSearchTool20250305.builder().build()).build();
        assertEquals(StopReason.PAUSE_TURN, sdk.messages().create(params).stopReason().orElseThrow());
        MessageAccumulator accumulator = MessageAccumulator.create();
        try (StreamResponse<RawMessageStreamEvent> stream = sdk.messages().createStreaming(params))
        {
            stream.stream().forEach(accumulator::accumulate);
        }
        assertEquals(StopReason.PAUSE_TURN, accumulator.message().stopReason().orElseThrow());
        HttpResponse<String> chat = HttpClient.newHttpClient().send(HttpRequest.newBuilder(sluice.uri("/v1/chat/completions"))
            .header("Authorization", "Bearer " + KEY).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                "{\"model\":\"claude\",\"messages\":[{\"role\":\"user\",\"content\":\"PAUSE\"}]}")).build(), HttpResponse.BodyHandlers.ofString());
        JsonNode choice = JSON.readTree(chat.body()).path("choices").path(0);
        assertEquals("stop", choice.path("finish_reason").asText(), chat.body());
        assertEquals("pause_turn", choice.path("stop_reason").asText(), "kept for clients that know it: " + chat.body());
    }

    /**
     * Anthropic's code execution runs in a container whose id the answer gives; a client names
     * it in its next request to keep its files there. Before, the tool was refused as a server
     * tool, and neither the answer's container nor the request's reached the other side.
     */
    @Test
    void codeExecutionsContainerComesBackAndGoesToClaudeNamed() throws Exception
    {
        drain();
        MessageCreateParams params = MessageCreateParams.builder().model("claude").maxTokens(1000).addUserMessage("Run echo hi")
            .addTool(com.anthropic.models.messages.CodeExecutionTool20250825.builder().build()).build();
        Message plain = sdk.messages().create(params);
        assertEquals(FakeModelProvider.CONTAINER, plain.container().orElseThrow().id(), plain.toString());
        assertTrue(plain.content().get(2).isBashCodeExecutionToolResult(), plain.toString());
        assertEquals("code_execution_20250825", anthropic.take().body().path("tools").path(0).path("type").asText());

        MessageAccumulator accumulator = MessageAccumulator.create();
        try (StreamResponse<RawMessageStreamEvent> stream = sdk.messages().createStreaming(params))
        {
            stream.stream().forEach(accumulator::accumulate);
        }
        Message streamed = accumulator.message();
        anthropic.take();
        assertEquals(FakeModelProvider.CONTAINER, streamed.container().orElseThrow().id(), streamed.toString());
        assertEquals("hi\n", streamed.content().get(2).asBashCodeExecutionToolResult().content().asBashCodeExecutionResultBlock().stdout());

        // The next request names the container (and the MCP connector's servers reach Claude as sent).
        sdk.messages().create(params.toBuilder().addMessage(streamed).addUserMessage("And again").container(streamed.container().orElseThrow().id())
            .putAdditionalBodyProperty("mcp_servers", JsonValue.from(List.of(Map.of("type", "url", "url", "https://mcp.example/sse", "name", "example")))).build());
        JsonNode next = anthropic.take().body();
        assertEquals(FakeModelProvider.CONTAINER, next.path("container").asText(), next.toString());
        assertEquals("https://mcp.example/sse", next.path("mcp_servers").path(0).path("url").asText(), next.toString());
        assertEquals("bash_code_execution_tool_result", next.path("messages").path(1).path("content").path(2).path("type").asText(), next.toString());

        HttpResponse<String> bad = post("/v1/messages", KEY, "{\"model\":\"claude\",\"max_tokens\":10,\"container\":5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
        assertEquals(400, bad.statusCode(), bad.body());
        assertTrue(bad.body().contains("container: Input should be a container id or a valid dictionary"), bad.body());
    }

    @Test
    void errorsComeInAnthropicsShapeAndTheSdkRaisesTheRightException() throws Exception
    {
        assertThrows(NotFoundException.class, () -> sdk.messages().create(params("no-such-model", "x")));
        sdk.messages().create(params("once", "first"));
        RateLimitException limited = assertThrows(RateLimitException.class, () -> sdk.messages().create(params("once", "second")));
        assertTrue(limited.getMessage().contains("limit 'once'"), limited.getMessage());

        HttpResponse<String> missing = post("/v1/messages", KEY,
                "{\"model\":\"gpt\",\"messages\":[{\"role\":\"user\",\"content\":\"no max_tokens\"}]}");
        assertEquals(400, missing.statusCode());
        JsonNode error = JSON.readTree(missing.body());
        assertEquals("error", error.path("type").asText());
        assertEquals("invalid_request_error", error.path("error").path("type").asText());
        assertTrue(error.path("error").path("message").asText().contains("max_tokens"), missing.body());
        assertEquals(Integer.toString(missing.body().getBytes(StandardCharsets.UTF_8).length), missing.headers().firstValue("Content-Length").orElseThrow());

        // Malformed tools and fields of Anthropic's own, each named as Anthropic's API names it; before, the tools were ignored or sent on nameless.
        for (String[] bad : new String[][] {{"\"tools\":\"weather\"", "tools:"}, {"\"tools\":[5]", "tools.0.name:"},
            {"\"tools\":[{\"description\":\"no name\"}]", "tools.0.name:"}, {"\"tool_choice\":\"auto\"", "tool_choice:"},
            {"\"thinking\":\"enabled\"", "thinking:"}, {"\"top_k\":-1", "top_k:"}, {"\"context_management\":[]", "context_management:"}, {"\"output_config\":\"high\"", "output_config:"}})
        {
            HttpResponse<String> refused = post("/v1/messages", KEY,
                    "{\"model\":\"gpt\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]," + bad[0] + "}");
            assertEquals(400, refused.statusCode(), bad[0] + ": " + refused.body());
            assertTrue(JSON.readTree(refused.body()).path("error").path("message").asText().startsWith(bad[1]), refused.body());
        }

        // Refused by authentication, before the AI front: still in Anthropic's shape.
        HttpResponse<String> stranger401 = post("/v1/messages", "wrong-key-0123456789",
                "{\"model\":\"gpt\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertEquals(401, stranger401.statusCode());
        assertEquals("application/json", stranger401.headers().firstValue("Content-Type").orElse("").split(";")[0]);
        JsonNode refusal = JSON.readTree(stranger401.body());
        assertEquals("error", refusal.path("type").asText(), stranger401.body());
        assertEquals("authentication_error", refusal.path("error").path("type").asText(), stranger401.body());
        assertEquals("The API key is not valid.", refusal.path("error").path("message").asText(), stranger401.body());
        AnthropicClient stranger = AnthropicOkHttpClient.builder().baseUrl(sluice.uri("/").toString()).apiKey("wrong-key-0123456789")
            .maxRetries(0).build();
        try
        {
            com.anthropic.errors.UnauthorizedException refused = assertThrows(com.anthropic.errors.UnauthorizedException.class,
                () -> stranger.messages().create(params("gpt", "x")));
            assertTrue(refused.getMessage().contains("The API key is not valid."), refused.getMessage());
        }
        finally
        {
            stranger.close();
        }
    }

    /**
     * Claude Code asks {@code /v1/messages/count_tokens} before each turn to decide when to
     * compact the conversation; before, Sluice answered it 404.
     */
    @Test
    void tokensAreCountedByAnAnthropicProviderAndEstimatedForOthers() throws Exception
    {
        drain();
        int openaiBefore = openai.count();
        com.anthropic.models.messages.MessageCountTokensParams params = com.anthropic.models.messages.MessageCountTokensParams.builder()
            .model("claude").system("Be brief.").addUserMessage("How many tokens is this?").build();
        long counted = sdk.messages().countTokens(params).inputTokens();
        FakeModelProvider.Received asked = anthropic.take();
        assertEquals("/v1/messages/count_tokens", asked.path());
        assertEquals("claude-sonnet", asked.body().path("model").asText(), "the alias's model, as for a message");
        assertEquals("ant-provider-secret", asked.headers().get("x-api-key"));
        assertEquals(FakeModelProvider.counted(asked.body()), counted, "the provider's own count");

        HttpResponse<String> estimated = post("/v1/messages/count_tokens?beta=true", KEY,
                "{\"model\":\"gpt\",\"messages\":[{\"role\":\"user\",\"content\":\"How many tokens is this?\"}]}");
        assertEquals(200, estimated.statusCode(), estimated.body());
        assertEquals("true", estimated.headers().firstValue("X-Sluice-AI-Estimated").orElse(null));
        long tokens = JSON.readTree(estimated.body()).path("input_tokens").asLong();
        assertTrue(tokens > 5 && tokens < 50, estimated.body());
        assertEquals(openaiBefore, openai.count(), "an estimate asks no provider");

        assertThrows(NotFoundException.class, () -> sdk.messages().countTokens(com.anthropic.models.messages.MessageCountTokensParams.builder()
            .model("no-such-model").addUserMessage("x").build()));
    }

    @Test
    void theCacheAnswersAnAnthropicClientToo() throws Exception
    {
        Message first = sdk.messages().create(params("gpt", "cache me"));
        HttpResponse<String> second = post("/v1/messages", KEY,
                "{\"model\":\"gpt\",\"max_tokens\":100,\"system\":\"Be brief.\",\"messages\":[{\"role\":\"user\",\"content\":\"cache me\"}]}");
        assertEquals("HIT", second.headers().firstValue("X-Cache-Status").orElseThrow());
        JsonNode replay = JSON.readTree(second.body());
        assertEquals("message", replay.path("type").asText());
        assertEquals(first.content().get(0).asText().text(), replay.path("content").path(0).path("text").asText());
    }
}
