// The status page in a real headless Chromium against a running Sluice with traffic: what a person sees.
package dev.sluice.admin;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import dev.sluice.testing.Chromium;
import dev.sluice.testing.PoolTarget;
import dev.sluice.testing.SluiceUnderTest;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StatusPageTest
{
    private static final String ADMIN = "status-page-token-1";
    private static HttpClient client;

    @BeforeAll
    static void startClient() throws Exception
    {
        client = new HttpClient();
        client.start();
    }

    @AfterAll
    static void stopClient() throws Exception
    {
        client.stop();
    }

    private static String config(PoolTarget a)
    {
        return """
            route.pub.path = /pub
            route.pub.upstream = u
            route.pub.cache = force
            route.pub.cache.ttl = 60s
            route.key.path = /key
            route.key.upstream = u
            route.key.auth = api-key
            route.key.rate-limit = 3/h
            route.key.rate-limit.by = consumer
            consumer.alice.api-key.main = demo:alice-key-0123456789
            upstream.u.url = %s
            admin.token = demo:%s
            """.formatted(a.url(), ADMIN);
    }

    private static void traffic(SluiceUnderTest sluice, String path, int times, String apiKey) throws Exception
    {
        for (int i = 0; i < times; i++)
        {
            client.newRequest(sluice.uri(path)).headers(h ->
            {
                if (apiKey != null)
                {
                    h.put("apikey", apiKey);
                }
            }).send();
        }
    }

    @Test
    void aPersonSignsInAndSeesTheGatewayLive() throws Exception
    {
        try (PoolTarget a = PoolTarget.start("a"); SluiceUnderTest sluice = SluiceUnderTest.start(config(a)); Chromium browser = Chromium.start())
        {
            traffic(sluice, "/pub/item", 3, null);
            traffic(sluice, "/key/x", 4, "alice-key-0123456789");

            String page = sluice.uri("/-/admin/ui").toString();
            browser.open(page);
            assertTrue(visible(browser, "login"), "the login form shows");
            assertFalse(visible(browser, "status"), "no data before signing in");

            signIn(browser, "not-the-token");
            browser.waitFor("document.getElementById('login-error').textContent === 'The admin token was refused.'", Duration.ofSeconds(10));
            assertFalse(visible(browser, "status"));
            // The refused token's three calls are the only failures the browser reports so far. The page
            // can show its error before the browser has reported all three: wait for them, then count.
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (browser.errors().size() < 3 && System.nanoTime() < deadline)
            {
                Thread.sleep(50);
            }
            java.util.List<String> refused = browser.errors();
            assertEquals(3, refused.size(), refused.toString());
            assertTrue(refused.stream().allMatch(error -> error.contains("status of 401")), refused.toString());

            signIn(browser, ADMIN);
            browser.waitFor("document.querySelector('#routes tr[data-route=\"pub\"] td.requests') !== null", Duration.ofSeconds(10));
            assertEquals("3", browser.text("document.querySelector('#routes tr[data-route=\"pub\"] td.requests').textContent"));
            assertEquals("4", browser.text("document.querySelector('#routes tr[data-route=\"key\"] td.requests').textContent"));

            // Live: more traffic shows up without reloading the page, with a rate over the window.
            traffic(sluice, "/pub/item", 5, null);
            browser.waitFor("document.querySelector('#routes tr[data-route=\"pub\"] td.requests').textContent === '8'", Duration.ofSeconds(10));
            browser.waitFor("document.getElementById('requests-rate').textContent !== '–'", Duration.ofSeconds(10));
            assertTrue(Double.parseDouble(browser.text("document.getElementById('requests-rate').textContent")) >= 0);
            assertEquals("87.5 %", browser.text("document.getElementById('cache-hit-ratio').textContent"), "1 miss, 7 hits");
            assertEquals("1", browser.text("document.getElementById('ratelimit-refusals').textContent"));
            assertEquals("0 (0)", browser.text("document.getElementById('reloads').textContent"));
            assertFalse(browser.text("document.getElementById('version').textContent").isBlank());
            assertEquals("healthy", browser.text("document.querySelector('#targets tr[data-target=\"u " + a.authority() + "\"] td.state').textContent"));
            assertEquals("0.0 %", browser.text("document.querySelector('#routes tr[data-route=\"pub\"] td.errors').textContent"));
            assertFalse(browser.text("document.querySelector('#routes tr[data-route=\"pub\"] td.mean').textContent").isBlank());
            assertTrue(visible(browser, "no-certificates"), "plain HTTP: no certificates");
            assertTrue(visible(browser, "status"));
            assertFalse(visible(browser, "login"), "signed in: the form is gone");

            // The token lives in the script only: not in the URL, storage or cookies.
            assertEquals(page, browser.text("location.href"));
            assertEquals(0, browser.evaluate("localStorage.length + sessionStorage.length").asInt());
            assertEquals("", browser.text("document.cookie"));
            assertEquals("", browser.text("document.getElementById('token').value"));

            Path target = Path.of("target");
            browser.screenshot(target.resolve("status-page.png"));
            Files.writeString(target.resolve("status-page.html"), browser.text("document.documentElement.outerHTML"));
            assertTrue(Files.size(target.resolve("status-page.png")) > 10_000);

            browser.evaluate("document.getElementById('sign-out').click()");
            assertFalse(visible(browser, "status"));
            assertTrue(visible(browser, "login"));

            assertEquals(refused, browser.errors(), "no console errors, CSP violations or failed loads after signing in");
        }
    }

    /** Whether the element takes up space on the screen, as rendered (CSS included). */
    private static boolean visible(Chromium browser, String id) throws Exception
    {
        return browser.evaluate("(function (e) { var r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; })(document.getElementById('"
            + id + "'))").asBoolean();
    }

    private static void signIn(Chromium browser, String token) throws Exception
    {
        browser.evaluate("document.getElementById('token').value = '" + token + "'");
        browser.evaluate("document.getElementById('sign-in').click()");
    }

    @Test
    void thePageIsLockedDownAndGuarded() throws Exception
    {
        try (PoolTarget a = PoolTarget.start("a"); SluiceUnderTest sluice = SluiceUnderTest.start(config(a));
             SluiceUnderTest elsewhere = SluiceUnderTest.start(config(a) + "admin.allow = 10.0.0.0/8\n");
             SluiceUnderTest off = SluiceUnderTest.start("route.r.path = /r\nroute.r.upstream = u\nupstream.u.url = " + a.url() + "\n"))
        {
            ContentResponse html = client.GET(sluice.uri("/-/admin/ui"));
            assertEquals(200, html.getStatus());
            assertEquals("text/html", html.getMediaType());
            String csp = html.getHeaders().get("Content-Security-Policy");
            assertTrue(csp.contains("default-src 'none'") && csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"), csp);
            assertFalse(csp.contains("unsafe"), csp);
            assertEquals("DENY", html.getHeaders().get("X-Frame-Options"));
            assertEquals("nosniff", html.getHeaders().get("X-Content-Type-Options"));
            assertEquals("no-store", html.getHeaders().get("Cache-Control"));
            assertFalse(html.getContentAsString().contains("<script>"), "no inline script");
            assertFalse(html.getContentAsString().contains("style="), "no inline style");
            assertFalse(html.getContentAsString().contains("http"), "nothing loaded from elsewhere");
            assertEquals("text/javascript", client.GET(sluice.uri("/-/admin/ui/status.js")).getMediaType());
            assertEquals("text/css", client.GET(sluice.uri("/-/admin/ui/status.css")).getMediaType());
            assertEquals("image/svg+xml", client.GET(sluice.uri("/-/admin/ui/favicon.svg")).getMediaType());
            assertEquals(404, client.GET(sluice.uri("/-/admin/ui/other.js")).getStatus());

            assertEquals(403, client.GET(elsewhere.uri("/-/admin/ui")).getStatus());
            assertEquals(404, client.GET(off.uri("/-/admin/ui")).getStatus());
        }
    }
}
