// Every way a JWT is refused, and what a good one yields, checked without servlets.
package dev.sluice.auth;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import dev.sluice.testing.MutableClock;
import dev.sluice.testing.Tokens;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

class JwtVerifierTest
{
    private static final String ISS = "https://id.example.com/";
    private static final String AUD = "orders-api";
    private static final RSAKey KEY = Tokens.rsa("k1");
    private static final RSAKey OTHER = Tokens.rsa("k1");
    private static final Consumer ALICE = new Consumer("alice", "alice@example.com", null, Set.of("gold"));

    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-28T10:00:00Z"));

    private static JwtIssuer issuer(Duration maxLifetime, boolean requireExp, Map<String, String> required, String consumerClaim)
    {
        return new JwtIssuer("main", ISS, null, new JWKSet(KEY.toPublicJWK()), JwtIssuerParser.RSA_ALGORITHMS, AUD,
            Duration.ofSeconds(60), maxLifetime, requireExp, required, Map.of("X-User-Email", "email"), consumerClaim, "groups",
            Duration.ofMinutes(5), Duration.ofSeconds(30), Duration.ofSeconds(3));
    }

    private JwtVerifier verifier(JwtIssuer issuer)
    {
        return new JwtVerifier(List.of(issuer), ignored -> null, Map.of("alice", ALICE), 1000, clock);
    }

    private JwtVerifier verifier()
    {
        return verifier(issuer(Duration.ZERO, true, Map.of(), null));
    }

    private JWTClaimsSet.Builder claims()
    {
        return Tokens.claims(ISS, AUD, "user-7", clock.instant());
    }

    private String description(JwtVerifier verifier, String token)
    {
        JwtVerifier.Result result = verifier.verify(token, null, null);
        assertNull(result.verified(), "the token should have been refused");
        return result.rejection().description();
    }

    @Test
    void aValidTokenYieldsItsSubjectScopesGroupsAndForwardedClaims()
    {
        String token = Tokens.sign(KEY, claims().claim("scope", "orders:read orders:write").claim("groups", List.of("staff"))
            .claim("email", "u7@example.com").build());
        JwtVerifier.Result result = verifier().verify(token, null, null);
        assertNull(result.rejection());
        Identity identity = result.verified().identity();
        assertNull(identity.consumer());
        assertEquals("user-7", identity.credential());
        assertEquals(Set.of("orders:read", "orders:write"), identity.scopes());
        assertEquals(Set.of("staff"), identity.groups());
        assertEquals(Map.of("X-User-Email", "u7@example.com"), identity.claimHeaders());
    }

    @Test
    void scpAsAnArrayCountsAsScopes()
    {
        String token = Tokens.sign(KEY, claims().claim("scp", List.of("a", "b")).build());
        assertEquals(Set.of("a", "b"), verifier().verify(token, null, null).verified().identity().scopes());
    }

    @Test
    void aConsumerClaimMapsTheTokenToADeclaredConsumer()
    {
        JwtVerifier verifier = verifier(issuer(Duration.ZERO, true, Map.of(), "preferred_username"));
        String known = Tokens.sign(KEY, claims().claim("preferred_username", "alice@example.com").build());
        assertEquals(ALICE, verifier.verify(known, null, null).verified().identity().consumer());
        assertEquals(Set.of("gold"), verifier.verify(known, null, null).verified().identity().groups());
        String unknown = Tokens.sign(KEY, claims().claim("preferred_username", "mallory").build());
        assertEquals("The token does not belong to a known consumer.", description(verifier, unknown));
    }

    @Test
    void algNoneIsRefused()
    {
        String token = new PlainJWT(claims().build()).serialize();
        assertEquals("Unsigned tokens (alg none) are not accepted.", description(verifier(), token));
    }

    @Test
    void anHmacTokenSignedWithThePublicKeyAsSecretIsRefused() throws Exception
    {
        // Algorithm confusion: the attacker knows the public key and uses its bytes as an HMAC secret.
        byte[] publicKeyBytes = KEY.toPublicKey().getEncoded();
        String token = Tokens.sign(new OctetSequenceKey.Builder(publicKeyBytes).build(),
            new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("k1").build(), claims().build());
        assertEquals("The token's algorithm is not allowed for its issuer.", description(verifier(), token));
    }

    @Test
    void anEmbeddedAttackerKeyIsRefused()
    {
        RSAKey attacker = Tokens.rsa("k1");
        String jwk = Tokens.sign(attacker, new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("k1").jwk(attacker.toPublicJWK()).build(), claims().build());
        String jku = Tokens.sign(attacker, new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("k1")
            .jwkURL(java.net.URI.create("https://attacker.example/jwks")).build(), claims().build());
        String x5u = Tokens.sign(attacker, new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("k1")
            .x509CertURL(java.net.URI.create("https://attacker.example/cert")).build(), claims().build());
        for (String token : List.of(jwk, jku, x5u))
        {
            assertEquals("The token names its own key (jku, jwk, x5u or x5c); keys come only from configuration.", description(verifier(), token));
        }
    }

