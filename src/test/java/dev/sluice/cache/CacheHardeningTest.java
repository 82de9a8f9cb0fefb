// What a client cannot make the cache do: fold methods, key on a body, share credentialed answers; Age and CDN-Cache-Control as the RFCs read them.
package dev.sluice.cache;

import java.util.concurrent.TimeUnit;

import dev.sluice.testing.Origin;
import dev.sluice.testing.Origin.Answer;
import dev.sluice.testing.RawHttp;
import dev.sluice.testing.SluiceUnderTest;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.StringRequestContent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CacheHardeningTest
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
            route.f.cache.ttl = 1m
            route.shared.path = /shared
            route.shared.upstream = origin
            route.shared.cache = force
            route.shared.cache.ttl = 1m
            route.shared.cache.force-credentialed = true
            """.formatted(origin.url()));
        client = new HttpClient();
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
        return dev.sluice.testing.Requests.send(client, sluice.uri(path), "GET", headers);
    }

    @Test
    void aLowerCaseGetIsRefusedAndLeavesTheStoredResponseAlone() throws Exception
    {
        origin.script("/c/lower", Answer.of(200, "kept", "Cache-Control", "max-age=60"));
        assertEquals("MISS", get("/c/lower").getHeaders().get("X-Cache-Status"));
        RawHttp.Reply lower = RawHttp.send(sluice.port(), "get /c/lower HTTP/1.1", "Host: localhost", "Connection: close");
        assertEquals(405, lower.status());
        ContentResponse again = get("/c/lower");
        assertEquals("HIT", again.getHeaders().get("X-Cache-Status"));
        assertEquals(1, origin.count("/c/lower"));
    }

    @Test
    void aGetWithABodyIsNeitherServedFromNorStoredInTheCache() throws Exception
    {
        origin.script("/c/body", Answer.of(200, "plain", "Cache-Control", "max-age=60"));
        assertEquals("MISS", get("/c/body").getHeaders().get("X-Cache-Status"));
        ContentResponse withBody = client.newRequest(sluice.uri("/c/body")).method("GET").body(new StringRequestContent("{\"q\":1}"))
            .timeout(10, TimeUnit.SECONDS).send();
        assertEquals("BYPASS", withBody.getHeaders().get("X-Cache-Status"));
        assertEquals(2, origin.count("/c/body"), "the body went upstream");
        ContentResponse plain = get("/c/body");
        assertEquals("HIT", plain.getHeaders().get("X-Cache-Status"), "the bodied request neither replaced nor purged the entry");
        assertEquals(2, origin.count("/c/body"));
    }

    @Test
    void forceDoesNotStoreAnswersToRequestsWithAuthorizationOrCookie() throws Exception
    {
        origin.script("/f/me", Answer.of(200, "for the caller"));
        get("/f/me", "Authorization", "Bearer alice-token");
        get("/f/me", "Cookie", "session=alice");
        ContentResponse anonymous = get("/f/me");
        assertEquals("MISS", anonymous.getHeaders().get("X-Cache-Status"), "nothing credentialed was stored");
        assertEquals(3, origin.count("/f/me"));
        assertEquals("HIT", get("/f/me").getHeaders().get("X-Cache-Status"));

        origin.script("/shared/me", Answer.of(200, "shared"));
        get("/shared/me", "Cookie", "session=alice");
        assertEquals("HIT", get("/shared/me").getHeaders().get("X-Cache-Status"), "the route said so explicitly");
    }

    @Test
    void cdnCacheControlGovernsTheCacheAndEndsAtSluice() throws Exception
    {
        origin.script("/c/cdn", Answer.of(200, "edge", "Cache-Control", "no-store", "CDN-Cache-Control", "max-age=60"));
        ContentResponse first = get("/c/cdn");
        assertEquals("no-store", first.getHeaders().get("Cache-Control"));
        assertNull(first.getHeaders().get("CDN-Cache-Control"));
        ContentResponse second = get("/c/cdn");
        assertEquals("HIT", second.getHeaders().get("X-Cache-Status"));
        assertEquals("no-store", second.getHeaders().get("Cache-Control"));
        assertNull(second.getHeaders().get("CDN-Cache-Control"));
        assertEquals(1, origin.count("/c/cdn"));

        origin.script("/c/cdn-off", Answer.of(200, "edge", "Cache-Control", "max-age=60", "CDN-Cache-Control", "no-store"));
        get("/c/cdn-off");
        assertEquals("MISS", get("/c/cdn-off").getHeaders().get("X-Cache-Status"));
    }

    @Test
    void aListValuedAgeCountsItsFirstMemberAndAnInvalidOneIsIgnored() throws Exception
    {
        origin.script("/c/age-list", Answer.of(200, "a", "Cache-Control", "max-age=60", "Age", "10, 9999"));
        get("/c/age-list");
        ContentResponse list = get("/c/age-list");
        assertEquals("HIT", list.getHeaders().get("X-Cache-Status"));
        long age = Long.parseLong(list.getHeaders().get("Age"));
        assertTrue(age >= 10 && age < 60, "Age " + age);

        origin.script("/c/age-bad", Answer.of(200, "b", "Cache-Control", "max-age=60", "Age", "-5"));
        get("/c/age-bad");
        ContentResponse bad = get("/c/age-bad");
        assertEquals("HIT", bad.getHeaders().get("X-Cache-Status"), "an invalid Age is ignored, not taken as stale");
        assertEquals(1, origin.count("/c/age-bad"));
    }

    /**
     * The required CDN-Cache-Control cases of the cache-tests.fyi suite (its git version's
     * tests/cdn-cache-control.mjs), one response each: whether the second request is served
     * from the cache. "Date: now" and "Expires: +10000 s" as the suite sends them.
     */
    @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {
        "cdn-max-age-age|               CDN-Cache-Control: max-age=3600; Age: 7200|                              false",
        "cdn-max-age-0|                 CDN-Cache-Control: max-age=0|                                             false",
        "cdn-max-age-0-expires|         CDN-Cache-Control: max-age=0; Expires: +10000|                            false",
        "cdn-max-age-long-cc-max-age|   Cache-Control: max-age=3600; CDN-Cache-Control: max-age=1|                false",
        "cdn-private|                   CDN-Cache-Control: private; Cache-Control: max-age=10000; Expires: +10000| false",
        "cdn-no-cache|                  CDN-Cache-Control: no-cache; Cache-Control: max-age=10000; Expires: +10000| false",
        "cdn-no-store-cc-fresh|         Cache-Control: max-age=10000; CDN-Cache-Control: no-store; Expires: +10000| false",
        "cdn-fresh-cc-nostore|          Cache-Control: no-store; CDN-Cache-Control: max-age=10000|               true",
        "cdn-cc-invalid-sh-type-unknown| CDN-Cache-Control: max-age=10000, &&&&&; Cache-Control: no-store|         false",
        "cdn-cc-invalid-sh-type-wrong|  CDN-Cache-Control: max-age=\"10000\"; Cache-Control: no-store|            false",
        "cdn-max-age|                   CDN-Cache-Control: max-age=3600|                                          true",
        "cdn-max-age-expires|           CDN-Cache-Control: max-age=3600; Expires: -10000|                         true"})
    void theSuitesCdnCacheControlCasesHold(String id, String headers, boolean cached) throws Exception
    {
        String path = "/c/suite-" + id;
        java.util.List<String> pairs = new java.util.ArrayList<>(java.util.List.of("Date", dev.sluice.cache.HttpDates.format(System.currentTimeMillis())));
        for (String header : headers.split("; "))
        {
            String name = header.substring(0, header.indexOf(':'));
            String value = header.substring(header.indexOf(':') + 2);
            if (value.startsWith("+") || value.startsWith("-"))
            {
                value = dev.sluice.cache.HttpDates.format(System.currentTimeMillis() + Long.parseLong(value) * 1000);
            }
            pairs.add(name);
            pairs.add(value);
        }
        origin.script(path, Answer.of(200, id, pairs.toArray(new String[0])));
        get(path);
        Thread.sleep(id.equals("cdn-max-age-long-cc-max-age") ? 1600 : 50);
        get(path);
        assertEquals(cached ? 1 : 2, origin.count(path), id);
    }
}
