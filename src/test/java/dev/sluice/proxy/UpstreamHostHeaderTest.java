// upstream.<name>.host-header: the Host every target of an upstream is sent, on requests, retries and health checks.
package dev.sluice.proxy;

import java.util.concurrent.TimeUnit;

import dev.sluice.testing.Origin;
import dev.sluice.testing.SluiceUnderTest;
import dev.sluice.testing.TestUpstream;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpHeader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A virtual-hosted back-end reached by address (a load balancer's IP, a pod, a tunnel) serves the
 * site named in {@code Host}, not the address. Kong's upstream {@code host_header}, nginx's
 * {@code proxy_set_header Host}: without it such a back-end answered its default site, or 404.
 */
class UpstreamHostHeaderTest
{
    private static TestUpstream upstream;
    private static Origin origin;
    private static SluiceUnderTest sluice;
    private static HttpClient client;

    @BeforeAll
    static void start() throws Exception
    {
        upstream = TestUpstream.start();
        origin = new Origin();
        int closed = dev.sluice.testing.Ports.closed();
        sluice = SluiceUnderTest.start("""
            upstream.named.url = %1$s
            upstream.named.host-header = api.internal:8443
            route.named.path = /named
            route.named.upstream = named
            route.kept.path = /kept
            route.kept.upstream = named
            route.kept.preserve-host = true
            upstream.pair.targets = http://127.0.0.1:%2$d, %1$s
            upstream.pair.host-header = api.internal
            route.pair.path = /pair
            route.pair.upstream = pair
            upstream.site.url = %3$s
            upstream.site.host-header = site.internal
            upstream.site.health.path = /healthz
            upstream.site.health.interval = 200ms
            upstream.site.health.timeout = 200ms
            route.site.path = /app
            route.site.upstream = site
            route.site.strip-prefix = true
            """.formatted(upstream.url(), closed, origin.url()));
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
        upstream.close();
    }

    private static ContentResponse get(String path) throws Exception
    {
        return client.newRequest(sluice.uri(path)).timeout(10, TimeUnit.SECONDS).send();
    }

    @Test
    void theUpstreamIsSentItsHostHeaderAndAPreservedHostStillWins() throws Exception
    {
        assertEquals(200, get("/named/orders").getStatus());
        assertEquals("api.internal:8443", upstream.take().headers().get(HttpHeader.HOST));

        ContentResponse kept = client.newRequest(sluice.uri("/kept/orders")).headers(headers -> headers.put(HttpHeader.HOST, "shop.example.com"))
            .timeout(10, TimeUnit.SECONDS).send();
        assertEquals(200, kept.getStatus());
        assertEquals("shop.example.com", upstream.take().headers().get(HttpHeader.HOST));
    }

    @Test
    void aRetryOnTheNextTargetKeepsTheHostHeader() throws Exception
    {
        // Round robin: every other request goes to the closed port first and is retried on the other.
        for (int i = 0; i < 4; i++)
        {
            assertEquals(200, get("/pair/x" + i).getStatus());
            TestUpstream.Received received = upstream.take();
            assertEquals("/pair/x" + i, received.target());
            assertEquals("api.internal", received.headers().get(HttpHeader.HOST), received.target());
        }
    }

    @Test
    void healthChecksAskForTheSameHost() throws Exception
    {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (origin.count("/healthz") == 0 && System.nanoTime() < deadline)
        {
            Thread.sleep(50);
        }
        assertTrue(origin.count("/healthz") > 0, "no health check arrived");
        assertEquals("site.internal", origin.request("/healthz", 0).get(HttpHeader.HOST));
        assertEquals("sluice-health-check", origin.request("/healthz", 0).get(HttpHeader.USER_AGENT));
    }

    @Test
    void redirectsOnTheNamedHostComeBackThroughTheRoute() throws Exception
    {
        // What a framework does: an absolute URL on the host it was told it has.
        origin.script("/login", request -> Origin.Answer.of(302, "", "Location", "http://" + request.getHeaders().get("Host") + "/home?from=login"));
        ContentResponse response = get("/app/login");
        assertEquals(302, response.getStatus());
        assertEquals("/app/home?from=login", response.getHeaders().get(HttpHeader.LOCATION));
    }
}