    @Test
    void anUnknownCriticalHeaderIsRefused()
    {
        String token = Tokens.sign(KEY, new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("k1").criticalParams(Set.of("exp-policy"))
            .customParam("exp-policy", "lenient").build(), claims().build());
        assertEquals("The token has critical header parameters Sluice does not understand.", description(verifier(), token));
    }

    @Test
    void aTokenSignedByAnotherKeyWithTheSameKidIsRefused()
    {
        assertEquals("The token's signature is not valid.", description(verifier(), Tokens.sign(OTHER, claims().build())));
    }

    @Test
    void aTamperedPayloadIsRefused()
    {
        String[] parts = Tokens.sign(KEY, claims().build()).split("\\.");
        String forged = Base64URL.encode(claims().subject("admin").build().toString()).toString();
        assertEquals("The token's signature is not valid.", description(verifier(), parts[0] + "." + forged + "." + parts[2]));
    }

    @Test
    void anUnknownKidIsRefused()
    {
        String token = Tokens.sign(KEY, new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("k9").build(), claims().build());
        assertEquals("The token's signing key is not known.", description(verifier(), token));
    }

    @Test
    void expiryBeyondTheClockSkewIsRefused()
    {
        String token = Tokens.sign(KEY, claims().expirationTime(Date.from(clock.instant().minusSeconds(61))).build());
        assertEquals("The token has expired.", description(verifier(), token));
        String withinSkew = Tokens.sign(KEY, claims().expirationTime(Date.from(clock.instant().minusSeconds(59))).build());
        assertNotNull(verifier().verify(withinSkew, null, null).verified());
    }

    @Test
    void aCachedTokenStopsWorkingWhenItExpires()
    {
        JwtVerifier verifier = verifier();
        String token = Tokens.sign(KEY, claims().expirationTime(Date.from(clock.instant().plusSeconds(30))).build());
        assertNotNull(verifier.verify(token, null, null).verified());
        clock.advance(Duration.ofSeconds(89));
        assertNotNull(verifier.verify(token, null, null).verified());
        clock.advance(Duration.ofSeconds(2));
        assertEquals("The token has expired.", description(verifier, token));
    }

    @Test
    void notYetValidAndIssuedInTheFutureAreRefused()
    {
        String nbf = Tokens.sign(KEY, claims().notBeforeTime(Date.from(clock.instant().plusSeconds(120))).build());
        assertEquals("The token is not valid yet (nbf).", description(verifier(), nbf));
        String iat = Tokens.sign(KEY, claims().issueTime(Date.from(clock.instant().plusSeconds(120))).build());
        assertEquals("The token was issued in the future (iat).", description(verifier(), iat));
    }

    /**
     * Found by a fuzz of signed tokens: nimbus multiplies a date by 1000 into a long, so an nbf of
     * 1e308 or 2^63 - 1 wrapped round to 1969 and the token was valid at once; an exp of 2^63 - 1
     * read as already expired.
     */
    @Test
    void numericDatesPastTheYear9999AreRefused() throws Exception
    {
        String unusable = "The token's %s is not a usable date (seconds since 1970, up to the year 9999).";
        assertEquals(unusable.formatted("nbf"), description(verifier(), withRawClaim("nbf", 1e308)));
        assertEquals(unusable.formatted("nbf"), description(verifier(), withRawClaim("nbf", Long.MAX_VALUE)));
        assertEquals(unusable.formatted("iat"), description(verifier(), withRawClaim("iat", Long.MAX_VALUE)));
        assertEquals(unusable.formatted("exp"), description(verifier(), withRawClaim("exp", Long.MAX_VALUE)));
        assertEquals(unusable.formatted("exp"), description(verifier(), withRawClaim("exp", -1e308)));
        assertNotNull(verifier().verify(withRawClaim("exp", 253_402_300_799L), null, null).verified(), "the last second of 9999 is a date");
    }

    /** A token signed with {@code name} set to a number as written, past what a JWTClaimsSet holds. */
    private String withRawClaim(String name, Number value) throws Exception
    {
        Map<String, Object> payload = new java.util.LinkedHashMap<>(claims().build().toJSONObject());
        payload.put(name, value);
        com.nimbusds.jose.JWSObject jws = new com.nimbusds.jose.JWSObject(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(KEY.getKeyID()).build(),
            new com.nimbusds.jose.Payload(com.nimbusds.jose.util.JSONObjectUtils.toJSONString(payload)));
        jws.sign(new com.nimbusds.jose.crypto.RSASSASigner(KEY));
        return jws.serialize();
    }

