// Rate limits end to end with in-process buckets: the real web.xml, a real upstream, real clients.
package dev.sluice.ratelimit;

import java.net.URI;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.sluice.testing.Burst;
import dev.sluice.testing.RawHttp;
import dev.sluice.testing.SluiceUnderTest;
import dev.sluice.testing.TestUpstream;
import org.eclipse.jetty.client.CompletableResponseListener;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RateLimitTest
{
    private static final AtomicInteger received = new AtomicInteger();
    private static TestUpstream upstream;
    private static SluiceUnderTest sluice;
    private static HttpClient client;

    private static String keyLine(String consumer, String key)
    {
        return "consumer." + consumer + ".api-key.main = sha256:" + HexFormat.of().formatHex(dev.sluice.auth.ApiKeysAccess.sha256(key)) + "\n";
    }

    @BeforeAll
    static void start() throws Exception
    {
        upstream = TestUpstream.start(new Handler.Abstract()
        {
            @Override
            public boolean handle(org.eclipse.jetty.server.Request request, Response response, Callback callback) throws Exception
            {
                received.incrementAndGet();
                String query = request.getHttpURI().getQuery();
                if (query != null && query.contains("slow"))
                {
                    Thread.sleep(600);
                }
                if (query != null && query.contains("own-limits"))
                {
                    // An upstream that counts for itself too.
                    response.getHeaders().put("RateLimit-Limit", "1000");
                    response.getHeaders().put("RateLimit-Remaining", "999");
                    response.getHeaders().put("RateLimit-Reset", "7");
                    response.getHeaders().put("RateLimit-Policy", "1000;w=60");
                    response.getHeaders().put("Cache-Control", "public, max-age=60");
                }
                Content.Sink.write(response, true, "ok", callback);
                return true;
            }
        });
        sluice = SluiceUnderTest.start("""
            upstream.app.url = %s
            consumer.alice.groups = gold
            consumer.bob.groups = basic
            %s%s
            route.exact.path = /exact
            route.exact.upstream = app
            route.exact.rate-limit = 100/m interval
            route.exact.rate-limit.by = route
            route.byip.path = /byip
            route.byip.upstream = app
            route.byip.rate-limit = 3/h
            route.byip.rate-limit.by = ip
            route.bypath.path = /p
            route.bypath.upstream = app
            route.bypath.rate-limit = 3/h
            route.bypath.rate-limit.by = path
            route.spoof.path = /spoof
            route.spoof.upstream = app
            route.spoof.rate-limit = 3/h
            route.spoof.rate-limit.by = ip
            route.tiers.path = /tiers
            route.tiers.upstream = app
            route.tiers.auth = api-key
            route.tiers.rate-limit = 2/h
            route.tiers.rate-limit.group.gold = 5/h
            route.hidden.path = /hidden
            route.hidden.upstream = app
            route.hidden.rate-limit = 1/h
            route.hidden.rate-limit.by = header:X-Tenant
            route.hidden.rate-limit.headers = false
            route.own.path = /own
            route.own.upstream = app
            route.own.rate-limit = 5/h
            route.own.rate-limit.by = route
            route.owncached.path = /owncached
            route.owncached.upstream = app
            route.owncached.cache = on
            route.owncached.rate-limit = 5/h
            route.owncached.rate-limit.by = route
            route.concurrent.path = /concurrent
            route.concurrent.upstream = app
            route.concurrent.rate-limit.concurrency = 2
            route.concurrent.rate-limit.by = route
            """.formatted(upstream.url(), keyLine("alice", "alice-key-0123456789"), keyLine("bob", "bob-key-0123456789")));
        client = new HttpClient();
        client.setMaxConnectionsPerDestination(64);
        client.start();
    }

    @AfterAll
    static void stop() throws Exception
    {
        client.stop();
        sluice.close();
        upstream.close();
    }

    private static ContentResponse get(String path, String header, String value) throws Exception
    {
        Request request = client.newRequest(sluice.uri(path)).timeout(10, TimeUnit.SECONDS);
        if (header != null)
        {
            request.headers(headers -> headers.put(header, value));
        }
        return request.send();
    }

    @Test
    void asFastAsPossibleExactlyTheLimitPassesAndTheRestNeverReachTheUpstream() throws Exception
    {
        int before = received.get();
        List<URI> targets = new ArrayList<>();
        for (int i = 0; i < 300; i++)
        {
            targets.add(sluice.uri("/exact/" + i));
        }
        assertEquals(java.util.Map.of(200, 100, 429, 200), Burst.statuses(client, targets));
        assertEquals(100, received.get() - before, "refused requests never reached the upstream");
    }

    @Test
    void allowedResponsesCarryTheRateLimitHeadersAndRefusalsA429ProblemWithRetryAfter() throws Exception
    {
        ContentResponse first = get("/byip/a", null, null);
        assertEquals(200, first.getStatus());
        assertEquals("3", first.getHeaders().get("RateLimit-Limit"));
        assertEquals("2", first.getHeaders().get("RateLimit-Remaining"));
        assertEquals("1200", first.getHeaders().get("RateLimit-Reset"));
        assertEquals("3;w=3600", first.getHeaders().get("RateLimit-Policy"));
        get("/byip/a", null, null);
        get("/byip/a", null, null);
        ContentResponse refused = get("/byip/a", null, null);
        assertEquals(429, refused.getStatus());
        assertEquals("application/problem+json", refused.getMediaType());
        assertTrue(refused.getContentAsString().contains("\"type\":\"urn:sluice:problem:rate-limited\""), refused.getContentAsString());
        long retryAfter = Long.parseLong(refused.getHeaders().get("Retry-After"));
        assertTrue(retryAfter > 1150 && retryAfter <= 1200, "one token every 20 minutes: " + retryAfter);
        assertEquals("0", refused.getHeaders().get("RateLimit-Remaining"));
    }

    @Test
    void aSpoofedForwardedForFromAnUntrustedClientDoesNotEscapeTheIpLimit() throws Exception
    {
        int passed = 0;
        for (int i = 0; i < 10; i++)
        {
            RawHttp.Reply reply = RawHttp.send(sluice.port(), "GET /spoof/x HTTP/1.1", "Host: localhost", "Connection: close",
                "X-Forwarded-For: 203.0.113." + i, "X-Real-IP: 198.51.100." + i);
            passed += reply.status() == 200 ? 1 : 0;
        }
        assertEquals(3, passed, "ten different X-Forwarded-For values, one client, one bucket of three");
        assertEquals(429, RawHttp.send(sluice.port(), "GET /spoof/x HTTP/1.1", "Host: localhost", "Connection: close",
            "X-Forwarded-For: 192.0.2.77").status());
    }

    @Test
    void aGroupGetsItsOwnLimitsAndEachConsumerItsOwnBucket() throws Exception
    {
        int alice = 0;
        int bob = 0;
        for (int i = 0; i < 8; i++)
        {
            alice += get("/tiers/x", "apikey", "alice-key-0123456789").getStatus() == 200 ? 1 : 0;
            bob += get("/tiers/x", "apikey", "bob-key-0123456789").getStatus() == 200 ? 1 : 0;
        }
        assertEquals(5, alice, "gold: 5/h");
        assertEquals(2, bob, "everyone else: 2/h");
    }

    @Test
    void aRouteCanHideTheHeadersButRefusalsStillSayWhen() throws Exception
    {
        ContentResponse allowed = get("/hidden/x", "X-Tenant", "acme");
        assertEquals(200, allowed.getStatus());
        assertNull(allowed.getHeaders().get("RateLimit-Limit"));
        assertEquals(200, get("/hidden/x", "X-Tenant", "umbrella").getStatus(), "another tenant, another bucket");
        ContentResponse refused = get("/hidden/x", "X-Tenant", "acme");
        assertEquals(429, refused.getStatus());
        assertTrue(Long.parseLong(refused.getHeaders().get("Retry-After")) >= 1);
    }

    @Test
    void theUpstreamsOwnRateLimitFieldsDoNotReplaceTheRoutes() throws Exception
    {
        for (String path : List.of("/own/x?own-limits", "/owncached/x?own-limits"))
        {
            for (int i = 1; i <= 3; i++)
            {
                ContentResponse response = get(path, null, null);
                assertEquals(200, response.getStatus());
                assertEquals(List.of("5"), response.getHeaders().getValuesList("RateLimit-Limit"), path);
                assertEquals(List.of(Integer.toString(5 - i)), response.getHeaders().getValuesList("RateLimit-Remaining"),
                    path + " request " + i + ", " + response.getHeaders().get("X-Cache-Status"));
                assertEquals(List.of("5;w=3600"), response.getHeaders().getValuesList("RateLimit-Policy"), path);
                assertEquals(1, response.getHeaders().getValuesList("RateLimit-Reset").size(), path);
            }
        }
        assertEquals("HIT", get("/owncached/x?own-limits", null, null).getHeaders().get("X-Cache-Status"), "the stored answer's fields gave way too");
        // Where the route hides its own, the upstream's are its business and pass.
        assertEquals("1000", get("/hidden/x?own-limits", "X-Tenant", "initech").getHeaders().get("RateLimit-Limit"));
    }

    @Test
    void theConcurrencyCapRefusesTheThirdRequestInFlightAndFreesSlotsWhenTheyEnd() throws Exception
    {
        List<CompletableFuture<ContentResponse>> slow = new ArrayList<>();
        for (int i = 0; i < 2; i++)
        {
            slow.add(new CompletableResponseListener(client.newRequest(sluice.uri("/concurrent/x?slow")).timeout(10, TimeUnit.SECONDS)).send());
        }
        Thread.sleep(250);
        ContentResponse third = get("/concurrent/x", null, null);
        assertEquals(429, third.getStatus());
        for (CompletableFuture<ContentResponse> response : slow)
        {
            assertEquals(200, response.get(10, TimeUnit.SECONDS).getStatus());
        }
        assertEquals(200, get("/concurrent/x", null, null).getStatus(), "the slots are free again");
    }

    @Test
    void byPathCountsEverySpellingOfOnePathInOneBucket() throws Exception
    {
        String[] spellings = {"/p/./z", "/p/././z", "/p/%7a", "/p/z;p=1", "/p/z"};
        int admitted = 0;
        for (String path : spellings)
        {
            RawHttp.Reply reply = RawHttp.send(sluice.port(), "GET " + path + " HTTP/1.1", "Host: localhost", "Connection: close");
            if (reply.status() == 200)
            {
                admitted++;
            }
            else
            {
                assertEquals(429, reply.status(), path);
            }
        }
        assertEquals(3, admitted);
        RawHttp.Reply other = RawHttp.send(sluice.port(), "GET /p/y HTTP/1.1", "Host: localhost", "Connection: close");
        assertEquals(200, other.status(), "another path has its own bucket");
    }

    @Test
    void editingALimitKeepsWhatEachCallerUsed() throws Exception
    {
        String routes = """
            upstream.app.url = %s
            route.edited.path = /edited
            route.edited.upstream = app
            route.edited.rate-limit = %s
            route.edited.rate-limit.by = ip
            route.other.path = /other
            route.other.upstream = app
            """;
        try (SluiceUnderTest edited = SluiceUnderTest.start(routes.formatted(upstream.url(), "3/h") + "config.reload-interval = 100ms\n"))
        {
            for (int i = 0; i < 3; i++)
            {
                assertEquals(200, client.GET(edited.uri("/edited/x")).getStatus());
            }
            assertEquals(429, client.GET(edited.uri("/edited/x")).getStatus());
            // An unrelated edit, then a larger limit: the three used stay used.
            edited.rewriteConfig(routes.formatted(upstream.url(), "3/h") + "config.reload-interval = 100ms\nroute.other.idle-timeout = 30s\n");
            Thread.sleep(400);
            assertEquals(429, client.GET(edited.uri("/edited/x")).getStatus(), "an unrelated edit resets nothing");
            edited.rewriteConfig(routes.formatted(upstream.url(), "5/h") + "config.reload-interval = 100ms\n");
            int admitted = 0;
            for (int i = 0; i < 50 && admitted == 0; i++)
            {
                Thread.sleep(50);
                admitted += client.GET(edited.uri("/edited/x")).getStatus() == 200 ? 1 : 0;
            }
            assertEquals(200, client.GET(edited.uri("/edited/x")).getStatus(), "5/h leaves two of five");
            assertEquals(429, client.GET(edited.uri("/edited/x")).getStatus());
        }
    }
}
