// guard.json.* end to end: JSON bodies past a route's limits are refused before the upstream parses them.
package dev.sluice.guard;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.zip.GZIPOutputStream;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.config.ConfigException;
import dev.sluice.testing.SluiceUnderTest;
import dev.sluice.testing.TestUpstream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A body built against an upstream's JSON parser (nesting it cannot recurse through, an object
 * or array too large to hold, a duplicated member two services read differently) is answered
 * 400 by Sluice with the limit it passed, and never forwarded; a body within the limits reaches
 * the upstream byte for byte, compressed or not.
 */
class JsonGuardTest
{
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    private static TestUpstream upstream;
    private static SluiceUnderTest sluice;

    @BeforeAll
    static void start() throws Exception
    {
        upstream = TestUpstream.start();
        sluice = SluiceUnderTest.start("""
            upstream.u.url = %s
            route.orders.path = /orders
            route.orders.upstream = u
            route.orders.guard.json.max-depth = 4
            route.orders.guard.json.max-elements = 100
            route.orders.guard.json.max-string = 64
            route.orders.guard.json.max-body = 4KB
            route.open.path = /open
            route.open.upstream = u
            """.formatted(upstream.url()));
    }

    @AfterAll
    static void stop() throws Exception
    {
        sluice.close();
        upstream.close();
    }

    private static HttpResponse<String> post(String path, String type, byte[] body, String encoding) throws Exception
    {
        HttpRequest.Builder request = HttpRequest.newBuilder(sluice.uri(path)).header("Content-Type", type).POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (encoding != null)
        {
            request.header("Content-Encoding", encoding);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String detail(HttpResponse<String> response, int status) throws Exception
    {
        assertEquals(status, response.statusCode(), response.body());
        assertEquals("application/problem+json", response.headers().firstValue("Content-Type").orElse("").split(";")[0]);
        return new ObjectMapper().readTree(response.body()).get("detail").asText();
    }

    private static byte[] gzip(String text) throws Exception
    {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream zip = new GZIPOutputStream(out))
        {
            zip.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }

    @Test
    void aBodyWithinTheLimitsReachesTheUpstreamAsSent() throws Exception
    {
        String order = "{ \"items\": [ {\"sku\": \"A-1\", \"qty\": 2} ],\n  \"note\": \"leave at the door\" }";
        assertEquals(200, post("/orders", "application/json; charset=utf-8", order.getBytes(StandardCharsets.UTF_8), null).statusCode());
        assertEquals(order, upstream.take().body());

        byte[] compressed = gzip(order);
        assertEquals(200, post("/orders", "application/merge-patch+json", compressed, "gzip").statusCode());
        TestUpstream.Received received = upstream.take();
        assertEquals("gzip", received.headers().get("Content-Encoding"));
        assertArrayEquals(compressed, java.util.Arrays.copyOf(received.bodyStart(), (int)received.bodyBytes()));

        // Not JSON by its type: passed unread (guard.content-types is what requires JSON).
        assertEquals(200, post("/orders", "text/plain", "[[[[[[not json".getBytes(StandardCharsets.UTF_8), null).statusCode());
        upstream.take();
    }

    @Test
    void bodiesPastALimitAreRefusedWithTheLimitAndNotForwarded() throws Exception
    {
        assertEquals("The request body nests objects and arrays more than 4 deep; this route takes at most 4.",
            detail(post("/orders", "application/json", "{\"a\":[[[[1]]]]}".getBytes(StandardCharsets.UTF_8), null), 400));
        assertEquals("An array in the request body has more than 100 elements; this route takes at most 100.",
            detail(post("/orders", "application/json", ("[" + "0,".repeat(100) + "0]").getBytes(StandardCharsets.UTF_8), null), 400));
        assertEquals("A string in the request body is longer than 64 characters; this route takes at most 64.",
            detail(post("/orders", "application/json", gzip("{\"note\":\"" + "x".repeat(65) + "\"}"), "gzip"), 400));
        assertEquals("An object in the request body names a member twice (line 1, column 24); parsers disagree on which one counts.",
            detail(post("/orders", "application/json", "{\"qty\":1,\"to\":\"a\",\"qty\":1000}".getBytes(StandardCharsets.UTF_8), null), 400));
        assertEquals("The request body is not valid JSON (line 1, column 8).",
            detail(post("/orders", "application/json", "{\"qty\":".getBytes(StandardCharsets.UTF_8), null), 400));
        assertEquals("The request body is larger than the 4096 bytes of JSON this route checks.",
            detail(post("/orders", "application/json", ("[\"" + "y".repeat(5000) + "\"]").getBytes(StandardCharsets.UTF_8), null), 413));
        HttpResponse<String> brotli = post("/orders", "application/json", new byte[] {1, 2, 3}, "br");
        assertEquals("The request body's Content-Encoding is 'br'; this route checks JSON sent as it is or with gzip.", detail(brotli, 415));
        assertEquals("gzip", brotli.headers().firstValue("Accept-Encoding").orElse(null));
        assertNull(upstream.poll(200), "nothing refused reached the upstream");

        // Routes without the limits are not checked.
        assertEquals(200, post("/open", "application/json", "[[[[[[[[1]]]]]]]]".getBytes(StandardCharsets.UTF_8), null).statusCode());
        upstream.take();
    }

    @Test
    void aLimitOutOfRangeOrABodySizeAloneIsRefusedAtStart()
    {
        ConfigException refused = assertThrows(ConfigException.class, () -> dev.sluice.config.SettingsParser.parse("test", java.util.Map.of(
            "upstream.u.url", "http://127.0.0.1:9", "route.a.path", "/a", "route.a.upstream", "u", "route.a.guard.json.max-depth", "5000",
            "route.b.path", "/b", "route.b.upstream", "u", "route.b.guard.json.max-body", "1MB"), name -> null));
        assertEquals(java.util.List.of(
            "Key 'route.a.guard.json.max-depth' has value '5000'; allowed: a whole number from 1 to 1000.",
            "Key 'route.b.guard.json.max-body' is set without a limit to check; allowed: with route.b.guard.json.max-depth, max-entries, "
                + "max-elements, max-string or max-name."), refused.problems());
    }
}
