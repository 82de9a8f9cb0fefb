// Credentials change with a configuration reload; fetched key sets survive it.
package dev.sluice.auth;

import java.time.Instant;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;

import com.nimbusds.jose.jwk.RSAKey;
import dev.sluice.testing.JwksServer;
import dev.sluice.testing.SluiceUnderTest;
import dev.sluice.testing.TestUpstream;
import dev.sluice.testing.Tokens;
import org.eclipse.jetty.client.HttpClient;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class AuthReloadTest
{
    private static String config(String upstream, String jwks, String... consumers)
    {
        StringBuilder text = new StringBuilder("""
            config.reload-interval = 100ms
            upstream.app.url = %s
            auth.jwt.idp.issuer = https://id.example.com/
            auth.jwt.idp.jwks-url = %s
            auth.jwt.idp.audience = api
            route.app.path = /app
            route.app.upstream = app
            route.app.auth = api-key, jwt
            """.formatted(upstream, jwks));
        for (String consumer : consumers)
        {
            text.append("consumer.").append(consumer).append(".api-key.main = sha256:")
                .append(HexFormat.of().formatHex(ApiKeys.sha256(consumer + "-key-0123456789"))).append('\n');
        }
        return text.toString();
    }

    private static int status(HttpClient client, SluiceUnderTest sluice, String header, String value) throws Exception
    {
        return client.newRequest(sluice.uri("/app/x")).headers(headers -> headers.put(header, value)).timeout(10, TimeUnit.SECONDS).send().getStatus();
    }

    @Test
    void aKeyAddedByAReloadIsAcceptedAndARemovedOneRefusedWhileTheKeySetIsNotFetchedAgain() throws Exception
    {
        RSAKey key = Tokens.rsa("k1");
        HttpClient client = new HttpClient();
        client.start();
        try (TestUpstream upstream = TestUpstream.start(); JwksServer jwks = JwksServer.start(key);
             SluiceUnderTest sluice = SluiceUnderTest.start(config(upstream.url(), jwks.url(), "alice")))
        {
            String token = "Bearer " + Tokens.sign(key, Tokens.claims("https://id.example.com/", "api", "u", Instant.now()).build());
            assertEquals(200, status(client, sluice, "apikey", "alice-key-0123456789"));
            assertEquals(200, status(client, sluice, "Authorization", token));
            assertEquals(401, status(client, sluice, "apikey", "bob-key-0123456789"));

            sluice.rewriteConfig(config(upstream.url(), jwks.url(), "bob"));
            int bob = 401;
            for (int i = 0; i < 100 && bob != 200; i++)
            {
                Thread.sleep(50);
                bob = status(client, sluice, "apikey", "bob-key-0123456789");
            }
            assertEquals(200, bob);
            assertEquals(401, status(client, sluice, "apikey", "alice-key-0123456789"));
            assertEquals(200, status(client, sluice, "Authorization", token));
            assertEquals(1, jwks.fetches(), "the JWKS source is kept across the reload");
        }
        finally
        {
            client.stop();
        }
    }
}
