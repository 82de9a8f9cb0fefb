// Liveness and readiness endpoints, answered by Sluice under /-/ even with a catch-all route.
package dev.sluice.admin;

import dev.sluice.testing.SluiceUnderTest;
import dev.sluice.testing.TestUpstream;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class HealthServletTest
{
    private static TestUpstream upstream;
    private static SluiceUnderTest sluice;
    private static HttpClient client;

    @BeforeAll
    static void start() throws Exception
    {
        upstream = TestUpstream.start();
        // A catch-all route: /-/ must still be Sluice's own.
        sluice = SluiceUnderTest.start("upstream.app.url = " + upstream.url() + "\nroute.all.path = /\nroute.all.upstream = app\n");
        client = new HttpClient();
        client.start();
    }

    @AfterAll
    static void stop() throws Exception
    {
        client.stop();
        sluice.close();
        upstream.close();
    }

    @Test
    void healthAndReadinessAreAnsweredBySluiceNotProxied() throws Exception
    {
        ContentResponse health = client.GET(sluice.uri("/-/health"));
        assertEquals(200, health.getStatus());
        assertEquals("{\"status\":\"up\"}\n", health.getContentAsString());
        ContentResponse ready = client.GET(sluice.uri("/-/ready"));
        assertEquals(200, ready.getStatus());
        // The version is the build's own (the POM's), filled in when the build filters resources.
        assertEquals("{\"status\":\"ready\",\"version\":\"" + dev.sluice.testing.ProjectVersion.fromPom() + "\",\"routes\":1,\"config_reloads\":0,\"config_rejected\":0}\n",
            ready.getContentAsString());
        assertNull(upstream.poll(100));
    }

    @Test
    void otherMethodsAndPathsAreProblems() throws Exception
    {
        ContentResponse post = client.POST(sluice.uri("/-/health")).send();
        assertEquals(405, post.getStatus());
        assertEquals("GET, HEAD", post.getHeaders().get("Allow"));
        assertEquals("application/problem+json", post.getMediaType());
        ContentResponse unknown = client.GET(sluice.uri("/-/nope"));
        assertEquals(404, unknown.getStatus());
        assertEquals("application/problem+json", unknown.getMediaType());
        ContentResponse error = client.GET(sluice.uri("/-/error"));
        assertEquals(404, error.getStatus());
        assertNull(upstream.poll(100));
    }
}
