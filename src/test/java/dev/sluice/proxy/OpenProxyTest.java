// Sluice is never an open proxy: absolute URIs, Host tricks, CONNECT and path escapes.
package dev.sluice.proxy;

import dev.sluice.testing.RawHttp;
import dev.sluice.testing.SluiceUnderTest;
import dev.sluice.testing.TestUpstream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sluice must only ever send to configured upstreams. A "victim" server runs on loopback but is
 * in no configuration; every trick below must leave it untouched, and the configured upstream
 * must only ever see paths inside its route.
 */
class OpenProxyTest
{
    private static TestUpstream upstream;
    private static TestUpstream victim;
    private static SluiceUnderTest sluice;

    @BeforeAll
    static void start() throws Exception
    {
        upstream = TestUpstream.start();
        victim = TestUpstream.start();
        sluice = SluiceUnderTest.start("""
            upstream.app.url = %s/base
            route.api.path = /api
            route.api.upstream = app
            route.api.strip-prefix = true
            """.formatted(upstream.url()));
    }

    @AfterAll
    static void stop() throws Exception
    {
        sluice.close();
        victim.close();
        upstream.close();
    }

    @AfterEach
    void theVictimWasNeverContacted() throws Exception
    {
        assertNull(victim.poll(50), "a request reached a server that is not a configured upstream");
    }

    private static void assertProblem(RawHttp.Reply reply, int... statuses)
    {
        assertTrue(java.util.Arrays.stream(statuses).anyMatch(status -> status == reply.status()), reply.head());
        assertTrue(reply.header("Content-Type").startsWith("application/problem+json"), reply.head() + "\n" + reply.body());
    }

    @Test
    void anAbsoluteFormTargetCannotNameAnotherHost() throws Exception
    {
        RawHttp.Reply reply = RawHttp.send(sluice.port(),
            "GET " + victim.url() + "/api/secret HTTP/1.1", "Host: 127.0.0.1:" + victim.port(), "Connection: close");
        assertEquals(200, reply.status());
        assertEquals("/base/secret", upstream.take().target());
    }

    @Test
    void anAbsoluteFormTargetOutsideEveryRouteIsNotFound() throws Exception
    {
        RawHttp.Reply reply = RawHttp.send(sluice.port(),
            "GET " + victim.url() + "/secret HTTP/1.1", "Host: 127.0.0.1:" + victim.port(), "Connection: close");
        assertProblem(reply, 404);
        assertNull(upstream.poll(50));
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1:%d", "localhost:%d", "evil.example", "", "127.0.0.1:%d@evil"})
    void theHostHeaderNeverChoosesTheTarget(String host) throws Exception
    {
        RawHttp.Reply reply = RawHttp.send(sluice.port(),
            "GET /api/x HTTP/1.1", "Host: " + host.formatted(victim.port()), "Connection: close");
        if (reply.status() == 200)
        {
            TestUpstream.Received received = upstream.take();
            assertEquals("/base/x", received.target());
            assertEquals("127.0.0.1:" + upstream.port(), received.headers().get("Host"));
        }
        else
        {
            // The container may reject a malformed Host itself; it must still be a problem document.
            assertProblem(reply, 400);
        }
    }

    @Test
    void connectIsRefused() throws Exception
    {
        RawHttp.Reply reply = RawHttp.send(sluice.port(),
            "CONNECT 127.0.0.1:" + victim.port() + " HTTP/1.1", "Host: 127.0.0.1:" + victim.port(), "Connection: close");
        assertProblem(reply, 400, 405);
        assertNull(upstream.poll(50));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "/api/../admin",
        "/api/%2e%2e/admin",
        "/api/%2E%2E/%2e%2e/etc/passwd",
        "/api/..%2Fadmin",
        "/api/x%2F..%2F..%2Fadmin",
        "/api/..;/admin",
        "/api/%2e%2e;x/admin",
        "/api/..%5Cadmin",
        "/api/..\\admin",
        "/api/x/../../admin",
        "/../api/x",
    })
    void pathTricksNeverLeaveTheRoutePrefix(String path) throws Exception
    {
        RawHttp.Reply reply = RawHttp.send(sluice.port(), "GET " + path + " HTTP/1.1", "Host: localhost", "Connection: close");
        TestUpstream.Received received = upstream.poll(200);
        if (received != null)
        {
            // Whatever reached the upstream must be inside the route's base path, without dot segments.
            assertTrue(received.target().startsWith("/base/") && !received.target().contains(".."), received.target());
        }
        else
        {
            assertProblem(reply, 400, 404);
        }
    }

    @Test
    void dotSegmentsInsideTheRouteAreResolvedBeforeForwarding() throws Exception
    {
        RawHttp.Reply reply = RawHttp.send(sluice.port(), "GET /api/a/../b/./c HTTP/1.1", "Host: localhost", "Connection: close");
        if (reply.status() == 200)
        {
            assertEquals("/base/b/c", upstream.take().target());
        }
        else
        {
            assertProblem(reply, 400);
        }
    }
}
