// A Responses API client's request relayed as it came to a model served through the Responses API, its answer back byte for byte.
package dev.sluice.ai;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.helpers.ResponseAccumulator;
import com.openai.models.responses.FunctionTool;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseStreamEvent;
import dev.sluice.testing.FakeModelProvider;
import dev.sluice.testing.FakeModelProvider.Fault;
import dev.sluice.testing.KeyHashes;
import dev.sluice.testing.LogCapture;
import dev.sluice.testing.SluiceUnderTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Codex, OpenAI's Agents SDK and the SDKs' {@code responses} calls to OpenAI's own models through
 * Sluice: what the chat form cannot hold (hosted tools, a custom tool's grammar, a reasoning
 * summary, {@code include}, {@code truncation}) reaches the model, and the client gets OpenAI's
 * answer as OpenAI gave it, with usage and cost recorded as for any answer.
 */
class AiResponsesRelayTest
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "relay-key-0123456789abcdef";
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static FakeModelProvider openai;
    private static FakeModelProvider anthropic;
    private static SluiceUnderTest sluice;
    private static OpenAIClient sdk;
    private static LogCapture log;

    @BeforeAll
    static void start() throws Exception
    {
        log = LogCapture.start();
        openai = FakeModelProvider.start("openai");
        anthropic = FakeModelProvider.start("anthropic");
        sluice = SluiceUnderTest.start("""
            consumer.dev.api-key.main = sha256:%s
            route.ai.path = /v1
            route.ai.ai = on
            route.ai.auth = api-key
            route.cached.path = /cached/v1
            route.cached.ai = on
            route.cached.auth = api-key
            route.cached.ai.cache = on
            ai.cooldown.failures = 100
            ai.provider.oa.type = openai
            ai.provider.oa.base-url = %s/v1
            ai.provider.oa.api-key = oa-provider-secret
            ai.provider.oa.first-token-timeout = 2s
            ai.provider.an.type = anthropic
            ai.provider.an.base-url = %s
            ai.provider.an.api-key = ant-provider-secret
            ai.model.gpt.target.main.provider = oa
            ai.model.gpt.target.main.model = gpt-5.5
            ai.model.gpt.target.main.input-price = 1.25
            ai.model.gpt.target.main.output-price = 10
            ai.model.gpt.target.main.cached-input-price = 0.125
            ai.model.old.target.main.provider = oa
            ai.model.old.target.main.model = gpt-5
            ai.model.chat.target.main.provider = oa
            ai.model.chat.target.main.model = gpt-5.5
            ai.model.chat.target.main.api = chat
            ai.model.briefed.target.main.provider = oa
            ai.model.briefed.target.main.model = gpt-5.5
            ai.model.briefed.prepend = [{"role": "system", "content": "Answer in English."}]
            ai.model.either.targets = first, second
            ai.model.either.target.first.provider = oa
            ai.model.either.target.first.model = gpt-5.5
            ai.model.either.target.second.provider = an
            ai.model.either.target.second.model = claude-sonnet
            ai.model.claude.target.main.provider = an
            ai.model.claude.target.main.model = claude-sonnet
            ai.provider.vl.type = openai-compatible
            ai.provider.vl.base-url = %4$s/v1
            ai.model.local.target.main.provider = vl
            ai.model.local.target.main.model = qwen3
            ai.model.local.target.main.api = responses
            """.formatted(KeyHashes.sha256(KEY), openai.uri(), anthropic.uri(), openai.uri()));
        sdk = OpenAIOkHttpClient.builder().baseUrl(sluice.uri("/v1").toString()).apiKey(KEY).maxRetries(0).build();
    }

    @AfterAll
    static void stop() throws Exception
    {
        sdk.close();
        sluice.close();
        openai.close();
        anthropic.close();
        log.close();
    }

    private static void drain()
    {
        while (openai.poll() != null || anthropic.poll() != null)
        {
            // forget what earlier tests left
        }
    }

    private static HttpResponse<String> post(String body) throws Exception
    {
        return post("/v1/responses", body);
    }

    private static HttpResponse<String> post(String path, String body) throws Exception
    {
        return HTTP.send(HttpRequest.newBuilder(sluice.uri(path)).header("Authorization", "Bearer " + KEY)
            .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A request as Codex sends one: its freeform apply_patch tool with its grammar, OpenAI's web search, a reasoning summary. */
    private static ObjectNode codexRequest(String model, boolean stream) throws Exception
    {
        return (ObjectNode)JSON.readTree("""
            {"model": "%s", "instructions": "Be brief.", "store": false, "stream": %s, "include": ["reasoning.encrypted_content"],
             "reasoning": {"effort": "high", "summary": "auto"}, "text": {"verbosity": "low"}, "truncation": "auto",
             "prompt_cache_key": "session-1", "parallel_tool_calls": false, "user": "%s",
             "tools": [
               {"type": "custom", "name": "apply_patch", "description": "Edit files",
                "format": {"type": "grammar", "syntax": "lark", "definition": "start: begin_patch hunk+ end_patch"}},
               {"type": "web_search", "external_web_access": true}],
             "input": [{"type": "message", "role": "user", "content": [{"type": "input_text", "text": "Patch the README"}]}]}
            """.formatted(model, stream, "{\\\"device_id\\\":\\\"" + "d".repeat(64) + "\\\",\\\"session_id\\\":\\\"" + "s".repeat(40) + "\\\"}"));
    }

    private static String sha256(String text) throws Exception
    {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * Before, the request crossed the chat form: the web search tool was left out (named in
     * X-Sluice-AI-Dropped-Tools), apply_patch went as a function of one string with its grammar
     * as text, the reasoning summary and truncation were lost.
     */
    @Test
    void aResponsesRequestReachesAnOpenAiModelAsItCameAndItsAnswerComesBackAsItWasGiven() throws Exception
    {
        drain();
        ObjectNode request = codexRequest("gpt", false);
        HttpResponse<String> response = post(request.toString());
        assertEquals(200, response.statusCode(), response.body());

        FakeModelProvider.Received asked = openai.take();
        assertEquals("/v1/responses", asked.path());
        assertEquals("Bearer oa-provider-secret", asked.header("Authorization"));
        ObjectNode expected = request.deepCopy();
        expected.put("model", "gpt-5.5");
        // Over OpenAI's 64 characters: its hash, the same for the same user.
        expected.put("user", sha256(request.path("user").asText()));
        assertEquals(expected, asked.body(), "the client's request, but for the model and the user id");

        JsonNode answer = JSON.readTree(response.body());
        assertEquals("resp_fake", answer.path("id").asText(), "the provider's response, not one Sluice made: " + response.body());
        assertEquals("enc:0", answer.path("output").path(0).path("encrypted_content").asText(), "OpenAI's own encrypted reasoning, not sealed");
        assertEquals("web_search_call", answer.path("output").path(1).path("type").asText(), "the hosted search ran: " + response.body());
        assertEquals("apply_patch", answer.path("output").path(2).path("name").asText());
        assertEquals("oa", response.headers().firstValue(AiFront.PROVIDER_HEADER).orElse(null));
        assertEquals("gpt-5.5-2025", response.headers().firstValue(AiFront.MODEL_HEADER).orElse(null));
        assertFalse(response.headers().firstValue(AiFront.DROPPED_TOOLS_HEADER).isPresent(), "no tool was left out");
        assertEquals(response.body().getBytes(StandardCharsets.UTF_8).length,
            Integer.parseInt(response.headers().firstValue("Content-Length").orElse("-1")), "the answer's own length");

        // Cost as for any answer: tokens at the target's prices, and the search at OpenAI's $10 per 1,000.
        JsonNode usage = answer.path("usage");
        long prompt = usage.path("input_tokens").asLong();
        long cached = usage.path("input_tokens_details").path("cached_tokens").asLong();
        long completion = usage.path("output_tokens").asLong();
        double cost = ((prompt - cached) * 1.25 + cached * 0.125 + completion * 10) / 1_000_000.0 + 0.01;
        assertEquals(AiFront.cost(cost), response.headers().firstValue(AiFront.COST_HEADER).orElse(null));
        JsonNode line = JSON.readTree(log.accessLine(response.headers().firstValue("X-Request-ID").orElseThrow())).path("ai");
        assertEquals(prompt, line.path("prompt_tokens").asLong(), line.toString());
        assertEquals(1, line.path("web_searches").asInt(), line.toString());
        assertFalse(line.path("tokens_estimated").asBoolean(), line.toString());

        // The same request where the chat form is the way: an alias asked through chat completions, and one whose
        // prompt Sluice adds to (a decoration, a template or a redaction the relayed request would not carry).
        HttpResponse<String> chat = post(codexRequest("chat", false).toString());
        assertEquals(200, chat.statusCode(), chat.body());
        assertEquals("/v1/chat/completions", openai.take().path());
        assertEquals("web_search", chat.headers().firstValue(AiFront.DROPPED_TOOLS_HEADER).orElse(null));
        assertTrue(JSON.readTree(chat.body()).path("id").asText().startsWith("resp_"), chat.body());
        assertFalse(JSON.readTree(chat.body()).path("id").asText().equals("resp_fake"), chat.body());
        HttpResponse<String> briefed = post(codexRequest("briefed", false).toString());
        assertEquals(200, briefed.statusCode(), briefed.body());
        FakeModelProvider.Received decorated = openai.take();
        assertEquals("/v1/chat/completions", decorated.path());
        assertEquals("Answer in English.", decorated.body().path("messages").path(0).path("content").asText(), decorated.body().toString());
    }

    @Test
    void aStreamComesAsTheProvidersOwnEvents() throws Exception
    {
        drain();
        HttpResponse<String> response = post(codexRequest("gpt", true).toString());
        assertEquals(200, response.statusCode(), response.body());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
        List<String> types = new ArrayList<>();
        long expectedSequence = 0;
        JsonNode completed = null;
        for (String frame : response.body().split("\n\n"))
        {
            String[] lines = frame.split("\n");
            assertEquals(2, lines.length, frame);
            JsonNode event = JSON.readTree(lines[1].substring("data: ".length()));
            assertEquals("event: " + event.path("type").asText(), lines[0]);
            assertEquals(expectedSequence++, event.path("sequence_number").asLong(), "the provider's events, none added or lost: " + response.body());
            types.add(event.path("type").asText());
            completed = event.path("response");
        }
        assertEquals("response.created", types.get(0));
        assertTrue(types.contains("response.web_search_call.completed"), types.toString());
        assertEquals("response.completed", types.get(types.size() - 1));
        assertEquals("resp_fake", completed.path("id").asText());
        assertEquals("/v1/responses", openai.take().path());
        JsonNode line = JSON.readTree(log.accessLine(response.headers().firstValue("X-Request-ID").orElseThrow())).path("ai");
        assertEquals(completed.path("usage").path("input_tokens").asLong(), line.path("prompt_tokens").asLong(), line.toString());
        assertEquals(completed.path("usage").path("output_tokens").asLong(), line.path("completion_tokens").asLong(), line.toString());
        assertEquals(1, line.path("web_searches").asInt(), line.toString());
        assertTrue(line.path("ttft_ms").isNumber(), line.toString());

        // OpenAI's Java SDK reads it as OpenAI's.
        FunctionTool weather = FunctionTool.builder().name("get_weather").strict(false).parameters(FunctionTool.Parameters.builder()
            .putAdditionalProperty("type", JsonValue.from("object")).putAdditionalProperty("properties", JsonValue.from(Map.of())).build()).build();
        ResponseAccumulator accumulator = ResponseAccumulator.create();
        try (StreamResponse<ResponseStreamEvent> stream = sdk.responses().createStreaming(ResponseCreateParams.builder().model("gpt")
            .input("Weather in Paris?").addTool(weather).build()))
        {
            stream.stream().forEach(accumulator::accumulate);
        }
        assertEquals("get_weather", accumulator.response().output().get(1).asFunctionCall().name());
        assertEquals("call_r1", accumulator.response().output().get(1).asFunctionCall().callId());
        assertEquals("resp_fake", accumulator.response().id());
    }

    /**
     * Reasoning items the target cannot take would fail the request (OpenAI refuses reasoning it
     * cannot decrypt, and with {@code store: false} one it cannot find): Sluice's own, sealed for
     * this model, go back as the model gave them; others are left out, and the ids of the items
     * that followed them too ("provided without its required 'reasoning' item").
     */
    @Test
    void reasoningItemsGoAsTheTargetCanTakeThem() throws Exception
    {
        drain();
        String mine = "sluice.openai." + Base64.getUrlEncoder().withoutPadding().encodeToString(
            "{\"id\":\"rs_given\",\"encrypted_content\":\"enc:7\",\"target\":\"oa/gpt-5.5\"}".getBytes(StandardCharsets.UTF_8));
        String anothers = "sluice.openai." + Base64.getUrlEncoder().withoutPadding().encodeToString(
            "{\"id\":\"rs_other\",\"encrypted_content\":\"enc:8\",\"target\":\"oa/gpt-5\"}".getBytes(StandardCharsets.UTF_8));
        String claudes = "sluice.thinking." + Base64.getUrlEncoder().withoutPadding().encodeToString(
            "{\"type\":\"thinking\",\"thinking\":\"Hmm.\",\"signature\":\"sig\"}".getBytes(StandardCharsets.UTF_8));
        String body = """
            {"model": "gpt", "store": false, "input": [
              {"role": "user", "content": "Fix it"},
              {"type": "reasoning", "id": "rs_sluice_1", "summary": [], "encrypted_content": "%s"},
              {"type": "function_call", "id": "fc_a", "call_id": "c1", "name": "shell", "arguments": "{}"},
              {"type": "function_call_output", "call_id": "c1", "output": "ok"},
              {"type": "reasoning", "id": "rs_sluice_2", "summary": [], "encrypted_content": "%s"},
              {"type": "function_call", "id": "fc_b", "call_id": "c2", "name": "shell", "arguments": "{}"},
              {"type": "function_call_output", "call_id": "c2", "output": "ok"},
              {"type": "reasoning", "id": "rs_sluice_3", "summary": [], "encrypted_content": "%s"},
              {"type": "message", "id": "msg_c", "role": "assistant", "content": [{"type": "output_text", "text": "Done."}]},
              {"type": "reasoning", "id": "rs_openai", "summary": [], "encrypted_content": "enc:3"},
              {"type": "function_call", "id": "fc_d", "call_id": "c4", "name": "shell", "arguments": "{}"},
              {"type": "function_call_output", "call_id": "c4", "output": "ok"},
              {"type": "reasoning", "id": "rs_unknown", "summary": [{"type": "summary_text", "text": "Checking."}]},
              {"type": "function_call", "id": "fc_e", "call_id": "c5", "name": "shell", "arguments": "{}"},
              {"type": "function_call_output", "call_id": "c5", "output": "ok"},
              {"role": "user", "content": "Go on"}
            ]}""".formatted(mine, anothers, claudes);
        HttpResponse<String> response = post(body);
        assertEquals(200, response.statusCode(), response.body());
        List<String> given = new ArrayList<>();
        for (JsonNode item : openai.take().body().path("input"))
        {
            String type = item.path("type").asText(item.path("role").asText());
            given.add(type + (item.has("id") ? "#" + item.path("id").asText() : "") + (item.has("encrypted_content") ? "=" + item.path("encrypted_content").asText() : ""));
        }
        assertEquals(List.of("user",
            "reasoning#rs_given=enc:7", "function_call#fc_a", "function_call_output",
            "function_call", "function_call_output",
            "message",
            "reasoning#rs_openai=enc:3", "function_call#fc_d", "function_call_output",
            "function_call", "function_call_output",
            "user"), given);
    }

    /**
     * What the provider does not find of what the request names is the client's to hear. Before,
     * OpenAI's 404 for an item it does not keep reached the client as "The model provider does not
     * know the configured model".
     */
    @Test
    void anItemTheProviderDoesNotFindIsTheClientsError() throws Exception
    {
        drain();
        HttpResponse<String> response = post("""
            {"model": "gpt", "input": [{"role": "user", "content": "Hi"},
              {"type": "reasoning", "id": "rs_gone", "summary": []},
              {"role": "assistant", "content": "Hello"}, {"role": "user", "content": "Again"}]}""");
        assertEquals(404, response.statusCode(), response.body());
        JsonNode error = JSON.readTree(response.body()).path("error");
        assertTrue(error.path("message").asText().startsWith("Item with id 'rs_gone' not found."), response.body());
        assertEquals("input", error.path("param").asText(), response.body());
        assertEquals("/v1/responses", openai.take().path(), "stored, so the provider might have had it");
    }

    /** An effort the model lacks is fitted to its ladder, sampling a reasoning model refuses is refused, as through the chat form. */
    @Test
    void theEffortAndSamplingAreFittedToTheModel() throws Exception
    {
        drain();
        HttpResponse<String> fitted = post("{\"model\":\"old\",\"input\":\"Hi\",\"reasoning\":{\"effort\":\"xhigh\",\"summary\":\"auto\"}}");
        assertEquals(200, fitted.statusCode(), fitted.body());
        JsonNode asked = openai.take().body();
        assertEquals("{\"effort\":\"high\",\"summary\":\"auto\"}", asked.path("reasoning").toString(), "gpt-5 goes no higher than high");
        assertEquals("gpt-5", asked.path("model").asText());

        HttpResponse<String> sampled = post("{\"model\":\"old\",\"input\":\"Hi\",\"temperature\":0.2}");
        assertEquals(400, sampled.statusCode(), sampled.body());
        assertEquals("temperature", JSON.readTree(sampled.body()).path("error").path("param").asText(), sampled.body());
        assertEquals(null, openai.poll(), "not sent");
    }

    @Test
    void aTargetThatFailsBeforeItsAnswerBeginsGivesWayToTheNext() throws Exception
    {
        drain();
        openai.next(Fault.SERVER_ERROR);
        HttpResponse<String> response = post("{\"model\":\"either\",\"stream\":true,\"input\":\"Say hi\"}");
        assertEquals(200, response.statusCode(), response.body());
        assertEquals("2", response.headers().firstValue(AiFront.ATTEMPTS_HEADER).orElse(null));
        assertTrue(response.body().contains("Hello from anthropic"), "Claude answered, in the Responses API's events: " + response.body());
        assertTrue(response.body().contains("event: response.completed"), response.body());

        drain();
        openai.next(Fault.ERROR_BEFORE_FIRST_TOKEN);
        HttpResponse<String> failedEarly = post("{\"model\":\"either\",\"stream\":true,\"input\":\"Say hi\"}");
        assertEquals(200, failedEarly.statusCode(), failedEarly.body());
        assertFalse(failedEarly.body().contains("resp_fake"), "nothing of the failed attempt reached the client: " + failedEarly.body());
        assertFalse(failedEarly.body().contains("response.failed"), failedEarly.body());
        assertTrue(failedEarly.body().contains("Hello from anthropic"), failedEarly.body());
    }

    @Test
    void aStreamThatFailsAfterItsAnswerBeganEndsWithOneFailure() throws Exception
    {
        drain();
        openai.next(Fault.CUT_AFTER_FIRST_TOKEN);
        HttpResponse<String> cut = post("{\"model\":\"gpt\",\"stream\":true,\"input\":\"Say hi\"}");
        assertEquals(200, cut.statusCode());
        String[] frames = cut.body().split("\n\n");
        assertTrue(frames[frames.length - 2].contains("response.output_text.delta"), cut.body());
        JsonNode last = JSON.readTree(frames[frames.length - 1].split("\n")[1].substring("data: ".length()));
        JsonNode before = JSON.readTree(frames[frames.length - 2].split("\n")[1].substring("data: ".length()));
        assertEquals("response.failed", last.path("type").asText(), "Sluice's own end of the stream: " + cut.body());
        assertEquals(before.path("sequence_number").asLong() + 1, last.path("sequence_number").asLong());
        assertEquals("resp_fake", last.path("response").path("id").asText(), "the response that failed: " + last);
        assertFalse(last.path("response").path("error").path("message").asText().isEmpty(), last.toString());

        openai.next(Fault.ERROR_MID_STREAM);
        HttpResponse<String> failed = post("{\"model\":\"gpt\",\"stream\":true,\"input\":\"Say hi\"}");
        assertEquals(200, failed.statusCode());
        assertEquals(1, failed.body().split("event: response.failed", -1).length - 1, "the provider's failure, once: " + failed.body());
        assertTrue(failed.body().contains("The model failed mid-answer."), failed.body());
    }

    /**
     * Items and parts the chat form has no place for (a hosted tool's call from an earlier turn, a
     * file, a hosted tool chosen): before, every such request was refused with 400; now a target
     * it is relayed to takes it, and one it cannot be relayed to is not asked.
     */
    @Test
    void whatOnlyTheResponsesApiHoldsGoesWhereTheRequestIsRelayed() throws Exception
    {
        drain();
        String body = """
            {"model": "%s", "tool_choice": {"type": "file_search"},
             "tools": [{"type": "file_search", "vector_store_ids": ["vs_1"]}, {"type": "code_interpreter", "container": {"type": "auto"}}],
             "input": [
               {"role": "user", "content": "Plot it"},
               {"type": "code_interpreter_call", "id": "ci_1", "status": "completed", "code": "print(1)", "container_id": "cntr_1", "outputs": []},
               {"role": "user", "content": [{"type": "input_text", "text": "And this file?"}, {"type": "input_file", "file_id": "file-1"}]}
             ]}""";
        HttpResponse<String> relayed = post(body.formatted("gpt"));
        assertEquals(200, relayed.statusCode(), relayed.body());
        JsonNode asked = openai.take().body();
        assertEquals("code_interpreter_call", asked.path("input").path(1).path("type").asText(), asked.toString());
        assertEquals("input_file", asked.path("input").path(2).path("content").path(1).path("type").asText(), asked.toString());
        assertEquals("{\"type\":\"file_search\"}", asked.path("tool_choice").toString());

        HttpResponse<String> chat = post(body.formatted("chat"));
        assertEquals(400, chat.statusCode(), chat.body());
        JsonNode error = JSON.readTree(chat.body()).path("error");
        assertEquals("input[1].type", error.path("param").asText(), "the first thing the chat form cannot hold: " + chat.body());
        assertTrue(error.path("message").asText().contains("served through the Responses API"), chat.body());
        assertEquals(null, openai.poll(), "a target the request is not relayed to is not asked");
        // Nor is one the front changes the prompt for: the answer says what changed it.
        HttpResponse<String> briefed = post(body.formatted("briefed"));
        assertEquals(400, briefed.statusCode(), briefed.body());
        String why = JSON.readTree(briefed.body()).path("error").path("message").asText();
        assertTrue(why.contains("served through the Responses API") && why.contains("'briefed' adds to every prompt (its prepend or append)"), why);
        assertEquals(null, openai.poll());

        // A route that caches answers in the chat form does not hold such a request: it is relayed, and not cached.
        HttpResponse<String> cached = post("/cached/v1/responses", body.formatted("gpt"));
        assertEquals(200, cached.statusCode(), cached.body());
        assertEquals("/v1/responses", openai.take().path());
        assertFalse(cached.headers().firstValue("X-Cache-Status").isPresent(), cached.headers().map().toString());
        HttpResponse<String> plain = post("/cached/v1/responses", "{\"model\":\"gpt\",\"input\":\"Hi\"}");
        assertEquals(200, plain.statusCode(), plain.body());
        assertEquals("MISS", plain.headers().firstValue("X-Cache-Status").orElse(null), "a request the cache holds goes through the chat form");
        assertEquals("/v1/chat/completions", openai.take().path());
    }

    /**
     * A relayed answer is kept by the provider (unless {@code store: false}) and by Sluice: a
     * continuation by previous_response_id goes as it came to the target that answered, which
     * keeps the whole conversation, hosted tools' results too; any other target gets the turns
     * Sluice kept, through the chat form.
     */
    @Test
    void aRelayedAnswerCanBeContinuedByItsId() throws Exception
    {
        drain();
        HttpResponse<String> first = post("{\"model\":\"gpt\",\"input\":\"Name a colour\"}");
        assertEquals(200, first.statusCode(), first.body());
        assertEquals("/v1/responses", openai.take().path());

        // An item_reference (Vercel's AI SDK sends those unless told store: false) is relayed as the item it names.
        HttpResponse<String> referred = post("{\"model\":\"gpt\",\"input\":[{\"role\":\"user\",\"content\":\"Name a colour\"},"
            + "{\"type\":\"item_reference\",\"id\":\"msg_1\"},{\"role\":\"user\",\"content\":\"Another\"}]}");
        assertEquals(200, referred.statusCode(), referred.body());
        JsonNode item = openai.take().body().path("input").path(1);
        assertEquals("message", item.path("type").asText(), item.toString());
        assertEquals("msg_1", item.path("id").asText(), item.toString());
        assertEquals("Hello from openai: Name a colour", item.path("content").path(0).path("text").asText(), item.toString());

        HttpResponse<String> same = post("{\"model\":\"gpt\",\"previous_response_id\":\"resp_fake\",\"input\":\"Another\"}");
        assertEquals(200, same.statusCode(), same.body());
        FakeModelProvider.Received relayed = openai.take();
        assertEquals("/v1/responses", relayed.path());
        assertEquals("resp_fake", relayed.body().path("previous_response_id").asText(), relayed.body().toString());
        assertEquals("\"Another\"", relayed.body().path("input").toString(), "the new input alone: the provider has the rest");
        HttpResponse<String> next = post("{\"model\":\"chat\",\"previous_response_id\":\"resp_fake\",\"input\":\"Another\"}");
        assertEquals(200, next.statusCode(), next.body());
        FakeModelProvider.Received asked = openai.take();
        assertEquals("/v1/chat/completions", asked.path());
        JsonNode messages = asked.body().path("messages");
        assertEquals("Name a colour", messages.path(0).path("content").asText(), messages.toString());
        assertEquals("Hello from openai: Name a colour", messages.path(1).path("content").asText(), messages.toString());
        assertEquals("Another", messages.path(2).path("content").asText(), messages.toString());
    }

    /**
     * Codex's remote compaction (v2): the conversation with a last compaction_trigger item, and
     * exactly one compaction item expected back, which stands for the conversation from then on.
     * Before, the trigger was an input item only OpenAI takes: to any other model the request was a
     * 400, and the client's session stopped there.
     */
    @Test
    void aConversationIsCompactedForAModelBehindTheChatForm() throws Exception
    {
        drain();
        String history = """
            {"model": "chat", "store": false, "stream": %s,
             "tools": [{"type": "function", "name": "shell", "parameters": {"type": "object", "properties": {"cmd": {"type": "string"}}}}],
             "input": [
               {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "List the files"}]},
               {"type": "function_call", "call_id": "call_1", "name": "shell", "arguments": "{\\"cmd\\":\\"ls\\"}"},
               {"type": "function_call_output", "call_id": "call_1", "output": "a.txt"},
               {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "There is a.txt"}]},
               {"type": "compaction_trigger"}]}""";
        HttpResponse<String> compacted = post(history.formatted(false));
        assertEquals(200, compacted.statusCode(), compacted.body());
        JsonNode output = JSON.readTree(compacted.body()).path("output");
        assertEquals(1, output.size(), "exactly one item: " + compacted.body());
        JsonNode item = output.path(0);
        assertEquals("compaction", item.path("type").asText(), compacted.body());
        assertTrue(item.path("encrypted_content").asText().startsWith("sluice.compaction."), compacted.body());
        FakeModelProvider.Received asked = openai.take();
        assertEquals("/v1/chat/completions", asked.path());
        JsonNode messages = asked.body().path("messages");
        assertEquals("user", messages.path(messages.size() - 1).path("role").asText());
        assertTrue(messages.path(messages.size() - 1).path("content").asText().contains("will be continued from a summary"), asked.body().toString());
        assertEquals("tool", messages.path(messages.size() - 3).path("role").asText(), "the history as it was: " + asked.body());
        assertEquals("none", asked.body().path("tool_choice").asText(), "the tools declared, none to be called: " + asked.body());
        assertEquals("shell", asked.body().path("tools").path(0).path("function").path("name").asText());

        // Claude the same: its tools declared, none to be called, the summary asked last.
        HttpResponse<String> claude = post(history.replace("\"model\": \"chat\"", "\"model\": \"claude\"").formatted(true));
        assertEquals(200, claude.statusCode(), claude.body());
        assertTrue(claude.body().contains("\"type\":\"compaction\""), claude.body());
        JsonNode claudeAsked = anthropic.take().body();
        assertEquals("none", claudeAsked.path("tool_choice").path("type").asText(), claudeAsked.toString());
        assertEquals("shell", claudeAsked.path("tools").path(0).path("name").asText(), claudeAsked.toString());
        JsonNode lastTurn = claudeAsked.path("messages").path(claudeAsked.path("messages").size() - 1);
        assertEquals("user", lastTurn.path("role").asText(), claudeAsked.toString());
        assertTrue(lastTurn.toString().contains("will be continued from a summary"), lastTurn.toString());

        // Streamed: the same one item, in its events.
        HttpResponse<String> streamed = post(history.formatted(true));
        assertEquals(200, streamed.statusCode(), streamed.body());
        openai.take();
        assertFalse(streamed.body().contains("response.output_text.delta"), "the summary is not shown as text: " + streamed.body());
        JsonNode completed = null;
        for (String line : streamed.body().split("\n"))
        {
            if (line.startsWith("data: ") && line.contains("\"response.completed\""))
            {
                completed = JSON.readTree(line.substring(6)).path("response");
            }
        }
        assertNotNull(completed, streamed.body());
        assertEquals(1, completed.path("output").size(), completed.toString());
        assertEquals("compaction", completed.path("output").path(0).path("type").asText(), completed.toString());
        assertTrue(streamed.body().contains("\"type\":\"response.output_item.done\""), streamed.body());

        // The item stands for the conversation: to this model, and to one relayed to OpenAI, as a user message with the summary.
        String next = """
            {"model": "%s", "store": false, "input": [
               {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "List the files"}]},
               %s,
               {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "And now?"}]}]}""";
        HttpResponse<String> continued = post(next.formatted("chat", item.toString()));
        assertEquals(200, continued.statusCode(), continued.body());
        JsonNode carried = openai.take().body().path("messages").path(1);
        assertEquals("user", carried.path("role").asText(), carried.toString());
        assertTrue(carried.path("content").asText().contains("compacted into this summary:\n\nHello from openai: [Context checkpoint]"), carried.toString());
        HttpResponse<String> relayed = post(next.formatted("gpt", item.toString()));
        assertEquals(200, relayed.statusCode(), relayed.body());
        FakeModelProvider.Received relayedAsked = openai.take();
        assertEquals("/v1/responses", relayedAsked.path());
        JsonNode summary = relayedAsked.body().path("input").path(1);
        assertEquals("user", summary.path("role").asText(), relayedAsked.body().toString());
        assertTrue(summary.path("content").path(0).path("text").asText().contains("compacted into this summary"), summary.toString());

        // Another server's Responses API (vLLM's, say) knows no trigger: Sluice compacts, through that API.
        HttpResponse<String> local = post(history.replace("\"model\": \"chat\"", "\"model\": \"local\"").formatted(false));
        assertEquals(200, local.statusCode(), local.body());
        assertEquals("compaction", JSON.readTree(local.body()).path("output").path(0).path("type").asText(), local.body());
        FakeModelProvider.Received localAsked = openai.take();
        assertEquals("/v1/responses", localAsked.path());
        assertFalse(localAsked.body().toString().contains("compaction_trigger"), localAsked.body().toString());
        assertTrue(localAsked.body().toString().contains("will be continued from a summary"), localAsked.body().toString());

        // To OpenAI the trigger goes as it came (OpenAI compacts); anywhere but last it is refused, as OpenAI refuses it.
        HttpResponse<String> native_ = post("{\"model\":\"gpt\",\"input\":[{\"role\":\"user\",\"content\":\"Hi\"},{\"type\":\"compaction_trigger\"}]}");
        assertEquals(200, native_.statusCode(), native_.body());
        assertEquals("compaction_trigger", openai.take().body().path("input").path(1).path("type").asText());
        HttpResponse<String> misplaced = post("{\"model\":\"chat\",\"input\":[{\"type\":\"compaction_trigger\"},{\"role\":\"user\",\"content\":\"Hi\"}]}");
        assertEquals(400, misplaced.statusCode(), misplaced.body());
        assertTrue(misplaced.body().contains("must be the final input item"), misplaced.body());
        // The standalone endpoint (older Codex): the same compaction, its answer the compacted window.
        String window = "{\"model\":\"%s\",\"input\":[{\"role\":\"user\",\"content\":\"List the files\"},"
            + "{\"type\":\"message\",\"role\":\"assistant\",\"content\":[{\"type\":\"output_text\",\"text\":\"There is a.txt\"}]}]}";
        for (String model : new String[] {"chat", "gpt"})
        {
            HttpResponse<String> standalone = post("/v1/responses/compact", window.formatted(model));
            assertEquals(200, standalone.statusCode(), standalone.body());
            JsonNode compactedWindow = JSON.readTree(standalone.body());
            assertEquals("response.compaction", compactedWindow.path("object").asText(), standalone.body());
            assertEquals(1, compactedWindow.path("output").size(), standalone.body());
            assertEquals("compaction", compactedWindow.path("output").path(0).path("type").asText(), standalone.body());
            assertTrue(compactedWindow.path("usage").path("input_tokens").asLong() > 0, standalone.body());
            FakeModelProvider.Received compactAsked = openai.take();
            assertEquals("/v1/chat/completions", compactAsked.path(), "compacted by Sluice, whatever the target: " + model);
            JsonNode last = compactAsked.body().path("messages").path(compactAsked.body().path("messages").size() - 1);
            assertTrue(last.path("content").asText().contains("will be continued from a summary"), compactAsked.body().toString());
        }
        // OpenAI's own compaction item only OpenAI reads: not sent to a model behind the chat form.
        HttpResponse<String> foreign = post("{\"model\":\"chat\",\"input\":[{\"type\":\"compaction\",\"encrypted_content\":\"gAAAA\"},"
            + "{\"role\":\"user\",\"content\":\"Hi\"}]}");
        assertEquals(400, foreign.statusCode(), foreign.body());
        assertEquals(null, openai.poll());
    }

    /**
     * Codex, pointed at Sluice as its openai provider, first asks for the Responses API's WebSocket
     * mode. To a 405 it retried five times before falling back to HTTP (8.2 and 7.5 s a run of
     * `codex exec` against 2.1 s); a 426 it takes as "none here" and falls back at once.
     */
    @Test
    void theWebSocketModeIsRefusedSoThatCodexFallsBackToHttpAtOnce() throws Exception
    {
        drain();
        dev.sluice.testing.RawHttp.Reply reply = dev.sluice.testing.RawHttp.send(sluice.port(), "GET /v1/responses HTTP/1.1", "Host: sluice",
            "Connection: Upgrade", "Upgrade: websocket", "Sec-WebSocket-Version: 13", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
            "Authorization: Bearer " + KEY);
        assertEquals(426, reply.status(), reply.head());
        assertTrue(reply.body().contains("\"code\":\"websocket_not_supported\""), reply.body());
        assertEquals(null, openai.poll());
    }
}
