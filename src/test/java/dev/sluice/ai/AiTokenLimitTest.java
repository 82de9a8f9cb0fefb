// Token limits end to end: concurrent streams against one node and three nodes sharing a real Redis.
package dev.sluice.ai;

import java.net.URI;
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
import dev.sluice.testing.KeyHashes;
import dev.sluice.testing.RedisServer;
import dev.sluice.testing.SluiceUnderTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AiTokenLimitTest
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    private static final int LIMIT = 400;
    private static final int MAX_TOKENS = 20;
    private static FakeModelProvider provider;
    private static RedisServer redis;
    private static SluiceUnderTest local;
    private static final List<SluiceUnderTest> NODES = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception
    {
        provider = FakeModelProvider.start("openai").exactTokens();
        redis = RedisServer.start();
        local = SluiceUnderTest.start(config(""));
        String shared = "ratelimit.store = redis\nratelimit.redis.uri = " + redis.uri() + "\n";
        for (int i = 0; i < 3; i++)
        {
            NODES.add(SluiceUnderTest.start(config(shared)));
        }
    }

    private static String config(String extra) throws Exception
    {
        StringBuilder keys = new StringBuilder();
        for (String who : List.of("alice", "bob", "carol", "dave", "erin"))
        {
            keys.append("consumer.").append(who).append(".api-key.main = sha256:").append(KeyHashes.sha256(who + "-key-0123456789abcdef")).append('\n');
        }
        keys.append("consumer.carol.groups = trial\n");
        return keys + extra + """
            route.ai.path = /v1
            route.ai.ai = on
            route.ai.auth = api-key
            ai.provider.oa.type = openai-compatible
            ai.provider.oa.base-url = %s/v1
            ai.model.gpt.target.main.provider = oa
            ai.model.gpt.target.main.model = gpt-4o-mini
            ai.limit.tpm.tokens = %d/d
            ai.limit.tpm.by = consumer
            ai.limit.trial.requests = 2/h
            ai.limit.trial.groups = trial
            ai.limit.trial.by = group
            """.formatted(provider.uri(), LIMIT);
    }

    @AfterAll
    static void stop() throws Exception
    {
        local.close();
        for (SluiceUnderTest node : NODES)
        {
            node.close();
        }
        provider.close();
        redis.close();
    }

    private static HttpRequest chat(URI base, String who, boolean stream, int maxTokens)
    {
        String body = "{\"model\":\"gpt\",\"stream\":" + stream + ",\"stream_options\":{\"include_usage\":true},\"max_tokens\":" + maxTokens
            + ",\"messages\":[{\"role\":\"user\",\"content\":\"Count the tokens of this sentence please\"}]}";
        return HttpRequest.newBuilder(base.resolve("/v1/chat/completions")).header("Authorization", "Bearer " + who + "-key-0123456789abcdef")
            .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    /** The usage a streamed answer reported, {prompt, completion}, or null when the stream had none. */
    private static long[] streamedUsage(String body) throws Exception
    {
        for (String line : body.split("\n"))
        {
            if (line.startsWith("data: {") && line.contains("\"usage\""))
            {
                JsonNode usage = JSON.readTree(line.substring(6)).path("usage");
                if (usage.isObject())
                {
                    return new long[] {usage.path("prompt_tokens").asLong(), usage.path("completion_tokens").asLong()};
                }
            }
        }
        return null;
    }

    /** Fires {@code count} streamed requests at once, spread over the nodes; returns the answers. */
    private static List<HttpResponse<String>> burst(List<SluiceUnderTest> nodes, String who, int count)
    {
        List<CompletableFuture<HttpResponse<String>>> futures = new ArrayList<>();
        for (int i = 0; i < count; i++)
        {
            futures.add(HTTP.sendAsync(chat(nodes.get(i % nodes.size()).uri(), who, true, MAX_TOKENS), HttpResponse.BodyHandlers.ofString()));
        }
        return futures.stream().map(CompletableFuture::join).toList();
    }

    private static void assertAdmittedWithinTheLimit(List<HttpResponse<String>> answers) throws Exception
    {
        long admitted = 0;
        long largest = 0;
        int refused = 0;
        for (HttpResponse<String> answer : answers)
        {
            if (answer.statusCode() == 200)
            {
                long[] used = streamedUsage(answer.body());
                assertTrue(used != null && used[1] > 0 && used[1] <= MAX_TOKENS, answer.body());
                admitted += used[0] + used[1];
                largest = Math.max(largest, used[0] + MAX_TOKENS);
            }
            else
            {
                assertEquals(429, answer.statusCode(), answer.body());
                JsonNode error = JSON.readTree(answer.body()).path("error");
                assertEquals("rate_limit_exceeded", error.path("code").asText());
                assertEquals("tokens", error.path("type").asText());
                assertEquals(Integer.toString(LIMIT), answer.headers().firstValue("x-ratelimit-limit-tokens").orElseThrow());
                assertTrue(answer.headers().firstValue("x-ratelimit-remaining-tokens").isPresent());
                assertTrue(answer.headers().firstValue("x-ratelimit-reset-tokens").orElseThrow().matches("\\d+(ms|s|m\\d+s|h\\d+m\\d+s)"));
                assertTrue(Long.parseLong(answer.headers().firstValue("Retry-After").orElseThrow()) >= 1);
                refused++;
            }
        }
        assertTrue(refused > 0, "the burst asked for more than the limit; some must be refused");
        // One request's reservation (prompt + max_tokens) is the most a limit may be overshot by.
        long reservation = largest;
        assertTrue(admitted <= LIMIT + reservation, "admitted " + admitted + " tokens against a limit of " + LIMIT);
        assertTrue(admitted > LIMIT / 2, "refunds let more through than the reservations alone would: " + admitted);
    }

    @Test
    void concurrentStreamsOnOneNodeNeverOvershootTheLimitByMoreThanOneRequest() throws Exception
    {
        assertAdmittedWithinTheLimit(burst(List.of(local), "alice", 40));
    }

    @Test
    void threeNodesSharingRedisHoldOneLimitBetweenThem() throws Exception
    {
        assertAdmittedWithinTheLimit(burst(NODES, "alice", 45));
    }

    @Test
    void settlingGivesBackWhatTheAnswerDidNotUse() throws Exception
    {
        HttpResponse<String> first = HTTP.send(chat(local.uri(), "bob", false, 200), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, first.statusCode(), first.body());
        long used = JSON.readTree(first.body()).path("usage").path("total_tokens").asLong();
        long prompt = JSON.readTree(first.body()).path("usage").path("prompt_tokens").asLong();
        // Reported before the answer: the reservation of prompt + 200 is held.
        assertEquals(LIMIT - (prompt + 200), Long.parseLong(first.headers().firstValue("x-ratelimit-remaining-tokens").orElseThrow()));
        HttpResponse<String> second = HTTP.send(chat(local.uri(), "bob", false, 200), HttpResponse.BodyHandlers.ofString());
        // The first's unused completion reservation came back; only what it used stays taken.
        assertEquals(LIMIT - used - (prompt + 200), Long.parseLong(second.headers().firstValue("x-ratelimit-remaining-tokens").orElseThrow()));
        // Bob is in no group: only the token limit applies to him.
        assertTrue(second.headers().firstValue("x-ratelimit-limit-requests").isEmpty());
    }

    /** {@code n} choices may each use max_tokens: the reservation holds all of them. */
    @Test
    void aRequestForSeveralChoicesReservesTheCompletionOfEach() throws Exception
    {
        HttpRequest request = HttpRequest.newBuilder(local.uri("/v1/chat/completions")).header("Authorization", "Bearer erin-key-0123456789abcdef")
            .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                "{\"model\":\"gpt\",\"n\":3,\"max_tokens\":20,\"messages\":[{\"role\":\"user\",\"content\":\"Three ways to say hi\"}]}")).build();
        HttpResponse<String> answer = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        assertEquals(200, answer.statusCode(), answer.body());
        long prompt = JSON.readTree(answer.body()).path("usage").path("prompt_tokens").asLong();
        assertEquals(LIMIT - (prompt + 3 * 20), Long.parseLong(answer.headers().firstValue("x-ratelimit-remaining-tokens").orElseThrow()));
    }

    @Test
    void aGroupRequestLimitCountsTheGroupAndAnswersInOpenAisFormat() throws Exception
    {
        for (int i = 0; i < 2; i++)
        {
            HttpResponse<String> ok = HTTP.send(chat(local.uri(), "carol", false, 10), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, ok.statusCode(), ok.body());
            assertEquals("2", ok.headers().firstValue("x-ratelimit-limit-requests").orElseThrow());
            assertEquals(Integer.toString(1 - i), ok.headers().firstValue("x-ratelimit-remaining-requests").orElseThrow());
        }
        HttpResponse<String> refused = HTTP.send(chat(local.uri(), "carol", false, 10), HttpResponse.BodyHandlers.ofString());
        assertEquals(429, refused.statusCode());
        assertEquals("requests", JSON.readTree(refused.body()).path("error").path("type").asText());
        assertTrue(JSON.readTree(refused.body()).path("error").path("message").asText().contains("limit 'trial'"));
        long retry = Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow());
        assertTrue(retry > 60 && retry <= 1800, "one request comes back every 30 minutes: " + retry);
        // Dave is in no group: the group limit does not apply to him.
        assertEquals(200, HTTP.send(chat(local.uri(), "dave", false, 10), HttpResponse.BodyHandlers.ofString()).statusCode());
    }

    @Test
    void aPromptLargerThanTheWholeLimitIsRefusedAtOnce() throws Exception
    {
        String huge = "word ".repeat(LIMIT + 50);
        HttpRequest request = HttpRequest.newBuilder(local.uri("/v1/chat/completions")).header("Authorization", "Bearer dave-key-0123456789abcdef")
            .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                "{\"model\":\"gpt\",\"messages\":[{\"role\":\"user\",\"content\":\"" + huge + "\"}]}")).build();
        HttpResponse<String> refused = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        assertEquals(429, refused.statusCode());
        assertTrue(JSON.readTree(refused.body()).path("error").path("message").asText().startsWith("Request too large"), refused.body());
    }
}
