// Routes that take an encoded '/' in a segment (GitLab's group%2Fproject) and the ones that refuse it, through the launcher.
package dev.sluice.route;

import dev.sluice.testing.RawHttp;
import dev.sluice.testing.SluiceUnderTest;
import dev.sluice.testing.TestUpstream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * APIs that name things with a '/' inside one path segment (GitLab's
 * {@code /api/v4/projects/group%2Fproject}, registries and object stores) could not be put behind
 * Sluice: every such request was refused. A route with {@code allow-encoded-slashes = true} now
 * matches such a segment as one segment and forwards it as sent; other routes still refuse it,
 * and a dot segment between encoded slashes is refused everywhere.
 */
class EncodedSlashesTest
{
    private static TestUpstream upstream;
    private static SluiceUnderTest sluice;

    @BeforeAll
    static void start() throws Exception
    {
        upstream = TestUpstream.start();
        sluice = SluiceUnderTest.start("""
            upstream.gitlab.url = %s
            route.projects.path = /api/v4/projects/*/**
            route.projects.upstream = gitlab
            route.projects.allow-encoded-slashes = true
            route.moved.path = /v3/projects/*/**
            route.moved.upstream = gitlab
            route.moved.rewrite = /api/v4/projects/{1}/{**}
            route.moved.allow-encoded-slashes = true
            route.other.path = /
            route.other.upstream = gitlab
            """.formatted(upstream.url()));
    }

    @AfterAll
    static void stop() throws Exception
    {
        sluice.close();
        upstream.close();
    }

    private static RawHttp.Reply get(String target) throws Exception
    {
        return RawHttp.send(sluice.port(), "GET " + target + " HTTP/1.1", "Host: localhost", "Connection: close");
    }

    @Test
    void aRouteThatTakesEncodedSlashesMatchesTheSegmentWholeAndForwardsItAsSent() throws Exception
    {
        RawHttp.Reply reply = get("/api/v4/projects/diaspora%2Fdiaspora/issues?state=opened");
        assertEquals(200, reply.status(), reply.head() + reply.body());
        assertEquals("/api/v4/projects/diaspora%2Fdiaspora/issues?state=opened", upstream.take().target());
        assertEquals(200, get("/api/v4/projects/a%2fb%2Fc/merge_requests").status());
        assertEquals("/api/v4/projects/a%2fb%2Fc/merge_requests", upstream.take().target());
    }

    @Test
    void aRewriteCarriesTheEncodedSegmentAsSent() throws Exception
    {
        assertEquals(200, get("/v3/projects/group%2Fsub%2Fproject/issues").status());
        assertEquals("/api/v4/projects/group%2Fsub%2Fproject/issues", upstream.take().target());
    }

    @Test
    void otherRoutesRefuseAnEncodedSlashAndSaySo() throws Exception
    {
        RawHttp.Reply reply = get("/files/a%2Fb");
        assertEquals(400, reply.status(), reply.head());
        assertTrue(reply.body().contains("route 'other' does not take encoded slashes (allow-encoded-slashes)"), reply.body());
        assertNull(upstream.poll(50), "a refused path reached the upstream");
    }

    /** A back-end that decodes before resolving dot segments would climb out of the route with these. */
    @ParameterizedTest
    @ValueSource(strings = {"/api/v4/projects/x%2F..%2F..%2Fadmin/issues", "/api/v4/projects/..%2Fadmin/x", "/api/v4/projects/a%2F.%2Fb/x",
        "/api/v4/projects/x%2F..;p=1%2Fy/x"})
    void dotSegmentsAndBackslashesBetweenEncodedSlashesAreRefusedEvenThere(String target) throws Exception
    {
        RawHttp.Reply reply = get(target);
        assertEquals(400, reply.status(), reply.head());
        assertTrue(reply.body().contains("urn:sluice:problem:bad-path"), reply.body());
        assertNull(upstream.poll(50), "a refused path reached the upstream");
    }

    /** Refused by the launcher's Jetty before Sluice, with a detail that says why. */
    @Test
    void anEncodedBackslashIsRefusedEvenThere() throws Exception
    {
        RawHttp.Reply reply = get("/api/v4/projects/a%5Cb/x");
        assertEquals(400, reply.status(), reply.head());
        assertTrue(reply.body().contains("The path holds a backslash"), reply.body());
        assertNull(upstream.poll(50), "a refused path reached the upstream");
    }
}
