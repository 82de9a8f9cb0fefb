// Two Sluice nodes sharing one real Redis: one exact count between them, and Redis going away.
package dev.sluice.ratelimit;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.sluice.testing.Burst;
import dev.sluice.testing.RedisServer;
import dev.sluice.testing.SluiceUnderTest;
import dev.sluice.testing.TestUpstream;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RedisRateLimitTest
{
    private static RedisServer redis;
    private static TestUpstream upstream;
    private static SluiceUnderTest first;
    private static SluiceUnderTest second;
    private static HttpClient client;

    @BeforeAll
    static void start() throws Exception
    {
        redis = RedisServer.start();
        upstream = TestUpstream.start();
        String config = """
            upstream.app.url = %s
            ratelimit.store = redis
            ratelimit.redis.uri = %s
            ratelimit.redis.timeout = 500ms
            route.shared.path = /shared
            route.shared.upstream = app
            route.shared.rate-limit = 100/m interval
            route.shared.rate-limit.by = route
            route.open.path = /open
            route.open.upstream = app
            route.open.rate-limit = 5/h
            route.open.rate-limit.by = route
            route.open.rate-limit.on-store-failure = allow
            route.closed.path = /closed
            route.closed.upstream = app
            route.closed.rate-limit = 1000/h
            route.closed.rate-limit.by = route
            route.closed.rate-limit.on-store-failure = deny
            """.formatted(upstream.url(), redis.uri());
        first = SluiceUnderTest.start(config);
        second = SluiceUnderTest.start(config);
        client = new HttpClient();
        client.setMaxConnectionsPerDestination(64);
        client.start();
    }

    @AfterAll
    static void stop() throws Exception
    {
        client.stop();
        first.close();
        second.close();
        upstream.close();
        redis.close();
    }

    private static ContentResponse get(SluiceUnderTest node, String path) throws Exception
    {
        return client.newRequest(node.uri(path)).timeout(10, TimeUnit.SECONDS).send();
    }

    @Test
    void twoNodesHammeredAtOnceAdmitTheLimitBetweenThemNotTwiceIt() throws Exception
    {
        List<URI> targets = new ArrayList<>();
        for (int i = 0; i < 200; i++)
        {
            // Interleaved, so both nodes take from the shared bucket at the same time.
            targets.add(first.uri("/shared/" + i));
            targets.add(second.uri("/shared/" + i));
        }
        assertEquals(java.util.Map.of(200, 100, 429, 300), Burst.statuses(client, targets));
        for (int i = 0; i < 100; i++)
        {
            upstream.take();
        }
        assertNull(upstream.poll(200));
    }

    @Test
    void aFrozenRedisCostsEachRequestAtMostTheStoreTimeout() throws Exception
    {
        assertEquals(200, get(first, "/closed/warm").getStatus());
        upstream.take();
        redis.pause();
        try
        {
            long start = System.nanoTime();
            ContentResponse closed = get(first, "/closed/x");
            long closedMillis = (System.nanoTime() - start) / 1_000_000;
            start = System.nanoTime();
            ContentResponse open = get(first, "/open/x");
            long openMillis = (System.nanoTime() - start) / 1_000_000;
            assertEquals(503, closed.getStatus());
            assertEquals(200, open.getStatus());
            upstream.take();
            // The connection is up but Redis answers nothing: each request waits the 500 ms timeout, not longer.
            assertTrue(closedMillis >= 400 && closedMillis < 2000, "deny took " + closedMillis + " ms");
            assertTrue(openMillis < 2000, "allow took " + openMillis + " ms");
        }
        finally
        {
            redis.resume();
        }
        int status = 0;
        for (int i = 0; i < 50 && status != 200; i++)
        {
            status = get(first, "/closed/x").getStatus();
            Thread.sleep(i == 0 ? 0 : 100);
        }
        assertEquals(200, status, "answers again once Redis runs");
        upstream.take();
    }

    @Test
    void withRedisStoppedAllowPassesDenyRefusesAndNothingHangsThenLimitsResume() throws Exception
    {
        assertEquals(200, get(first, "/open/x").getStatus());
        upstream.take();
        redis.down();
        try
        {
            for (SluiceUnderTest node : List.of(first, second))
            {
                long start = System.nanoTime();
                ContentResponse open = get(node, "/open/x");
                ContentResponse closed = get(node, "/closed/x");
                long took = System.nanoTime() - start;
                assertEquals(200, open.getStatus(), "allow: passes uncounted");
                assertNull(open.getHeaders().get("RateLimit-Remaining"), "no made-up headers when nothing was counted");
                upstream.take();
                assertEquals(503, closed.getStatus(), "deny: refused");
                assertEquals("1", closed.getHeaders().get("Retry-After"));
                assertTrue(closed.getContentAsString().contains("\"type\":\"urn:sluice:problem:rate-limit-unavailable\""));
                assertTrue(took < TimeUnit.SECONDS.toNanos(3), "two requests within the 500 ms store timeout each, plus margin: " + took / 1_000_000 + " ms");
            }
        }
        finally
        {
            redis.up();
        }
        // Lettuce reconnects by itself; counting resumes (a restarted Redis without persistence starts buckets afresh).
        int status = 0;
        for (int i = 0; i < 100 && status != 200; i++)
        {
            Thread.sleep(100);
            status = get(first, "/closed/x").getStatus();
        }
        assertEquals(200, status);
        upstream.take();
        ContentResponse counted = get(second, "/open/x");
        assertEquals(200, counted.getStatus());
        assertTrue(counted.getHeaders().get("RateLimit-Remaining") != null, "counted again");
        upstream.take();
        int refused = 0;
        for (int i = 0; i < 6; i++)
        {
            ContentResponse response = get(i % 2 == 0 ? first : second, "/open/x");
            if (response.getStatus() == 429)
            {
                refused++;
            }
            else
            {
                upstream.take();
            }
        }
        assertEquals(2, refused, "5/h is enforced again across both nodes (one counted above, four of these six pass)");
    }
}
