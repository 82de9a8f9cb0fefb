// The upstream fields that name its software and version never reach clients, fresh or from the cache.
package dev.sluice.proxy;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.sluice.config.ConfigException;
import dev.sluice.config.SettingsParser;
import dev.sluice.testing.Origin;
import dev.sluice.testing.SluiceUnderTest;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code Server: Apache/2.4.29 (Ubuntu)} and {@code X-Powered-By: PHP/7.2.24} tell an attacker
 * which published vulnerabilities to try; nginx and Envoy do not pass an upstream's {@code Server}
 * on either. {@code proxy.hide-response-headers} lists what is hidden.
 */
class HiddenResponseHeadersTest
{
    private static final String[] REVEALING = {"Server", "Apache/2.4.29 (Ubuntu)", "X-Powered-By", "PHP/7.2.24", "X-AspNet-Version", "4.0.30319",
        "X-Kept", "yes", "Cache-Control", "max-age=60"};

    private static Origin origin;
    private static HttpClient client;

    @BeforeAll
    static void start() throws Exception
    {
        origin = new Origin();
        origin.script("/page", Origin.Answer.of(200, "page", REVEALING));
        origin.script("/stored/page", Origin.Answer.of(200, "page", REVEALING));
        client = new HttpClient();
        client.start();
    }

    @AfterAll
    static void stop() throws Exception
    {
        client.stop();
        origin.close();
    }

    private static ContentResponse get(SluiceUnderTest sluice, String path) throws Exception
    {
        return client.newRequest(sluice.uri(path)).timeout(10, TimeUnit.SECONDS).send();
    }

    @Test
    void theUpstreamsSoftwareIsNotNamedToClients() throws Exception
    {
        try (SluiceUnderTest sluice = SluiceUnderTest.start("""
            upstream.app.url = %s
            route.app.path = /
            route.app.upstream = app
            route.stored.path = /stored
            route.stored.upstream = app
            route.stored.cache = on
            """.formatted(origin.url())))
        {
            ContentResponse plain = get(sluice, "/page");
            ContentResponse miss = get(sluice, "/stored/page");
            ContentResponse hit = get(sluice, "/stored/page");
            assertEquals("HIT", hit.getHeaders().get("X-Cache-Status"));
            for (ContentResponse response : List.of(plain, miss, hit))
            {
                assertEquals(200, response.getStatus());
                assertNull(response.getHeaders().get("Server"), response.getHeaders().toString());
                assertNull(response.getHeaders().get("X-Powered-By"), response.getHeaders().toString());
                assertNull(response.getHeaders().get("X-AspNet-Version"), response.getHeaders().toString());
                assertEquals("yes", response.getHeaders().get("X-Kept"));
            }
        }
    }

    @Test
    void theListIsTheOperatorsToChange() throws Exception
    {
        try (SluiceUnderTest sluice = SluiceUnderTest.start("""
            upstream.app.url = %s
            route.app.path = /
            route.app.upstream = app
            proxy.hide-response-headers = X-Kept
            """.formatted(origin.url())))
        {
            ContentResponse response = get(sluice, "/page");
            assertTrue(response.getHeaders().getValuesList("Server").contains("Apache/2.4.29 (Ubuntu)"), response.getHeaders().toString());
            assertNull(response.getHeaders().get("X-Kept"));
        }
        try (SluiceUnderTest sluice = SluiceUnderTest.start("""
            upstream.app.url = %s
            route.app.path = /
            route.app.upstream = app
            proxy.hide-response-headers = none
            """.formatted(origin.url())))
        {
            assertEquals("PHP/7.2.24", get(sluice, "/page").getHeaders().get("X-Powered-By"));
        }
    }

    @Test
    void fieldsThatFrameTheBodyCannotBeHidden()
    {
        String message = assertThrows(ConfigException.class, () -> SettingsParser.parse("test",
            Map.of("upstream.u.url", "http://127.0.0.1:1", "route.r.path", "/r", "route.r.upstream", "u",
                "proxy.hide-response-headers", "Server, Content-Length"), name -> null)).getMessage();
        assertTrue(message.contains("'proxy.hide-response-headers'") && message.contains("Content-Length"), message);
    }
}
