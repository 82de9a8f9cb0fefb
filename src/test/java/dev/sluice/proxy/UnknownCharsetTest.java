// A request whose Content-Type names a charset the JVM does not know: passed on as it came, not failed with a 500.
package dev.sluice.proxy;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import dev.sluice.testing.FakeModelProvider;
import dev.sluice.testing.KeyHashes;
import dev.sluice.testing.SluiceUnderTest;
import dev.sluice.testing.TestUpstream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Jetty's {@code getContentType()} throws for a charset the JVM does not know, and Sluice asks
 * for the type on every request (gRPC detection first): such a request was answered 500 on every
 * route (found by a fuzz of raw requests against the launcher). nginx and Envoy pass the type and
 * the body on; so does Sluice now, and the upstream decides what the charset means.
 */
class UnknownCharsetTest
{
    private static final String KEY = "charset-key-0123456789abcdef";
    private static final String TYPE = "application/json; charset=utf-99";
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static TestUpstream upstream;
    private static FakeModelProvider provider;
    private static SluiceUnderTest sluice;

    @BeforeAll
    static void start() throws Exception
    {
        upstream = TestUpstream.start();
        provider = FakeModelProvider.start("openai");
        sluice = SluiceUnderTest.start("""
            upstream.app.url = %s
            route.app.path = /app
            route.app.upstream = app
            route.app.strip-prefix = true
            route.guarded.path = /guarded
            route.guarded.upstream = app
            route.guarded.guard.max-body = 1KB
            consumer.dev.api-key.main = sha256:%s
            route.ai.path = /v1
            route.ai.ai = on
            route.ai.auth = api-key
            ai.provider.oa.type = openai-compatible
            ai.provider.oa.base-url = %s/v1
            ai.model.gpt.target.main.provider = oa
            ai.model.gpt.target.main.model = gpt-4o-mini
            """.formatted(upstream.url(), KeyHashes.sha256(KEY), provider.uri()));
    }

    @AfterAll
    static void stop() throws Exception
    {
        sluice.close();
        provider.close();
        upstream.close();
    }

    private static HttpResponse<String> post(String path, String body, String... headers) throws Exception
    {
        HttpRequest.Builder request = HttpRequest.newBuilder(sluice.uri(path)).header("Content-Type", TYPE);
        for (int i = 0; i < headers.length; i += 2)
        {
            request.header(headers[i], headers[i + 1]);
        }
        return HTTP.send(request.POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theTypeAndTheBodyReachTheUpstreamAsTheyCame() throws Exception
    {
        for (String path : new String[] {"/app/orders", "/guarded/orders"})
        {
            HttpResponse<String> answered = post(path, "{\"qty\":1}");
            assertEquals(200, answered.statusCode(), path + ": " + answered.body());
            TestUpstream.Received seen = upstream.take();
            assertEquals(TYPE, seen.headers().get("Content-Type"), path);
            assertEquals("{\"qty\":1}", seen.body(), path);
        }
    }

    @Test
    void anAiRouteReadsTheJsonAsUtf8() throws Exception
    {
        HttpResponse<String> answered = post("/v1/chat/completions", "{\"model\":\"gpt\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}",
            "Authorization", "Bearer " + KEY);
        assertEquals(200, answered.statusCode(), answered.body());
        assertTrue(answered.body().contains("Hello from openai: Hi"), answered.body());
    }
}
