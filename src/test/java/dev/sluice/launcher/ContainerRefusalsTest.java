// Requests the launcher's Jetty refuses, before Sluice sees them or inside the web application, are problem+json whatever their method.
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
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Jetty's own error handlers write a body (and dispatch to the web application's error page) only
 * for GET, POST and HEAD; an API client that sent a PUT with a malformed header got an empty 400.
 * Each refusal here must be a problem document, and must never reach the upstream.
 */
class ContainerRefusalsTest
{
    private static final String ADMIN = "admin-secret-refusals";

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
            admin.token = demo:%s
            """.formatted(upstream.url(), ADMIN));
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

    /**
     * Refused inside the web application (Jetty cannot decode the query of an admin call): the
     * error page is problem+json for every method, not only GET, POST and HEAD.
     */
    @ParameterizedTest
    @ValueSource(strings = {"GET", "DELETE"})
    void anUndecodableAdminQueryIsAProblemForEveryMethod(String method) throws Exception
    {
        String path = method.equals("GET") ? "/-/admin/limits?route=%zz" : "/-/admin/cache?url=%zz";
        RawHttp.Reply reply = RawHttp.send(sluice.port(), method + " " + path + " HTTP/1.1", "Host: localhost", "Authorization: Bearer " + ADMIN,
            "Connection: close");
        assertProblem(reply, 400);
    }

    @Test
    void anAsteriskTargetIsAProblemWithTheRequestId() throws Exception
    {
        RawHttp.Reply reply = RawHttp.send(sluice.port(), "OPTIONS * HTTP/1.1", "Host: localhost", "X-Request-ID: star-1", "Connection: close");
        assertProblem(reply, 404);
        assertEquals("star-1", reply.header("X-Request-ID"));
    }

    /**
     * Statuses the container chooses on its own are typed and titled as what they are: a 505 was
     * filed as Sluice's internal error, and a 414, 417 or 426 titled "Bad request".
     */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({
        "GET /x HTTP/1.2, 505, http-version-not-supported, HTTP version not supported",
        "GET /x HTTP/2.0, 426, upgrade-required, Protocol upgrade required",
        "POST /x HTTP/1.1, 417, expectation-failed, Expectation not supported",
        "LONG, 414, uri-too-long, Request target too long"})
    void theContainersOwnStatusesHaveTheirOwnProblemTypes(String requestLine, int status, String slug, String title) throws Exception
    {
        String line = requestLine.equals("LONG") ? "GET /" + "a".repeat(20_000) + " HTTP/1.1" : requestLine;
        RawHttp.Reply reply = RawHttp.send(sluice.port(), line, "Host: localhost", "Expect: 100-sometime", "Content-Length: 2", "Connection: close");
        assertProblem(reply, status);
        assertTrue(reply.body().contains("\"type\":\"urn:sluice:problem:" + slug + "\""), reply.body());
        assertTrue(reply.body().contains("\"title\":\"" + title + "\""), reply.body());
    }

    /**
     * The container's refusals say what to fix, in Sluice's words: a client got "Bad request"
     * alone. Its own message is never copied (a second Host's value would come back).
     */
    @Test
    void theContainersRefusalsSayWhatToFixWithoutQuotingTheRequest() throws Exception
    {
        assertDetail(RawHttp.send(sluice.port(), "GET /x HTTP/1.1", "Connection: close"), 400, "The request has no Host header.");
        RawHttp.Reply twoHosts = RawHttp.send(sluice.port(), "GET /x HTTP/1.1", "Host: localhost", "Host: quoted-back.example", "Connection: close");
        assertDetail(twoHosts, 400, "The request has more than one Host header.");
        assertFalse(twoHosts.body().contains("quoted-back"), twoHosts.body());
        assertDetail(RawHttp.send(sluice.port(), "POST /x HTTP/1.1", "Host: localhost", "Content-Length: 5", "Transfer-Encoding: chunked",
            "Connection: close"), 400, "A request cannot have both Content-Length and Transfer-Encoding.");
        assertDetail(RawHttp.send(sluice.port(), "GET /a/%2e%2e/x HTTP/1.1", "Host: localhost", "Connection: close"), 400,
            "The path is ambiguous");
        assertDetail(RawHttp.send(sluice.port(), "GET /x HTTP/1.2", "Host: localhost", "Connection: close"), 505, "Sluice takes HTTP/1.0 and HTTP/1.1");
        RawHttp.Reply otherHost = RawHttp.send(sluice.port(), "GET http://quoted-back.example/x HTTP/1.1", "Host: localhost", "Connection: close");
        assertDetail(otherHost, 400, "The request line names another host than the Host header.");
        assertFalse(otherHost.body().contains("quoted-back"), otherHost.body());
        for (String host : new String[] {"a b", "[::1", "localhost:99999"})
        {
            assertDetail(RawHttp.send(sluice.port(), "GET /x HTTP/1.1", "Host: " + host, "Connection: close"), 400,
                "The Host header is not a valid host name or address with an optional port.");
        }
    }

    /**
     * Paths Jetty refuses with its generic "Bad Request" (the reason is only in its causes): each
     * gets a detail saying what is wrong with it.
     */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {
        "/x%ZZ | The path holds a '%' not followed by two hexadecimal digits",
        "/x%4 | The path holds a '%' not followed by two hexadecimal digits",
        "/x%00y | The path decodes to a character no path may hold",
        "/a/../../etc/passwd | The path's '..' segments climb above the root",
        "/a/%2e%2e/%2e%2e/b | The path's '..' segments climb above the root"})
    void undecodablePathsSayWhatIsWrongWithThem(String path, String detail) throws Exception
    {
        assertDetail(RawHttp.send(sluice.port(), "GET " + path + " HTTP/1.1", "Host: localhost", "Connection: close"), 400, detail);
    }

    private static void assertDetail(RawHttp.Reply reply, int status, String detail) throws Exception
    {
        assertProblem(reply, status);
        assertTrue(reply.body().contains("\"detail\":\"" + detail), reply.body());
    }
}
