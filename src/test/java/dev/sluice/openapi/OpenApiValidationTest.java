// OpenAPI request validation end to end, with the Petstore 3.0 document and a 3.1 one: what is refused never reaches the upstream.
package dev.sluice.openapi;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.config.ConfigException;
import dev.sluice.testing.LogCapture;
import dev.sluice.testing.SluiceUnderTest;
import dev.sluice.testing.TestUpstream;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OpenApiValidationTest
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    private static final Path PETSTORE = Path.of("src/test/resources/openapi/petstore-3.0.yaml").toAbsolutePath();
    private static final Path NOTES = Path.of("src/test/resources/openapi/notes-3.1.json").toAbsolutePath();
    private static final Path PATTERNS = Path.of("src/test/resources/openapi/patterns-3.0.yaml").toAbsolutePath();
    private static TestUpstream upstream;
    private static SluiceUnderTest sluice;

    @BeforeAll
    static void start() throws Exception
    {
        upstream = TestUpstream.start(new Handler.Abstract()
        {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception
            {
                upstream.offer(TestUpstream.record(request));
                String path = Request.getPathInContext(request);
                String body = path.endsWith("/pet/13") ? "{\"id\":\"thirteen\",\"photoUrls\":[]}"
                    : path.endsWith("/pet/7") ? "{\"id\":7,\"name\":\"rex\",\"photoUrls\":[]}" : "{\"ok\":true}";
                response.getHeaders().put("Content-Type", "application/json");
                Content.Sink.write(response, true, body, callback);
                return true;
            }
        });
        sluice = SluiceUnderTest.start("""
            upstream.api.url = %s/api/v3
            upstream.root.url = %s
            route.pets.path = /petstore
            route.pets.strip-prefix = true
            route.pets.upstream = api
            route.pets.openapi = %s
            route.pets.openapi.max-body = 2KB
            route.pets.openapi.responses = log
            route.v3.path = /api/v3
            route.v3.upstream = root
            route.v3.openapi = %s
            route.notes.path = /notes
            route.notes.upstream = root
            route.notes.openapi = %s
            route.notes.transform.request.json.set./source = sluice
            route.patterns.path = /patterns
            route.patterns.upstream = root
            route.patterns.openapi = %s
            """.formatted(upstream.url(), upstream.url(), PETSTORE, PETSTORE, NOTES, PATTERNS));
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

    private static HttpRequest.Builder json(String method, String path, String body)
    {
        return HttpRequest.newBuilder(sluice.uri(path)).header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body));
    }

    /** The problem's violations as pointer -> message, after checking it is a problem of this status that reached no upstream. */
    private static Map<String, String> refused(HttpResponse<String> response, int status) throws Exception
    {
        assertEquals(status, response.statusCode(), response.body());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("application/problem+json"));
        assertNull(upstream.poll(150), "the upstream saw nothing");
        JsonNode problem = JSON.readTree(response.body());
        Map<String, String> violations = new java.util.LinkedHashMap<>();
        problem.path("violations").forEach(violation -> violations.put(violation.path("pointer").asText(), violation.path("message").asText()));
        if (status == 400)
        {
            assertEquals("urn:sluice:problem:invalid-request", problem.path("type").asText());
            assertFalse(violations.isEmpty(), response.body());
        }
        return violations;
    }

    /** A pattern with a repeated group on long values: Java's engine overflowed its stack and the client got a 500. */
    @Test
    void aPatternJudgesLongValues() throws Exception
    {
        String longValue = "ab".repeat(3_500);
        assertEquals(200, send(HttpRequest.newBuilder(sluice.uri("/patterns/items?q=" + longValue))).statusCode());
        assertNotNull(upstream.poll(1_000));
        assertTrue(refused(send(HttpRequest.newBuilder(sluice.uri("/patterns/items?q=" + longValue + "x"))), 400).containsKey("/query/q"));
        assertEquals(200, send(json("POST", "/patterns/items", "{\"name\":\"" + "cd".repeat(20_000) + "\"}")).statusCode());
        assertNotNull(upstream.poll(1_000));
        assertEquals(1, refused(send(json("POST", "/patterns/items", "{\"name\":\"" + "cd".repeat(20_000) + "e\"}")), 400).size());
    }

    @Test
    void aValidRequestIsForwardedWithItsBodyIntact() throws Exception
    {
        String pet = "{\"id\":10,\"name\":\"doggie\",\"category\":{\"id\":1,\"name\":\"Dogs\"},\"photoUrls\":[\"a.png\"],\"status\":\"available\"}";
        HttpResponse<String> response = send(json("POST", "/petstore/pet", pet));
        assertEquals(200, response.statusCode(), response.body());
        TestUpstream.Received received = upstream.take();
        assertEquals("/api/v3/pet", received.target());
        assertEquals(pet, received.body());
        assertEquals(String.valueOf(pet.length()), received.headers().get("Content-Length"));

        assertEquals(200, send(HttpRequest.newBuilder(sluice.uri("/petstore/pet/findByStatus?status=sold&limit=5"))).statusCode());
        upstream.take();
        assertEquals(200, send(HttpRequest.newBuilder(sluice.uri("/petstore/pet/findByTags?tags=a&tags=b"))).statusCode());
        upstream.take();
        assertEquals(200, send(HttpRequest.newBuilder(sluice.uri("/petstore/pet/7")).DELETE().header("api_key", "special-key")).statusCode());
        upstream.take();
        assertEquals(200, send(HttpRequest.newBuilder(sluice.uri("/petstore/pet/7")).method("HEAD", HttpRequest.BodyPublishers.noBody())).statusCode(),
            "HEAD is checked as the path's GET");
        upstream.take();
    }

    @Test
    void anInvalidBodyIsRefusedListingEachViolationByPointer() throws Exception
    {
        Map<String, String> violations = refused(send(json("POST", "/petstore/pet",
            "{\"id\":\"ten\",\"category\":{\"id\":1.5},\"photoUrls\":[\"a\"],\"status\":\"sleeping\",\"tags\":[{\"id\":\"x\"}]}")), 400);
        assertEquals(java.util.Set.of("/body/name", "/body/id", "/body/category/id", "/body/status", "/body/tags/0/id"), violations.keySet(),
            violations.toString());
        assertTrue(violations.get("/body/name").contains("required"), violations.toString());
        assertTrue(violations.get("/body/id").contains("integer"), violations.toString());
        assertFalse(violations.values().stream().anyMatch(message -> message.contains("sleeping")), "messages never echo the value");

        Map<String, String> malformed = refused(send(json("PUT", "/petstore/pet", "{\"name\": ")), 400);
        assertEquals(Map.of("/body", "the body is not valid JSON"), malformed);
        // Checked as the last of two names (Jackson's reading), forwarded to an upstream that may
        // read the first: a check that passes what it never saw.
        Map<String, String> twice = refused(send(json("POST", "/petstore/pet",
            "{\"id\":\"ten\",\"id\":10,\"name\":\"doggie\",\"photoUrls\":[\"a\"]}")), 400);
        assertEquals(Map.of("/body", "the body is not valid JSON: a name appears twice in one object"), twice);
        Map<String, String> trailing = refused(send(json("POST", "/petstore/pet", "{\"id\":10,\"name\":\"doggie\",\"photoUrls\":[\"a\"]} []")), 400);
        assertEquals(Map.of("/body", "the body is not valid JSON: more follows the JSON value"), trailing);

        Map<String, String> missing = refused(send(HttpRequest.newBuilder(sluice.uri("/petstore/pet")).POST(HttpRequest.BodyPublishers.noBody())), 400);
        assertEquals(Map.of("/body", "a request body is required"), missing);
    }

    @Test
    void aGzipBodyIsCheckedDecompressedAndAnotherCodingRefused() throws Exception
    {
        String pet = "{\"id\":10,\"name\":\"doggie\",\"photoUrls\":[\"a.png\"]}";
        byte[] zipped = gzip(pet.getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> response = send(HttpRequest.newBuilder(sluice.uri("/petstore/pet")).header("Content-Type", "application/json")
            .header("Content-Encoding", "gzip").POST(HttpRequest.BodyPublishers.ofByteArray(zipped)));
        assertEquals(200, response.statusCode(), response.body());
        TestUpstream.Received received = upstream.take();
        assertArrayEquals(zipped, received.bodyStart(), "forwarded as the client compressed it");
        assertEquals("gzip", received.headers().get("Content-Encoding"));

        Map<String, String> invalid = refused(send(HttpRequest.newBuilder(sluice.uri("/petstore/pet")).header("Content-Type", "application/json")
            .header("Content-Encoding", "gzip").POST(HttpRequest.BodyPublishers.ofByteArray(gzip("{\"id\":\"ten\"}".getBytes(StandardCharsets.UTF_8))))), 400);
        assertTrue(invalid.containsKey("/body/id"), invalid.toString());

        // Unchecked, a body in a coding Sluice cannot read would slip past the description.
        HttpResponse<String> opaque = send(HttpRequest.newBuilder(sluice.uri("/petstore/pet")).header("Content-Type", "application/json")
            .header("Content-Encoding", "br").POST(HttpRequest.BodyPublishers.ofByteArray(new byte[] {1, 2, 3})));
        refused(opaque, 415);
        assertEquals("gzip", opaque.headers().firstValue("Accept-Encoding").orElse(null));
        assertTrue(opaque.body().contains("br"), opaque.body());
    }

    private static byte[] gzip(byte[] data) throws java.io.IOException
    {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream zip = new java.util.zip.GZIPOutputStream(out))
        {
            zip.write(data);
        }
        return out.toByteArray();
    }

    @Test
    void parametersAreCheckedByTheirTypes() throws Exception
    {
        Map<String, String> path = refused(send(HttpRequest.newBuilder(sluice.uri("/petstore/pet/abc"))), 400);
        assertEquals(java.util.Set.of("/path/petId"), path.keySet(), path.toString());

        Map<String, String> query = refused(send(HttpRequest.newBuilder(sluice.uri("/petstore/pet/findByStatus?status=bogus&limit=500"))), 400);
        assertEquals(java.util.Set.of("/query/status", "/query/limit"), query.keySet(), query.toString());

        Map<String, String> required = refused(send(HttpRequest.newBuilder(sluice.uri("/petstore/pet/findByStatus?limit=2"))), 400);
        assertEquals(Map.of("/query/status", "required query parameter 'status' is missing"), required);

        Map<String, String> array = refused(send(HttpRequest.newBuilder(sluice.uri("/petstore/pet/findByTags?tags=a&tags=b&tags=c&tags=d"))), 400);
        assertEquals(java.util.Set.of("/query/tags"), array.keySet(), array.toString());

        Map<String, String> header = refused(send(HttpRequest.newBuilder(sluice.uri("/petstore/pet/7")).DELETE()), 400);
        assertEquals(Map.of("/header/api_key", "required header parameter 'api_key' is missing"), header);
        Map<String, String> shortKey = refused(send(HttpRequest.newBuilder(sluice.uri("/petstore/pet/7")).DELETE().header("api_key", "short")), 400);
        assertEquals(java.util.Set.of("/header/api_key"), shortKey.keySet());

        Map<String, String> both = refused(send(HttpRequest.newBuilder(sluice.uri("/petstore/pet/x1?name=" + "n".repeat(30)))
            .POST(HttpRequest.BodyPublishers.noBody())), 400);
        assertEquals(java.util.Set.of("/path/petId", "/query/name"), both.keySet(), "every violation, path and query together");
    }

    @Test
    void unknownPathsMethodsAndBodyTypesGetTheirOwnStatuses() throws Exception
    {
        refused(send(HttpRequest.newBuilder(sluice.uri("/petstore/user/login"))), 404);
        HttpResponse<String> method = send(HttpRequest.newBuilder(sluice.uri("/petstore/pet")).method("PATCH", HttpRequest.BodyPublishers.ofString("{}")));
        refused(method, 405);
        assertEquals("POST, PUT", method.headers().firstValue("Allow").orElse(null));
        HttpResponse<String> type = send(HttpRequest.newBuilder(sluice.uri("/petstore/pet")).header("Content-Type", "text/plain")
            .POST(HttpRequest.BodyPublishers.ofString("rex")));
        refused(type, 415);
        assertEquals("application/json, application/xml", type.headers().firstValue("Accept-Post").orElse(null));

        String xml = "<pet><name>rex</name></pet>";
        assertEquals(200, send(HttpRequest.newBuilder(sluice.uri("/petstore/pet")).header("Content-Type", "application/xml")
            .POST(HttpRequest.BodyPublishers.ofString(xml))).statusCode(), "a type the operation takes without a JSON schema check passes");
        assertEquals(xml, upstream.take().body());

        refused(send(json("POST", "/petstore/pet", "{\"name\":\"" + "x".repeat(3000) + "\",\"photoUrls\":[]}")), 413);
    }

    @Test
    void theServersBasePathIsTakenOffWhenTheUpstreamPathCarriesIt() throws Exception
    {
        assertEquals(200, send(HttpRequest.newBuilder(sluice.uri("/api/v3/store/order/42"))).statusCode());
        assertEquals("/api/v3/store/order/42", upstream.take().target());
        refused(send(HttpRequest.newBuilder(sluice.uri("/api/v3/store/order/forty-two"))), 400);
    }

    @Test
    void openApi31SchemasWithNullTypesAndLiteralPathsFirst() throws Exception
    {
        assertEquals(200, send(json("PUT", "/notes/n-1", "{\"text\":\"buy milk\",\"due\":null,\"labels\":[\"home\"]}")).statusCode());
        assertEquals("{\"text\":\"buy milk\",\"due\":null,\"labels\":[\"home\"],\"source\":\"sluice\"}", upstream.take().body(),
            "checked as the client sent it, then transformed");
        Map<String, String> violations = refused(send(json("PUT", "/notes/N_1", "{\"text\":\"x\",\"extra\":1,\"due\":\"someday\",\"labels\":[\"a\",\"a\"]}")), 400);
        assertEquals(java.util.Set.of("/path/id", "/body", "/body/due", "/body/labels"), violations.keySet(), violations.toString());
        assertEquals(200, send(HttpRequest.newBuilder(sluice.uri("/notes/recent"))).statusCode(), "/notes/recent is its own path, not an id");
        upstream.take();
        HttpResponse<String> notGet = send(HttpRequest.newBuilder(sluice.uri("/notes/n-2")));
        refused(notGet, 405);
        assertEquals("PUT", notGet.headers().firstValue("Allow").orElse(null));
    }

    @Test
    void responsesAreCheckedAndLoggedButNeverChanged() throws Exception
    {
        try (LogCapture log = LogCapture.start())
        {
            HttpResponse<String> good = send(HttpRequest.newBuilder(sluice.uri("/petstore/pet/7")));
            upstream.take();
            assertEquals("{\"id\":7,\"name\":\"rex\",\"photoUrls\":[]}", good.body());
            HttpResponse<String> bad = send(HttpRequest.newBuilder(sluice.uri("/petstore/pet/13")));
            upstream.take();
            assertEquals(200, bad.statusCode());
            assertEquals("{\"id\":\"thirteen\",\"photoUrls\":[]}", bad.body(), "passed on as it came");
            String requestId = bad.headers().firstValue("X-Request-Id").orElseThrow();
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (!log.text().contains(requestId + " the upstream's 200 response") && System.nanoTime() < deadline)
            {
                Thread.sleep(20);
            }
            List<String> lines = new ArrayList<>();
            for (String line : log.lines())
            {
                if (line.contains("does not match the API description"))
                {
                    lines.add(line);
                }
            }
            assertEquals(1, lines.size(), log.text());
            assertTrue(lines.get(0).contains(requestId) && lines.get(0).contains("GET /pet/{petId}") && lines.get(0).contains("/body/name")
                && lines.get(0).contains("/body/id"), lines.get(0));
            assertFalse(lines.get(0).contains("thirteen"), "the log names rules, not values");
        }
    }

    private static String refusal(String value)
    {
        Map<String, String> properties = new java.util.LinkedHashMap<>(Map.of("upstream.u.url", "http://127.0.0.1:9", "route.r.path", "/r",
            "route.r.upstream", "u", "route.r.openapi", value));
        return assertThrows(ConfigException.class, () -> dev.sluice.config.SettingsParser.parse("test", properties, name -> null)).getMessage();
    }

    @Test
    void aDocumentThatCannotBeUsedRefusesStartNamingTheKey(@TempDir Path dir) throws Exception
    {
        String missing = refusal(dir.resolve("nope.yaml").toString());
        assertTrue(missing.contains("'route.r.openapi'") && missing.contains("nope.yaml") && missing.contains("readable"), missing);

        Path swagger = Files.writeString(dir.resolve("swagger.yaml"), "swagger: '2.0'\ninfo: {title: x, version: '1'}\npaths: {}\n");
        String old = refusal(swagger.toString());
        assertTrue(old.contains("'2.0'") && old.contains("3.0 and 3.1"), old);

        Path remote = Files.writeString(dir.resolve("remote.yaml"), """
            openapi: 3.0.3
            info: {title: x, version: '1'}
            paths:
              /a:
                post:
                  requestBody:
                    content:
                      application/json:
                        schema: {$ref: 'https://example.com/schemas/a.json'}
                  responses: {'200': {description: ok}}
            """);
        String external = refusal(remote.toString());
        assertTrue(external.contains("https://example.com/schemas/a.json") && external.contains("within the document"), external);

        Path dangling = Files.writeString(dir.resolve("dangling.yaml"), """
            openapi: 3.0.3
            info: {title: x, version: '1'}
            paths:
              /a:
                parameters: [{$ref: '#/components/parameters/Nope'}]
                get: {responses: {'200': {description: ok}}}
            """);
        String nothing = refusal(dangling.toString());
        assertTrue(nothing.contains("#/components/parameters/Nope"), nothing);

        // Found by a fuzz of the Petstore document: a NullPointerException's stack trace at start-up.
        Path notAList = Files.writeString(dir.resolve("not-a-list.yaml"), """
            openapi: 3.0.3
            info: {title: x, version: '1'}
            paths:
              /a:
                get:
                  parameters: {$ref: '#/components/schemas/A'}
                  responses: {'200': {description: ok}}
            components: {schemas: {A: {type: string}}}
            """);
        String list = refusal(notAList.toString());
        assertTrue(list.contains("'route.r.openapi'") && list.contains("its parameters at /paths/~1a/get/parameters are not a list"), list);
        // ... and "FileNotFoundException: https://sluice.invalid/openapi/null".
        Path nullRef = Files.writeString(dir.resolve("null-ref.yaml"), """
            openapi: 3.0.3
            info: {title: x, version: '1'}
            paths:
              /a:
                post:
                  requestBody: {content: {application/json: {schema: {$ref: null}}}}
                  responses: {'200': {description: ok}}
            """);
        String ref = refusal(nullRef.toString());
        assertTrue(ref.contains("it has a $ref that is not a string: null") && !ref.contains("Exception"), ref);

        Path notYaml = Files.write(dir.resolve("bad.yaml"), "{ not: [yaml".getBytes(StandardCharsets.UTF_8));
        assertTrue(refusal(notYaml.toString()).contains("not YAML or JSON"));
    }
}
