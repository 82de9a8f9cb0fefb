// route.<name>.auth.forward: an authorization service (oauth2-proxy, Authelia, OPA) decides each request first.
package dev.sluice.auth;

import java.util.HexFormat;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.testing.Origin;
import dev.sluice.testing.SluiceUnderTest;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpCookieStore;
import org.eclipse.jetty.http.HttpFields;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A stand-in for oauth2-proxy's {@code /oauth2/auth}: it decides by the request's credentials
 * and answers as such services do (200 with user headers, 401 with a challenge, 302 to a login
 * page for browsers, 403), or fails. What a user relies on: allowed requests reach the upstream
 * with the service's headers and never the client's copies of them; refusals reach the client
 * as the service wrote them and the upstream never sees the request; a service that fails or
 * does not answer in time is a 503, never a pass.
 */
class ForwardAuthTest
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "a-key-for-carol-0123456789";
    private static Origin authz;
    private static Origin upstream;
    private static SluiceUnderTest sluice;
    private static HttpClient client;

    @BeforeAll
    static void start() throws Exception
    {
        authz = new Origin();
        authz.script("/oauth2/auth", request ->
        {
            HttpFields headers = request.getHeaders();
            String authorization = String.valueOf(headers.get("Authorization"));
            String cookie = String.valueOf(headers.get("Cookie"));
            if (authorization.equals("Bearer good"))
            {
                return Origin.Answer.of(202, "", "X-Auth-User", "alice", "X-Auth-Email", "alice@example.com", "X-Other", "not for upstream",
                    "Set-Cookie", "_oauth2_proxy=refreshed; Path=/; HttpOnly");
            }
            if (authorization.equals("Bearer nameless"))
            {
                return Origin.Answer.of(204, "");
            }
            if (cookie.contains("session=staff"))
            {
                return Origin.Answer.of(200, "", "X-Auth-User", "bob");
            }
            if (headers.get("X-Consumer-ID") != null)
            {
                return Origin.Answer.of(200, "", "X-Auth-Email", headers.get("X-Consumer-ID") + "@example.com");
            }
            if (authorization.equals("Bearer bad"))
            {
                return Origin.Answer.of(403, "denied for this path", "Content-Type", "text/plain");
            }
            if (authorization.equals("Bearer boom"))
            {
                return Origin.Answer.of(500, "oops");
            }
            if (authorization.equals("Bearer slow"))
            {
                return Origin.Answer.of(200, "", "X-Auth-User", "late").delayed(3000);
            }
            if (String.valueOf(headers.get("Accept")).contains("text/html"))
            {
                return Origin.Answer.of(302, "", "Location", "https://login.example.com/?rd=" + headers.get("X-Forwarded-Uri"),
                    "Set-Cookie", "_oauth2_csrf=c1; Path=/; HttpOnly");
            }
            return Origin.Answer.of(401, "{\"error\":\"login required\"}", "WWW-Authenticate", "Bearer realm=\"sso\"", "Content-Type", "application/json");
        });
        upstream = new Origin();
        sluice = SluiceUnderTest.start("""
            upstream.app.url = %s
            auth.forward.sso.url = %s/oauth2/auth
            auth.forward.sso.timeout = 500ms
            auth.forward.sso.upstream-headers = X-Auth-User, X-Auth-Email
            auth.forward.sso.consumer-header = X-Auth-User
            auth.forward.sso.response-headers = Set-Cookie
            auth.forward.down.url = http://127.0.0.1:%d/check
            consumer.bob.groups = staff
            consumer.carol.api-key.main = sha256:%s
            route.app.path = /app
            route.app.upstream = app
            route.app.strip-prefix = true
            route.app.auth.forward = sso
            route.keyed.path = /keyed
            route.keyed.upstream = app
            route.keyed.strip-prefix = true
            route.keyed.auth = api-key
            route.keyed.auth.hide-credentials = true
            route.keyed.auth.forward = sso
            route.down.path = /down
            route.down.upstream = app
            route.down.auth.forward = down
            route.open.path = /open
            route.open.upstream = app
            route.open.strip-prefix = true
            admin.token = demo:admin-token-for-the-test
            """.formatted(upstream.url(), authz.url(), dev.sluice.testing.Ports.closed(), HexFormat.of().formatHex(ApiKeys.sha256(KEY))));
        client = new HttpClient();
        client.setFollowRedirects(false);
        client.setHttpCookieStore(new HttpCookieStore.Empty());
        client.start();
    }

    @AfterAll
    static void stop() throws Exception
    {
        client.stop();
        sluice.close();
        upstream.close();
        authz.close();
    }

    private static ContentResponse get(String path, String... headerPairs) throws Exception
    {
        return client.newRequest(sluice.uri(path)).timeout(10, TimeUnit.SECONDS)
            .headers(headers ->
            {
                for (int i = 0; i + 1 < headerPairs.length; i += 2)
                {
                    headers.add(headerPairs[i], headerPairs[i + 1]);
                }
            })
            .send();
    }

    @Test
    void anAllowedRequestGoesUpWithTheServicesHeadersAndNotTheClients() throws Exception
    {
        int before = upstream.count("/items");
        int asked = authz.count("/oauth2/auth");
        ContentResponse response = get("/app/items?q=1", "Authorization", "Bearer good", "X-Request-ID", "fa-allowed", "X-Auth-User", "mallory",
            "X-Forwarded-For", "6.6.6.6", "Host", "shop.example.com");
        assertEquals(200, response.getStatus(), response.getContentAsString());
        HttpFields asking = authz.request("/oauth2/auth", asked);
        assertEquals("GET", asking.get("X-Forwarded-Method"));
        assertEquals("/app/items?q=1", asking.get("X-Forwarded-Uri"));
        assertEquals("shop.example.com", asking.get("X-Forwarded-Host"));
        assertEquals("http", asking.get("X-Forwarded-Proto"));
        assertEquals("127.0.0.1", asking.get("X-Forwarded-For"), "Sluice's view of the client, not the client's claim");
        assertEquals("fa-allowed", asking.get("X-Request-ID"));
        assertEquals("Bearer good", asking.get("Authorization"));
        assertTrue(asking.get("Host").startsWith("127.0.0.1:"), "the service's own Host: " + asking.get("Host"));

        HttpFields received = upstream.request("/items", before);
        assertEquals("alice", received.get("X-Auth-User"), "the service's, not the client's mallory");
        assertEquals(1, received.getValuesList("X-Auth-User").size());
        assertEquals("alice@example.com", received.get("X-Auth-Email"));
        assertNull(received.get("X-Other"), "only the listed headers of the answer go upstream");
        assertEquals("alice", received.get("X-Credential-Identifier"), "the consumer header names the caller");
    }

    @Test
    void theServicesRefreshedCookieReachesTheClientBesideTheUpstreams() throws Exception
    {
        upstream.script("/session", Origin.Answer.of(200, "", "Set-Cookie", "app=1; Path=/"));
        ContentResponse response = get("/app/session", "Authorization", "Bearer good");
        assertEquals(200, response.getStatus());
        assertEquals(java.util.List.of("app=1; Path=/", "_oauth2_proxy=refreshed; Path=/; HttpOnly"), response.getHeaders().getValuesList("Set-Cookie"));
        assertNull(upstream.request("/session", 0).get("Set-Cookie"), "an answer's field, not the upstream request's");
    }

    @Test
    void aClientCopyOfAnUpstreamHeaderTheServiceDidNotSetNeverGoesUp() throws Exception
    {
        int before = upstream.count("/team");
        ContentResponse response = get("/app/team", "Cookie", "session=staff", "X-Auth-Email", "ceo@example.com");
        assertEquals(200, response.getStatus());
        HttpFields received = upstream.request("/team", before);
        assertNull(received.get("X-Auth-Email"));
        assertEquals("bob", received.get("X-Consumer-ID"), "a declared consumer named by the service, with its groups");
        assertEquals("staff", received.get("X-Consumer-Groups"));
    }

    @Test
    void refusalsReachTheClientAsTheServiceWroteThemAndTheUpstreamNeverSeesTheRequest() throws Exception
    {
        int before = upstream.count("/private");
        ContentResponse browser = get("/app/private", "Accept", "text/html");
        assertEquals(302, browser.getStatus());
        assertEquals("https://login.example.com/?rd=/app/private", browser.getHeaders().get("Location"));
        assertEquals("_oauth2_csrf=c1; Path=/; HttpOnly", browser.getHeaders().get("Set-Cookie"));

        ContentResponse api = get("/app/private", "Accept", "application/json", "X-Request-ID", "fa-401");
        assertEquals(401, api.getStatus());
        assertEquals("Bearer realm=\"sso\"", api.getHeaders().get("WWW-Authenticate"));
        assertEquals("{\"error\":\"login required\"}", api.getContentAsString());
        assertEquals("fa-401", api.getHeaders().get("X-Request-ID"), "Sluice's request id, as on every answer");

        ContentResponse denied = get("/app/private", "Authorization", "Bearer bad");
        assertEquals(403, denied.getStatus());
        assertEquals("denied for this path", denied.getContentAsString());
        assertEquals(before, upstream.count("/private"));
    }

    @Test
    void aServiceThatFailsOrIsLateOrDownIsA503NeverAPass() throws Exception
    {
        int before = upstream.count("/private");
        for (String token : new String[] {"Bearer boom", "Bearer slow"})
        {
            long started = System.nanoTime();
            ContentResponse response = get("/app/private", "Authorization", token);
            assertEquals(503, response.getStatus(), token);
            assertEquals("application/problem+json", response.getMediaType());
            JsonNode problem = JSON.readTree(response.getContent());
            assertTrue(problem.get("type").asText().endsWith(":auth-unavailable"), problem.toString());
            assertEquals("5", response.getHeaders().get("Retry-After"));
            assertTrue(System.nanoTime() - started < TimeUnit.MILLISECONDS.toNanos(2500), token + " answered within the timeout");
        }
        assertEquals(503, get("/down/x").getStatus());
        assertEquals(before, upstream.count("/private"));
    }

    @Test
    void afterSluicesOwnAuthTheServiceHearsWhoItIsAndNotTheHiddenKey() throws Exception
    {
        int asked = authz.count("/oauth2/auth");
        assertEquals(401, get("/keyed/x").getStatus(), "Sluice's own auth first");
        assertEquals(asked, authz.count("/oauth2/auth"), "the service is not asked about a request Sluice refused");

        int before = upstream.count("/orders");
        ContentResponse response = get("/keyed/orders", "apikey", KEY);
        assertEquals(200, response.getStatus());
        HttpFields asking = authz.request("/oauth2/auth", asked);
        assertEquals("carol", asking.get("X-Consumer-ID"));
        assertNull(asking.get("apikey"), "a credential the route hides from its upstream is not sent to the service either");
        HttpFields received = upstream.request("/orders", before);
        assertEquals("carol", received.get("X-Consumer-ID"));
        assertEquals("carol@example.com", received.get("X-Auth-Email"));
    }

    @Test
    void metricsCountTheServicesDecisionsEvenWhenItNamesNoCaller() throws Exception
    {
        double allowed = authTotal("success");
        double refused = authTotal("forbidden");
        assertEquals(200, get("/app/x", "Authorization", "Bearer nameless").getStatus());
        assertEquals(403, get("/app/x", "Authorization", "Bearer bad").getStatus());
        assertEquals(allowed + 1, authTotal("success"));
        assertEquals(refused + 1, authTotal("forbidden"));
    }

    private static double authTotal(String result) throws Exception
    {
        ContentResponse metrics = get("/-/metrics", "Authorization", "Bearer admin-token-for-the-test");
        return dev.sluice.testing.PrometheusText.parse(metrics.getContentAsString(), false)
            .valueOrZero("sluice_auth_total", "route", "app", "method", "forward", "result", result);
    }

    @Test
    void routesWithoutItAreNotAsked() throws Exception
    {
        int asked = authz.count("/oauth2/auth");
        assertEquals(200, get("/open/x").getStatus());
        assertEquals(asked, authz.count("/oauth2/auth"));
    }
}
