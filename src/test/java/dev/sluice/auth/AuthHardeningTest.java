// Guessing credentials is slowed per address; keys published for encryption never verify a token; weak HMAC secrets are refused.
package dev.sluice.auth;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyOperation;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import dev.sluice.testing.RawHttp;
import dev.sluice.testing.SluiceUnderTest;
import dev.sluice.testing.TestUpstream;
import dev.sluice.testing.Tokens;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AuthHardeningTest
{
    private static final String KEY = "alice-key-0123456789abcdef";

    @Test
    void repeatedWrongCredentialsFromOneAddressAre429UntilTheWindowEnds() throws Exception
    {
        HttpClient client = new HttpClient();
        client.start();
        try (TestUpstream upstream = TestUpstream.start();
             SluiceUnderTest sluice = SluiceUnderTest.start("""
                 auth.max-failures = 3
                 auth.failure-window = 2s
                 upstream.app.url = %s
                 consumer.alice.api-key.main = sha256:%s
                 route.keyed.path = /keyed
                 route.keyed.upstream = app
                 route.keyed.auth = api-key
                 """.formatted(upstream.url(), java.util.HexFormat.of().formatHex(ApiKeys.sha256(KEY)))))
        {
            for (int i = 0; i < 5; i++)
            {
                assertEquals(401, get(client, sluice, null).getStatus(), "no credential is not a guess and is not counted");
            }
            for (int i = 0; i < 3; i++)
            {
                assertEquals(401, get(client, sluice, "wrong-guess-" + i).getStatus());
            }
            ContentResponse blocked = get(client, sluice, KEY);
            assertEquals(429, blocked.getStatus(), "even the right key waits: the address is guessing");
            assertNotNull(blocked.getHeaders().get("Retry-After"));
            assertTrue(blocked.getContentAsString().contains("Too many failed authentication attempts"), blocked.getContentAsString());
            assertNull(upstream.poll(100));
            Thread.sleep(2100);
            assertEquals(200, get(client, sluice, KEY).getStatus());
        }
        finally
        {
            client.stop();
        }
    }

    /**
     * A back-end in a servlet container or Spring reads /api/admin;x as /api/admin. Routed by the
     * segment "admin;x", the request went to the public route of /api and past the authentication
     * of the route of /api/admin.
     */
    @Test
    void pathParametersDoNotLeadPastARoutesAuthentication() throws Exception
    {
        adminNeedsItsKey("", List.of("/api/admin;x", "/api;v=1/admin", "/api/admin;jsessionid=1/users"), "/api/admin;jsessionid=1");
    }

    /**
     * A back-end that folds case (IIS, ASP.NET) serves /api/ADMIN as /api/admin; the route of
     * /api/admin says so with case-sensitive = false and then takes every spelling.
     */
    @Test
    void aCaseInsensitiveRouteKeepsItsAuthenticationForEverySpelling() throws Exception
    {
        adminNeedsItsKey("route.admin.case-sensitive = false\n", List.of("/api/ADMIN", "/api/Admin/users", "/API/admin"), "/api/ADMIN/users");
    }

    /**
     * A public route of /api and an API-key route of /api/admin (with the extra settings given):
     * each refused path gets 401 and reaches nothing; the allowed one, with the key, goes upstream
     * as written.
     */
    private static void adminNeedsItsKey(String adminSettings, List<String> refused, String allowed) throws Exception
    {
        try (TestUpstream upstream = TestUpstream.start();
             SluiceUnderTest sluice = SluiceUnderTest.start("""
                 upstream.app.url = %s
                 consumer.alice.api-key.main = sha256:%s
                 route.public.path = /api
                 route.public.upstream = app
                 route.admin.path = /api/admin
                 route.admin.upstream = app
                 route.admin.auth = api-key
                 """.formatted(upstream.url(), java.util.HexFormat.of().formatHex(ApiKeys.sha256(KEY))) + adminSettings))
        {
            for (String path : refused)
            {
                RawHttp.Reply reply = RawHttp.send(sluice.port(), "GET " + path + " HTTP/1.1", "Host: localhost", "Connection: close");
                assertEquals(401, reply.status(), path + ": " + reply.head());
            }
            assertNull(upstream.poll(100));
            RawHttp.Reply reply = RawHttp.send(sluice.port(), "GET " + allowed + " HTTP/1.1", "Host: localhost", "apikey: " + KEY, "Connection: close");
            assertEquals(200, reply.status());
            assertEquals(allowed, upstream.take().target(), "the path goes upstream as sent");
        }
    }

    private static ContentResponse get(HttpClient client, SluiceUnderTest sluice, String key) throws Exception
    {
        return client.newRequest(sluice.uri("/keyed/x")).headers(headers ->
        {
            if (key != null)
            {
                headers.put("apikey", key);
            }
        }).timeout(10, TimeUnit.SECONDS).send();
    }

    @Test
    void onlyKeysPublishedForVerificationVerify()
    {
        RSAKey key = Tokens.rsa("k1");
        JWK encryption = new RSAKey.Builder(key.toPublicJWK()).keyUse(KeyUse.ENCRYPTION).build();
        JWK encryptOnly = new RSAKey.Builder(key.toPublicJWK()).keyOperations(java.util.Set.of(KeyOperation.ENCRYPT)).build();
        JWK verify = new RSAKey.Builder(key.toPublicJWK()).keyOperations(java.util.Set.of(KeyOperation.VERIFY)).build();
        JWK signature = new RSAKey.Builder(key.toPublicJWK()).keyUse(KeyUse.SIGNATURE).build();
        assertEquals(List.of(), JwtVerifier.verifying(List.of(encryption, encryptOnly)));
        assertEquals(List.of(verify, signature, key.toPublicJWK()), JwtVerifier.verifying(List.of(verify, encryption, signature, key.toPublicJWK())));
    }

    @Test
    void weakHmacSecretsAreRefusedAndPassphrasesWarned()
    {
        assertEquals("it is one short sequence repeated", SecretStrength.weakness("passwordpasswordpasswordpassword"));
        assertEquals("it is one short sequence repeated", SecretStrength.weakness("a".repeat(40)));
        assertEquals("it is mostly runs of neighbouring characters", SecretStrength.weakness("abcdefghijklmnopqrstuvwxyz0123456789"));
        assertEquals("it uses only 4 distinct characters", SecretStrength.weakness("acegcaegeacgaceacegecagacegeca"));
        assertNull(SecretStrength.weakness("x9Fq2LmZ0vR7tYp4Kc8Wn1Hs6Dj3Bg5Ae0Qu2Iy7Oo="));
        assertNull(SecretStrength.weakness("sluice-demo-hmac-secret-not-for-production"));
        assertTrue(SecretStrength.looksLikeWords("sluice-demo-hmac-secret-not-for-production"));
        assertTrue(!SecretStrength.looksLikeWords("x9Fq2LmZ0vR7tYp4Kc8Wn1Hs6Dj3Bg5Ae0Qu2Iy7Oo="));
    }
}
