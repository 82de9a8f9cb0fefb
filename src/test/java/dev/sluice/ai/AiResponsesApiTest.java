// OpenAI's Responses API in front: the official OpenAI SDK's responses calls against Sluice, answered by OpenAI-style and Anthropic providers.
package dev.sluice.ai;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.helpers.ResponseAccumulator;
import com.openai.models.responses.CustomTool;
import com.openai.models.responses.FunctionTool;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseCustomToolCall;
import com.openai.models.responses.ResponseFunctionToolCall;
import com.openai.models.responses.ResponseOutputItem;
import com.openai.models.responses.ResponseStatus;
import com.openai.models.responses.ResponseStreamEvent;
import dev.sluice.testing.FakeModelProvider;
import dev.sluice.testing.FakeModelProvider.Fault;
import dev.sluice.testing.KeyHashes;
import dev.sluice.testing.ScriptedUpstream;
import dev.sluice.testing.SluiceUnderTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AiResponsesApiTest
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "codex-key-0123456789abcdef";
    private static final String OTHER_KEY = "other-key-0123456789abcdef";
    private static FakeModelProvider openai;
    private static FakeModelProvider anthropic;
    /** A provider whose answer is cut by the token limit. */
    private static ScriptedUpstream truncating;
    private static SluiceUnderTest sluice;
    private static OpenAIClient sdk;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception
    {
        openai = FakeModelProvider.start("openai");
        anthropic = FakeModelProvider.start("anthropic");
        truncating = new ScriptedUpstream();
        String cut = "{\"id\":\"chatcmpl-cut\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"cut-1\",\"choices\":[{\"index\":0,"
            + "\"message\":{\"role\":\"assistant\",\"content\":\"Once upon a\"},\"finish_reason\":\"length\"}],"
            + "\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":3,\"total_tokens\":12}}";
        truncating.script("/v1/chat/completions", "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: "
            + cut.length() + "\r\n\r\n" + cut);
        sluice = SluiceUnderTest.start("""
            consumer.dev.api-key.main = sha256:%s
            consumer.other.api-key.main = sha256:%s
            route.ai.path = /v1
            route.ai.ai = on
            route.ai.auth = api-key
            ai.provider.oa.type = openai-compatible
            ai.provider.oa.base-url = %s/v1
            ai.provider.an.type = anthropic
            ai.provider.an.base-url = %s
            ai.provider.an.api-key = ant-provider-secret
            ai.provider.cut.type = openai-compatible
            ai.provider.cut.base-url = %s/v1
            ai.model.gpt.target.main.provider = oa
            ai.model.gpt.target.main.model = gpt-4o-mini
            ai.model.claude.target.main.provider = an
            ai.model.claude.target.main.model = claude-sonnet
            ai.provider.cached.type = anthropic
            ai.provider.cached.base-url = %4$s
            ai.provider.cached.api-key = ant-provider-secret
            ai.provider.cached.prompt-cache = auto
            ai.model.cached-claude.target.main.provider = cached
            ai.model.cached-claude.target.main.model = claude-sonnet
            ai.model.thinker.target.main.provider = an
            ai.model.thinker.target.main.model = claude-sonnet
            ai.model.thinker.target.main.max-tokens = 8000
            ai.model.reasoner.target.main.provider = oa
            ai.model.reasoner.target.main.model = deepseek-reasoner
            ai.provider.ds.type = openai-compatible
            ai.provider.ds.base-url = %3$s/v1
            ai.provider.ds.reasoning-history = on
            ai.provider.ds.drop-fields = prompt_cache_key, service_tier
            ai.model.gemini3.target.main.provider = oa
            ai.model.gemini3.target.main.model = gemini-3-pro
            ai.model.ds4.target.main.provider = ds
            ai.model.ds4.target.main.model = deepseek-v4-pro
            ai.model.llama.target.main.provider = oa
            ai.model.llama.target.main.model = llama-server
            ai.model.cut.target.main.provider = cut
            ai.model.cut.target.main.model = cut-1
            ai.model.coder.target.main.provider = oa
            ai.model.coder.target.main.model = gpt-5.3-codex
            ai.model.coder.target.main.api = responses
            ai.model.coder.target.main.reasoning-efforts = low, medium, high, xhigh
            ai.model.coder2.target.main.provider = oa
            ai.model.coder2.target.main.model = gpt-5.2-codex
            ai.model.coder2.target.main.api = responses
            ai.model.coder2.target.main.reasoning-efforts = low, medium, high, xhigh
            ai.model.coder.prepend = [{"role": "system", "content": "Work in the sandbox."}]
            ai.model.coder2.prepend = [{"role": "system", "content": "Work in the sandbox."}]
            """.formatted(KeyHashes.sha256(KEY), KeyHashes.sha256(OTHER_KEY), openai.uri(), anthropic.uri(), truncating.url()));
        sdk = OpenAIOkHttpClient.builder().baseUrl(sluice.uri("/v1").toString()).apiKey(KEY).maxRetries(0).build();
    }

    @AfterAll
    static void stop() throws Exception
    {
        sdk.close();
        sluice.close();
        openai.close();
        anthropic.close();
        truncating.close();
    }

    private static void drain()
    {
        while (openai.poll() != null || anthropic.poll() != null)
        {
            // forget what earlier tests left
        }
    }

    private static ResponseCreateParams params(String model, String question)
    {
        return ResponseCreateParams.builder().model(model).instructions("Be brief.").input(question).maxOutputTokens(100).build();
    }

    private static String text(Response response)
    {
        return response.output().get(0).asMessage().content().get(0).asOutputText().text();
    }

    private static HttpResponse<String> post(String path, String body) throws Exception
    {
        return post(path, body, KEY);
    }

    private static HttpResponse<String> post(String path, String body, String key) throws Exception
    {
        return HTTP.send(HttpRequest.newBuilder(sluice.uri(path)).header("Authorization", "Bearer " + key)
            .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theSdksResponsesCallIsAnsweredByAnyProvider() throws Exception
    {
        drain();
        for (String model : new String[] {"gpt", "claude"})
        {
            Response response = sdk.responses().create(params(model, "Say hi"));
            String provider = model.equals("gpt") ? "openai" : "anthropic";
            assertEquals("Hello from " + provider + ": Say hi", text(response));
            assertEquals(ResponseStatus.COMPLETED, response.status().orElseThrow());
            assertEquals(5, response.usage().orElseThrow().outputTokens());
            assertTrue(response.id().matches("resp_[0-9a-f]{32}"), response.id());
            assertFalse(response.id().equals(sdk.responses().create(params(model, "Say hi")).id()), "each answer its own id");
            assertEquals(100L, response.maxOutputTokens().orElseThrow(), "the request echoed, as OpenAI's are");
            assertEquals("Be brief.", response.instructions().orElseThrow().asString());
        }
        JsonNode sent = openai.take().body();
        assertEquals("gpt-4o-mini", sent.path("model").asText());
        assertEquals("system", sent.path("messages").path(0).path("role").asText());
        assertEquals("Be brief.", sent.path("messages").path(0).path("content").asText());
        assertEquals("Say hi", sent.path("messages").path(1).path("content").asText());
        assertEquals(100, sent.path("max_tokens").asInt(), "the name every OpenAI-compatible server knows");
        JsonNode toAnthropic = anthropic.take().body();
        assertEquals("Be brief.", toAnthropic.path("system").asText());
        assertEquals(100, toAnthropic.path("max_tokens").asInt());
    }

    /** The typed answer asked for below; the OpenAI SDK makes its strict JSON Schema from the class. */
    public static class Capital
    {
        public String country;
        public String city;
        public long population;
    }

    /**
     * A Responses client's typed answer ({@code text.format} with a JSON Schema: the SDK's
     * {@code text(Class)}, the Agents SDK's {@code outputType}) from any provider: the chat form's
     * {@code response_format} to an OpenAI-style one, Claude's {@code output_config.format} to
     * Claude (a 400 before), parsed by the SDK from the message's text.
     */
    @Test
    void aStructuredAnswerComesFromAnyProvider() throws Exception
    {
        drain();
        for (String model : new String[] {"gpt", "claude"})
        {
            com.openai.models.responses.StructuredResponse<Capital> answer = sdk.responses().create(ResponseCreateParams.builder()
                .model(model).input("The capital of France?").text(Capital.class).build());
            Capital capital = answer.output().stream().flatMap(item -> item.message().stream())
                .flatMap(message -> message.content().stream()).flatMap(content -> content.outputText().stream()).findFirst().orElseThrow();
            assertEquals("Paris", capital.city, model);
            assertEquals(7, capital.population, model);
        }
        JsonNode toOpenAi = openai.take().body().path("response_format");
        assertEquals("json_schema", toOpenAi.path("type").asText(), toOpenAi.toString());
        assertTrue(toOpenAi.path("json_schema").path("strict").asBoolean(), toOpenAi.toString());
        JsonNode toClaude = anthropic.take().body();
        assertFalse(toClaude.has("response_format"), toClaude.toString());
        assertEquals(toOpenAi.path("json_schema").path("schema").path("properties").size(),
            toClaude.path("output_config").path("format").path("schema").path("properties").size(), toClaude.toString());
    }

    @Test
    void aStreamComesAsTheResponsesApisEventsInOrder() throws Exception
    {
        for (String model : new String[] {"gpt", "claude"})
        {
            ResponseAccumulator accumulator = ResponseAccumulator.create();
            List<String> types = new ArrayList<>();
            List<Long> sequence = new ArrayList<>();
            StringBuilder deltas = new StringBuilder();
            try (StreamResponse<ResponseStreamEvent> stream = sdk.responses().createStreaming(params(model, "Stream " + model)))
            {
                stream.stream().forEach(event ->
                {
                    accumulator.accumulate(event);
                    JsonNode raw = JSON.valueToTree(event);
                    types.add(raw.path("type").asText());
                    sequence.add(raw.path("sequence_number").asLong(-1));
                    event.outputTextDelta().ifPresent(delta -> deltas.append(delta.delta()));
                });
            }
            String provider = model.equals("gpt") ? "openai" : "anthropic";
            Response streamed = accumulator.response();
            assertEquals("Hello from " + provider + ": Stream " + model, text(streamed));
            assertEquals(text(streamed), deltas.toString(), "the deltas add up to the text");
            assertEquals(ResponseStatus.COMPLETED, streamed.status().orElseThrow());
            assertEquals(5, streamed.usage().orElseThrow().outputTokens(), model);
            assertEquals(List.of("response.created", "response.in_progress", "response.output_item.added", "response.content_part.added"),
                types.subList(0, 4), types.toString());
            assertEquals(List.of("response.output_text.done", "response.content_part.done", "response.output_item.done", "response.completed"),
                types.subList(types.size() - 4, types.size()), types.toString());
            for (int i = 0; i < sequence.size(); i++)
            {
                assertEquals(i, sequence.get(i), "sequence numbers count up from 0: " + sequence);
            }
        }
    }

    @Test
    void functionToolsComeBackAsFunctionCallsAndTheirOutputsGoToTheNextTurn() throws Exception
    {
        drain();
        FunctionTool weather = FunctionTool.builder().name("weather").description("The weather in a city").strict(false)
            .parameters(FunctionTool.Parameters.builder().putAdditionalProperty("type", JsonValue.from("object"))
                .putAdditionalProperty("properties", JsonValue.from(Map.of("city", Map.of("type", "string")))).build()).build();
        ResponseCreateParams params = ResponseCreateParams.builder().model("gpt").input("Weather in Paris?").addTool(weather).build();
        Response response = sdk.responses().create(params);
        ResponseFunctionToolCall call = response.output().stream().filter(item -> item.isFunctionCall()).findFirst().orElseThrow().asFunctionCall();
        assertEquals("weather", call.name());
        assertEquals("call_1", call.callId());
        assertEquals(Map.of("city", "Paris"), JSON.readValue(call.arguments(), Map.class));
        JsonNode tool = openai.take().body().path("tools").path(0);
        assertEquals("function", tool.path("type").asText());
        assertEquals("weather", tool.path("function").path("name").asText(), "the flat tool nested as the chat form wants");
        assertEquals("string", tool.path("function").path("parameters").path("properties").path("city").path("type").asText());

        ResponseAccumulator accumulator = ResponseAccumulator.create();
        try (StreamResponse<ResponseStreamEvent> stream = sdk.responses().createStreaming(params.toBuilder().model("claude").build()))
        {
            stream.stream().forEach(accumulator::accumulate);
        }
        ResponseFunctionToolCall streamed = accumulator.response().output().stream().filter(item -> item.isFunctionCall()).findFirst()
            .orElseThrow().asFunctionCall();
        assertEquals("weather", streamed.name());
        assertEquals(Map.of("city", "Paris"), JSON.readValue(streamed.arguments(), Map.class));

        // The next turn as Codex sends it: the whole conversation, the call and its output as items.
        HttpResponse<String> next = post("/v1/responses", """
            {"model": "gpt", "store": false, "input": [
              {"type": "message", "role": "developer", "content": [{"type": "input_text", "text": "Use tools."}]},
              {"role": "user", "content": "Weather in Paris?"},
              {"type": "reasoning", "id": "rs_1", "summary": []},
              {"type": "function_call", "call_id": "call_1", "name": "weather", "arguments": "{\\"city\\":\\"Paris\\"}"},
              {"type": "function_call_output", "call_id": "call_1", "output": "18 C, sunny"}
            ]}""");
        assertEquals(200, next.statusCode(), next.body());
        JsonNode turns = openai.take().body().path("messages");
        assertEquals(4, turns.size(), turns.toString());
        assertEquals("system", turns.path(0).path("role").asText());
        assertEquals("Use tools.", turns.path(0).path("content").asText());
        assertEquals("assistant", turns.path(2).path("role").asText());
        assertEquals("call_1", turns.path(2).path("tool_calls").path(0).path("id").asText());
        assertEquals("weather", turns.path(2).path("tool_calls").path(0).path("function").path("name").asText());
        assertEquals("tool", turns.path(3).path("role").asText());
        assertEquals("call_1", turns.path(3).path("tool_call_id").asText());
        assertEquals("18 C, sunny", turns.path(3).path("content").asText());
        assertEquals(false, JSON.readTree(next.body()).path("store").asBoolean(true), "Sluice says it stored nothing");
    }

    /**
     * Codex's own models (gpt-5.3-codex) are served only by the Responses API: a target marked {@code api = responses} (here
     * an OpenAI-compatible server's, so its reasoning efforts are said too) is asked through it (the request and answer pass through the chat form the front works in). Codex's call, its output and
     * the model's reasoning summary reach each side; before, the provider answered 404 to the chat request.
     */
    @Test
    void aCodexModelIsAskedThroughTheResponsesApi() throws Exception
    {
        // Through the chat form: Sluice adds to the prompt of these aliases (a request that goes as it came is
        // AiResponsesRelayTest's).
        drain();
        FunctionTool shell = FunctionTool.builder().name("exec_command").description("Runs a command").strict(false)
            .parameters(FunctionTool.Parameters.builder().putAdditionalProperty("type", JsonValue.from("object"))
                .putAdditionalProperty("properties", JsonValue.from(Map.of("cmd", Map.of("type", "string")))).build()).build();
        ResponseCreateParams params = ResponseCreateParams.builder().model("coder").input("List the files").addTool(shell)
            .reasoning(com.openai.models.Reasoning.builder().effort(com.openai.models.ReasoningEffort.of("xhigh")).build()).build();
        ResponseAccumulator accumulator = ResponseAccumulator.create();
        try (StreamResponse<ResponseStreamEvent> stream = sdk.responses().createStreaming(params))
        {
            stream.stream().forEach(accumulator::accumulate);
        }
        ResponseFunctionToolCall call = accumulator.response().output().stream().filter(item -> item.isFunctionCall()).findFirst()
            .orElseThrow().asFunctionCall();
        assertEquals("exec_command", call.name());
        assertEquals("call_r1", call.callId());
        assertEquals("Thinking it over.", accumulator.response().output().get(0).asReasoning().content().orElseThrow().get(0).text());
        FakeModelProvider.Received asked = openai.take();
        assertEquals("/v1/responses", asked.path());
        assertEquals("xhigh", asked.body().path("reasoning").path("effort").asText(), asked.body().toString());
        assertEquals("exec_command", asked.body().path("tools").path(0).path("name").asText());
        assertEquals("[\"reasoning.encrypted_content\"]", asked.body().path("include").toString(), "a reasoning model's reasoning, to give back");
        String sealed = accumulator.response().output().get(0).asReasoning().encryptedContent().orElseThrow();
        assertTrue(sealed.startsWith("sluice.openai."), sealed);

        // The next turn as Codex sends it: its history with the reasoning item, the call and its output. The model's own
        // reasoning goes back before its call (the fake provider counts what it was given back: "enc:1").
        String next = """
            {"model": "coder", "store": false, "stream": %s, "include": ["reasoning.encrypted_content"], "input": [
              {"role": "user", "content": "List the files"},
              {"type": "reasoning", "id": "rs_sluice", "summary": [], "encrypted_content": "%s"},
              {"type": "function_call", "call_id": "call_r1", "name": "exec_command", "arguments": "{\\"cmd\\":\\"ls\\"}"},
              {"type": "function_call_output", "call_id": "call_r1", "output": "README.md"}
            ]}""";
        HttpResponse<String> answered = post("/v1/responses", next.formatted(false, sealed));
        assertEquals(200, answered.statusCode(), answered.body());
        JsonNode answer = JSON.readTree(answered.body());
        assertEquals("Hello from openai: List the files", answer.path("output").path(1).path("content").path(0).path("text").asText(), answered.body());
        String again = answer.path("output").path(0).path("encrypted_content").asText();
        assertEquals("enc:1", JSON.readTree(java.util.Base64.getUrlDecoder().decode(again.substring("sluice.openai.".length())))
            .path("encrypted_content").asText(), answered.body());
        JsonNode input = openai.take().body().path("input");
        assertEquals("system", input.path(0).path("role").asText(), "the alias's own system message first: " + input);
        assertEquals("{\"type\":\"reasoning\",\"id\":\"rs_1\",\"summary\":[],\"encrypted_content\":\"enc:0\"}", input.path(2).toString(),
            "OpenAI's own item, its id too: " + input);
        assertEquals("function_call", input.path(3).path("type").asText(), input.toString());
        assertEquals("{\"type\":\"function_call_output\",\"call_id\":\"call_r1\",\"output\":\"README.md\"}", input.path(4).toString());

        HttpResponse<String> streamed = post("/v1/responses", next.formatted(true, sealed));
        assertEquals(200, streamed.statusCode(), streamed.body());
        assertTrue(streamed.body().contains("\"encrypted_content\":\"sluice.openai."), streamed.body());
        assertEquals("enc:0", openai.take().body().path("input").path(2).path("encrypted_content").asText());

        // Another model cannot read it (OpenAI refuses reasoning it cannot decrypt): a switch of model goes on without it.
        HttpResponse<String> switched = post("/v1/responses", next.replace("\"coder\"", "\"coder2\"").formatted(false, sealed));
        assertEquals(200, switched.statusCode(), switched.body());
        JsonNode other = openai.take().body().path("input");
        assertEquals("function_call", other.path(2).path("type").asText(), "no reasoning item: " + other);
    }

    /**
     * Codex offers apply_patch as a custom (freeform) tool to the gpt-5 models, and runs it only
     * from a {@code custom_tool_call}; before, the tool was left out and the model could not edit.
     */
    @Test
    void customToolsComeBackAsCustomToolCallsAndGoToTheProviderAsFunctionsOfOneString() throws Exception
    {
        drain();
        String tools = """
            "tools": [{"type": "custom", "name": "apply_patch", "description": "Edit files. This is a FREEFORM tool, so do not wrap the patch in JSON.",
                       "format": {"type": "grammar", "syntax": "lark", "definition": "start: begin_patch hunk+ end_patch"}},
                      {"type": "function", "name": "weather", "parameters": {"type": "object"}}]""";
        HttpResponse<String> answer = post("/v1/responses", "{\"model\": \"gpt\", \"input\": \"Add a file\", " + tools + "}");
        assertEquals(200, answer.statusCode(), answer.body());
        assertTrue(answer.headers().firstValue("X-Sluice-AI-Dropped-Tools").isEmpty(), answer.headers().toString());
        JsonNode offered = openai.take().body().path("tools").path(0).path("function");
        assertEquals("apply_patch", offered.path("name").asText());
        assertEquals(List.of("input"), JSON.convertValue(offered.path("parameters").path("required"), List.class));
        assertEquals("string", offered.path("parameters").path("properties").path("input").path("type").asText());
        assertTrue(offered.path("parameters").path("properties").path("input").path("description").asText().contains("start: begin_patch hunk+ end_patch"),
            "the grammar reaches the model: " + offered);
        assertTrue(offered.path("description").asText().contains("as the text of the `input` argument"), offered.toString());
        JsonNode item = JSON.readTree(answer.body()).path("output").path(0);
        assertEquals("custom_tool_call", item.path("type").asText(), answer.body());
        assertEquals("apply_patch", item.path("name").asText());
        assertEquals("call_1", item.path("call_id").asText());
        assertEquals("Paris", item.path("input").asText(), "the text inside the function's arguments");

        // Streamed, from Claude through the SDK: the SDK's accumulator reads the custom tool call's events.
        ResponseAccumulator accumulator = ResponseAccumulator.create();
        try (StreamResponse<ResponseStreamEvent> stream = sdk.responses().createStreaming(ResponseCreateParams.builder().model("claude")
            .input("Add a file").addTool(CustomTool.builder().name("apply_patch").build()).build()))
        {
            stream.stream().forEach(accumulator::accumulate);
        }
        ResponseCustomToolCall streamed = accumulator.response().output().stream().filter(ResponseOutputItem::isCustomToolCall).findFirst()
            .orElseThrow().asCustomToolCall();
        assertEquals("Paris", streamed.input());
        assertEquals("toolu_1", streamed.callId());
        assertEquals("input", anthropic.take().body().path("tools").path(0).path("input_schema").path("required").path(0).asText());
        HttpResponse<String> raw = post("/v1/responses", "{\"model\": \"gpt\", \"stream\": true, \"input\": \"Add a file\", " + tools + "}");
        openai.take();
        // The fake calls both tools at once here, their arguments interleaved: one custom call and one function call.
        List<String> types = new ArrayList<>();
        JsonNode completed = null;
        for (String line : raw.body().split("\n"))
        {
            if (line.startsWith("data: {"))
            {
                JsonNode event = JSON.readTree(line.substring(6));
                types.add(event.path("type").asText());
                if (event.path("type").asText().startsWith("response.function_call"))
                {
                    assertTrue(event.path("item_id").asText().startsWith("fc_"), "function call events for the function alone: " + raw.body());
                }
                if (event.path("type").asText().equals("response.custom_tool_call_input.done"))
                {
                    assertEquals("Paris", event.path("input").asText());
                }
                if (event.path("type").asText().equals("response.completed"))
                {
                    completed = event.path("response");
                }
            }
        }
        assertTrue(types.containsAll(List.of("response.custom_tool_call_input.delta", "response.custom_tool_call_input.done")), types.toString());
        assertEquals("custom_tool_call", completed.path("output").path(0).path("type").asText(), completed.toString());
        assertEquals("ctc_", completed.path("output").path(0).path("id").asText().substring(0, 4));
        assertEquals("Paris", completed.path("output").path(0).path("input").asText());
        assertEquals("function_call", completed.path("output").path(1).path("type").asText());
        assertEquals("weather", completed.path("output").path(1).path("name").asText());

        // The next turn as Codex sends it: the call and its output as custom items, a patch with newlines in it.
        HttpResponse<String> next = post("/v1/responses", """
            {"model": "gpt", "store": false, "tool_choice": {"type": "custom", "name": "apply_patch"}, "input": [
              {"role": "user", "content": "Add a file"},
              {"type": "custom_tool_call", "call_id": "call_1", "name": "apply_patch", "input": "*** Begin Patch\\n*** Add File: a.txt\\n+hi\\n*** End Patch\\n"},
              {"type": "custom_tool_call_output", "call_id": "call_1", "output": "Success. Updated the following files:\\nA a.txt"}
            ], %s}""".formatted(tools));
        assertEquals(200, next.statusCode(), next.body());
        JsonNode sent = openai.take().body();
        JsonNode call = sent.path("messages").path(1).path("tool_calls").path(0);
        assertEquals("apply_patch", call.path("function").path("name").asText(), sent.toString());
        assertEquals("*** Begin Patch\n*** Add File: a.txt\n+hi\n*** End Patch\n",
            JSON.readTree(call.path("function").path("arguments").asText()).path("input").asText());
        assertEquals("call_1", sent.path("messages").path(2).path("tool_call_id").asText());
        assertEquals("Success. Updated the following files:\nA a.txt", sent.path("messages").path(2).path("content").asText());
        assertEquals("apply_patch", sent.path("tool_choice").path("function").path("name").asText(), "a custom tool chosen is its function");

        HttpResponse<String> unknown = post("/v1/responses", "{\"model\": \"gpt\", \"input\": \"Add a file\", \"tool_choice\": {\"type\": \"custom\","
            + " \"name\": \"edit\"}, " + tools + "}");
        assertEquals(400, unknown.statusCode(), unknown.body());
        assertEquals("tool_choice.type", JSON.readTree(unknown.body()).path("error").path("param").asText(), unknown.body());
    }

    /**
     * Codex 0.171, for the newest models (gpt-5.6, gpt-6: "responses lite"), declares its tools within the input, in an
     * {@code additional_tools} item, in namespaces: its code mode's {@code exec} (a custom tool with a grammar) and
     * functions in the default namespace {@code functions}, others in their own. Before, every such request was a 400
     * ("Input items of type 'additional_tools' are not supported"). The default namespace's tools keep their names.
     */
    @Test
    void toolsDeclaredWithinTheInputAreOffered() throws Exception
    {
        drain();
        String tools = """
            {"type": "additional_tools", "id": "at_1", "role": "developer", "tools": [
              {"type": "namespace", "name": "functions", "description": "", "tools": [
                {"type": "custom", "name": "exec", "description": "Run JavaScript", "format": {"type": "grammar", "syntax": "lark", "definition": "start: /.+/"}},
                {"type": "function", "name": "wait", "strict": false, "parameters": {"type": "object", "properties": {}}}]},
              {"type": "namespace", "name": "clock", "description": "", "tools": [
                {"type": "function", "name": "sleep", "strict": false, "parameters": {"type": "object", "properties": {}}}]}]}""";
        HttpResponse<String> called = post("/v1/responses", """
            {"model": "gpt", "store": false, "tools": [], "input": [%s, {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "Run it"}]}]}"""
            .formatted(tools));
        assertEquals(200, called.statusCode(), called.body());
        JsonNode offered = openai.take().body().path("tools");
        List<String> names = new ArrayList<>();
        offered.forEach(tool -> names.add(tool.path("function").path("name").asText()));
        assertEquals(List.of("exec", "wait", "clock__sleep"), names);
        assertTrue(offered.path(0).path("function").path("parameters").path("properties").has("input"), offered.toString());
        JsonNode call = JSON.readTree(called.body()).path("output").path(0);
        assertEquals("custom_tool_call", call.path("type").asText(), called.body());
        assertEquals("exec", call.path("name").asText());
        assertFalse(call.has("namespace"), "the default namespace's tool, as Codex takes it back: " + call);
        assertEquals("Paris", call.path("input").asText());

        // The next turn: the call and its output (Codex's exec gives its output as text parts).
        HttpResponse<String> answered = post("/v1/responses", """
            {"model": "gpt", "store": false, "input": [%s, {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "Run it"}]},
              {"type": "custom_tool_call", "call_id": "%s", "name": "exec", "input": "Paris"},
              {"type": "custom_tool_call_output", "call_id": "%s", "output": [{"type": "input_text", "text": "Script completed"}]}]}"""
            .formatted(tools, call.path("call_id").asText(), call.path("call_id").asText()));
        assertEquals(200, answered.statusCode(), answered.body());
        JsonNode messages = openai.take().body().path("messages");
        assertEquals("exec", messages.path(1).path("tool_calls").path(0).path("function").path("name").asText(), messages.toString());
        assertEquals("Script completed", messages.path(2).path("content").asText(), messages.toString());
    }

    /**
     * Codex defers MCP tools behind a tool search it runs itself ({@code execution: "client"}),
     * and its MCP tools come in namespaces. Before, both were left out: through Sluice the model
     * could reach no MCP tool.
     */
    @Test
    void codexsToolSearchAndTheNamespacedToolsItLoadsReachTheModel() throws Exception
    {
        drain();
        String search = """
            {"type": "tool_search", "execution": "client", "description": "Searches deferred tools.",
             "parameters": {"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]}}""";
        HttpResponse<String> first = post("/v1/responses", "{\"model\": \"gpt\", \"input\": \"Look up record 7\", \"tools\": [" + search + "]}");
        assertEquals(200, first.statusCode(), first.body());
        assertTrue(first.headers().firstValue("X-Sluice-AI-Dropped-Tools").isEmpty(), first.headers().toString());
        JsonNode offered = openai.take().body().path("tools").path(0).path("function");
        assertEquals("tool_search", offered.path("name").asText());
        assertEquals("query", offered.path("parameters").path("required").path(0).asText());
        JsonNode call = JSON.readTree(first.body()).path("output").path(0);
        assertEquals("tool_search_call", call.path("type").asText(), first.body());
        assertEquals("client", call.path("execution").asText());
        assertEquals("call_1", call.path("call_id").asText());
        assertEquals("Paris", call.path("arguments").path("city").asText(), "the arguments as an object: " + call);

        HttpResponse<String> streamed = post("/v1/responses", "{\"model\": \"gpt\", \"stream\": true, \"input\": \"Look up record 7\", \"tools\": ["
            + search + "]}");
        openai.take();
        assertFalse(streamed.body().contains("response.function_call_arguments"), streamed.body());
        String done = java.util.Arrays.stream(streamed.body().split("\n")).filter(line -> line.contains("\"response.output_item.done\""))
            .findFirst().orElseThrow();
        assertEquals("Paris", JSON.readTree(done.substring(6)).path("item").path("arguments").path("city").asText(), done);

        // The next turn as Codex sends it: the search, what it loaded (a namespace of MCP tools), and no tools of its own.
        String loaded = """
            {"type": "tool_search_call", "id": "tsc_1", "call_id": "call_s", "execution": "client", "status": "completed", "arguments": {"query": "record"}},
            {"type": "tool_search_output", "id": "tso_1", "call_id": "call_s", "execution": "client", "status": "completed", "tools": [
              {"type": "namespace", "name": "mcp__demo", "description": "Tools in the mcp__demo namespace.", "tools": [
                {"type": "function", "name": "lookup", "description": "Looks up a record.", "defer_loading": true,
                 "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}]}]}""";
        HttpResponse<String> second = post("/v1/responses", "{\"model\": \"gpt\", \"store\": false, \"input\": [{\"role\": \"user\", \"content\":"
            + " \"Look up record 7\"}, " + loaded + "]}");
        assertEquals(200, second.statusCode(), second.body());
        JsonNode sent = openai.take().body();
        assertEquals("mcp__demo__lookup", sent.path("tools").path(0).path("function").path("name").asText(), "what the search loaded is offered: " + sent);
        assertEquals("tool_search", sent.path("messages").path(1).path("tool_calls").path(0).path("function").path("name").asText());
        assertEquals("record", JSON.readTree(sent.path("messages").path(1).path("tool_calls").path(0).path("function").path("arguments").asText())
            .path("query").asText());
        assertTrue(sent.path("messages").path(2).path("content").asText().contains("\"name\":\"mcp__demo__lookup\""), sent.toString());
        JsonNode namespaced = JSON.readTree(second.body()).path("output").path(0);
        assertEquals("function_call", namespaced.path("type").asText(), second.body());
        assertEquals("lookup", namespaced.path("name").asText());
        assertEquals("mcp__demo", namespaced.path("namespace").asText(), "Codex runs the MCP tool by namespace and name");

        HttpResponse<String> third = post("/v1/responses", "{\"model\": \"gpt\", \"store\": false, \"input\": [{\"role\": \"user\", \"content\":"
            + " \"Look up record 7\"}, " + loaded + ", {\"type\": \"function_call\", \"call_id\": \"call_l\", \"namespace\": \"mcp__demo\","
            + " \"name\": \"lookup\", \"arguments\": \"{}\"}, {\"type\": \"function_call_output\", \"call_id\": \"call_l\", \"output\": \"found\"}]}");
        assertEquals(200, third.statusCode(), third.body());
        JsonNode history = openai.take().body().path("messages");
        assertEquals("mcp__demo__lookup", history.path(3).path("tool_calls").path(0).path("function").path("name").asText(), history.toString());
        assertEquals("found", history.path(4).path("content").asText());
    }

    /**
     * Codex's view_image answers with the picture as an {@code input_image} part of the tool's
     * output (detail "original"); before, that was a 400 on every later turn of the session.
     */
    @Test
    void imagesAToolReturnsReachTheModelAfterTheToolsAnswer() throws Exception
    {
        drain();
        String png = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";
        String turn = """
            {"model": "%s", "store": false, "input": [
              {"role": "user", "content": "What is in pic.png?"},
              {"type": "function_call", "call_id": "call_a", "name": "view_image", "arguments": "{\\"path\\":\\"pic.png\\"}"},
              {"type": "function_call", "call_id": "call_b", "name": "exec_command", "arguments": "{\\"cmd\\":\\"ls\\"}"},
              {"type": "function_call_output", "call_id": "call_a", "output": [{"type": "input_image", "image_url": "%s", "detail": "original"}]},
              {"type": "function_call_output", "call_id": "call_b", "output": [{"type": "input_text", "text": "pic.png"}]}
            ]}""";
        HttpResponse<String> toGpt = post("/v1/responses", turn.formatted("gpt", png));
        assertEquals(200, toGpt.statusCode(), toGpt.body());
        JsonNode messages = openai.take().body().path("messages");
        assertEquals(List.of("user", "assistant", "tool", "tool", "user"), JSON.convertValue(messages, List.class).stream()
            .map(message -> ((Map<?, ?>)message).get("role")).toList(), "the picture after the run of tool messages: " + messages);
        assertEquals("call_a", messages.path(2).path("tool_call_id").asText());
        assertEquals("pic.png", messages.path(3).path("content").asText());
        JsonNode image = messages.path(4).path("content").path(0);
        assertEquals(png, image.path("image_url").path("url").asText());
        assertEquals("high", image.path("image_url").path("detail").asText(), "the chat form has no 'original'");

        HttpResponse<String> toClaude = post("/v1/responses", turn.formatted("claude", png));
        assertEquals(200, toClaude.statusCode(), toClaude.body());
        JsonNode results = anthropic.take().body().path("messages").path(2);
        assertEquals("user", results.path("role").asText());
        assertEquals(List.of("tool_result", "tool_result", "image"), JSON.convertValue(results.path("content"), List.class).stream()
            .map(block -> ((Map<?, ?>)block).get("type")).toList(), "Claude gets the picture in the results' turn: " + results);
        assertEquals("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
            results.path("content").path(2).path("source").path("data").asText());
    }

    /** Codex sends prompt_cache_key on every request, which strict servers refuse ("property 'prompt_cache_key' is unsupported"). */
    @Test
    void fieldsAProviderRefusesAreLeftOutForItAlone() throws Exception
    {
        drain();
        for (String model : new String[] {"ds4", "gpt"})
        {
            HttpResponse<String> response = post("/v1/responses", """
                {"model": "%s", "input": "Hi there", "prompt_cache_key": "session-1", "service_tier": "default", "temperature": 0.5}"""
                .formatted(model));
            assertEquals(200, response.statusCode(), response.body());
            JsonNode sent = openai.take().body();
            assertEquals(model.equals("gpt"), sent.has("prompt_cache_key"), model + ": " + sent);
            assertEquals(model.equals("gpt"), sent.has("service_tier"), model + ": " + sent);
            assertEquals(0.5, sent.path("temperature").asDouble(), model + ": " + sent);
        }
    }

    /** Gemini 3's thought signature rides in the call_id a Responses client sends back (Codex keeps no other field of it). */
    @Test
    void geminisThoughtSignatureGoesBackWithItsFunctionCall() throws Exception
    {
        drain();
        HttpResponse<String> first = post("/v1/responses", """
            {"model": "gemini3", "input": "Run it", "tools": [{"type": "function", "name": "Bash", "parameters": {"type": "object"}}]}""");
        assertEquals(200, first.statusCode(), first.body());
        openai.take();
        JsonNode call = JSON.readTree(first.body()).path("output").path(0);
        assertEquals("function_call", call.path("type").asText(), first.body());
        // As Codex sends the turn back: the call (name, arguments, call_id) and its output.
        HttpResponse<String> next = post("/v1/responses", """
            {"model": "gemini3", "store": false, "input": [{"role": "user", "content": "Run it"},
              {"type": "function_call", "call_id": "%1$s", "name": "Bash", "arguments": "{}"},
              {"type": "function_call_output", "call_id": "%1$s", "output": "ok"}],
             "tools": [{"type": "function", "name": "Bash", "parameters": {"type": "object"}}]}""".formatted(call.path("call_id").asText()));
        assertEquals(200, next.statusCode(), next.body());
        JsonNode turns = openai.take().body().path("messages");
        assertEquals("call_1", turns.path(1).path("tool_calls").path(0).path("id").asText(), turns.toString());
        assertEquals(FakeModelProvider.GEMINI_SIGNATURE,
            turns.path(1).path("tool_calls").path(0).path("extra_content").path("google").path("thought_signature").asText(), turns.toString());
        assertEquals("call_1", turns.path(2).path("tool_call_id").asText(), turns.toString());
    }

    /** A reasoning item Sluice answered from DeepSeek's reasoning goes back as the tool-using turn's reasoning_content, which DeepSeek requires. */
    @Test
    void deepSeeksReasoningItemGoesBackAsReasoningContent() throws Exception
    {
        drain();
        HttpResponse<String> first = post("/v1/responses", """
            {"model": "ds4", "input": "Run it", "tools": [{"type": "function", "name": "Bash", "parameters": {"type": "object"}}]}""");
        assertEquals(200, first.statusCode(), first.body());
        openai.take();
        JsonNode output = JSON.readTree(first.body()).path("output");
        assertEquals("reasoning", output.path(0).path("type").asText(), output.toString());
        ArrayNode input = JSON.createArrayNode();
        input.addObject().put("role", "user").put("content", "Run it");
        output.forEach(input::add);
        input.addObject().put("type", "function_call_output").put("call_id", output.path(1).path("call_id").asText()).put("output", "ok");
        ObjectNode next = JSON.createObjectNode().put("model", "ds4").put("store", false);
        next.set("input", input);
        next.putArray("tools").addObject().put("type", "function").put("name", "Bash").putObject("parameters").put("type", "object");
        HttpResponse<String> answered = post("/v1/responses", next.toString());
        assertEquals(200, answered.statusCode(), answered.body());
        JsonNode turn = openai.take().body().path("messages").path(1);
        assertEquals("The user wants 5 words back.", turn.path("reasoning_content").asText(), turn.toString());
    }

    /** Arguments a server sends as a JSON object (llama.cpp's, in 2026) reach a Responses client as their text, streamed or not. */
    @Test
    void argumentsSentAsAnObjectComeAsTheirText() throws Exception
    {
        String body = """
            {"model": "llama", "stream": %s, "input": "Weather in Paris?", "tools": [{"type": "function", "name": "weather", "parameters": {"type": "object"}}]}""";
        for (String stream : new String[] {"false", "true"})
        {
            HttpResponse<String> response = post("/v1/responses", body.formatted(stream));
            assertEquals(200, response.statusCode(), response.body());
            String json = stream.equals("false") ? response.body()
                : java.util.Arrays.stream(response.body().split("\n")).filter(line -> line.contains("\"response.completed\"") && line.startsWith("data: "))
                    .findFirst().orElseThrow().substring(6);
            JsonNode output = JSON.readTree(json);
            output = output.has("response") ? output.path("response").path("output") : output.path("output");
            assertEquals("{\"city\":\"Paris\"}", output.path(0).path("arguments").asText(), stream + ": " + output);
        }
    }

    /**
     * Parallel calls from a provider that interleaves their arguments (vLLM, Qwen's servers) or reuses an index for
     * another call (Ollama) come back as one {@code function_call} item each, no delta after its item is done.
     */
    @Test
    void parallelFunctionCallsInterleavedByTheProviderComeBackOneItemEach() throws Exception
    {
        HttpResponse<String> raw = post("/v1/responses", """
            {"model": "gpt", "stream": true, "input": "Weather in three cities?",
             "tools": [{"type": "function", "name": "weather", "parameters": {"type": "object"}},
                       {"type": "function", "name": "forecast", "parameters": {"type": "object"}},
                       {"type": "function", "name": "alerts", "parameters": {"type": "object"}}]}""");
        assertEquals(200, raw.statusCode(), raw.body());
        Map<String, String> state = new java.util.HashMap<>();
        Map<String, StringBuilder> arguments = new java.util.LinkedHashMap<>();
        JsonNode completed = null;
        for (String line : raw.body().split("\n"))
        {
            if (!line.startsWith("data: "))
            {
                continue;
            }
            JsonNode event = JSON.readTree(line.substring(6));
            switch (event.path("type").asText())
            {
                case "response.output_item.added" ->
                {
                    assertFalse(state.containsValue("open"), "one item open at a time: " + raw.body());
                    state.put(event.path("item").path("id").asText(), "open");
                    arguments.put(event.path("item").path("id").asText(), new StringBuilder());
                }
                case "response.function_call_arguments.delta" ->
                {
                    assertEquals("open", state.get(event.path("item_id").asText()), "a delta only while its item is open: " + raw.body());
                    arguments.get(event.path("item_id").asText()).append(event.path("delta").asText());
                }
                case "response.output_item.done" -> state.put(event.path("item").path("id").asText(), "done");
                case "response.completed" -> completed = event.path("response");
                default ->
                {
                }
            }
        }
        List<String> expected = List.of("{\"city\":\"Paris\"}", "{\"city\":\"Rome\"}", "{\"city\":\"Oslo\"}");
        assertEquals(expected, arguments.values().stream().map(StringBuilder::toString).toList());
        assertEquals(3, completed.path("output").size(), completed.toString());
        for (int i = 0; i < 3; i++)
        {
            JsonNode item = completed.path("output").path(i);
            assertEquals(List.of("weather", "forecast", "alerts").get(i), item.path("name").asText());
            assertEquals("call_" + (i + 1), item.path("call_id").asText());
            assertEquals(expected.get(i), item.path("arguments").asText());
        }
    }

    /**
     * Codex asks for reasoning by effort and sends each turn's reasoning items back, with their
     * {@code encrypted_content}; before, Claude was refused {@code reasoning_effort} (400 unless
     * the alias dropped it) and no reasoning reached the client or went back.
     */
    @Test
    void claudesThinkingComesAsReasoningItemsAndGoesBackSigned() throws Exception
    {
        drain();
        String ask = """
            {"model": "thinker", "store": false, "include": ["reasoning.encrypted_content"], "reasoning": {"effort": "medium"},
             "tools": [{"type": "function", "name": "shell", "parameters": {"type": "object"}}], "input": "Run it"%s}""";
        HttpResponse<String> answered = post("/v1/responses", ask.formatted(""));
        assertEquals(200, answered.statusCode(), answered.body());
        assertEquals(JSON.readTree("{\"type\":\"enabled\",\"budget_tokens\":2048}"), anthropic.take().body().path("thinking"));
        JsonNode output = JSON.readTree(answered.body()).path("output");
        JsonNode reasoning = output.path(0);
        assertEquals("reasoning", reasoning.path("type").asText(), output.toString());
        assertEquals("The user wants 5 words back.", reasoning.path("content").path(0).path("text").asText());
        assertEquals("reasoning_text", reasoning.path("content").path(0).path("type").asText());
        assertEquals(JSON.readTree("{\"type\":\"thinking\",\"thinking\":\"The user wants 5 words back.\",\"signature\":\"" + FakeModelProvider.SIGNATURE
            + "\"}"), ResponsesAnswers.unsealed(reasoning.path("encrypted_content").asText()), "the block whole, opaque to the client");
        assertTrue(reasoning.path("summary").isArray());
        assertEquals("function_call", output.path(output.size() - 1).path("type").asText(), output.toString());

        // Streamed: the reasoning item's events first, in order, and the SDK reads them.
        HttpResponse<String> stream = post("/v1/responses", ask.formatted(", \"stream\": true"));
        anthropic.take();
        List<String> types = new ArrayList<>();
        JsonNode completed = null;
        for (String frame : stream.body().split("\n\n"))
        {
            JsonNode event = JSON.readTree(frame.substring(frame.indexOf("data: ") + 6));
            types.add(event.path("type").asText() + (event.path("item").path("type").isTextual() ? ":" + event.path("item").path("type").asText() : ""));
            completed = event.path("type").asText().equals("response.completed") ? event.path("response") : completed;
        }
        assertEquals(List.of("response.created", "response.in_progress", "response.output_item.added:reasoning", "response.reasoning_text.delta"),
            types.subList(0, 4), types.toString());
        int done = types.indexOf("response.reasoning_text.done");
        assertEquals("response.output_item.done:reasoning", types.get(done + 1), types.toString());
        assertEquals(6, done - 3, "one delta per word: " + types);
        assertEquals(reasoning.path("content"), completed.path("output").path(0).path("content"));
        assertEquals(reasoning.path("encrypted_content"), completed.path("output").path(0).path("encrypted_content"));
        ResponseAccumulator accumulator = ResponseAccumulator.create();
        try (StreamResponse<ResponseStreamEvent> sdkStream = sdk.responses().createStreaming(ResponseCreateParams.builder().model("thinker")
            .input("Run it").reasoning(com.openai.models.Reasoning.builder().effort(com.openai.models.ReasoningEffort.MEDIUM).build()).build()))
        {
            sdkStream.stream().forEach(accumulator::accumulate);
        }
        anthropic.take();
        assertEquals("The user wants 5 words back.", accumulator.response().output().get(0).asReasoning().content().orElseThrow().get(0).text());

        // The next request as Codex sends it: the items back, then the call's output. Claude gets its thinking, signed, first.
        String items = output.toString().substring(1, output.toString().length() - 1);
        String next = """
            {"model": "%s", "store": false, "input": [{"role": "user", "content": "Run it"}, %s,
              {"type": "function_call_output", "call_id": "toolu_1", "output": "hi"}]}""";
        assertEquals(200, post("/v1/responses", next.formatted("thinker", items)).statusCode());
        JsonNode turn = anthropic.take().body().path("messages").path(1);
        assertEquals("assistant", turn.path("role").asText(), turn.toString());
        assertEquals("thinking", turn.path("content").path(0).path("type").asText(), turn.toString());
        assertEquals("The user wants 5 words back.", turn.path("content").path(0).path("thinking").asText());
        assertEquals(FakeModelProvider.SIGNATURE, turn.path("content").path(0).path("signature").asText());
        // A client that keeps only the encrypted content (and a summary) of the item: Claude still gets its block whole.
        String bare = "{\"type\": \"reasoning\", \"id\": \"rs_x\", \"summary\": [], \"encrypted_content\": " + reasoning.path("encrypted_content") + "}";
        assertTrue(items.contains(reasoning.toString()));
        assertEquals(200, post("/v1/responses", next.formatted("thinker", items.replace(reasoning.toString(), bare))).statusCode());
        JsonNode kept = anthropic.take().body().path("messages").path(1).path("content").path(0);
        assertEquals("The user wants 5 words back.", kept.path("thinking").asText(), kept.toString());
        assertEquals(FakeModelProvider.SIGNATURE, kept.path("signature").asText());
        assertEquals(200, post("/v1/responses", next.formatted("gpt", items)).statusCode());
        String toOpenAi = openai.take().body().toString();
        assertFalse(toOpenAi.contains("thinking") || toOpenAi.contains(FakeModelProvider.SIGNATURE), toOpenAi);
    }

    /**
     * Codex marks no prompt-cache breakpoints (OpenAI caches without them), so every turn to
     * Claude was input at the full price; with {@code prompt-cache = auto} the provider gets
     * them where Claude Code puts its own.
     */
    @Test
    void anAnthropicProviderWithAutomaticPromptCachingGetsBreakpoints() throws Exception
    {
        drain();
        String turn = """
            {"model": "%s", "instructions": "You are Codex.", "store": false, "input": [{"role": "user", "content": "Run it"},
              {"type": "function_call", "call_id": "c1", "name": "shell", "arguments": "{}"},
              {"type": "function_call_output", "call_id": "c1", "output": "hi"}]}""";
        assertEquals(200, post("/v1/responses", turn.formatted("cached-claude")).statusCode());
        JsonNode sent = anthropic.take().body();
        assertEquals("ephemeral", sent.path("system").path(0).path("cache_control").path("type").asText(), sent.toString());
        JsonNode last = sent.path("messages").path(sent.path("messages").size() - 1).path("content");
        assertEquals("ephemeral", last.path(last.size() - 1).path("cache_control").path("type").asText(), sent.toString());
        assertEquals(200, post("/v1/responses", turn.formatted("claude")).statusCode());
        assertFalse(anthropic.take().body().toString().contains("cache_control"), "only where the provider says so");
    }

    /** A reasoning model behind an OpenAI-style API (reasoning_content, as DeepSeek's): a reasoning item without encrypted content. */
    @Test
    void anOpenAiStyleProvidersReasoningIsAReasoningItem() throws Exception
    {
        Response response = sdk.responses().create(params("reasoner", "Say hi"));
        assertEquals("The user wants 5 words back.", response.output().get(0).asReasoning().content().orElseThrow().get(0).text(), response.toString());
        assertTrue(response.output().get(0).asReasoning().encryptedContent().isEmpty());
        assertEquals("Hello from openai: Say hi", response.output().get(1).asMessage().content().get(0).asOutputText().text());
        ResponseAccumulator accumulator = ResponseAccumulator.create();
        try (StreamResponse<ResponseStreamEvent> stream = sdk.responses().createStreaming(params("reasoner", "Say hi")))
        {
            stream.stream().forEach(accumulator::accumulate);
        }
        assertEquals("The user wants 5 words back.", accumulator.response().output().get(0).asReasoning().content().orElseThrow().get(0).text());
        assertEquals("Hello from openai: Say hi", accumulator.response().output().get(1).asMessage().content().get(0).asOutputText().text());

        // Asked for a summary (reasoning.summary), as clients that show reasoning do: the reasoning comes as the summary, streamed as its events.
        ResponseCreateParams summarized = params("reasoner", "Say hi").toBuilder()
            .reasoning(com.openai.models.Reasoning.builder().summary(com.openai.models.Reasoning.Summary.AUTO).build()).build();
        assertEquals("The user wants 5 words back.", sdk.responses().create(summarized).output().get(0).asReasoning().summary().get(0).text());
        ResponseAccumulator summaries = ResponseAccumulator.create();
        List<String> types = new ArrayList<>();
        try (StreamResponse<ResponseStreamEvent> stream = sdk.responses().createStreaming(summarized))
        {
            stream.stream().forEach(event ->
            {
                summaries.accumulate(event);
                event.reasoningSummaryTextDelta().ifPresent(delta -> types.add("delta"));
                event.reasoningSummaryPartAdded().ifPresent(added -> types.add("added"));
                event.reasoningSummaryPartDone().ifPresent(done -> types.add("done " + done.part().text()));
            });
        }
        assertEquals("The user wants 5 words back.", summaries.response().output().get(0).asReasoning().summary().get(0).text());
        assertEquals(List.of("added", "delta", "delta", "delta", "delta", "delta", "delta", "done The user wants 5 words back."), types);
    }

    /**
     * Clients that take the server to store its answers (Vercel's AI SDK by default) send earlier
     * output items back as references; before, the second step of every tool call was a 400.
     */
    @Test
    void itemsSluiceAnsweredCanBeReferredToByTheirConsumer() throws Exception
    {
        drain();
        HttpResponse<String> first = post("/v1/responses", """
            {"model": "gpt", "input": "Weather in Paris?", "tools": [{"type": "function", "name": "weather",
              "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}]}""");
        assertEquals(200, first.statusCode(), first.body());
        JsonNode call = JSON.readTree(first.body()).path("output").path(0);
        assertEquals("function_call", call.path("type").asText(), first.body());
        openai.take();
        String next = """
            {"model": "gpt", "input": [
              {"role": "user", "content": "Weather in Paris?"},
              {"type": "item_reference", "id": "%s"},
              {"type": "function_call_output", "call_id": "%s", "output": "18 C"}
            ]}""".formatted(call.path("id").asText(), call.path("call_id").asText());
        HttpResponse<String> second = post("/v1/responses", next);
        assertEquals(200, second.statusCode(), second.body());
        JsonNode turns = openai.take().body().path("messages");
        assertEquals("assistant", turns.path(1).path("role").asText(), turns.toString());
        assertEquals("weather", turns.path(1).path("tool_calls").path(0).path("function").path("name").asText(), turns.toString());
        assertEquals(call.path("call_id").asText(), turns.path(2).path("tool_call_id").asText());

        HttpResponse<String> stranger = post("/v1/responses", next, OTHER_KEY);
        assertEquals(400, stranger.statusCode(), "another consumer's items are not found: " + stranger.body());
        JsonNode error = JSON.readTree(stranger.body()).path("error");
        assertEquals("input[1].id", error.path("param").asText(), stranger.body());
        assertTrue(error.path("message").asText().contains("send the item in full"), stranger.body());
    }

    /** OpenAI's documented way to chain turns; before, a 400. */
    @Test
    void aConversationContinuesByPreviousResponseIdWhateverModelAnswersNext() throws Exception
    {
        drain();
        Response first = sdk.responses().create(ResponseCreateParams.builder().model("gpt").instructions("Old rules.").input("My name is Ada.").build());
        openai.take();
        Response second = sdk.responses().create(ResponseCreateParams.builder().model("gpt").instructions("New rules.").input("What is my name?")
            .previousResponseId(first.id()).build());
        assertEquals(first.id(), second.previousResponseId().orElseThrow());
        JsonNode turns = openai.take().body().path("messages");
        assertEquals(List.of("system:New rules.", "user:My name is Ada.", "assistant:Hello from openai: My name is Ada.", "user:What is my name?"),
            turns(turns), "the instructions are this request's only, as OpenAI's are");

        Response third = sdk.responses().create(ResponseCreateParams.builder().model("claude").input("And again?").previousResponseId(second.id()).build());
        assertEquals(ResponseStatus.COMPLETED, third.status().orElseThrow());
        JsonNode toAnthropic = anthropic.take().body().path("messages");
        assertEquals(5, toAnthropic.size(), "two turns and the new question, to another provider: " + toAnthropic);

        HttpResponse<String> unkept = post("/v1/responses", "{\"model\":\"gpt\",\"store\":false,\"input\":\"Forget me.\"}");
        String unkeptId = JSON.readTree(unkept.body()).path("id").asText();
        assertEquals(false, JSON.readTree(unkept.body()).path("store").asBoolean(true));
        HttpResponse<String> afterUnkept = post("/v1/responses", "{\"model\":\"gpt\",\"input\":\"x\",\"previous_response_id\":\"" + unkeptId + "\"}");
        assertEquals(400, afterUnkept.statusCode(), "store: false answers are not kept: " + afterUnkept.body());
        HttpResponse<String> stranger = post("/v1/responses", "{\"model\":\"gpt\",\"input\":\"x\",\"previous_response_id\":\"" + second.id() + "\"}",
            OTHER_KEY);
        assertEquals(400, stranger.statusCode(), "another consumer's conversation is not found: " + stranger.body());
        assertEquals("previous_response_id", JSON.readTree(stranger.body()).path("error").path("param").asText());
    }

    private static List<String> turns(JsonNode messages)
    {
        List<String> turns = new ArrayList<>();
        messages.forEach(message -> turns.add(message.path("role").asText() + ":" + message.path("content").asText()));
        return turns;
    }

    /** OpenAI's SDKs count a Responses request's input at /responses/input_tokens; before, a 404. */
    @Test
    void inputTokensAreEstimatedWithoutAskingAProvider() throws Exception
    {
        int asked = openai.count();
        HttpResponse<String> counted = post("/v1/responses/input_tokens", "{\"model\":\"gpt\",\"instructions\":\"Be brief.\","
            + "\"input\":[{\"role\":\"user\",\"content\":\"How many tokens is this question?\"}]}");
        assertEquals(200, counted.statusCode(), counted.body());
        JsonNode count = JSON.readTree(counted.body());
        assertEquals("response.input_tokens", count.path("object").asText());
        assertTrue(count.path("input_tokens").asLong() > 8 && count.path("input_tokens").asLong() < 40, counted.body());
        assertEquals("true", counted.headers().firstValue("X-Sluice-AI-Estimated").orElse(null));
        assertEquals(asked, openai.count(), "an estimate asks no provider");
        assertEquals(404, post("/v1/responses/input_tokens", "{\"model\":\"no-such-model\",\"input\":\"x\"}").statusCode());
    }

    /**
     * Codex offers OpenAI's web search (of OpenAI's cache) and a namespace of sub-agent tools on
     * every turn; before, that refused the whole request. The search is left out and named; the
     * namespace's functions cross.
     */
    @Test
    void toolsTheChatFormCannotCarryAreLeftOutAndNamed() throws Exception
    {
        drain();
        HttpResponse<String> response = post("/v1/responses", """
            {"model": "gpt", "input": "Weather in Paris?", "tool_choice": "auto", "parallel_tool_calls": true, "tools": [
              {"type": "function", "name": "weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}},
              {"type": "namespace", "name": "multi_agent_v1", "tools": [{"type": "function", "name": "close_agent", "parameters": {}}]},
              {"type": "web_search", "external_web_access": false},
              {"type": "file_search", "vector_store_ids": ["vs_1"]}
            ]}""");
        assertEquals(200, response.statusCode(), response.body());
        assertEquals("web_search, file_search", response.headers().firstValue("X-Sluice-AI-Dropped-Tools").orElse(null));
        JsonNode sent = openai.take().body();
        assertEquals(2, sent.path("tools").size(), sent.toString());
        assertEquals("weather", sent.path("tools").path(0).path("function").path("name").asText());
        assertEquals("multi_agent_v1__close_agent", sent.path("tools").path(1).path("function").path("name").asText());

        HttpResponse<String> onlyHosted = post("/v1/responses", "{\"model\":\"gpt\",\"input\":\"news?\",\"tool_choice\":\"required\","
            + "\"parallel_tool_calls\":true,\"tools\":[{\"type\":\"web_search\"}]}");
        assertEquals(200, onlyHosted.statusCode(), onlyHosted.body());
        assertEquals("web_search", onlyHosted.headers().firstValue("X-Sluice-AI-Dropped-Tools").orElse(null), "live search is Claude's only");
        JsonNode plain = openai.take().body();
        assertFalse(plain.has("tools") || plain.has("tool_choice") || plain.has("parallel_tool_calls") || plain.has("web_search_options"),
            "no tools left, so nothing the provider would refuse: " + plain);
    }

    /**
     * A Responses client's live web search (the AI SDK's {@code openai.tools.webSearch()}; Codex
     * with live search) is Claude's web search tool: the searches come back as
     * {@code web_search_call} items and the pages cited as {@code url_citation} annotations, as
     * from OpenAI. Before, the tool was left out and Claude answered without searching.
     */
    @Test
    void liveWebSearchIsClaudesAndComesBackAsSearchItemsAndCitations() throws Exception
    {
        drain();
        HttpResponse<String> plain = post("/v1/responses", """
            {"model": "claude", "input": "What is sluice?", "tools": [{"type": "web_search", "search_context_size": "low"}]}""");
        assertEquals(200, plain.statusCode(), plain.body());
        assertEquals(JSON.readTree("[{\"type\":\"web_search_20250305\",\"name\":\"web_search\",\"max_uses\":1}]"), anthropic.take().body().path("tools"));
        JsonNode output = JSON.readTree(plain.body()).path("output");
        assertEquals("web_search_call", output.path(0).path("type").asText(), plain.body());
        assertEquals("Hello from anthropic: What is sluice?", output.path(0).path("action").path("query").asText());
        JsonNode text = output.path(1).path("content").path(0);
        assertEquals("Let me search.Sluice is an API proxy, by the look of it.", text.path("text").asText());
        assertEquals(JSON.readTree("[{\"type\":\"url_citation\",\"start_index\":14,\"end_index\":36,\"url\":\"https://sluice.example/about\","
            + "\"title\":\"About Sluice\"}]"), text.path("annotations"), "the cited words: " + text);

        ResponseAccumulator accumulator = ResponseAccumulator.create();
        List<String> types = new ArrayList<>();
        try (StreamResponse<ResponseStreamEvent> stream = sdk.responses().createStreaming(ResponseCreateParams.builder().model("claude").input("What is sluice?")
            .addTool(com.openai.models.responses.WebSearchTool.builder().type(com.openai.models.responses.WebSearchTool.Type.WEB_SEARCH).build()).build()))
        {
            stream.stream().forEach(event ->
            {
                accumulator.accumulate(event);
                types.add(JSON.valueToTree(event).path("type").asText());
            });
        }
        anthropic.take();
        Response streamed = accumulator.response();
        assertTrue(types.containsAll(List.of("response.web_search_call.in_progress", "response.web_search_call.searching",
            "response.web_search_call.completed", "response.output_text.annotation.added")), types.toString());
        assertEquals("Let me search.", streamed.output().get(0).asMessage().content().get(0).asOutputText().text(), streamed.toString());
        assertEquals("Hello from anthropic: What is sluice?", streamed.output().get(1).asWebSearchCall().action().asSearch().query());
        var cited = streamed.output().get(2).asMessage().content().get(0).asOutputText();
        assertEquals("Sluice is an API proxy, by the look of it.", cited.text());
        var citation = cited.annotations().get(0).asUrlCitation();
        assertEquals("Sluice is an API proxy", cited.text().substring((int)citation.startIndex(), (int)citation.endIndex()));
        assertEquals("https://sluice.example/about", citation.url());

        // The next turn sends the search item back with the rest: Claude gets the answer's text.
        String next = "{\"model\":\"claude\",\"input\":[{\"role\":\"user\",\"content\":\"What is sluice?\"}," + output.path(0) + "," + output.path(1)
            + ",{\"role\":\"user\",\"content\":\"And?\"}]}";
        HttpResponse<String> again = post("/v1/responses", next);
        assertEquals(200, again.statusCode(), again.body());
        JsonNode turn = anthropic.take().body().path("messages").path(1);
        assertEquals("Let me search.Sluice is an API proxy, by the look of it.", turn.path("content").path(0).path("text").asText(), turn.toString());
    }

    /** A chat request's {@code web_search_options} (OpenAI's search models') is Claude's web search, its citations OpenAI's annotations. */
    @Test
    void webSearchOptionsOfAChatRequestAreClaudesWebSearch() throws Exception
    {
        drain();
        String body = """
            {"model": "claude", "messages": [{"role": "user", "content": "What is sluice?"}], %s
             "web_search_options": {"search_context_size": "high", "user_location": {"type": "approximate", "approximate": {"city": "London", "country": "GB"}}}}""";
        HttpResponse<String> plain = post("/v1/chat/completions", body.formatted(""));
        assertEquals(200, plain.statusCode(), plain.body());
        assertEquals(JSON.readTree("[{\"type\":\"web_search_20250305\",\"name\":\"web_search\",\"max_uses\":10,"
            + "\"user_location\":{\"type\":\"approximate\",\"city\":\"London\",\"country\":\"GB\"}}]"), anthropic.take().body().path("tools"));
        JsonNode annotation = JSON.readTree(plain.body()).path("choices").path(0).path("message").path("annotations").path(0);
        assertEquals(JSON.readTree("{\"type\":\"url_citation\",\"url_citation\":{\"start_index\":14,\"end_index\":36,"
            + "\"url\":\"https://sluice.example/about\",\"title\":\"About Sluice\"}}"), annotation, plain.body());

        HttpResponse<String> streamed = post("/v1/chat/completions", body.formatted("\"stream\": true,"));
        assertEquals(200, streamed.statusCode(), streamed.body());
        anthropic.take();
        assertTrue(streamed.body().contains("\"annotations\":[{\"type\":\"url_citation\",\"url_citation\":{\"start_index\":14,\"end_index\":36,"),
            streamed.body());
    }

    @Test
    void anAnswerCutByTheTokenLimitIsIncomplete() throws Exception
    {
        Response response = sdk.responses().create(params("cut", "Tell me a story"));
        assertEquals(ResponseStatus.INCOMPLETE, response.status().orElseThrow());
        assertEquals("max_output_tokens", response.incompleteDetails().orElseThrow().reason().orElseThrow().asString());
        assertEquals("Once upon a", text(response));
    }

    /**
     * Codex (its app above all) tells progress notes from the answer by a message's phase, as
     * OpenAI's gpt-5 models give it; without one it showed the final answer twice.
     */
    @Test
    void messagesCarryTheirPhaseCommentaryBeforeToolCallsAndTheFinalAnswerLast() throws Exception
    {
        drain();
        String weather = ", \"tools\": [{\"type\": \"function\", \"name\": \"weather\", \"parameters\": {\"type\": \"object\"}}]";
        for (boolean stream : new boolean[] {false, true})
        {
            String start = "{\"model\": \"claude\", \"stream\": " + stream + ", \"input\": \"Weather in Paris?\"";
            assertEquals(List.of("message:final_answer"), phases(post("/v1/responses", start + "}"), stream));
        }
        assertEquals(List.of("message:commentary", "function_call:-"), phases(post("/v1/responses", "{\"model\": \"claude\", \"input\": \"Weather in"
            + " Paris?\"" + weather + "}"), false));
        // A server that streams a note before its tool call.
        try (ScriptedUpstream narrating = new ScriptedUpstream())
        {
            String head = "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"n\",\"choices\":[{\"index\":0,\"delta\":";
            String stream = head + "{\"role\":\"assistant\",\"content\":\"Checking the weather.\"},\"finish_reason\":null}]}\n\n"
                + head + "{\"tool_calls\":[{\"index\":0,\"id\":\"call_n\",\"type\":\"function\",\"function\":{\"name\":\"weather\",\"arguments\":\"{}\"}}]},"
                + "\"finish_reason\":null}]}\n\n" + head + "{},\"finish_reason\":\"tool_calls\"}]}\n\ndata: [DONE]\n\n";
            narrating.script("/v1/chat/completions", "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\nContent-Length: "
                + stream.length() + "\r\n\r\n" + stream);
            try (SluiceUnderTest other = SluiceUnderTest.start("""
                consumer.dev.api-key.main = sha256:%s
                route.ai.path = /v1
                route.ai.ai = on
                route.ai.auth = api-key
                ai.provider.n.type = openai-compatible
                ai.provider.n.base-url = %s/v1
                ai.model.n.target.main.provider = n
                ai.model.n.target.main.model = n
                """.formatted(KeyHashes.sha256(KEY), narrating.url())))
            {
                HttpResponse<String> streamed = HTTP.send(HttpRequest.newBuilder(other.uri("/v1/responses")).header("Authorization", "Bearer " + KEY)
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"model\": \"n\", \"stream\": true,"
                        + " \"input\": \"Weather in Paris?\"" + weather + "}")).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(List.of("message:commentary", "function_call:-"), phases(streamed, true));
            }
        }
        assertEquals(List.of("message:-"), phases(post("/v1/responses", "{\"model\": \"cut\", \"input\": \"Tell me a story\"}"), false),
            "an answer cut short is no final answer");
    }

    /** The type and phase ("-" for none) of each item of a response, or of a stream's completed response. */
    private static List<String> phases(HttpResponse<String> response, boolean stream) throws Exception
    {
        assertEquals(200, response.statusCode(), response.body());
        JsonNode whole;
        if (stream)
        {
            String completed = java.util.Arrays.stream(response.body().split("\n")).filter(line -> line.contains("\"response.completed\""))
                .findFirst().orElseThrow();
            whole = JSON.readTree(completed.substring(6)).path("response");
        }
        else
        {
            whole = JSON.readTree(response.body());
        }
        List<String> phases = new ArrayList<>();
        whole.path("output").forEach(item -> phases.add(item.path("type").asText() + ":" + item.path("phase").asText("-")));
        return phases;
    }

    @Test
    void aFailureAfterTheFirstTokenEndsTheStreamWithResponseFailed() throws Exception
    {
        anthropic.next(Fault.ERROR_MID_STREAM);
        HttpResponse<String> response = post("/v1/responses", "{\"model\":\"claude\",\"stream\":true,\"input\":\"Say hi\"}");
        assertEquals(200, response.statusCode());
        assertTrue(response.body().contains("event: response.output_text.delta"), response.body());
        assertTrue(response.body().contains("event: response.failed"), response.body());
        assertFalse(response.body().contains("response.completed"), response.body());
        JsonNode failed = null;
        for (String line : response.body().split("\n"))
        {
            if (line.startsWith("data: ") && line.contains("\"response.failed\""))
            {
                failed = JSON.readTree(line.substring(6)).path("response");
            }
        }
        assertEquals("failed", failed.path("status").asText());
        assertFalse(failed.path("error").path("message").asText().isEmpty(), failed.toString());
        assertTrue(failed.path("output").path(0).path("content").path(0).path("text").asText().startsWith("Hello"), "what came before the failure");
    }

    @Test
    void whatAGatewayWithoutStateCannotServeIsRefusedClearly() throws Exception
    {
        BadRequestException chained = assertThrows(BadRequestException.class, () -> sdk.responses().create(params("gpt", "again").toBuilder()
            .previousResponseId("resp_123").build()));
        assertTrue(chained.getMessage().contains("'resp_123' is not known"), chained.getMessage());
        assertEquals("previous_response_id", chained.param().orElseThrow());

        HttpResponse<String> hosted = post("/v1/responses", "{\"model\":\"gpt\",\"input\":\"news?\",\"tool_choice\":{\"type\":\"web_search\"},"
            + "\"tools\":[{\"type\":\"web_search\"}]}");
        assertEquals(400, hosted.statusCode(), "a hosted tool demanded cannot be served");
        JsonNode error = JSON.readTree(hosted.body()).path("error");
        assertEquals("tool_choice", error.path("param").asText(), hosted.body());

        HttpResponse<String> noInput = post("/v1/responses", "{\"model\":\"gpt\"}");
        assertEquals(400, noInput.statusCode());
        assertEquals("input", JSON.readTree(noInput.body()).path("error").path("param").asText(), noInput.body());
        // Each malformed field named as the client wrote it, before any provider is asked.
        java.util.Map<String, String> malformed = new java.util.LinkedHashMap<>();
        malformed.put("\"max_output_tokens\":0", "max_output_tokens");
        malformed.put("\"tools\":\"weather\"", "tools");
        malformed.put("\"tools\":[5]", "tools[0]");
        malformed.put("\"tool_choice\":5", "tool_choice");
        malformed.put("\"text\":{\"format\":{\"type\":\"json_schema\"}}", "text.format.name");
        malformed.put("\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_file\"}]}]", "input[0].content[0].type");
        int asked = openai.count();
        for (java.util.Map.Entry<String, String> field : malformed.entrySet())
        {
            String fields = field.getKey().startsWith("\"input\"") ? field.getKey() : "\"input\":\"x\"," + field.getKey();
            HttpResponse<String> refused = post("/v1/responses", "{\"model\":\"gpt\"," + fields + "}");
            assertEquals(400, refused.statusCode(), field.getKey() + ": " + refused.body());
            assertEquals(field.getValue(), JSON.readTree(refused.body()).path("error").path("param").asText(), refused.body());
        }
        assertEquals(asked, openai.count(), "no provider was asked");

        assertThrows(NotFoundException.class, () -> sdk.responses().create(params("no-such-model", "x")));
        NotFoundException stored = assertThrows(NotFoundException.class, () -> sdk.responses().retrieve("resp_123"));
        assertTrue(stored.getMessage().contains("not to retrieve"), stored.getMessage());
    }
}
