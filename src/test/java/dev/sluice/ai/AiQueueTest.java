// Provider queues end to end: bursts wait instead of failing, served fairly across consumers, refused when full or late.
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
import dev.sluice.testing.KeyHashes;
import dev.sluice.testing.FakeModelProvider.Fault;
import dev.sluice.testing.SluiceUnderTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AiQueueTest
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    private static FakeModelProvider fair;
    private static FakeModelProvider late;
    private static FakeModelProvider gone;
    private static SluiceUnderTest sluice;

    @BeforeAll
    static void start() throws Exception
    {
        fair = FakeModelProvider.start("fair");
        late = FakeModelProvider.start("late");
        gone = FakeModelProvider.start("gone");
        sluice = SluiceUnderTest.startAsLauncher("""
            admin.token = demo:queue-test-admin
            server.h2c = true
            consumer.alice.api-key.main = sha256:%s
            consumer.bob.api-key.main = sha256:%s
            route.ai.path = /v1
            route.ai.ai = on
            route.ai.auth = api-key
            ai.provider.fair.type = openai-compatible
            ai.provider.fair.base-url = %s/v1
            ai.provider.fair.max-in-flight = 1
            ai.provider.fair.queue = 8
            ai.provider.fair.queue-per-consumer = 6
            ai.provider.fair.queue-timeout = 20s
            ai.provider.late.type = openai-compatible
            ai.provider.late.base-url = %s/v1
            ai.provider.late.max-in-flight = 1
            ai.provider.late.queue-timeout = 300ms
            ai.provider.gone.type = openai-compatible
            ai.provider.gone.base-url = %s/v1
            ai.provider.gone.max-in-flight = 1
            ai.provider.gone.queue-timeout = 30s
            ai.model.gone.target.main.provider = gone
            ai.model.gone.target.main.model = m
            ai.model.fair.target.main.provider = fair
            ai.model.fair.target.main.model = m
            ai.model.late.target.main.provider = late
            ai.model.late.target.main.model = m
            """.formatted(KeyHashes.sha256("alice-key-0123456789abcdef"), KeyHashes.sha256("bob-key-0123456789abcdef"), fair.uri(), late.uri(), gone.uri()));
    }

    @AfterAll
    static void stop() throws Exception
    {
        fair.release(100);
        late.release(100);
        sluice.close();
        fair.close();
        late.close();
        gone.release(100);
        gone.close();
    }

    private static CompletableFuture<HttpResponse<String>> ask(String model, String who, String label)
    {
        String body = "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"" + label + "\"}]}";
        return HTTP.sendAsync(HttpRequest.newBuilder(sluice.uri("/v1/chat/completions")).header("Authorization", "Bearer " + who + "-key-0123456789abcdef")
            .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode queue(String provider) throws Exception
    {
        HttpResponse<String> usage = HTTP.send(HttpRequest.newBuilder(sluice.uri("/-/admin/ai/usage")).header("Authorization", "Bearer queue-test-admin")
            .build(), HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(usage.body()).path("queues").path(provider);
    }

    private static void waitForQueued(String provider, int queued) throws Exception
    {
        for (int i = 0; i < 100 && queue(provider).path("queued").asInt() != queued; i++)
        {
            Thread.sleep(20);
        }
        assertEquals(queued, queue(provider).path("queued").asInt(), queue(provider).toString());
    }

    @Test
    void aBurstWaitsAndIsServedInTurnsSoAFloodingConsumerCannotStarveAnother() throws Exception
    {
        fair.next(Fault.HOLD, Fault.HOLD, Fault.HOLD, Fault.HOLD, Fault.HOLD, Fault.HOLD, Fault.HOLD, Fault.HOLD, Fault.HOLD);
        List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        answers.add(ask("fair", "alice", "a0"));
        assertEquals("a0", fair.take().body().path("messages").path(0).path("content").asText());
        for (int i = 1; i <= 6; i++)
        {
            answers.add(ask("fair", "alice", "a" + i));
            waitForQueued("fair", i);
        }
        // Alice's share is six: a seventh waiting request of hers is refused, and says so.
        HttpResponse<String> share = ask("fair", "alice", "a7").join();
        assertEquals(429, share.statusCode(), share.body());
        assertEquals("queue_share_full", JSON.readTree(share.body()).path("error").path("code").asText());
        assertTrue(share.headers().firstValue("Retry-After").isPresent());

        answers.add(ask("fair", "bob", "b1"));
        waitForQueued("fair", 7);
        JsonNode view = queue("fair");
        assertEquals(1, view.path("in_flight").asInt());
        assertEquals(6, view.path("queued_by_consumer").path("c:alice").asInt(), view.toString());
        assertEquals(1, view.path("queued_by_consumer").path("c:bob").asInt(), view.toString());
        answers.add(ask("fair", "bob", "b2"));
        waitForQueued("fair", 8);
        // The queue holds eight: a ninth is refused whoever sends it.
        HttpResponse<String> full = ask("fair", "bob", "b3").join();
        assertEquals(503, full.statusCode(), full.body());
        assertEquals("queue_full", JSON.readTree(full.body()).path("error").path("code").asText());

        List<String> order = new ArrayList<>();
        for (int i = 0; i < 8; i++)
        {
            fair.release(1);
            order.add(fair.take().body().path("messages").path(0).path("content").asText());
        }
        fair.release(1);
        assertEquals(List.of("a1", "b1", "a2", "b2", "a3", "a4", "a5", "a6"), order, "bob is served in turn with alice, not after all six of hers");
        for (CompletableFuture<HttpResponse<String>> answer : answers)
        {
            assertEquals(200, answer.join().statusCode(), answer.join().body());
        }
        assertEquals(0, queue("fair").path("in_flight").asInt());
    }

    @Test
    void aRequestWaitingPastTheDeadlineIsRefusedWithRetryAfter() throws Exception
    {
        late.next(Fault.HOLD);
        CompletableFuture<HttpResponse<String>> holding = ask("late", "alice", "holding");
        late.take();
        long started = System.nanoTime();
        HttpResponse<String> waited = ask("late", "bob", "waits").join();
        long waitedMillis = (System.nanoTime() - started) / 1_000_000;
        assertEquals(503, waited.statusCode(), waited.body());
        assertEquals("queue_timeout", JSON.readTree(waited.body()).path("error").path("code").asText());
        assertEquals("1", waited.headers().firstValue("Retry-After").orElseThrow());
        assertTrue(waitedMillis >= 250 && waitedMillis < 3000, "waited " + waitedMillis + " ms for a 300 ms deadline");
        late.release(1);
        assertEquals(200, holding.join().statusCode());
        assertEquals(0, queue("late").path("queued").asInt());
    }

    @Test
    void aClientThatResetsItsHttp2StreamWhileQueuedLeavesTheQueue() throws Exception
    {
        gone.next(Fault.HOLD);
        CompletableFuture<HttpResponse<String>> holding = ask("gone", "alice", "holding");
        gone.take();
        org.eclipse.jetty.client.HttpClient h2 = new org.eclipse.jetty.client.HttpClient(
            new org.eclipse.jetty.http2.client.transport.HttpClientTransportOverHTTP2(new org.eclipse.jetty.http2.client.HTTP2Client()));
        h2.start();
        try
        {
            org.eclipse.jetty.client.Request request = h2.newRequest(sluice.uri("/v1/chat/completions")).method("POST")
                .headers(headers -> headers.put("Authorization", "Bearer bob-key-0123456789abcdef"))
                .body(new org.eclipse.jetty.client.StringRequestContent("application/json",
                    "{\"model\":\"gone\",\"messages\":[{\"role\":\"user\",\"content\":\"gone\"}]}"));
            CompletableFuture<org.eclipse.jetty.client.ContentResponse> sent = new org.eclipse.jetty.client.CompletableResponseListener(request).send();
            waitForQueued("gone", 1);
            // Giving up resets the stream; Sluice hears of it at once and the request leaves the queue.
            request.abort(new java.util.concurrent.CancellationException("the client gave up"));
            waitForQueued("gone", 0);
            assertTrue(sent.isCompletedExceptionally());
        }
        finally
        {
            h2.stop();
        }
        gone.release(1);
        assertEquals(200, holding.join().statusCode());
        assertEquals(null, gone.poll(), "the request that left was never sent");
    }
}
