// Bearer JWTs end to end: a real JWKS endpoint, the real web.xml, a real upstream.
package dev.sluice.auth;

import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import dev.sluice.testing.JwksServer;
import dev.sluice.testing.RawHttp;
import dev.sluice.testing.SluiceUnderTest;
import dev.sluice.testing.TestUpstream;
import dev.sluice.testing.Tokens;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JwtAuthTest
{
    private static final String ISS = "https://id.example.com/";
    private static final RSAKey KEY = Tokens.rsa("k1");
    private static final String KEYCLOAK = "https://keycloak.example/realms/acme";
    private static TestUpstream upstream;
    private static JwksServer jwks;
    private static SluiceUnderTest sluice;
    private static HttpClient client;

    @BeforeAll
    static void start() throws Exception
    {
        upstream = TestUpstream.start();
        jwks = JwksServer.start(KEY);
        sluice = SluiceUnderTest.start("""
            upstream.app.url = %s
            auth.jwt.idp.issuer = %s
            auth.jwt.idp.jwks-url = %s
            auth.jwt.idp.audience = orders-api
            auth.jwt.idp.jwks-cooldown = 100ms
            auth.jwt.idp.forward.X-User-Email = email
            route.orders.path = /orders
            route.orders.upstream = app
            route.orders.auth = jwt
            route.orders.auth.scopes = orders:read
            route.write.path = /write
            route.write.upstream = app
            route.write.auth = jwt:idp
            route.write.auth.scopes = orders:read orders:write
            route.write.auth.hide-credentials = true
            route.browser.path = /browser
            route.browser.upstream = app
            route.browser.auth = jwt
            route.browser.auth.token-cookie = session
            route.browser.auth.token-query = access_token
            route.browser.auth.hide-credentials = true
            route.billing.path = /billing
            route.billing.upstream = app
            route.billing.auth = jwt
            route.billing.auth.audience = billing-api
            auth.jwt.kc.issuer = %s
            auth.jwt.kc.jwks-url = %s
            auth.jwt.kc.audience = orders-api
            auth.jwt.kc.groups-claim = realm_access.roles
            auth.jwt.kc.forward.X-Tenant = org.tenant
            auth.jwt.kc.forward.X-Roles = https://example.com/roles
            route.admin.path = /admin
            route.admin.upstream = app
            route.admin.auth = jwt:kc
            route.admin.auth.groups = admin
            """.formatted(upstream.url(), ISS, jwks.url(), KEYCLOAK, jwks.url()));
        client = new HttpClient();
        client.start();
    }

    @AfterAll
    static void stop() throws Exception
    {
        client.stop();
        sluice.close();
        jwks.close();
        upstream.close();
    }

    private static JWTClaimsSet.Builder claims()
    {
        return Tokens.claims(ISS, "orders-api", "user-7", Instant.now()).claim("scope", "orders:read").claim("email", "u7@example.com");
    }

    private static ContentResponse get(String path, String token) throws Exception
    {
        Request request = client.newRequest(sluice.uri(path)).timeout(10, TimeUnit.SECONDS);
        if (token != null)
        {
            request.headers(headers -> headers.put("Authorization", "Bearer " + token));
        }
        return request.send();
    }

    @Test
    void aValidTokenReachesTheUpstreamWithSubjectScopeAndClaims() throws Exception
    {
        String token = Tokens.sign(KEY, claims().build());
        assertEquals(200, get("/orders/1", token).getStatus());
        TestUpstream.Received received = upstream.take();
        assertEquals("user-7", received.headers().get("X-Credential-Identifier"));
        assertEquals("orders:read", received.headers().get("X-Authenticated-Scope"));
        assertEquals("u7@example.com", received.headers().get("X-User-Email"));
        assertEquals("Bearer " + token, received.headers().get("Authorization"));
        assertNull(received.headers().get("X-Consumer-ID"), "a subject that is not a declared consumer claims no consumer");
    }

    /**
     * Keycloak puts roles at {@code realm_access.roles}: a dotted name reaches inside objects,
     * after a top-level claim of that exact name (Auth0's namespaced claims have dots of their own).
     * Before, the dotted name was looked up as one claim and the groups came out empty: 403.
     */
    @Test
    void nestedClaimsAreReachedByADottedName() throws Exception
    {
        JWTClaimsSet.Builder keycloak = Tokens.claims(KEYCLOAK, "orders-api", "user-9", Instant.now())
            .claim("realm_access", java.util.Map.of("roles", java.util.List.of("user", "admin")))
            .claim("org", java.util.Map.of("tenant", "acme"))
            .claim("https://example.com/roles", java.util.List.of("editor"));
        ContentResponse allowed = get("/admin/1", Tokens.sign(KEY, keycloak.build()));
        assertEquals(200, allowed.getStatus(), allowed.getContentAsString());
        TestUpstream.Received received = upstream.take();
        assertEquals("acme", received.headers().get("X-Tenant"));
        assertEquals("editor", received.headers().get("X-Roles"));
        ContentResponse refused = get("/admin/1", Tokens.sign(KEY, keycloak.claim("realm_access", java.util.Map.of("roles", java.util.List.of("user")))
            .build()));
        assertEquals(403, refused.getStatus(), refused.getContentAsString());
        assertNull(upstream.poll(200));
    }

    @Test
    void anExpiredTokenIs401WithAnInvalidTokenChallenge() throws Exception
    {
        Instant past = Instant.now().minusSeconds(7200);
        String token = Tokens.sign(KEY, Tokens.claims(ISS, "orders-api", "u", past).claim("scope", "orders:read").build());
        ContentResponse response = get("/orders/1", token);
        assertEquals(401, response.getStatus());
        assertEquals("Bearer realm=\"sluice\", error=\"invalid_token\", error_description=\"The token has expired.\"",
            response.getHeaders().get("WWW-Authenticate"));
        assertTrue(response.getContentAsString().contains("\"detail\":\"The token has expired.\""));
        assertNull(upstream.poll(200));
    }

    @Test
    void noTokenIs401WithABareChallenge() throws Exception
    {
        ContentResponse response = get("/orders/1", null);
        assertEquals(401, response.getStatus());
        assertEquals("Bearer realm=\"sluice\"", response.getHeaders().get("WWW-Authenticate"));
        assertTrue(response.getContentAsString().contains("This route requires a bearer token."));
    }

    @Test
    void aMissingScopeIs403InsufficientScope() throws Exception
    {
        ContentResponse response = get("/write/1", Tokens.sign(KEY, claims().build()));
        assertEquals(403, response.getStatus());
        assertEquals("Bearer realm=\"sluice\", error=\"insufficient_scope\", scope=\"orders:read orders:write\"",
            response.getHeaders().get("WWW-Authenticate"));
        assertTrue(response.getContentAsString().contains("\"type\":\"urn:sluice:problem:insufficient-scope\""));
        assertNull(upstream.poll(200));
    }

    @Test
    void hiddenCredentialsRemoveTheAuthorizationHeader() throws Exception
    {
        String token = Tokens.sign(KEY, claims().claim("scope", "orders:read orders:write").build());
        assertEquals(200, get("/write/1", token).getStatus());
        assertNull(upstream.take().headers().get("Authorization"));
    }

    @Test
    void aRouteAudienceOverridesTheIssuers() throws Exception
    {
        assertEquals(401, get("/billing/1", Tokens.sign(KEY, claims().build())).getStatus());
        String billing = Tokens.sign(KEY, Tokens.claims(ISS, "billing-api", "u", Instant.now()).build());
        assertEquals(200, get("/billing/1", billing).getStatus());
        upstream.take();
    }

    @Test
    void theTokenMayComeFromTheRoutesCookieOrQueryParameter() throws Exception
    {
        String token = Tokens.sign(KEY, claims().build());
        ContentResponse cookie = client.newRequest(sluice.uri("/browser/a")).headers(headers -> headers.put("Cookie", "theme=dark; session=" + token))
            .timeout(10, TimeUnit.SECONDS).send();
        assertEquals(200, cookie.getStatus());
        // hide-credentials: the token's cookie stays behind, the others go on.
        assertEquals("theme=dark", upstream.take().headers().get("Cookie"));
        ContentResponse only = client.newRequest(sluice.uri("/browser/a")).headers(headers -> headers.put("Cookie", "session=" + token))
            .timeout(10, TimeUnit.SECONDS).send();
        assertEquals(200, only.getStatus());
        assertNull(upstream.take().headers().get("Cookie"));
        assertEquals(200, get("/browser/a?x=1&access_token=" + token, null).getStatus());
        assertEquals("/browser/a?x=1", upstream.take().target());
    }

    @Test
    void aRotatedKeyIsPickedUpFromTheJwksEndpoint() throws Exception
    {
        RSAKey next = Tokens.rsa("k2");
        jwks.publish(KEY, next);
        Thread.sleep(150);
        assertEquals(200, get("/orders/1", Tokens.sign(next, claims().build())).getStatus());
        upstream.take();
    }

    @Test
    void garbageTokensAre401NotErrors() throws Exception
    {
        for (String token : List.of("garbage", "a.b.c.d.e", ".....", "eyJhbGciOiJub25lIn0.e30.", "\u00e9\u00e8.x.y"))
        {
            ContentResponse response = client.newRequest(sluice.uri("/orders/1")).headers(headers -> headers.put("Authorization", "Bearer " + token))
                .timeout(10, TimeUnit.SECONDS).send();
            assertEquals(401, response.getStatus(), token);
        }
        for (String authorization : List.of("Bearer", "Bearer ", "bearer   ", "Basic dXNlcjpwYXNz", "Bearer a b c", "Bearer \u00ff\u00fe.\u0080.x"))
        {
            RawHttp.Reply reply = RawHttp.send(sluice.port(), "GET /orders/1 HTTP/1.1", "Host: localhost", "Connection: close",
                "Authorization: " + authorization);
            assertEquals(401, reply.status(), authorization);
            assertTrue(reply.header("Content-Type").startsWith("application/problem+json"), authorization);
        }
        assertNull(upstream.poll(200));
    }

    @Test
    void aHugeAuthorizationHeaderIsRefusedByTheConnectorAsProblemJson() throws Exception
    {
        RawHttp.Reply reply = RawHttp.send(sluice.port(), "GET /orders/1 HTTP/1.1", "Host: localhost", "Connection: close",
            "Authorization: Bearer " + "a".repeat(100_000));
        assertEquals(431, reply.status());
        assertEquals("application/problem+json", reply.header("Content-Type"));
        assertNull(upstream.poll(200));
    }

    @Test
    void aTokenPastItsExpiryPlusTheSkewIsRefused() throws Exception
    {
        // exp 61 s ago is past the 60 s skew: refused at once, cached or not.
        String token = Tokens.sign(KEY, claims().expirationTime(Date.from(Instant.now().minusSeconds(61))).build());
        assertEquals(401, get("/orders/1", token).getStatus());
    }

    @Test
    void theJwksEndpointDownAtStartGives503UntilItAnswers() throws Exception
    {
        RSAKey key = Tokens.rsa("late");
        try (JwksServer late = JwksServer.start(key))
        {
            late.down();
            try (SluiceUnderTest other = SluiceUnderTest.start("""
                upstream.app.url = %s
                auth.jwt.idp.issuer = %s
                auth.jwt.idp.jwks-url = %s
                auth.jwt.idp.audience = orders-api
                auth.jwt.idp.jwks-cooldown = 200ms
                route.orders.path = /orders
                route.orders.upstream = app
                route.orders.auth = jwt
                """.formatted(upstream.url(), ISS, late.url())))
            {
                String token = Tokens.sign(key, claims().build());
                long start = System.nanoTime();
                ContentResponse response = client.newRequest(other.uri("/orders/1")).headers(headers -> headers.put("Authorization", "Bearer " + token))
                    .timeout(10, TimeUnit.SECONDS).send();
                assertEquals(503, response.getStatus());
                assertEquals("5", response.getHeaders().get("Retry-After"));
                assertTrue(response.getContentAsString().contains("\"type\":\"urn:sluice:problem:auth-unavailable\""));
                assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5), "refused connection answered promptly");
                late.up();
                Thread.sleep(250);
                ContentResponse recovered = client.newRequest(other.uri("/orders/1")).headers(headers -> headers.put("Authorization", "Bearer " + token))
                    .timeout(10, TimeUnit.SECONDS).send();
                assertEquals(200, recovered.getStatus());
                upstream.take();
            }
        }
    }
}
