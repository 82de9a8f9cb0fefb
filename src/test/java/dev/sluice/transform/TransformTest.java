// Transforms end to end: what the upstream received and what the client got, on real servers.
package dev.sluice.transform;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.jwk.RSAKey;
import dev.sluice.auth.ApiKeys;
import dev.sluice.config.ConfigException;
import dev.sluice.testing.JwksServer;
import dev.sluice.testing.SluiceUnderTest;
import dev.sluice.testing.TestUpstream;
import dev.sluice.testing.Tokens;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TransformTest
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    private static final String ISS = "https://idp.example.test";
    private static final RSAKey KEY = Tokens.rsa("t1");
    private static final String ALICE_KEY = "alice-transform-key-0123456789";
    private static final String ORDER = "{\"id\":7,\"secret\":\"s3\",\"meta\":{\"v\":\"1\"},\"items\":[1,2]}";
    private static final String XML = "<order id=\"7\"><item>a</item><item>b</item><note lang=\"en\">fast</note><total>12.5</total></order>";
    private static final String XXE = "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><r>&x;</r>";
    private static final String LAUGHS = "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
        + "<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\"><!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">]><lolz>&lol4;</lolz>";
    /** About 8 MB of JSON, more than the socket buffers between Sluice and a client hold. */
    private static final byte[] HUGE = ("{\"id\":7,\"secret\":\"s3\",\"note\":\"" + "x".repeat(8_000_000) + "\"}").getBytes(StandardCharsets.UTF_8);
    private static TestUpstream upstream;
    private static JwksServer jwks;
    private static SluiceUnderTest sluice;

    @BeforeAll
    static void start() throws Exception
    {
        upstream = TestUpstream.start(new Handler.Abstract()
        {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception
            {
                TestUpstream.Received received = TestUpstream.record(request);
                String path = Request.getPathInContext(request);
                String name = path.substring(path.lastIndexOf('/') + 1);
                if (!name.equals("huge"))
                {
                    // (The slow-client test's requests are not what the other tests look for.)
                    upstream.offer(received);
                }
                response.getHeaders().put("X-Upstream", "test");
                byte[] body = switch (name)
                {
                    case "order" -> ORDER.getBytes(StandardCharsets.UTF_8);
                    case "gzip" -> gzip(ORDER.getBytes(StandardCharsets.UTF_8));
                    case "bad" -> "{\"id\": 7,".getBytes(StandardCharsets.UTF_8);
                    case "big" -> ("{\"id\":7,\"secret\":\"" + "x".repeat(3000) + "\"}").getBytes(StandardCharsets.UTF_8);
                    case "huge" -> HUGE;
                    case "xml" -> XML.getBytes(StandardCharsets.UTF_8);
                    case "xxe" -> XXE.getBytes(StandardCharsets.UTF_8);
                    case "laughs" -> LAUGHS.getBytes(StandardCharsets.UTF_8);
                    default -> "upstream ok".getBytes(StandardCharsets.UTF_8);
                };
                String type = name.equals("xml") || name.equals("xxe") || name.equals("laughs") ? "application/xml"
                    : name.equals("plain") ? "text/plain" : "application/json";
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
                response.getHeaders().put(HttpHeader.ETAG, "\"v1\"");
                response.getHeaders().put(HttpHeader.ACCEPT_RANGES, "bytes");
                if (name.equals("gzip"))
                {
                    response.getHeaders().put(HttpHeader.CONTENT_ENCODING, "gzip");
                }
                if (!name.equals("big"))
                {
                    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
                }
                Content.Sink.write(response, true, java.nio.ByteBuffer.wrap(body));
                callback.succeeded();
                return true;
            }
        });
        jwks = JwksServer.start(KEY);
        sluice = SluiceUnderTest.start("""
            upstream.u.url = %s
            exchange.trusted-proxies = 127.0.0.1/32
            auth.jwt.idp.issuer = %s
            auth.jwt.idp.jwks-url = %s
            auth.jwt.idp.audience = orders-api
            consumer.alice.username = alice@example.com
            consumer.alice.api-key.laptop = sha256:%s
            route.h.path = /h
            route.h.upstream = u
            route.h.auth = api-key
            route.h.auth.hide-credentials = true
            route.h.transform.request.header.set.X-Consumer = ${consumer.id}
            route.h.transform.request.header.set.X-Route = ${route}/${request.id}
            route.h.transform.request.header.set.X-Client = ${client.ip}
            route.h.transform.request.header.add.X-Tenant = tenant-${header.X-Tenant-Hint}
            route.h.transform.request.header.set.X-Absent = ${header.X-Nothing}
            route.h.transform.request.header.set.X-Who = ${query.who}
            route.h.transform.request.header.append.X-Tags = sluice
            route.h.transform.request.header.remove = X-Debug
            route.h.transform.request.header.rename.X-Old = X-New
            route.h.transform.request.query.set.api_version = 2
            route.h.transform.request.query.add.user = ${consumer.username}
            route.h.transform.request.query.remove = debug
            route.h.transform.request.query.rename.q = search
            route.h.transform.response.header.remove = X-Upstream
            route.h.transform.response.header.set.X-Served-By = sluice ${route}
            route.h.transform.response.header.add.Cache-Control = no-store
            route.j.path = /j
            route.j.upstream = u
            route.j.auth = jwt
            route.j.transform.request.header.set.X-Email = ${jwt.claim.email}
            route.j.transform.request.header.set.X-Tier = ${jwt.claim.tier}
            route.body.path = /body
            route.body.upstream = u
            route.body.transform.max-body = 2KB
            route.body.transform.request.json.remove = /debug
            route.body.transform.request.json.set./source = sluice
            route.body.transform.request.json.add./meta/priority = json:3
            route.body.transform.request.json.rename./cust = customer
            route.body.transform.request.json.move./customer/name = /name
            route.body.transform.response.json.remove = /secret
            route.body.transform.response.json.rename./items = lines
            route.body.transform.response.json.set./meta/route = ${route}
            route.body.transform.response.json.add./meta/v = never
            route.large.path = /large
            route.large.upstream = u
            route.large.transform.max-body = 16MB
            route.large.transform.response.json.remove = /secret
            route.strict.path = /strict
            route.strict.upstream = u
            route.strict.transform.max-body = 64
            route.strict.transform.required = true
            route.strict.transform.request.json.set./source = sluice
            route.zipped.path = /zipped
            route.zipped.upstream = u
            route.zipped.transform.response.gzip = pass
            route.zipped.transform.response.json.remove = /secret
            route.kept.path = /kept
            route.kept.upstream = u
            route.kept.cache = force
            route.kept.cache.ttl = 1m
            route.kept.transform.request.header.set.X-Via-Sluice = yes
            route.kept.transform.response.header.set.X-Served-By = sluice
            route.kept.transform.response.header.remove = X-Upstream
            route.legacy.path = /legacy
            route.legacy.upstream = u
            route.legacy.transform.response.xml-to-json = true
            route.legacy.transform.request.json-to-xml = true
            route.legacy.transform.request.json-to-xml.root = order
            """.formatted(upstream.url(), ISS, jwks.url(), HexFormat.of().formatHex(ApiKeys.sha256(ALICE_KEY))));
    }

    @AfterAll
    static void stop() throws Exception
    {
        sluice.close();
        jwks.close();
        upstream.close();
    }

    private static byte[] gzip(byte[] data) throws Exception
    {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream zip = new GZIPOutputStream(out))
        {
            zip.write(data);
        }
        return out.toByteArray();
    }

    private static byte[] gunzip(byte[] data) throws Exception
    {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(data)))
        {
            return in.readAllBytes();
        }
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception
    {
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest.Builder post(String path, String type, String body)
    {
        return HttpRequest.newBuilder(sluice.uri(path)).header("Content-Type", type).POST(HttpRequest.BodyPublishers.ofString(body));
    }

    private static JsonNode problem(HttpResponse<String> response, int status) throws Exception
    {
        assertEquals(status, response.statusCode(), response.body());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("application/problem+json"));
        return JSON.readTree(response.body());
    }

    @Test
    void requestHeadersAndQueryAreEditedWithTemplates() throws Exception
    {
        HttpResponse<String> response = send(HttpRequest.newBuilder(sluice.uri("/h/items?q=shoes&debug=1&who=ann&api_version=1"))
            .header("apikey", ALICE_KEY).header("X-Forwarded-For", "198.51.100.4").header("X-Tenant-Hint", "acme")
            .header("X-Debug", "on").header("X-Old", "kept").header("X-Tags", "client"));
        assertEquals(200, response.statusCode());
        TestUpstream.Received received = upstream.take();
        assertEquals("alice", received.headers().get("X-Consumer"));
        String requestId = response.headers().firstValue("X-Request-Id").orElseThrow();
        assertEquals("h/" + requestId, received.headers().get("X-Route"));
        assertEquals("198.51.100.4", received.headers().get("X-Client"), "the client address through the trusted proxy");
        assertEquals("tenant-acme", received.headers().get("X-Tenant"));
        assertFalse(received.headers().contains("X-Absent"), "a template that resolves to nothing leaves the header out");
        assertEquals("ann", received.headers().get("X-Who"));
        assertEquals(java.util.List.of("client", "sluice"), received.headers().getValuesList("X-Tags"));
        assertFalse(received.headers().contains("X-Debug"));
        assertFalse(received.headers().contains("X-Old"));
        assertEquals("kept", received.headers().get("X-New"));
        assertFalse(received.headers().contains("apikey"), "credentials hidden as configured");
        String target = received.target();
        assertTrue(target.startsWith("/h/items?"), target);
        java.util.List<String> query = java.util.List.of(target.substring(target.indexOf('?') + 1).split("&"));
        assertTrue(query.contains("search=shoes"), target);
        assertTrue(query.contains("api_version=2"), target);
        assertTrue(query.contains("user=alice%40example.com"), target);
        assertTrue(query.contains("who=ann"), target);
        assertFalse(query.stream().anyMatch(pair -> pair.startsWith("debug") || pair.startsWith("q=") || pair.equals("api_version=1")), target);

        assertFalse(response.headers().firstValue("X-Upstream").isPresent(), "the upstream's header removed");
        assertEquals("sluice h", response.headers().firstValue("X-Served-By").orElse(null));
        assertEquals("no-store", response.headers().firstValue("Cache-Control").orElse(null));
        assertEquals("upstream ok", response.body());
    }

    @Test
    void aCachedRouteStoresAndServesItsResponsesAsTransformed() throws Exception
    {
        HttpResponse<String> miss = send(HttpRequest.newBuilder(sluice.uri("/kept/order")));
        assertEquals(200, miss.statusCode());
        assertEquals("yes", upstream.take().headers().get("X-Via-Sluice"));
        HttpResponse<String> hit = send(HttpRequest.newBuilder(sluice.uri("/kept/order")));
        assertNull(upstream.poll(200), "the second answer came from the cache");
        for (HttpResponse<String> response : java.util.List.of(miss, hit))
        {
            assertEquals("sluice", response.headers().firstValue("X-Served-By").orElse(null));
            assertFalse(response.headers().firstValue("X-Upstream").isPresent());
            assertEquals(ORDER, response.body());
        }
        assertEquals("HIT", hit.headers().firstValue("X-Cache-Status").orElse(null));
    }

    @Test
    void aClientCannotInjectAHeaderLineThroughATemplate() throws Exception
    {
        HttpResponse<String> response = send(HttpRequest.newBuilder(sluice.uri("/h/x?who=ann%0D%0AX-Injected:%20yes"))
            .header("apikey", ALICE_KEY));
        assertEquals(200, response.statusCode());
        TestUpstream.Received received = upstream.take();
        assertFalse(received.headers().contains("X-Injected"));
        assertFalse(received.headers().contains("X-Who"), "a value with CR/LF after expansion is left out, not cut");
        assertFalse(received.headers().stream().anyMatch(field -> field.getValue().contains("\r") || field.getValue().contains("\n")
            || field.getValue().contains("\u0000")));
    }

    @Test
    void tokenClaimsFillTemplates() throws Exception
    {
        String token = Tokens.sign(KEY, Tokens.claims(ISS, "orders-api", "user-9", Instant.now()).claim("email", "u9@example.com").build());
        HttpResponse<String> response = send(HttpRequest.newBuilder(sluice.uri("/j/x")).header("Authorization", "Bearer " + token));
        assertEquals(200, response.statusCode(), response.body());
        TestUpstream.Received received = upstream.take();
        assertEquals("u9@example.com", received.headers().get("X-Email"));
        assertFalse(received.headers().contains("X-Tier"), "a claim the token lacks leaves the header out");
    }

    @Test
    void jsonRequestAndResponseBodiesAreEditedWithLengthsAndTagsFixed() throws Exception
    {
        HttpResponse<String> response = send(post("/body/order", "application/json; charset=utf-8",
            "{\"debug\":true,\"cust\":{\"name\":\"Ann\",\"tier\":\"gold\"},\"meta\":{}}"));
        assertEquals(200, response.statusCode());
        TestUpstream.Received received = upstream.take();
        JsonNode sent = JSON.readTree(received.body());
        assertTrue(sent.path("debug").isMissingNode(), received.body());
        assertEquals("sluice", sent.path("source").asText());
        assertEquals(3, sent.path("meta").path("priority").asInt());
        assertTrue(sent.path("meta").path("priority").isInt(), "json: values keep their JSON type");
        assertTrue(sent.path("cust").isMissingNode());
        assertEquals("gold", sent.path("customer").path("tier").asText());
        assertEquals("Ann", sent.path("name").asText(), "moved out of the renamed object");
        assertTrue(sent.path("customer").path("name").isMissingNode());
        assertEquals(String.valueOf(received.bodyBytes()), received.headers().get("Content-Length"));

        JsonNode got = JSON.readTree(response.body());
        assertTrue(got.path("secret").isMissingNode());
        assertEquals("[1,2]", got.path("lines").toString());
        assertTrue(got.path("items").isMissingNode());
        assertEquals("body", got.path("meta").path("route").asText());
        assertEquals("1", got.path("meta").path("v").asText(), "add leaves an existing field alone");
        assertEquals(String.valueOf(response.body().getBytes(StandardCharsets.UTF_8).length), response.headers().firstValue("Content-Length").orElse(null));
        assertEquals("W/\"v1\"", response.headers().firstValue("ETag").orElse(null), "a changed body's tag is weakened");
        assertFalse(response.headers().firstValue("Accept-Ranges").isPresent(), "ranges of the upstream's body do not address the new one");
    }

    @Test
    void malformedJsonFromTheClientIsRefusedAndFromTheUpstreamPassedOn() throws Exception
    {
        JsonNode problem = problem(send(post("/body/order", "application/json", "{\"a\": ")), 400);
        assertTrue(problem.path("detail").asText().contains("not valid JSON"), problem.toString());
        assertNull(upstream.poll(200), "never forwarded");
        // Jackson read the first value alone and kept the last of two names: the edited body
        // that went upstream had silently lost the rest.
        for (String[] invalid : new String[][] {{"{\"a\":1} {\"b\":2}", ": more follows the JSON value"}, {"{\"a\":1}xyz", ""},
            {"{\"a\":1,\"a\":2}", ": a name appears twice in one object"}})
        {
            JsonNode refused = problem(send(post("/body/order", "application/json", invalid[0])), 400);
            assertEquals("The request body is not valid JSON" + invalid[1] + ".", refused.path("detail").asText(), invalid[0]);
            assertNull(upstream.poll(200), invalid[0] + " was forwarded");
        }

        HttpResponse<String> response = send(HttpRequest.newBuilder(sluice.uri("/body/bad")));
        assertEquals(200, response.statusCode());
        upstream.take();
        assertEquals("{\"id\": 7,", response.body(), "the upstream's body untouched");
        assertEquals("\"v1\"", response.headers().firstValue("ETag").orElse(null));
    }

    @Test
    void bodiesOverTheLimitPassUntouchedOrAreRefusedWhenRequired() throws Exception
    {
        String large = "{\"debug\":true,\"pad\":\"" + "y".repeat(3000) + "\"}";
        assertEquals(200, send(post("/body/x", "application/json", large)).statusCode());
        TestUpstream.Received received = upstream.take();
        assertEquals(large.length(), received.bodyBytes());
        assertEquals(large, received.body());

        HttpResponse<String> big = send(HttpRequest.newBuilder(sluice.uri("/body/big")));
        upstream.take();
        assertEquals(200, big.statusCode());
        assertTrue(big.body().contains("\"secret\""), "a chunked response larger than max-body is streamed as it came");
        assertEquals(3000 + 20, big.body().length());

        problem(send(post("/strict/x", "application/json", large)), 413);
        assertNull(upstream.poll(200));
        assertEquals(200, send(post("/strict/x", "application/json", "{\"a\":1}")).statusCode());
        assertEquals("{\"a\":1,\"source\":\"sluice\"}", upstream.take().body());
    }

    @Test
    void gzipResponsesAreTransformedAndCompressedAgainOrPassedWhenTheRouteSaysSo() throws Exception
    {
        HttpResponse<byte[]> response = HTTP.send(HttpRequest.newBuilder(sluice.uri("/body/gzip")).header("Accept-Encoding", "gzip").build(),
            HttpResponse.BodyHandlers.ofByteArray());
        upstream.take();
        assertEquals("gzip", response.headers().firstValue("Content-Encoding").orElse(null));
        assertEquals(String.valueOf(response.body().length), response.headers().firstValue("Content-Length").orElse(null));
        JsonNode got = JSON.readTree(gunzip(response.body()));
        assertTrue(got.path("secret").isMissingNode());
        assertEquals("[1,2]", got.path("lines").toString());

        HttpResponse<byte[]> passed = HTTP.send(HttpRequest.newBuilder(sluice.uri("/zipped/gzip")).header("Accept-Encoding", "gzip").build(),
            HttpResponse.BodyHandlers.ofByteArray());
        upstream.take();
        assertArrayEquals(ORDER.getBytes(StandardCharsets.UTF_8), gunzip(passed.body()), "passed untouched");
        assertEquals("\"v1\"", passed.headers().firstValue("ETag").orElse(null));
    }

    @Test
    void gzipRequestBodiesAreTransformedAndCompressedAgainAndOtherCodingsPassOrAreRefused() throws Exception
    {
        // A client that compresses its body sent valid JSON; reading the gzip bytes as JSON
        // refused it as malformed.
        byte[] zipped = gzip("{\"debug\":true,\"a\":1}".getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> response = send(HttpRequest.newBuilder(sluice.uri("/body/x")).header("Content-Type", "application/json")
            .header("Content-Encoding", "gzip").POST(HttpRequest.BodyPublishers.ofByteArray(zipped)));
        assertEquals(200, response.statusCode(), response.body());
        TestUpstream.Received received = upstream.take();
        assertEquals("gzip", received.headers().get("Content-Encoding"));
        assertEquals(String.valueOf(received.bodyBytes()), received.headers().get("Content-Length"));
        assertEquals("{\"a\":1,\"source\":\"sluice\",\"meta\":{\"priority\":3}}", new String(gunzip(received.bodyStart()), StandardCharsets.UTF_8));

        JsonNode notGzip = problem(send(HttpRequest.newBuilder(sluice.uri("/body/x")).header("Content-Type", "application/json")
            .header("Content-Encoding", "gzip").POST(HttpRequest.BodyPublishers.ofString("{\"a\":1}"))), 400);
        assertTrue(notGzip.path("detail").asText().contains("gzip"), notGzip.toString());
        assertNull(upstream.poll(200));

        // Over max-body once decompressed: as any body over the limit.
        byte[] bomb = gzip(("{\"pad\":\"" + "z".repeat(100_000) + "\"}").getBytes(StandardCharsets.UTF_8));
        assertTrue(bomb.length < 2048);
        assertEquals(200, send(HttpRequest.newBuilder(sluice.uri("/body/x")).header("Content-Type", "application/json")
            .header("Content-Encoding", "gzip").POST(HttpRequest.BodyPublishers.ofByteArray(bomb))).statusCode());
        assertArrayEquals(bomb, upstream.take().bodyStart(), "passed untouched");

        // A coding Sluice cannot read: untouched, or 415 where transforming is required.
        byte[] opaque = {1, 2, 3, 4};
        assertEquals(200, send(HttpRequest.newBuilder(sluice.uri("/body/x")).header("Content-Type", "application/json")
            .header("Content-Encoding", "br").POST(HttpRequest.BodyPublishers.ofByteArray(opaque))).statusCode());
        TestUpstream.Received passed = upstream.take();
        assertArrayEquals(opaque, passed.bodyStart());
        assertEquals("br", passed.headers().get("Content-Encoding"));
        HttpResponse<String> refused = send(HttpRequest.newBuilder(sluice.uri("/strict/x")).header("Content-Type", "application/json")
            .header("Content-Encoding", "br").POST(HttpRequest.BodyPublishers.ofByteArray(opaque)));
        JsonNode unsupported = problem(refused, 415);
        assertTrue(unsupported.path("detail").asText().contains("br"), unsupported.toString());
        assertEquals("gzip", refused.headers().firstValue("Accept-Encoding").orElse(null));
        assertNull(upstream.poll(200));
    }

    @Test
    void xmlBecomesJsonWithAPredictableMapping() throws Exception
    {
        HttpResponse<String> response = send(HttpRequest.newBuilder(sluice.uri("/legacy/xml")).header("Accept", "application/json"));
        upstream.take();
        assertEquals(200, response.statusCode());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
        assertEquals(JSON.readTree("{\"id\":\"7\",\"item\":[\"a\",\"b\"],\"note\":{\"lang\":\"en\",\"\":\"fast\"},\"total\":\"12.5\"}"),
            JSON.readTree(response.body()));
        assertEquals(String.valueOf(response.body().length()), response.headers().firstValue("Content-Length").orElse(null));
        assertTrue(response.headers().allValues("Vary").stream().anyMatch(value -> value.contains("Accept")));

        HttpResponse<String> xmlOnly = send(HttpRequest.newBuilder(sluice.uri("/legacy/xml")).header("Accept", "application/xml"));
        upstream.take();
        assertEquals(XML, xmlOnly.body(), "a client asking only for XML keeps XML");
    }

    @Test
    void entitiesAreNeverExpandedAndSuchDocumentsPassUntouched() throws Exception
    {
        for (String name : new String[] {"xxe", "laughs"})
        {
            HttpResponse<String> response = send(HttpRequest.newBuilder(sluice.uri("/legacy/" + name)).header("Accept", "application/json"));
            upstream.take();
            assertEquals(200, response.statusCode());
            assertEquals(name.equals("xxe") ? XXE : LAUGHS, response.body());
            assertFalse(response.body().contains("root:"), "no file read");
            assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("application/xml"));
        }
    }

    @Test
    void jsonRequestsBecomeXmlForLegacyBackEnds() throws Exception
    {
        assertEquals(200, send(post("/legacy/x", "application/json", "{\"id\":7,\"item\":[\"a\",\"b\"],\"ship\":{\"city\":\"Oslo\"}}")).statusCode());
        TestUpstream.Received received = upstream.take();
        assertEquals("application/xml", received.headers().get("Content-Type"));
        assertEquals("<order><id>7</id><item>a</item><item>b</item><ship><city>Oslo</city></ship></order>", received.body());
        assertEquals(String.valueOf(received.bodyBytes()), received.headers().get("Content-Length"));
    }

    @Test
    void nonJsonBodiesAndPlainResponsesAreLeftAlone() throws Exception
    {
        assertEquals(200, send(post("/body/plain", "text/plain", "{\"debug\":true}")).statusCode());
        assertEquals("{\"debug\":true}", upstream.take().body());
    }

    private static String refusal(String key, String value)
    {
        java.util.Map<String, String> properties = new java.util.LinkedHashMap<>();
        properties.put("upstream.u.url", "http://127.0.0.1:9");
        properties.put("route.r.path", "/r");
        properties.put("route.r.upstream", "u");
        properties.put("route.c.path", "/c");
        properties.put("route.c.upstream", "u");
        properties.put("route.c.cache", "on");
        properties.put(key, value);
        return assertThrows(ConfigException.class, () -> dev.sluice.config.SettingsParser.parse("test", properties, name -> null)).getMessage();
    }

    @Test
    void environmentReferencesAreFilledOnceAtLoadAndRequestOnesLeftForEachRequest() throws Exception
    {
        Map<String, String> properties = new java.util.LinkedHashMap<>(Map.of("upstream.u.url", "http://127.0.0.1:9", "route.r.path", "/r",
            "route.r.upstream", "u", "route.r.transform.request.header.set.X-Api-Version", "${env.API_VERSION}",
            "route.r.transform.request.header.set.X-Caller", "${consumer.id}@${env.API_VERSION}"));
        dev.sluice.config.Settings settings = dev.sluice.config.SettingsParser.parse("test", properties, name -> name.equals("API_VERSION") ? "v7" : null);
        HeaderOps ops = settings.transform().route("r").requestHeaders();
        assertTrue(ops.set().get("X-Api-Version").constant());
        assertEquals("v7", ops.set().get("X-Api-Version").toString());
        assertFalse(ops.set().get("X-Caller").constant());
        assertEquals("${consumer.id}@v7", ops.set().get("X-Caller").toString());
    }

    @Test
    void anAiRouteTakesNoTransforms() throws Exception
    {
        Map<String, String> properties = new java.util.LinkedHashMap<>(Map.of("route.llm.path", "/v1", "route.llm.ai", "on",
            "ai.provider.local.type", "openai-compatible", "ai.provider.local.base-url", "http://127.0.0.1:9/v1",
            "ai.model.m.target.t.provider", "local", "ai.model.m.target.t.model", "llama3.1:8b",
            "route.llm.transform.request.header.set.X-Team", "search"));
        String message = assertThrows(ConfigException.class, () -> dev.sluice.config.SettingsParser.parse("test", properties, name -> null)).getMessage();
        assertTrue(message.contains("'route.llm.transform.*'") && message.contains("AI route"), message);
        properties.remove("route.llm.transform.request.header.set.X-Team");
        dev.sluice.config.SettingsParser.parse("test", properties, name -> null);
    }

    @Test
    void badTransformConfigurationIsRefusedNamingTheKey()
    {
        String length = refusal("route.r.transform.request.header.set.Content-Length", "5");
        assertTrue(length.contains("'route.r.transform.request.header.set.Content-Length'") && length.contains("hop-by-hop"), length);
        String pointer = refusal("route.r.transform.request.json.set.nopointer", "x");
        assertTrue(pointer.contains("'route.r.transform.request.json.set.nopointer'") && pointer.contains("JSON Pointer"), pointer);
        String unclosed = refusal("route.r.transform.request.header.set.X-A", "${header.X");
        assertTrue(unclosed.contains("'route.r.transform.request.header.set.X-A'") && unclosed.contains("unclosed"), unclosed);
        String control = refusal("route.r.transform.response.header.set.X-A", "a\u0001b");
        assertTrue(control.contains("control characters"), control);
        String gzip = refusal("route.r.transform.response.gzip", "maybe");
        assertTrue(gzip.contains("'route.r.transform.response.gzip'") && gzip.contains("pass"), gzip);
        String cached = refusal("route.c.transform.response.json.remove", "/a");
        assertTrue(cached.contains("cached"), cached);
        String perRequest = refusal("route.c.transform.response.header.set.X-Request", "${request.id}");
        assertTrue(perRequest.contains("'route.c.transform.response.header.set.X-Request'") && perRequest.contains("cached"), perRequest);
        String literal = refusal("route.r.transform.response.json.set./a", "json:{nope");
        assertTrue(literal.contains("json:"), literal);
    }

    @Test
    void clientsThatStopReadingATransformedBodyHoldNoThread() throws Exception
    {
        int clients = 4;
        java.util.List<java.net.Socket> sockets = new java.util.ArrayList<>();
        try
        {
            for (int i = 0; i < clients; i++)
            {
                java.net.Socket socket = new java.net.Socket();
                socket.setReceiveBufferSize(4096);
                socket.connect(new java.net.InetSocketAddress("127.0.0.1", sluice.port()), 5000);
                socket.getOutputStream().write("GET /large/huge HTTP/1.1\r\nHost: sluice\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                sockets.add(socket);
            }
            // Time for every answer to be transformed and written as far as the buffers allow.
            Thread.sleep(3000);
            assertEquals(java.util.List.of(), dev.sluice.testing.BlockedWrites.threads(), "threads parked writing transformed bodies to clients that do not read");

            // A client that reads on late gets the whole transformed body.
            java.net.Socket late = sockets.get(0);
            late.setSoTimeout(30_000);
            dev.sluice.testing.RawHttp.Reply reply = dev.sluice.testing.RawHttp.read(late.getInputStream());
            assertEquals(200, reply.status(), reply.head());
            JsonNode body = JSON.readTree(reply.body());
            assertFalse(body.has("secret"), "transformed");
            assertEquals(8_000_000, body.path("note").asText().length());
        }
        finally
        {
            for (java.net.Socket socket : sockets)
            {
                socket.close();
            }
        }
    }
}