    @Test
    void aMissingExpiryIsRefusedUnlessTheIssuerAllowsIt()
    {
        String token = Tokens.sign(KEY, claims().expirationTime(null).build());
        assertEquals("The token has no expiry (exp).", description(verifier(), token));
        assertNotNull(verifier(issuer(Duration.ZERO, false, Map.of(), null)).verify(token, null, null).verified());
    }

    @Test
    void aLifetimeOverTheMaximumIsRefused()
    {
        JwtVerifier verifier = verifier(issuer(Duration.ofMinutes(30), true, Map.of(), null));
        assertEquals("The token's lifetime is longer than its issuer allows.", description(verifier, Tokens.sign(KEY, claims().build())));
        String short_ = Tokens.sign(KEY, claims().expirationTime(Date.from(clock.instant().plus(Duration.ofMinutes(30)))).build());
        assertNotNull(verifier.verify(short_, null, null).verified());
    }

    @Test
    void aWrongIssuerIsRefused()
    {
        String token = Tokens.sign(KEY, Tokens.claims("https://evil.example/", AUD, "u", clock.instant()).build());
        assertEquals("The token's issuer is not trusted.", description(verifier(), token));
    }

    @Test
    void aWrongAudienceIsRefusedAndTheRouteAudienceWins()
    {
        String token = Tokens.sign(KEY, Tokens.claims(ISS, "billing-api", "u", clock.instant()).build());
        assertEquals("The token is not meant for this audience.", description(verifier(), token));
        assertNotNull(verifier().verify(token, null, "billing-api").verified());
    }

    @Test
    void anIssuerTheRouteDoesNotAcceptIsRefused()
    {
        String token = Tokens.sign(KEY, claims().build());
        assertEquals("The token's issuer is not accepted on this route.", verifier().verify(token, Set.of("partners"), null).rejection().description());
    }

    @Test
    void requiredClaimsMustHaveTheirValues()
    {
        JwtVerifier verifier = verifier(issuer(Duration.ZERO, true, Map.of("tenant", "acme", "roles", "api"), null));
        String good = Tokens.sign(KEY, claims().claim("tenant", "acme").claim("roles", List.of("web", "api")).build());
        assertNotNull(verifier.verify(good, null, null).verified());
        String bad = Tokens.sign(KEY, claims().claim("tenant", "umbrella").claim("roles", List.of("api")).build());
        assertEquals("The token lacks the required value of claim 'tenant'.", description(verifier, bad));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "garbage", "a.b", "a.b.c.d.e", "eyJh bGc.e30.sig", "eyJhbGciOiJSUzI1NiJ9=.e30.c2ln", "a+b.c/d.e",
        "\u00e9\u00e9.\u00e9.\u00e9", "....."})
    void malformedTokensAreRefusedAsMalformed(String token)
    {
        assertEquals("The token is not a well-formed JWT.", description(verifier(), token));
    }

    @Test
    void aTokenWithNonCanonicalBase64IsRefused()
    {
        String token = Tokens.sign(KEY, claims().build());
        String signature = token.substring(token.lastIndexOf('.') + 1);
        // RS256 signatures are 256 bytes: the last base64url character carries 4 unused bits.
        char last = signature.charAt(signature.length() - 1);
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        char sibling = alphabet.charAt(alphabet.indexOf(last) ^ 1);
        String variant = token.substring(0, token.length() - 1) + sibling;
        assertEquals(Base64.getUrlDecoder().decode(signature).length, Base64.getUrlDecoder().decode(variant.substring(variant.lastIndexOf('.') + 1)).length);
        assertEquals("The token is not a well-formed JWT.", description(verifier(), variant));
    }

    @Test
    void anOverlongTokenIsRefusedUnparsed()
    {
        String token = "a".repeat(JwtVerifier.MAX_TOKEN_LENGTH) + ".b.c";
        assertEquals("The token is too long.", description(verifier(), token));
    }

    @Test
    void anHmacIssuerAcceptsOnlyItsSecret()
    {
        OctetSequenceKey secret = new OctetSequenceKey.Builder("0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8)).build();
        JwtIssuer hmac = new JwtIssuer("shared", ISS, null, new JWKSet(secret), Set.of(JWSAlgorithm.HS256), AUD, Duration.ofSeconds(60),
            Duration.ZERO, true, Map.of(), Map.of(), null, null, Duration.ofMinutes(5), Duration.ofSeconds(30), Duration.ofSeconds(3));
        JwtVerifier verifier = verifier(hmac);
        assertNotNull(verifier.verify(Tokens.sign(secret, new JWSHeader.Builder(JWSAlgorithm.HS256).type(JOSEObjectType.JWT).build(), claims().build()), null, null).verified());
        assertEquals("The token's algorithm is not allowed for its issuer.", description(verifier, Tokens.sign(KEY, claims().build())));
    }
}
