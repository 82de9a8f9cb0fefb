// Budgets end to end: refused once spent, shown on the admin endpoint, kept across a restart (file and Redis), reset with the period.
package dev.sluice.ai;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.testing.FakeModelProvider;
import dev.sluice.testing.KeyHashes;
import dev.sluice.testing.RedisServer;
import dev.sluice.testing.Scratch;
import dev.sluice.testing.SluiceUnderTest;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AiBudgetTest
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    private static FakeModelProvider provider;
    private static RedisServer redis;

    @BeforeAll
    static void start() throws Exception
    {
        provider = FakeModelProvider.start("openai").exactTokens();
        redis = RedisServer.start();
    }

    @AfterAll
    static void stop() throws Exception
    {
        provider.close();
        redis.close();
    }

    /** Prices of 10 and 30 USD per million tokens: a request of ~20 prompt tokens and max_tokens 10 may cost up to ~0.0005 USD. */
    private static String config(String extra) throws Exception
    {
        return """
            admin.token = demo:budget-test-admin
            consumer.alice.api-key.main = sha256:%s
            consumer.bob.api-key.main = sha256:%s
            consumer.bob.groups = interns
            route.ai.path = /v1
            route.ai.ai = on
            route.ai.auth = api-key
            ai.provider.oa.type = openai-compatible
            ai.provider.oa.base-url = %s/v1
            ai.model.gpt.target.main.provider = oa
            ai.model.gpt.target.main.model = gpt-4o-mini
            ai.model.gpt.target.main.input-price = 10
            ai.model.gpt.target.main.output-price = 30
            ai.budget.consumer.alice = 0.002 USD/day
            ai.budget.group.interns = 0.001 USD/month
            """.formatted(KeyHashes.sha256("alice-key-0123456789abcdef"), KeyHashes.sha256("bob-key-0123456789abcdef"), provider.uri()) + extra;
    }

    private static HttpResponse<String> chat(URI base, String who) throws Exception
    {
        String body = "{\"model\":\"gpt\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"How much does this cost?\"}]}";
        return HTTP.send(HttpRequest.newBuilder(base.resolve("/v1/chat/completions")).header("Authorization", "Bearer " + who + "-key-0123456789abcdef")
            .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode budgets(SluiceUnderTest sluice) throws Exception
    {
        HttpResponse<String> usage = HTTP.send(HttpRequest.newBuilder(sluice.uri("/-/admin/ai/usage")).header("Authorization", "Bearer budget-test-admin")
            .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, usage.statusCode(), usage.body());
        return JSON.readTree(usage.body()).path("budgets");
    }

    /** Spends until refused; returns how many were answered. */
    private static int spendUntilRefused(URI base, String who, int expectedStatus) throws Exception
    {
        for (int i = 0; i < 50; i++)
        {
            HttpResponse<String> response = chat(base, who);
            if (response.statusCode() != 200)
            {
                assertEquals(expectedStatus, response.statusCode(), response.body());
                JsonNode error = JSON.readTree(response.body()).path("error");
                assertEquals("budget_exceeded", error.path("code").asText());
                assertTrue(error.path("message").asText().contains("resets at"), error.toString());
                assertTrue(Long.parseLong(response.headers().firstValue("Retry-After").orElseThrow()) >= 1);
                return i;
            }
        }
        throw new AssertionError("never refused");
    }

    /**
     * A provider's usage is read into budgets and token limits: a negative count gave back what had
     * been spent (a cost of -0.0999 USD), and one of 1e308 overflowed (18,446,744,073,709 USD for
     * one call). Both were seen from a fuzzed OpenAI-compatible server.
     */
    @Test
    void aProvidersNegativeOrAbsurdUsageNeitherRefundsNorOverflows() throws Exception
    {
        String[] usage = {"{\"prompt_tokens\":-1000000,\"completion_tokens\":5,\"prompt_tokens_details\":{\"cached_tokens\":-7}}"};
        com.sun.net.httpserver.HttpServer odd = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        odd.createContext("/v1/chat/completions", exchange ->
        {
            exchange.getRequestBody().readAllBytes();
            byte[] answer = ("{\"id\":\"c1\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,"
                + "\"message\":{\"role\":\"assistant\",\"content\":\"hi\"},\"finish_reason\":\"stop\"}],\"usage\":" + usage[0] + "}")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        odd.start();
        Path file = Scratch.directory("sluice-budgets").resolve("odd-usage.json");
        String config = config("ai.budget.file = " + file + "\n").replace(provider.uri().toString(), "http://127.0.0.1:" + odd.getAddress().getPort());
        try (SluiceUnderTest sluice = SluiceUnderTest.start(config))
        {
            HttpResponse<String> negative = chat(sluice.uri(), "alice");
            assertEquals(200, negative.statusCode(), negative.body());
            // 0 prompt tokens (not -1,000,000) and 5 completion tokens at 30 USD per million.
            assertEquals(0.00015, Double.parseDouble(negative.headers().firstValue("X-Sluice-AI-Cost").orElseThrow()), 1e-9);
            assertEquals(0.00015, budgets(sluice).path("consumer:alice").path("spent_usd").asDouble(), 1e-9, budgets(sluice).toString());

            usage[0] = "{\"prompt_tokens\":1e308,\"completion_tokens\":9223372036854775807}";
            HttpResponse<String> absurd = chat(sluice.uri(), "alice");
            assertEquals(200, absurd.statusCode(), absurd.body());
            // Each count taken as at most a billion tokens: 10 + 30 USD per million of them.
            assertEquals(40_000, Double.parseDouble(absurd.headers().firstValue("X-Sluice-AI-Cost").orElseThrow()), 1e-6);
            HttpResponse<String> refused = chat(sluice.uri(), "alice");
            assertEquals(429, refused.statusCode(), refused.body());
            assertEquals("budget_exceeded", JSON.readTree(refused.body()).path("error").path("code").asText());
        }
        finally
        {
            odd.stop(0);
        }
    }

    @Test
    void aConsumerIsRefusedOnceItsBudgetIsSpentAndStaysRefusedAfterARestart() throws Exception
    {
        Path file = Scratch.directory("sluice-budgets").resolve("budgets.json");
        String config = config("ai.budget.file = " + file + "\n");
        SluiceUnderTest sluice = SluiceUnderTest.start(config);
        int answered;
        try
        {
            answered = spendUntilRefused(sluice.uri(), "alice", 429);
            assertTrue(answered >= 3, "settlement charged what was used, not the worst case: " + answered);
            JsonNode alice = budgets(sluice).path("consumer:alice");
            assertEquals("0.002", alice.path("budget_usd").asText());
            assertEquals("day", alice.path("period").asText());
            double spent = alice.path("spent_usd").asDouble();
            assertTrue(spent > 0.0015 && spent <= 0.002, alice.toString());
            assertEquals(0.002 - spent, alice.path("remaining_usd").asDouble(), 1e-9);
            assertEquals(ZonedDateTime.now(ZoneOffset.UTC).toLocalDate().plusDays(1) + "T00:00:00Z", alice.path("resets_at").asText());
            // Bob's group budget is another sum.
            assertEquals(200, chat(sluice.uri(), "bob").statusCode());
        }
        finally
        {
            sluice.close();
        }
        assertTrue(Files.readString(file).contains("consumer:alice:"), "written on shutdown");
        SluiceUnderTest again = SluiceUnderTest.start(config);
        try
        {
            HttpResponse<String> refused = chat(again.uri(), "alice");
            assertEquals(429, refused.statusCode(), "the spending survived the restart: " + refused.body());
        }
        finally
        {
            again.close();
        }
    }

    /**
     * The reservation is the worst case, which includes writing the whole prompt to the
     * provider's cache: before, it counted the prompt at the input price only, and a request
     * whose cache writes (1.25 times input at Anthropic) would pass the budget was let through.
     */
    @Test
    void theWorstCaseReservedIncludesWritingThePromptToTheCache() throws Exception
    {
        // ~15 prompt tokens written at 200 USD per million (0.003) pass Alice's 0.002; read at 10 with 10 answered at 30 (0.00045) would not.
        SluiceUnderTest sluice = SluiceUnderTest.start(config("ai.model.gpt.target.main.cache-write-price = 200\nai.budget.file = "
            + Scratch.directory("sluice-budgets").resolve("budgets.json") + "\n"));
        try
        {
            HttpResponse<String> refused = chat(sluice.uri(), "alice");
            assertEquals(429, refused.statusCode(), refused.body());
            assertEquals("budget_exceeded", JSON.readTree(refused.body()).path("error").path("code").asText(), refused.body());
        }
        finally
        {
            sluice.close();
        }
    }

    /**
     * Claude's web searches are billed per search (Anthropic's $10 per 1,000 by default on a
     * priced Anthropic target): a search tool's {@code max_uses} is part of the worst case
     * reserved, and the searches made are charged when the answer says how many. Before, a search
     * cost nothing here.
     */
    @Test
    void webSearchesAreReservedByTheirLimitAndCharged() throws Exception
    {
        try (FakeModelProvider claude = FakeModelProvider.start("anthropic"))
        {
            SluiceUnderTest sluice = SluiceUnderTest.start(config("""
                ai.provider.an.type = anthropic
                ai.provider.an.base-url = %s
                ai.provider.an.api-key = ant-secret
                ai.model.claude.target.main.provider = an
                ai.model.claude.target.main.model = claude-sonnet
                ai.model.claude.target.main.input-price = 10
                ai.model.claude.target.main.output-price = 30
                ai.budget.file = %s
                """.formatted(claude.uri(), Scratch.directory("sluice-budgets").resolve("budgets.json"))));
            try
            {
                String search = "{\"model\":\"claude\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"What is new?\"}],"
                    + "\"tools\":[{\"type\":\"web_search_20250305\",\"name\":\"web_search\"%s}]}";
                HttpResponse<String> limited = messages(sluice.uri(), search.formatted(",\"max_uses\":1"));
                assertEquals(429, limited.statusCode(), "one search (0.01) is over Alice's 0.002: " + limited.body());
                assertNull(claude.poll(), "refused before Claude was asked");

                HttpResponse<String> unlimited = messages(sluice.uri(), search.formatted(""));
                assertEquals(200, unlimited.statusCode(), "a tool without max_uses reserves no search: " + unlimited.body());
                double spent = budgets(sluice).path("consumer:alice").path("spent_usd").asDouble();
                assertTrue(spent > 0.01 && spent < 0.011, "the search made (0.01) and the tokens: " + spent);
                assertEquals(429, chat(sluice.uri(), "alice").statusCode(), "spent");
            }
            finally
            {
                sluice.close();
            }
        }
    }

    private static HttpResponse<String> messages(URI base, String body) throws Exception
    {
        return HTTP.send(HttpRequest.newBuilder(base.resolve("/v1/messages")).header("x-api-key", "alice-key-0123456789abcdef")
            .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void nodesSharingRedisSpendOneBudgetAndCanAnswer402() throws Exception
    {
        String config = config("ratelimit.store = redis\nratelimit.redis.uri = " + redis.uri() + "\nai.budget.status = 402\n");
        List<SluiceUnderTest> nodes = List.of(SluiceUnderTest.start(config), SluiceUnderTest.start(config));
        try
        {
            List<CompletableFuture<HttpResponse<String>>> burst = new ArrayList<>();
            for (int i = 0; i < 12; i++)
            {
                URI base = nodes.get(i % 2).uri();
                burst.add(CompletableFuture.supplyAsync(() ->
                {
                    try
                    {
                        return chat(base, "bob");
                    }
                    catch (Exception x)
                    {
                        throw new IllegalStateException(x);
                    }
                }));
            }
            int refused = 0;
            for (CompletableFuture<HttpResponse<String>> future : burst)
            {
                HttpResponse<String> response = future.join();
                if (response.statusCode() == 402)
                {
                    assertEquals("insufficient_quota", JSON.readTree(response.body()).path("error").path("type").asText());
                    refused++;
                }
                else
                {
                    assertEquals(200, response.statusCode(), response.body());
                }
            }
            assertTrue(refused > 0, "twelve requests cost more than the interns' budget");
            JsonNode interns = budgets(nodes.get(1)).path("group:interns");
            assertTrue(interns.path("spent_usd").asDouble() <= 0.001, "both nodes spend one budget and never past it: " + interns);
            assertEquals(interns, budgets(nodes.get(0)).path("group:interns"), "both nodes see the same sum");
        }
        finally
        {
            for (SluiceUnderTest node : nodes)
            {
                node.close();
            }
        }
        SluiceUnderTest restarted = SluiceUnderTest.start(config);
        try
        {
            assertEquals(402, chat(restarted.uri(), "bob").statusCode(), "Redis kept the spending");
        }
        finally
        {
            restarted.close();
        }
    }

    @Test
    void aBudgetStartsAfreshWithItsNextPeriod() throws Exception
    {
        ScheduledExecutorScheduler scheduler = new ScheduledExecutorScheduler();
        scheduler.start();
        Governance.Budgets settings = new Governance.Budgets(Map.of("alice", new Governance.Budget(1_000_000, Governance.Period.MONTH)), Map.of(),
            429, null, false);
        try (BudgetBook book = new BudgetBook(settings, null, Duration.ofMillis(500), scheduler))
        {
            ZonedDateTime december = ZonedDateTime.of(2026, 12, 31, 23, 59, 0, 0, ZoneOffset.UTC);
            BudgetBook.Outcome first = book.reserve("alice", Set.of(), 0.0008, december);
            assertNull(first.refusal());
            first.reservation().settle(0.0009);
            BudgetBook.Outcome over = book.reserve("alice", Set.of(), 0.0002, december);
            assertNotNull(over.refusal());
            assertEquals(60, over.refusal().retryAfterSeconds(), "a minute to the new month");
            assertTrue(over.refusal().message().contains("2027-01-01T00:00:00Z"), over.refusal().message());
            assertNull(book.reserve("alice", Set.of(), 0.0002, december.plusMinutes(1)).refusal(), "January has its own budget");
        }
        finally
        {
            scheduler.stop();
        }
    }
}
