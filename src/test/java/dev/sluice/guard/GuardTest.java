// Guards end to end: what a route refuses before authentication, and that the upstream never sees it.
package dev.sluice.guard;

import java.io.ByteArrayInputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.config.ConfigException;
import dev.sluice.testing.SluiceUnderTest;
import dev.sluice.testing.TestUpstream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GuardTest
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    private static TestUpstream upstream;
    private static SluiceUnderTest sluice;

    @BeforeAll
    static void start() throws Exception
    {
        upstream = TestUpstream.start();
        sluice = SluiceUnderTest.start("""
            upstream.u.url = %s
            exchange.trusted-proxies = 127.0.0.1/32
            guard.deny = 198.51.100.0/24
            guard.max-headers = 40
            route.open.path = /open
            route.open.upstream = u
            route.office.path = /office
            route.office.upstream = u
            route.office.guard.allow = 203.0.113.0/24, 2001:db8::/32
            route.office.guard.deny = 203.0.113.66/32
            route.upload.path = /upload
            route.upload.upstream = u
            route.upload.guard.methods = POST, PUT
            route.upload.guard.max-body = 1KB
            route.upload.guard.content-types = application/json, text/*
            route.upload.guard.max-header-size = 2KB
            route.closed.path = /closed
            route.closed.upstream = u
            route.closed.guard.maintenance = true
            route.closed.guard.maintenance.retry-after = 2m
            """.formatted(upstream.url()));
    }

    @AfterAll
    static void stop() throws Exception
    {
        sluice.close();
        upstream.close();
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception
    {
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest.Builder from(String path, String address)
    {
        return HttpRequest.newBuilder(sluice.uri(path)).header("X-Forwarded-For", address);
    }

    private static JsonNode problem(HttpResponse<String> response, int status) throws Exception
    {
        assertEquals(status, response.statusCode(), response.body());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("application/problem+json"));
        JsonNode problem = JSON.readTree(response.body());
        assertEquals(status, problem.path("status").asInt());
        return problem;
    }

    private static void nothingForwarded() throws Exception
    {
        assertNull(upstream.poll(200), "the upstream saw nothing");
    }

    @Test
    void addressListsDecideBeforeAnythingElseWithDenyWinning() throws Exception
    {
        assertEquals(200, send(from("/open/x", "192.0.2.1")).statusCode());
        upstream.take();
        problem(send(from("/open/x", "198.51.100.7")), 403);
        nothingForwarded();
        assertEquals(200, send(from("/office/x", "203.0.113.5")).statusCode());
        upstream.take();
        assertEquals(200, send(from("/office/x", "2001:db8::5")).statusCode(), "IPv6 blocks too");
        upstream.take();
        problem(send(from("/office/x", "192.0.2.1")), 403);
        problem(send(from("/office/x", "203.0.113.66")), 403);
        problem(send(from("/office/x", "198.51.100.9")), 403);
        nothingForwarded();
    }

    @Test
    void methodsSizesAndTypesAreRefusedWithTheirOwnStatuses() throws Exception
    {
        HttpResponse<String> get = send(HttpRequest.newBuilder(sluice.uri("/upload/x")));
        problem(get, 405);
        assertEquals("POST, PUT", get.headers().firstValue("Allow").orElse(null));

        String big = "{\"data\":\"" + "x".repeat(2000) + "\"}";
        problem(send(HttpRequest.newBuilder(sluice.uri("/upload/x")).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(big))), 413);

        HttpResponse<String> xml = send(HttpRequest.newBuilder(sluice.uri("/upload/x")).header("Content-Type", "application/xml")
            .POST(HttpRequest.BodyPublishers.ofString("<a/>")));
        problem(xml, 415);
        assertEquals("application/json, text/*", xml.headers().firstValue("Accept-Post").orElse(null));

        HttpRequest.Builder many = HttpRequest.newBuilder(sluice.uri("/open/x"));
        for (int i = 0; i < 45; i++)
        {
            many.header("X-Filler-" + i, "v");
        }
        problem(send(many), 431);
        problem(send(HttpRequest.newBuilder(sluice.uri("/upload/x")).header("X-Large", "y".repeat(3000)).header("Content-Type", "text/plain")
            .POST(HttpRequest.BodyPublishers.ofString("small"))), 431);
        nothingForwarded();

        assertEquals(200, send(HttpRequest.newBuilder(sluice.uri("/upload/x")).header("Content-Type", "text/csv; charset=utf-8")
            .POST(HttpRequest.BodyPublishers.ofString("a,b"))).statusCode(), "text/* takes text/csv");
        assertEquals("a,b", upstream.take().body());
    }

    @Test
    void aChunkedBodyIsCutOffWhenItGrowsPastTheLimit() throws Exception
    {
        byte[] body = ("{\"data\":\"" + "x".repeat(5000) + "\"}").getBytes(StandardCharsets.UTF_8);
        // No length known in advance: the body goes chunked, and only counting can stop it.
        HttpResponse<String> response = send(HttpRequest.newBuilder(sluice.uri("/upload/x")).header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))));
        assertEquals("The request body is larger than the 1024 bytes this route accepts.", problem(response, 413).path("detail").asText());
        TestUpstream.Received received = upstream.poll(500);
        assertTrue(received == null || received.bodyBytes() < body.length, "the upstream never got the whole body");
    }

    @Test
    void aRouteInMaintenanceAnswers503WithRetryAfter() throws Exception
    {
        HttpResponse<String> response = send(HttpRequest.newBuilder(sluice.uri("/closed/x")));
        problem(response, 503);
        assertEquals("120", response.headers().firstValue("Retry-After").orElse(null));
        nothingForwarded();
    }

    static String refusal(String... pairs)
    {
        java.util.Map<String, String> properties = new java.util.LinkedHashMap<>(java.util.Map.of("upstream.u.url", "http://127.0.0.1:1",
            "route.r.path", "/r", "route.r.upstream", "u"));
        for (int i = 0; i < pairs.length; i += 2)
        {
            properties.put(pairs[i], pairs[i + 1]);
        }
        return assertThrows(ConfigException.class, () -> dev.sluice.config.SettingsParser.parse("test", properties, name -> null)).getMessage();
    }

    @Test
    void badGuardSettingsAreRefusedNamingTheKey()
    {
        String cidr = refusal("route.r.guard.allow", "10.0.0.0/33");
        assertTrue(cidr.contains("'route.r.guard.allow'") && cidr.contains("10.0.0.0/33"), cidr);
        String type = refusal("route.r.guard.content-types", "json");
        assertTrue(type.contains("'route.r.guard.content-types'") && type.contains("application/json"), type);
        String size = refusal("guard.max-body", "lots");
        assertTrue(size.contains("'guard.max-body'"), size);
    }
}
