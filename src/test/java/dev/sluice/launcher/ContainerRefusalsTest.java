// Requests the launcher's Jetty refuses before Sluice sees them are answered as problem+json, whatever their method.
package dev.sluice.launcher;

import dev.sluice.testing.RawHttp;
import dev.sluice.testing.SluiceUnderTest;
import dev.sluice.testing.TestUpstream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Jetty's own error handler writes a body only for GET, POST and HEAD; an API client that sent a
 * PUT with a malformed header got an empty 400. Each refusal here must be a problem document with
 * the request id, and must never reach the upstream.
 */
class ContainerRefusalsTest
{
    private static TestUpstream upstream;
    private static SluiceUnderTest sluice;

    @BeforeAll
    static void start() throws Exception
    {
        upstream = TestUpstream.start();
        sluice = SluiceUnderTest.start("""
            upstream.app.url = %s
            route.app.path = /
            route.app.upstream = app
            """.formatted(upstream.url()));
    }

    @AfterAll
    static void stop() throws Exception
    {
        sluice.close();
        upstream.close();
    }

    private static void assertProblem(RawHttp.Reply reply, int status) throws Exception
    {
        assertEquals(status, reply.status(), reply.head());
        assertNotNull(reply.header("Content-Type"), reply.head());
        assertTrue(reply.header("Content-Type").startsWith("application/problem+json"), reply.head());
        assertTrue(reply.body().contains("\"status\":" + status), reply.body());
        assertNull(upstream.poll(50), "a refused request reached the upstream");
    }

    @ParameterizedTest
    @ValueSource(strings = {"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
    void aMalformedHeaderIsAProblemForEveryMethod(String method) throws Exception
    {
        RawHttp.Reply reply = RawHttp.send(sluice.port(), method + " /x HTTP/1.1", "Host: localhost", "Bad Name: v", "Content-Length: 0",
            "Connection: close");
        assertProblem(reply, 400);
    }

    @ParameterizedTest
    @ValueSource(strings = {"GET", "PUT", "DELETE", "OPTIONS"})
    void oversizedHeadersAreAProblemForEveryMethod(String method) throws Exception
    {
        RawHttp.Reply reply = RawHttp.send(sluice.port(), method + " /x HTTP/1.1", "Host: localhost", "X-Big: " + "a".repeat(20_000),
            "Content-Length: 0", "Connection: close");
        assertProblem(reply, 431);
    }

    @Test
    void anAsteriskTargetIsAProblemWithTheRequestId() throws Exception
    {
        RawHttp.Reply reply = RawHttp.send(sluice.port(), "OPTIONS * HTTP/1.1", "Host: localhost", "X-Request-ID: star-1", "Connection: close");
        assertProblem(reply, 404);
        assertEquals("star-1", reply.header("X-Request-ID"));
    }
}
