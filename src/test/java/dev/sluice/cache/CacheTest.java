// The cache through the real chain: an origin that counts its requests behind Sluice with the real web.xml.
package dev.sluice.cache;

import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.sluice.testing.Origin;
import dev.sluice.testing.Origin.Answer;
import dev.sluice.testing.SluiceUnderTest;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.StringRequestContent;
import org.eclipse.jetty.http.HttpHeader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CacheTest
{
    private static Origin origin;
    private static SluiceUnderTest sluice;
    private static HttpClient client;

    @BeforeAll
    static void start() throws Exception
    {
        origin = new Origin();
        sluice = SluiceUnderTest.start("""
            config.reload-interval = 0
            upstream.origin.url = %s
            route.c.path = /c
            route.c.upstream = origin
            route.c.cache = on
            route.f.path = /f
            route.f.upstream = origin
            route.f.cache = force
            route.f.cache.ttl = 2s
            route.s.path = /s
            route.s.upstream = origin
            route.s.cache = on
            route.s.cache.max-object-size = 100
            route.p.path = /p
            route.p.upstream = origin
            route.p.cache = on
            route.p.cache.unkeyed-headers = strip
            route.k.path = /k
            route.k.upstream = origin
            route.k.cache = on
            route.k.cache.key.query = page
            route.k.cache.key.headers = X-Tenant
            """.formatted(origin.url()));
        client = new HttpClient();
        client.setFollowRedirects(false);
        client.start();
    }

    @AfterAll
    static void stop() throws Exception
    {
        client.stop();
        sluice.close();
        origin.close();
    }

    private static ContentResponse get(String path, String... headers) throws Exception
    {
        return send("GET", path, headers);
    }

    private static ContentResponse send(String method, String path, String... headers) throws Exception
    {
        return dev.sluice.testing.Requests.send(client, sluice.uri(path), method, headers);
    }

    @Test
    void aFreshResponseIsServedWithoutTheUpstreamWithAge() throws Exception
    {
        origin.script("/c/fresh", Answer.of(200, "hello", "Cache-Control", "max-age=60", "ETag", "\"v1\""));
        ContentResponse first = get("/c/fresh");
        assertEquals("MISS", first.getHeaders().get("X-Cache-Status"));
        assertEquals("hello", first.getContentAsString());
        Thread.sleep(1100);
        ContentResponse second = get("/c/fresh");
        assertEquals(200, second.getStatus());
        assertEquals("hello", second.getContentAsString());
        assertEquals("HIT", second.getHeaders().get("X-Cache-Status"));
        assertTrue(Long.parseLong(second.getHeaders().get("Age")) >= 1);
        assertEquals(1, origin.count("/c/fresh"));

        ContentResponse head = send("HEAD", "/c/fresh");
        assertEquals("HIT", head.getHeaders().get("X-Cache-Status"));
        assertEquals("5", head.getHeaders().get("Content-Length"));
        assertEquals(0, head.getContent().length);

        ContentResponse conditional = get("/c/fresh", "If-None-Match", "\"v0\", \"v1\"");
        assertEquals(304, conditional.getStatus());
        assertEquals("\"v1\"", conditional.getHeaders().get("ETag"));
        // RFC 9110 §8.6: a 304's Content-Length, if any, is the length a 200 would have (not 0).
        assertEquals("5", conditional.getHeaders().get("Content-Length"));
        assertEquals(1, origin.count("/c/fresh"));
    }

    @Test
    void aStaleResponseIsRevalidatedAndA304FreshensIt() throws Exception
    {
        origin.script("/c/reval", request -> request.getHeaders().get("If-None-Match") != null
            ? Answer.of(304, null, "Cache-Control", "max-age=60", "ETag", "\"r1\"", "X-Version", "2")
            : Answer.of(200, "body-1", "Cache-Control", "max-age=1", "ETag", "\"r1\"", "X-Version", "1"));
        assertEquals("MISS", get("/c/reval").getHeaders().get("X-Cache-Status"));
        Thread.sleep(1100);
        ContentResponse revalidated = get("/c/reval");
        assertEquals(200, revalidated.getStatus());
        assertEquals("body-1", revalidated.getContentAsString());
        assertEquals("REVALIDATED", revalidated.getHeaders().get("X-Cache-Status"));
        assertEquals("2", revalidated.getHeaders().get("X-Version"));
        assertEquals("\"r1\"", origin.request("/c/reval", 1).get("If-None-Match"));
        ContentResponse hit = get("/c/reval");
        assertEquals("HIT", hit.getHeaders().get("X-Cache-Status"));
        assertEquals("2", hit.getHeaders().get("X-Version"));
        assertEquals(2, origin.count("/c/reval"));
    }

    @Test
    void noStorePrivateAndNoFreshnessAreNotStored() throws Exception
    {
        for (String cc : List.of("no-store", "private, max-age=60", "no-cache"))
        {
            String path = "/c/not-" + cc.replaceAll("[^a-z]", "");
            origin.script(path, Answer.of(200, "x", "Cache-Control", cc));
            get(path);
            assertEquals("MISS", get(path).getHeaders().get("X-Cache-Status"), cc);
            assertEquals(2, origin.count(path), cc);
        }
        origin.script("/c/bare", Answer.of(200, "x"));
        get("/c/bare");
        get("/c/bare");
        assertEquals(2, origin.count("/c/bare"));
        origin.script("/c/cookie", Answer.of(200, "x", "Cache-Control", "max-age=60", "Set-Cookie", "session=secret"));
        get("/c/cookie");
        get("/c/cookie");
        assertEquals(2, origin.count("/c/cookie"), "a Set-Cookie response is not replayed to others");
        origin.script("/c/auth", Answer.of(200, "x", "Cache-Control", "max-age=60"));
        get("/c/auth", "Authorization", "Bearer a");
        get("/c/auth");
        assertEquals(2, origin.count("/c/auth"), "a response to an Authorization request is not shared without public");
    }

    @Test
    void varyKeepsVariantsApartAndVaryStarIsNeverServed() throws Exception
    {
        origin.script("/c/vary", request -> Answer.of(200, "lang-" + request.getHeaders().get("Accept-Language"),
            "Cache-Control", "max-age=60", "Vary", "Accept-Language"));
        assertEquals("lang-en", get("/c/vary", "Accept-Language", "en").getContentAsString());
        assertEquals("lang-de", get("/c/vary", "Accept-Language", "de").getContentAsString());
        ContentResponse en = get("/c/vary", "Accept-Language", "en");
        assertEquals("lang-en", en.getContentAsString());
        assertEquals("HIT", en.getHeaders().get("X-Cache-Status"));
        assertEquals("lang-de", get("/c/vary", "Accept-Language", "de").getContentAsString());
        assertEquals(2, origin.count("/c/vary"));
        origin.script("/c/star", Answer.of(200, "x", "Cache-Control", "max-age=60", "Vary", "*"));
        get("/c/star");
        get("/c/star");
        assertEquals(2, origin.count("/c/star"));
    }

    @Test
    void anUnkeyedHeaderCannotPoisonWhatOthersAreServed() throws Exception
    {
        // An origin that (wrongly) builds links from a header it does not declare in Vary.
        java.util.function.Function<org.eclipse.jetty.server.Request, Answer> reflecting = request -> Answer.of(200,
            "link=" + (request.getHeaders().get("X-Evil-Host") == null ? "good" : request.getHeaders().get("X-Evil-Host")),
            "Cache-Control", "max-age=60");
        origin.script("/c/poison", reflecting);
        assertEquals("link=evil.example", get("/c/poison", "X-Evil-Host", "evil.example").getContentAsString());
        // The attacker's response is stored under a key that names the extra header: others never get it.
        ContentResponse victim = get("/c/poison");
        assertEquals("link=good", victim.getContentAsString());
        assertEquals("MISS", victim.getHeaders().get("X-Cache-Status"));
        assertEquals("link=good", get("/c/poison").getContentAsString());
        assertEquals("link=evil.example", get("/c/poison", "X-Evil-Host", "evil.example").getContentAsString());
        assertEquals(2, origin.count("/c/poison"));

        // Strict routes do not even forward it (nor Cookie or User-Agent) on cacheable requests.
        origin.script("/p/poison", reflecting);
        ContentResponse attacker = get("/p/poison", "X-Evil-Host", "evil.example", "User-Agent", "evil", "Cookie", "x=1");
        assertEquals("link=good", attacker.getContentAsString());
        assertNull(origin.request("/p/poison", 0).get("X-Evil-Host"));
        assertNull(origin.request("/p/poison", 0).get("Cookie"));
        assertNull(origin.request("/p/poison", 0).get("User-Agent"));
        assertEquals("HIT", get("/p/poison").getHeaders().get("X-Cache-Status"));
    }

    @Test
    void keyHeadersAndQueryParametersFormTheKey() throws Exception
    {
        origin.script("/k/list", request -> Answer.of(200, "tenant=" + request.getHeaders().get("X-Tenant") + " q=" + request.getHttpURI().getQuery(),
            "Cache-Control", "max-age=60"));
        assertEquals("tenant=a q=page=1&utm=x", get("/k/list?page=1&utm=x", "X-Tenant", "a").getContentAsString());
        assertEquals("tenant=a q=page=1&utm=x", get("/k/list?utm=y&page=1", "X-Tenant", "a").getContentAsString(), "utm is not in the key");
        assertEquals("tenant=b q=page=1", get("/k/list?page=1", "X-Tenant", "b").getContentAsString());
        assertEquals(2, origin.count("/k/list"));
    }

    @Test
    void unsafeMethodsInvalidateTheUrlAndLocation() throws Exception
    {
        origin.script("/c/item", Answer.of(200, "item", "Cache-Control", "max-age=60"));
        origin.script("/c/other", Answer.of(200, "other", "Cache-Control", "max-age=60"));
        get("/c/item");
        get("/c/other");
        ContentResponse post = client.POST(sluice.uri("/c/item")).body(new StringRequestContent("x")).send();
        assertEquals("BYPASS", post.getHeaders().get("X-Cache-Status"));
        assertEquals("MISS", get("/c/item").getHeaders().get("X-Cache-Status"));
        origin.script("/c/create", Answer.of(201, "made", "Location", "/c/other"));
        client.POST(sluice.uri("/c/create")).body(new StringRequestContent("x")).send();
        assertEquals("MISS", get("/c/other").getHeaders().get("X-Cache-Status"));
        // A failed unsafe request invalidates nothing.
        origin.script("/c/item", request -> request.getMethod().equals("DELETE") ? Answer.of(500, "no") : Answer.of(200, "item", "Cache-Control", "max-age=60"));
        send("DELETE", "/c/item");
        assertEquals("HIT", get("/c/item").getHeaders().get("X-Cache-Status"));
    }

    @Test
    void onlyIfCachedGets504WhenNothingIsStored() throws Exception
    {
        ContentResponse response = get("/c/never-stored", "Cache-Control", "only-if-cached");
        assertEquals(504, response.getStatus());
        assertEquals(0, origin.count("/c/never-stored"));
    }

    @Test
    void forceCachesForTheRouteTtlWhateverTheUpstreamSays() throws Exception
    {
        origin.script("/f/x", Answer.of(200, "forced", "Cache-Control", "no-cache"));
        get("/f/x");
        assertEquals("HIT", get("/f/x").getHeaders().get("X-Cache-Status"));
        assertEquals(1, origin.count("/f/x"));
        Thread.sleep(2100);
        assertEquals("EXPIRED", get("/f/x").getHeaders().get("X-Cache-Status"));
        assertEquals(2, origin.count("/f/x"));
    }

    @Test
    void bodiesOverTheMaximumStreamThroughAndAreNotStored() throws Exception
    {
        origin.script("/s/big", Answer.of(200, "x".repeat(500), "Cache-Control", "max-age=60"));
        assertEquals(500, get("/s/big").getContent().length);
        assertEquals(500, get("/s/big").getContent().length);
        assertEquals(2, origin.count("/s/big"));
        origin.script("/s/small", Answer.of(200, "x".repeat(50), "Cache-Control", "max-age=60"));
        get("/s/small");
        get("/s/small");
        assertEquals(1, origin.count("/s/small"));
    }

    @Test
    void staleIfErrorServesTheStoredResponseWhenTheUpstreamFails() throws Exception
    {
        origin.script("/c/sie", Answer.of(200, "good", "Cache-Control", "max-age=1, stale-if-error=60"));
        get("/c/sie");
        Thread.sleep(1100);
        origin.script("/c/sie", Answer.of(503, "down"));
        ContentResponse stale = get("/c/sie");
        assertEquals(200, stale.getStatus());
        assertEquals("good", stale.getContentAsString());
        assertEquals("STALE", stale.getHeaders().get("X-Cache-Status"));
        origin.script("/c/mr", Answer.of(200, "good", "Cache-Control", "max-age=1, must-revalidate"));
        get("/c/mr");
        Thread.sleep(1100);
        origin.script("/c/mr", Answer.of(503, "down"));
        assertEquals(503, get("/c/mr").getStatus());
    }

    @Test
    void aRangeOfAStoredBodyIsA206AndOnePastItsEndA416() throws Exception
    {
        origin.script("/c/file", Answer.of(200, "0123456789", "Cache-Control", "max-age=60"));
        assertEquals("MISS", get("/c/file").getHeaders().get("X-Cache-Status"));
        ContentResponse part = get("/c/file", "Range", "bytes=2-4");
        assertEquals(206, part.getStatus());
        assertEquals("234", part.getContentAsString());
        assertEquals("bytes 2-4/10", part.getHeaders().get("Content-Range"));
        // A download client resuming a file it already has asks from its end: the origin answers
        // 416 on a miss, and a hit must not send the whole file again instead.
        ContentResponse past = get("/c/file", "Range", "bytes=10-");
        assertEquals(416, past.getStatus(), past.getContentAsString());
        assertEquals("bytes */10", past.getHeaders().get("Content-Range"));
        assertTrue(past.getContentAsString().contains("\"type\":\"urn:sluice:problem:range-not-satisfiable\""), past.getContentAsString());
        assertEquals("HIT", past.getHeaders().get("X-Cache-Status"));
        ContentResponse backwards = get("/c/file", "Range", "bytes=5-3");
        assertEquals(200, backwards.getStatus(), "not a valid range: ignored");
        assertEquals("0123456789", backwards.getContentAsString());
        assertEquals(1, origin.count("/c/file"));
    }

    @Test
    void staleWhileRevalidateServesStaleAndRefreshesOnce() throws Exception
    {
        origin.script("/c/swr", Answer.of(200, "v1", "Cache-Control", "max-age=1, stale-while-revalidate=60"));
        get("/c/swr");
        Thread.sleep(1100);
        origin.script("/c/swr", Answer.of(200, "v2", "Cache-Control", "max-age=60").delayed(300));
        ContentResponse stale = get("/c/swr");
        assertEquals("v1", stale.getContentAsString());
        assertEquals("STALE", stale.getHeaders().get("X-Cache-Status"));
        assertEquals("v1", get("/c/swr").getContentAsString());
        Thread.sleep(600);
        ContentResponse fresh = get("/c/swr");
        assertEquals("v2", fresh.getContentAsString());
        assertEquals("HIT", fresh.getHeaders().get("X-Cache-Status"));
        assertEquals(2, origin.count("/c/swr"), "one background refresh");
    }

    @Test
    void concurrentMissesAreCollapsedIntoOneUpstreamRequest() throws Exception
    {
        origin.script("/c/herd", Answer.of(200, "herd", "Cache-Control", "max-age=60").delayed(400));
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(10);
        try
        {
            List<java.util.concurrent.Future<ContentResponse>> responses = new java.util.ArrayList<>();
            for (int i = 0; i < 10; i++)
            {
                responses.add(pool.submit(() -> get("/c/herd")));
            }
            int hits = 0;
            for (java.util.concurrent.Future<ContentResponse> response : responses)
            {
                ContentResponse done = response.get(10, TimeUnit.SECONDS);
                assertEquals("herd", done.getContentAsString());
                hits += "HIT".equals(done.getHeaders().get("X-Cache-Status")) ? 1 : 0;
            }
            assertEquals(1, origin.count("/c/herd"));
            assertEquals(9, hits);
        }
        finally
        {
            pool.shutdownNow();
        }
    }
}
