// The launcher's cache-hit front: what it answers, what it leaves to the servlet chain, and that its answers are the chain's.
package dev.sluice.cache;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.testing.LogCapture;
import dev.sluice.testing.Origin;
import dev.sluice.testing.Origin.Answer;
import dev.sluice.testing.Scratch;
import dev.sluice.testing.SluiceUnderTest;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpField;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CacheFrontTest
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "front-test-key-0123456789abcdef";
    /** Every kind of route: only /open may be answered before the chain. */
    private static final String ROUTES = """
        config.reload-interval = 0
        exchange.trusted-proxies = 127.0.0.0/8
        upstream.origin.url = %s
        consumer.alice.api-key.main = sha256:%s
        route.open.path = /open
        route.open.upstream = origin
        route.open.cache = force
        route.open.cache.ttl = 10m
        route.vary.path = /vary
        route.vary.upstream = origin
        route.vary.cache = on
        route.keyed.path = /keyed
        route.keyed.upstream = origin
        route.keyed.cache = force
        route.keyed.cache.key.consumer = false
        route.keyed.auth = api-key
        route.limited.path = /limited
        route.limited.upstream = origin
        route.limited.cache = force
        route.limited.rate-limit = 1000/s
        route.guarded.path = /guarded
        route.guarded.upstream = origin
        route.guarded.cache = force
        route.guarded.guard.max-body = 1KB
        route.cors.path = /cors
        route.cors.upstream = origin
        route.cors.cache = force
        route.cors.cors.origins = https://app.example
        route.secure.path = /secure
        route.secure.upstream = origin
        route.secure.cache = force
        route.secure.tls = required
        """;

    private static Origin origin;
    private static SluiceUnderTest fast;
    private static SluiceUnderTest chain;
    private static HttpClient client;

    @BeforeAll
    static void start() throws Exception
    {
        origin = new Origin();
        origin.script("/vary", request -> Answer.of(200, "in " + request.getHeaders().get("Accept-Language"), "Cache-Control", "max-age=600",
            "Vary", "Accept-Language", "ETag", "\"v-" + request.getHeaders().get("Accept-Language") + "\"",
            "Last-Modified", "Tue, 01 Dec 2026 10:00:00 GMT"));
        origin.script("/open/page", Answer.of(200, "page body", "ETag", "\"p1\"", "Last-Modified", "Tue, 01 Dec 2026 10:00:00 GMT",
            "Content-Type", "text/plain", "X-Origin", "one", "X-Origin", "two"));
        String routes = ROUTES.formatted(origin.url(), dev.sluice.testing.KeyHashes.sha256(KEY));
        fast = SluiceUnderTest.start(routes);
        chain = SluiceUnderTest.start(routes + "cache.fast-path = false\n");
        client = new HttpClient();
        client.setFollowRedirects(false);
        client.start();
    }

    @AfterAll
    static void stop() throws Exception
    {
        client.stop();
        fast.close();
        chain.close();
        origin.close();
    }

    private static ContentResponse send(SluiceUnderTest sluice, String method, String path, String... headers) throws Exception
    {
        return dev.sluice.testing.Requests.send(client, sluice.uri(path), method, headers);
    }

    /** A request as Jetty's core request would present it to the front. */
    private record Plain(String method, String path, String query, String remoteAddress, Map<String, List<String>> fields)
        implements CacheFront.Request
    {
        static Plain get(String path, String... headers)
        {
            Map<String, List<String>> fields = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            for (int i = 0; i + 1 < headers.length; i += 2)
            {
                fields.computeIfAbsent(headers[i], name -> new ArrayList<>()).add(headers[i + 1]);
            }
            int question = path.indexOf('?');
            return new Plain("GET", question < 0 ? path : path.substring(0, question), question < 0 ? null : path.substring(question + 1),
                "192.0.2.7", fields);
        }

        /** The same request from another address. */
        Plain from(String peer)
        {
            return new Plain(method, path, query, peer, fields);
        }

        @Override
        public String serverName()
        {
            return "127.0.0.1";
        }

        @Override
        public String header(String name)
        {
            List<String> values = fields.get(name);
            return values == null ? null : values.get(0);
        }

        @Override
        public List<String> headers(String name)
        {
            return fields.getOrDefault(name, List.of());
        }

        @Override
        public List<String> headerNames()
        {
            return new ArrayList<>(fields.keySet());
        }
    }

    private static CacheFront front(SluiceUnderTest sluice)
    {
        return (CacheFront)sluice.contextAttribute(CacheFront.ATTRIBUTE);
    }

    /** What the front answers, its fields collected; null when it leaves the request to the chain. */
    private static Map<String, List<String>> ask(SluiceUnderTest sluice, Plain request, int[] status, byte[][] body)
    {
        // The Host a client of this Sluice sends: part of the key.
        request.fields().putIfAbsent("Host", List.of("127.0.0.1:" + sluice.port()));
        Map<String, List<String>> fields = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        CacheFront.Answer answer = front(sluice).answer(request, (name, value, first) ->
        {
            if (first)
            {
                fields.remove(name);
            }
            fields.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
        }, System.nanoTime());
        if (answer == null)
        {
            return null;
        }
        status[0] = answer.status();
        if (answer.body() != null)
        {
            body[0] = new byte[answer.body().remaining()];
            answer.body().duplicate().get(body[0]);
        }
        answer.written(null);
        return fields;
    }

    @Test
    void aFreshHitIsAnsweredWithTheStoredFieldsAndLoggedAsAHit() throws Exception
    {
        int[] status = new int[1];
        byte[][] body = new byte[1][];
        assertNull(ask(fast, Plain.get("/open/page"), status, body), "nothing stored yet: the chain goes upstream");
        assertEquals(200, send(fast, "GET", "/open/page").getStatus());

        try (LogCapture logs = LogCapture.start())
        {
            Map<String, List<String>> fields = ask(fast, Plain.get("/open/page", "X-Request-ID", "front-hit-1"), status, body);
            assertNotNull(fields, "a fresh hit on a route nothing else applies to is answered before the chain");
            assertEquals(200, status[0]);
            assertEquals("page body", new String(body[0], StandardCharsets.UTF_8));
            assertEquals(List.of("HIT"), fields.get("X-Cache-Status"));
            assertEquals(List.of("front-hit-1"), fields.get("X-Request-ID"));
            assertEquals(List.of("one", "two"), fields.get("X-Origin"), "every line of a stored field");
            assertEquals(List.of("9"), fields.get("Content-Length"));
            // The upstream's Date counts whole seconds: a response made late in one second is a second old early in the next.
            assertTrue(List.of(List.of("0"), List.of("1")).contains(fields.get("Age")), String.valueOf(fields.get("Age")));

            JsonNode line = JSON.readTree(logs.accessLine("front-hit-1"));
            assertEquals("HIT", line.get("cache").asText());
            assertEquals("open", line.get("route").asText());
            assertEquals(200, line.get("status").asInt());
            assertEquals(9, line.get("bytes_out").asInt());
            assertEquals("192.0.2.7", line.get("client").asText());
        }

        Map<String, List<String>> notModified = ask(fast, Plain.get("/open/page", "If-None-Match", "\"p1\""), status, body);
        assertNotNull(notModified);
        assertEquals(304, status[0], "the client's condition holds");
        assertEquals(List.of("9"), notModified.get("Content-Length"), "the stored body's length, the only one a 304 may declare (RFC 9110 §8.6)");
        assertNull(ask(fast, Plain.get("/open/page", "Range", "bytes=0-3"), status, body), "ranges are the chain's (206)");
        assertNull(ask(fast, Plain.get("/open/page", "Cache-Control", "max-age=0"), status, body), "revalidation is the chain's");
        assertNull(ask(fast, Plain.get("/open/page", "Pragma", "no-cache"), status, body), "Pragma: no-cache as no-cache");
        assertNull(ask(fast, Plain.get("/open/page", "Content-Length", "3"), status, body), "a GET with a body bypasses the cache");
        assertNotNull(ask(fast, Plain.get("/open/page", "X-Forwarded-Proto", "https"), status, body),
            "a peer outside exchange.trusted-proxies cannot make a request secure");
        assertNull(ask(fast, Plain.get("/open/page", "X-Forwarded-Proto", "https").from("127.0.0.1"), status, body),
            "a trusted proxy's HTTPS calls for HSTS: the chain's");
        assertNull(ask(fast, Plain.get("/open/page?other=1"), status, body), "another URL is another key");
        assertEquals(1, origin.count("/open/page"), "every answer so far came from the one stored response");
    }

    @Test
    void routesWithAuthLimitsGuardsCorsOrTlsAreLeftToTheChainEvenWithAStoredResponse() throws Exception
    {
        int[] status = new int[1];
        byte[][] body = new byte[1][];
        // Each route stores a response (sent with what the route needs to let it through)...
        Map<String, String[]> needs = Map.of(
            "/keyed/x", new String[] {"apikey", KEY},
            "/limited/x", new String[] {},
            "/guarded/x", new String[] {},
            "/cors/x", new String[] {"Origin", "https://app.example"},
            // A trusted proxy's word makes the request secure; the key's scheme is the connection's (http).
            "/secure/x", new String[] {"X-Forwarded-Proto", "https"});
        for (Map.Entry<String, String[]> route : needs.entrySet())
        {
            String path = route.getKey();
            assertEquals(200, send(fast, "GET", path, route.getValue()).getStatus(), path);
            assertEquals("HIT", send(fast, "GET", path, route.getValue()).getHeaders().get("X-Cache-Status"), path + " is stored");
            // ...which the front still leaves to the chain, whose filters decide.
            assertNull(ask(fast, Plain.get(path, route.getValue()), status, body), path);
        }
        assertEquals(java.util.Set.of("open", "vary"), front(fast).routesAnswered(), "the routes nothing but the cache applies to");
        assertEquals(401, send(fast, "GET", "/keyed/x").getStatus(), "no key, no stored answer");
        assertEquals(308, send(fast, "GET", "/secure/x").getStatus(), "plain HTTP is redirected, not served from the cache");
        assertNotNull(send(fast, "GET", "/limited/x").getHeaders().get("RateLimit-Limit"), "a hit still counts against the limit");
        assertEquals("https://app.example", send(fast, "GET", "/cors/x", "Origin", "https://app.example").getHeaders().get("Access-Control-Allow-Origin"));
    }

    @Test
    void switchedOffTheChainAnswersEveryHit() throws Exception
    {
        assertEquals(200, send(chain, "GET", "/open/off").getStatus());
        assertEquals("HIT", send(chain, "GET", "/open/off").getHeaders().get("X-Cache-Status"));
        assertNull(ask(chain, Plain.get("/open/off"), new int[1], new byte[1][]), "cache.fast-path = false");
        assertEquals(java.util.Set.of(), front(chain).routesAnswered());
    }

    @Test
    void aDiskTierKeepsHitsOffTheSelectorThread() throws Exception
    {
        java.nio.file.Path disk = Scratch.directory("sluice-front-disk");
        try (SluiceUnderTest withDisk = SluiceUnderTest.start(ROUTES.formatted(origin.url(), dev.sluice.testing.KeyHashes.sha256(KEY))
            + "cache.disk.directory = " + disk + "\ncache.disk.persistent = false\n"))
        {
            assertEquals(200, send(withDisk, "GET", "/open/disk").getStatus());
            assertEquals("HIT", send(withDisk, "GET", "/open/disk").getHeaders().get("X-Cache-Status"));
            assertNull(ask(withDisk, Plain.get("/open/disk"), new int[1], new byte[1][]), "disk reads block");
            assertEquals(java.util.Set.of(), front(withDisk).routesAnswered());
        }
    }

    /**
     * The same requests to a Sluice answering hits before the chain and to one answering them in
     * it: the same status, fields (but the per-request ones) and bodies, on the wire.
     */
    @Test
    void itsAnswersAreTheChainsFieldForField() throws Exception
    {
        List<String[]> requests = List.of(
            new String[] {"GET", "/open/same"},
            new String[] {"GET", "/open/same"},
            new String[] {"HEAD", "/open/same"},
            new String[] {"GET", "/open/same", "If-None-Match", "*"},
            new String[] {"GET", "/open/same", "If-Modified-Since", "Tue, 01 Dec 2026 10:00:00 GMT"},
            new String[] {"GET", "/open/same", "Range", "bytes=0-2"},
            new String[] {"GET", "/open/same?q=1"},
            new String[] {"GET", "/open/same?q=1", "Cache-Control", "max-stale=5"},
            new String[] {"GET", "/vary/a", "Accept-Language", "en"},
            new String[] {"GET", "/vary/a", "Accept-Language", "de"},
            new String[] {"GET", "/vary/a", "Accept-Language", "en"},
            new String[] {"GET", "/vary/a", "Accept-Language", "de", "If-None-Match", "\"v-de\""},
            new String[] {"GET", "/vary/a", "Accept-Language", "de", "If-None-Match", "\"v-en\""},
            new String[] {"GET", "/open/%2e%2e/vary/a"},
            new String[] {"GET", "/open/same", "Cache-Control", "only-if-cached"});
        origin.script("/open/same", Answer.of(200, "same body", "ETag", "\"s1\"", "Last-Modified", "Tue, 01 Dec 2026 10:00:00 GMT",
            "Content-Type", "text/plain"));
        for (String[] request : requests)
        {
            String[] headers = java.util.Arrays.copyOfRange(request, 2, request.length);
            ContentResponse viaChain = send(chain, request[0], request[1], headers);
            ContentResponse viaFront = send(fast, request[0], request[1], headers);
            String what = String.join(" ", request);
            assertEquals(viaChain.getStatus(), viaFront.getStatus(), what);
            assertEquals(comparable(viaChain), comparable(viaFront), what);
            // Problems name their request's id.
            assertEquals(viaChain.getContentAsString().replaceAll("\"request_id\":\"\\w+\"", ""),
                viaFront.getContentAsString().replaceAll("\"request_id\":\"\\w+\"", ""), what);
        }
        assertTrue(origin.count("/open/same") >= 2, "each Sluice fetched once");
    }

    /** The fields but Date, X-Request-ID and Age (per request, per second) and Server (the origin's, on every answer). */
    private static List<String> comparable(ContentResponse response)
    {
        List<String> fields = new ArrayList<>();
        for (HttpField field : response.getHeaders())
        {
            String name = field.getName().toLowerCase(java.util.Locale.ROOT);
            if (!name.equals("date") && !name.equals("x-request-id") && !name.equals("age") && !name.equals("server"))
            {
                fields.add(name + ": " + field.getValue());
            }
        }
        return fields;
    }
}
