// Where the upstream client runs: on Jetty's own thread pool by default, on Sluice's pool when asked.
package dev.sluice.proxy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import dev.sluice.testing.SluiceUnderTest;
import dev.sluice.testing.TestUpstream;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UpstreamThreadsTest
{
    private static boolean upstreamPoolThreadsAlive()
    {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(thread -> thread.getName().startsWith("sluice-upstream-") && thread.isAlive()
            && !thread.getName().startsWith("sluice-upstream-scheduler"));
    }

    private static int get(SluiceUnderTest sluice) throws Exception
    {
        HttpClient client = HttpClient.newHttpClient();
        return client.send(HttpRequest.newBuilder(sluice.uri("/x")).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Test
    void inJettyTheUpstreamClientSharesTheContainersThreadPoolByDefault() throws Exception
    {
        try (TestUpstream upstream = TestUpstream.start();
             SluiceUnderTest sluice = SluiceUnderTest.start("""
                 upstream.app.url = %s
                 route.app.path = /
                 route.app.upstream = app
                 """.formatted(upstream.url())))
        {
            assertEquals(200, get(sluice));
            assertFalse(upstreamPoolThreadsAlive(), "no pool of Sluice's own while Jetty offers its pool");
        }
    }

    @Test
    void ownThreadsAreStartedOnRequestAndGoneAfterStop() throws Exception
    {
        try (TestUpstream upstream = TestUpstream.start())
        {
            SluiceUnderTest sluice = SluiceUnderTest.start("""
                upstream.app.url = %s
                route.app.path = /
                route.app.upstream = app
                proxy.threads = own
                proxy.max-threads = 8
                """.formatted(upstream.url()));
            try
            {
                assertEquals(200, get(sluice));
                assertTrue(upstreamPoolThreadsAlive(), "Sluice's own pool runs the upstream client");
            }
            finally
            {
                sluice.close();
            }
            assertFalse(upstreamPoolThreadsAlive(), "stopped with Sluice");
        }
    }
}
