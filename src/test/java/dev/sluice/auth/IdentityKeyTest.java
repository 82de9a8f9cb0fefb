// Whose identity a key names: consumers, and each issuer's subjects, never share buckets or cached responses.
package dev.sluice.auth;

import java.time.Instant;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;

import com.nimbusds.jose.jwk.RSAKey;
import dev.sluice.testing.JwksServer;
import dev.sluice.testing.Origin;
import dev.sluice.testing.Origin.Answer;
import dev.sluice.testing.SluiceUnderTest;
import dev.sluice.testing.Tokens;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IdentityKeyTest
{
    private static final String BILLING_KEY = "billing-key-0123456789abcdef";
    private static final String ISSUER_A = "https://a.example/";
    private static final String ISSUER_B = "https://b.example/";
    private static final RSAKey KEY_A = Tokens.rsa("a1");
    private static final RSAKey KEY_B = Tokens.rsa("b1");
    private static Origin origin;
    private static JwksServer jwksA;
    private static JwksServer jwksB;
    private static SluiceUnderTest sluice;
    private static HttpClient client;

    @BeforeAll
    static void start() throws Exception
    {
        origin = new Origin();
        // The answer names who asked, as an API that returns the caller's own data would.
        for (String path : new String[] {"/cached/me", "/limited/me"})
        {
            origin.script(path, request -> Answer.of(200, "consumer=" + request.getHeaders().get("X-Consumer-ID")
                + " subject=" + request.getHeaders().get("X-Credential-Identifier"), "Cache-Control", "public, max-age=60"));
        }
        jwksA = JwksServer.start(KEY_A);
        jwksB = JwksServer.start(KEY_B);
        sluice = SluiceUnderTest.start("""
            upstream.app.url = %s
            consumer.billing.username = billing-service
            consumer.billing.api-key.main = sha256:%s
            auth.jwt.a.issuer = %s
            auth.jwt.a.jwks-url = %s
            auth.jwt.a.audience = api
            auth.jwt.b.issuer = %s
            auth.jwt.b.jwks-url = %s
            auth.jwt.b.audience = api
            route.cached.path = /cached
            route.cached.upstream = app
            route.cached.auth = api-key, jwt:a, jwt:b
            route.cached.cache = on
            route.limited.path = /limited
            route.limited.upstream = app
            route.limited.auth = api-key, jwt:a, jwt:b
            route.limited.rate-limit = 2/h
            """.formatted(origin.url(), HexFormat.of().formatHex(ApiKeys.sha256(BILLING_KEY)), ISSUER_A, jwksA.url(), ISSUER_B, jwksB.url()));
        client = new HttpClient();
        client.start();
    }

    @AfterAll
    static void stop() throws Exception
    {
        client.stop();
        sluice.close();
        jwksB.close();
        jwksA.close();
        origin.close();
    }

    private static String token(RSAKey key, String issuer, String subject) throws Exception
    {
        return Tokens.sign(key, Tokens.claims(issuer, "api", subject, Instant.now()).build());
    }

    private static ContentResponse get(String path, String header, String value) throws Exception
    {
        return client.newRequest(sluice.uri(path)).headers(headers -> headers.put(header, value)).timeout(10, TimeUnit.SECONDS).send();
    }

    @Test
    void aTokenWhoseSubjectIsAConsumersIdGetsNeitherItsCachedResponseNorItsBucket() throws Exception
    {
        ContentResponse billing = get("/cached/me", "apikey", BILLING_KEY);
        assertEquals("consumer=billing subject=main", billing.getContentAsString());
        ContentResponse impostor = get("/cached/me", "Authorization", "Bearer " + token(KEY_A, ISSUER_A, "billing"));
        assertEquals(200, impostor.getStatus());
        assertEquals("MISS", impostor.getHeaders().get("X-Cache-Status"));
        assertEquals("consumer=null subject=billing", impostor.getContentAsString());
        assertEquals("HIT", get("/cached/me", "apikey", BILLING_KEY).getHeaders().get("X-Cache-Status"));

        String other = "Bearer " + token(KEY_B, ISSUER_B, "billing");
        assertEquals("MISS", get("/cached/me", "Authorization", other).getHeaders().get("X-Cache-Status"), "issuer b's billing is not issuer a's");
    }

    @Test
    void equalSubjectsOfTwoIssuersAndAConsumerEachHaveTheirOwnBucket() throws Exception
    {
        String fromA = "Bearer " + token(KEY_A, ISSUER_A, "billing");
        assertEquals(200, get("/limited/me", "Authorization", fromA).getStatus());
        assertEquals(200, get("/limited/me", "Authorization", fromA).getStatus());
        assertEquals(429, get("/limited/me", "Authorization", fromA).getStatus());
        assertEquals(200, get("/limited/me", "apikey", BILLING_KEY).getStatus(), "consumer billing's bucket is untouched");
        assertEquals(200, get("/limited/me", "Authorization", "Bearer " + token(KEY_B, ISSUER_B, "billing")).getStatus());
    }

    @Test
    void aTokenWithoutASubjectIsRefused() throws Exception
    {
        for (String subject : new String[] {null, ""})
        {
            ContentResponse response = get("/limited/me", "Authorization", "Bearer " + token(KEY_A, ISSUER_A, subject));
            assertEquals(401, response.getStatus());
            assertTrue(response.getHeaders().get("WWW-Authenticate").contains("no usable subject"), response.getHeaders().get("WWW-Authenticate"));
        }
    }
}
