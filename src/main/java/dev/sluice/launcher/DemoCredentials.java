// The demo configuration's credentials: a known API key and bearer tokens the launcher mints.
package dev.sluice.launcher;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

/**
 * Matches {@code conf/sluice.properties}: the {@code demo} consumer's key is stored there as
 * {@code demo:} + {@link #API_KEY} and its password as {@code demo:} + {@link #PASSWORD}, and the {@code demo} issuer verifies HS256 tokens with
 * {@code SLUICE_DEMO_JWT_SECRET} (or the default below). Both exist so that the README's curl
 * commands work on a fresh machine; neither belongs in a real deployment.
 */
final class DemoCredentials
{
    static final String API_KEY = "sluice-demo-key";
    static final String PASSWORD = "sluice-demo-password";
    static final String JWT_SECRET_VARIABLE = "SLUICE_DEMO_JWT_SECRET";
    static final String DEFAULT_JWT_SECRET = "sluice-demo-hmac-secret-not-for-production";
    static final String ISSUER = "https://demo.sluice.dev/";
    static final String AUDIENCE = "demo-api";

    private DemoCredentials()
    {
    }

    /**
     * A token for the demo routes, valid for an hour, with scope {@code orders:read}.
     */
    static String token(Instant now)
    {
        String secret = System.getenv(JWT_SECRET_VARIABLE);
        if (secret == null || secret.isEmpty())
        {
            secret = DEFAULT_JWT_SECRET;
        }
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
            .issuer(ISSUER)
            .audience(AUDIENCE)
            .subject("ada")
            .claim("scope", "orders:read")
            .issueTime(Date.from(now))
            .expirationTime(Date.from(now.plus(Duration.ofHours(1))))
            .build();
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
        try
        {
            jwt.sign(new MACSigner(secret.getBytes(StandardCharsets.UTF_8)));
        }
        catch (JOSEException x)
        {
            throw new IllegalStateException("The demo JWT secret must be at least 32 bytes", x);
        }
        return jwt.serialize();
    }
}
