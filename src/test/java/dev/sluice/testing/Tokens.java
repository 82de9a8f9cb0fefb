// Mints JWTs with nimbus for tests: real keys, real signatures, any claims.
package dev.sluice.testing;

import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

public final class Tokens
{
    private Tokens()
    {
    }

    public static RSAKey rsa(String kid)
    {
        try
        {
            return new RSAKeyGenerator(2048).keyID(kid).generate();
        }
        catch (JOSEException x)
        {
            throw new IllegalStateException(x);
        }
    }

    public static ECKey ec(String kid)
    {
        try
        {
            return new ECKeyGenerator(Curve.P_256).keyID(kid).generate();
        }
        catch (JOSEException x)
        {
            throw new IllegalStateException(x);
        }
    }

    /** Claims valid for an hour from {@code now}, for the given issuer, audience and subject. */
    public static JWTClaimsSet.Builder claims(String issuer, String audience, String subject, Instant now)
    {
        return new JWTClaimsSet.Builder()
            .issuer(issuer)
            .audience(audience)
            .subject(subject)
            .issueTime(Date.from(now))
            .expirationTime(Date.from(now.plus(Duration.ofHours(1))));
    }

    public static String sign(JWK key, JWTClaimsSet claims)
    {
        JWSAlgorithm algorithm = key instanceof RSAKey ? JWSAlgorithm.RS256 : key instanceof ECKey ? JWSAlgorithm.ES256 : JWSAlgorithm.HS256;
        return sign(key, new JWSHeader.Builder(algorithm).keyID(key.getKeyID()).build(), claims);
    }

    public static String sign(JWK key, JWSHeader header, JWTClaimsSet claims)
    {
        try
        {
            JWSSigner signer = key instanceof RSAKey rsa ? new RSASSASigner(rsa)
                : key instanceof ECKey ec ? new ECDSASigner(ec)
                : new MACSigner((OctetSequenceKey)key);
            SignedJWT jwt = new SignedJWT(header, claims);
            jwt.sign(signer);
            return jwt.serialize();
        }
        catch (JOSEException x)
        {
            throw new IllegalStateException(x);
        }
    }

    /** The public JWK set document for these keys. */
    public static String jwks(JWK... keys)
    {
        List<Map<String, Object>> published = java.util.Arrays.stream(keys).map(key -> key.toPublicJWK().toJSONObject()).toList();
        return com.nimbusds.jose.util.JSONObjectUtils.toJSONString(Map.of("keys", published));
    }
}
