// Fetching, refreshing and rate-limiting a real JWKS endpoint on loopback.
package dev.sluice.auth;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.jwk.RSAKey;
import dev.sluice.testing.JwksServer;
import dev.sluice.testing.MutableClock;
import dev.sluice.testing.Tokens;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JwksSourceTest
{
    private static final String ISS = "https://id.example.com/";
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-28T10:00:00Z"));
    private final RSAKey first = Tokens.rsa("2026-11");
    private final RSAKey second = Tokens.rsa("2026-12");
    private AuthHttp http;
    private JwksServer jwks;

    @BeforeEach
    void start() throws Exception
    {
        http = new AuthHttp();
        jwks = JwksServer.start(first);
    }

    @AfterEach
    void stop() throws Exception
    {
        jwks.close();
        http.close();
    }

    private JwksSource source()
    {
        return new JwksSource(URI.create(jwks.url()), Duration.ofMinutes(5), Duration.ofSeconds(30), Duration.ofSeconds(2), http::get, clock);
    }

    private JwtVerifier verifier(JwksSource source)
    {
        JwtIssuer issuer = new JwtIssuer("main", ISS, URI.create(jwks.url()), null, JwtIssuerParser.RSA_ALGORITHMS, "api",
            Duration.ofSeconds(60), Duration.ZERO, true, Map.of(), Map.of(), null, null, Duration.ofMinutes(5), Duration.ofSeconds(30), Duration.ofSeconds(2));
        return new JwtVerifier(List.of(issuer), ignored -> source, Map.of(), 1000, clock);
    }

    private String token(RSAKey key, String subject)
    {
        return Tokens.sign(key, Tokens.claims(ISS, "api", subject, clock.instant()).build());
    }

    @Test
    void theKeySetIsFetchedOnceAndReusedUntilItsLifetimeEnds() throws Exception
    {
        JwksSource source = source();
        assertEquals("2026-11", source.current().getKeys().get(0).getKeyID());
        source.current();
        assertEquals(1, jwks.fetches());
        clock.advance(Duration.ofMinutes(5).plusSeconds(1));
        jwks.publish(first, second);
        assertEquals(2, source.current().size());
        assertEquals(2, jwks.fetches());
    }

    @Test
    void theIssuersMaxAgeSetsTheLifetimeWithinCooldownAndRefresh() throws Exception
    {
        jwks.cacheControl("public, max-age=120");
        JwksSource source = source();
        source.current();
        clock.advance(Duration.ofSeconds(119));
        source.current();
        assertEquals(1, jwks.fetches());
        clock.advance(Duration.ofSeconds(2));
        source.current();
        assertEquals(2, jwks.fetches(), "refetched after the issuer's two minutes, not the configured five");
        jwks.cacheControl("max-age=1");
        clock.advance(Duration.ofSeconds(121));
        source.current();
        assertEquals(3, jwks.fetches());
        clock.advance(Duration.ofSeconds(10));
        source.current();
        assertEquals(3, jwks.fetches(), "one second is raised to the 30 s cooldown");
        jwks.cacheControl("max-age=86400");
        clock.advance(Duration.ofSeconds(21));
        source.current();
        assertEquals(4, jwks.fetches());
        clock.advance(Duration.ofMinutes(5).plusSeconds(1));
        source.current();
        assertEquals(5, jwks.fetches(), "a day is capped at jwks-refresh (5 minutes)");
    }

    @Test
    void aRotatedInKidIsFetchedOnFirstSight()
    {
        JwtVerifier verifier = verifier(source());
        assertNotNull(verifier.verify(token(first, "a"), null, null).verified());
        jwks.publish(first, second);
        // Within the cooldown of the last fetch, the new kid is not worth a fetch yet.
        assertEquals("The token's signing key is not known.", verifier.verify(token(second, "b"), null, null).rejection().description());
        assertEquals(1, jwks.fetches());
        clock.advance(Duration.ofSeconds(30));
        assertNotNull(verifier.verify(token(second, "c"), null, null).verified());
        assertEquals(2, jwks.fetches());
    }

    @Test
    void aFloodOfUnknownKidsCostsOneFetchPerCooldown()
    {
        JwtVerifier verifier = verifier(source());
        assertNotNull(verifier.verify(token(first, "a"), null, null).verified());
        clock.advance(Duration.ofSeconds(30));
        for (int i = 0; i < 500; i++)
        {
            String forged = Tokens.sign(second, new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("random-" + i).build(),
                Tokens.claims(ISS, "api", "x", clock.instant()).build());
            assertEquals("The token's signing key is not known.", verifier.verify(forged, null, null).rejection().description());
        }
        assertEquals(2, jwks.fetches(), "one fetch for the first token, one for the first unknown kid, none after");
        clock.advance(Duration.ofSeconds(31));
        verifier.verify(Tokens.sign(second, new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("random-x").build(),
            Tokens.claims(ISS, "api", "x", clock.instant()).build()), null, null);
        assertEquals(3, jwks.fetches());
    }

    @Test
    void whenTheEndpointIsDownAtStartTokensAreUnavailableUntilItReturns() throws Exception
    {
        jwks.down();
        JwksSource source = source();
        JwtVerifier verifier = verifier(source);
        Rejection rejection = verifier.verify(token(first, "a"), null, null).rejection();
        assertEquals(Rejection.Kind.UNAVAILABLE, rejection.kind());
        assertEquals("The token issuer's keys cannot be fetched right now.", rejection.description());
        assertThrows(JwksSource.Unavailable.class, source::current);
        jwks.up();
        // Within the cooldown nothing is fetched, even though the endpoint is back.
        assertThrows(JwksSource.Unavailable.class, source::current);
        assertEquals(0, jwks.fetches());
        clock.advance(Duration.ofSeconds(30));
        assertNotNull(verifier.verify(token(first, "b"), null, null).verified());
    }

    @Test
    void whenTheEndpointGoesDownLaterTheLastGoodKeysKeepWorking() throws Exception
    {
        JwksSource source = source();
        JwtVerifier verifier = verifier(source);
        assertNotNull(verifier.verify(token(first, "a"), null, null).verified());
        jwks.down();
        clock.advance(Duration.ofMinutes(6));
        assertNotNull(verifier.verify(token(first, "b"), null, null).verified(), "refresh failed, old keys still used");
        assertTrue(source.current().size() == 1);
    }

    @Test
    void secretAndPrivateKeysInAPublishedSetAreDropped() throws Exception
    {
        jwks.close();
        RSAKey withPrivate = Tokens.rsa("private");
        try (JwksServer leaky = JwksServer.start(first))
        {
            leaky.publishRaw("{\"keys\":[" + withPrivate.toJSONString() + ",{\"kty\":\"oct\",\"kid\":\"s\",\"k\":\"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0\"},"
                + first.toPublicJWK().toJSONString() + "]}");
            JwksSource source = new JwksSource(URI.create(leaky.url()), Duration.ofMinutes(5), Duration.ofSeconds(30), Duration.ofSeconds(2), http::get, clock);
            assertEquals(List.of("2026-11"), source.current().getKeys().stream().map(key -> key.getKeyID()).toList());
        }
        jwks = JwksServer.start(first);
    }

    /**
     * One key the library cannot read (a curve it does not know, an {@code x5c} that is not a
     * certificate) used to fail the whole set: "tokens of this issuer are refused" at start, or
     * the set frozen at its last good state, so a key rotated in later was never seen.
     */
    @Test
    void aKeyThatCannotBeReadIsLeftOutAndTheSetsOtherKeysWork() throws Exception
    {
        jwks.close();
        String unreadable = "{\"kty\":\"EC\",\"crv\":\"BP-256\",\"kid\":\"brainpool\",\"x\":\"AA\",\"y\":\"AA\"},"
            + "{\"kty\":\"RSA\",\"kid\":\"bad-chain\",\"n\":\"AQAB\",\"e\":\"AQAB\",\"x5c\":[\"bm90IGEgY2VydA==\"]},"
            + "{\"kty\":\"AKP\",\"alg\":\"ML-DSA-44\",\"kid\":\"post-quantum\",\"pub\":\"AAAA\"},\"not a key\"";
        try (JwksServer odd = JwksServer.start(first); dev.sluice.testing.LogCapture log = dev.sluice.testing.LogCapture.start())
        {
            odd.publishRaw("{\"keys\":[" + unreadable + "," + first.toPublicJWK().toJSONString() + "]}");
            JwksSource source = new JwksSource(URI.create(odd.url()), Duration.ofMinutes(5), Duration.ofSeconds(30), Duration.ofSeconds(2), http::get, clock);
            assertEquals(List.of("2026-11"), source.current().getKeys().stream().map(key -> key.getKeyID()).toList());
            assertNotNull(verifier(source).verify(token(first, "a"), null, null).verified());
            assertTrue(log.text().contains("3 of its keys could not be read and are left out (kid 'brainpool': "), log.text());
            assertTrue(log.text().contains("kid 'bad-chain': "), log.text());
            assertTrue(log.text().contains("a member that is not an object"), log.text());

            // A key rotated in beside them is found; the same unreadable keys are not logged again.
            odd.publishRaw("{\"keys\":[" + unreadable + "," + first.toPublicJWK().toJSONString() + "," + second.toPublicJWK().toJSONString() + "]}");
            clock.advance(Duration.ofMinutes(1));
            assertNotNull(verifier(source).verify(token(second, "b"), null, null).verified(), "the rotated-in key");
            assertEquals(1, log.text().split("could not be read", -1).length - 1, log.text());
        }
        jwks = JwksServer.start(first);
    }
}
