// Bodies Sluice reads whole itself (AI requests, JSON checks, transforms) are held to the pace a proxied body is.
package dev.sluice.http;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.testing.FakeModelProvider;
import dev.sluice.testing.LogCapture;
import dev.sluice.testing.RawHttp;
import dev.sluice.testing.SluiceUnderTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A proxied body that trickles was cut off with 408 ({@code proxy.request-body.min-rate}), but a
 * body Sluice reads whole before anything goes upstream was read with a plain blocking read: a
 * client sending a byte every few hundred milliseconds held a request thread for as long as its
 * declared length allowed (40 s and counting, measured on the demo's AI route), and a few
 * hundred such clients would empty the container's pool.
 */
class SlowReadBodyTest
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static FakeModelProvider provider;
    private static SluiceUnderTest sluice;

    @BeforeAll
    static void start() throws Exception
    {
        provider = FakeModelProvider.start("openai");
        sluice = SluiceUnderTest.start("""
            upstream.never.url = http://127.0.0.1:9
            route.ai.path = /v1
            route.ai.ai = on
            ai.provider.oa.type = openai-compatible
            ai.provider.oa.base-url = %s/v1
            ai.model.gpt.target.main.provider = oa
            ai.model.gpt.target.main.model = gpt-4o-mini
            route.checked.path = /checked
            route.checked.upstream = never
            route.checked.guard.json.max-depth = 10
            route.edited.path = /edited
            route.edited.upstream = never
            route.edited.transform.request.json.set./source = sluice
            """.formatted(provider.uri()));
    }

    @AfterAll
    static void stop() throws Exception
    {
        sluice.close();
        provider.close();
    }

    @Test
    void aTricklingBodyIsCutOffWith408WhereverSluiceReadsItWhole() throws Exception
    {
        long started = System.nanoTime();
        List<CompletableFuture<RawHttp.Reply>> replies = new ArrayList<>();
        String[] paths = {"/v1/chat/completions", "/checked/x", "/edited/x"};
        try (LogCapture log = LogCapture.start())
        {
            for (String path : paths)
            {
                replies.add(CompletableFuture.supplyAsync(() -> trickle(path)));
            }
            for (int i = 0; i < replies.size(); i++)
            {
                RawHttp.Reply reply = replies.get(i).get(20, TimeUnit.SECONDS);
                assertEquals(408, reply.status(), reply.head());
                assertEquals("close", reply.header("Connection"), "the rest is not waited for: " + reply.head());
                JsonNode body = JSON.readTree(reply.body());
                String detail = i == 0 ? body.path("error").path("message").asText() : body.path("detail").asText();
                assertEquals(RequestBodies.TOO_SLOW, detail, reply.body());
                // What had come of the body is logged (before, bytes_in said 0).
                JsonNode line = JSON.readTree(log.accessLine(requestId(paths[i])));
                assertEquals("client_body_failed", line.path("outcome").asText(), line.toString());
                assertTrue(line.path("bytes_in").asLong() >= 10 && line.path("bytes_in").asLong() < 1000, line.toString());
            }
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        assertTrue(millis < 12_000, "cut off after " + millis + " ms, not at the body's end (100 s at this pace)");
        assertEquals(0, provider.count(), "nothing reached the provider");
    }

    private static String requestId(String path)
    {
        return "slow" + path.replace('/', '-');
    }

    /** Declares 1,000 bytes of JSON and sends one every 100 ms; returns Sluice's answer. */
    private static RawHttp.Reply trickle(String path)
    {
        try
        {
            return RawHttp.trickle(sluice.uri("/").getPort(),
                "POST " + path + " HTTP/1.1\r\nHost: localhost\r\nX-Request-ID: " + requestId(path) + "\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n", " ", 100, 1000);
        }
        catch (java.io.IOException x)
        {
            throw new java.io.UncheckedIOException(x);
        }
    }
}
