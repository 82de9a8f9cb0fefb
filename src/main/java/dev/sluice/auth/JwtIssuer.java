// One trusted JWT issuer, as configured under auth.jwt.<name>.*.
package dev.sluice.auth;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;

/**
 * An issuer's keys come from exactly one place: a JWKS URL ({@link #jwksUrl}), or a fixed key set
 * read at start ({@link #staticKeys}: a PEM public key, a JWK set file, or an HMAC secret).
 *
 * @param issuer the exact {@code iss} value its tokens carry
 * @param algorithms the only {@code alg} values accepted
 * @param audience the audience required when a route names none, or null
 * @param maxLifetime the longest {@code exp - iat} accepted; zero for no limit
 * @param requiredClaims claims that must be present with exactly this value (or contain it, for arrays)
 * @param forwardClaims header name to claim name, sent upstream
 * @param consumerClaim the claim naming a declared consumer (by id or username), or null
 * @param groupsClaim the claim listing the caller's groups, used when there is no consumer, or null
 * @param jwksRefresh how long a fetched key set is used before it is fetched again
 * @param jwksCooldown the least time between two fetches, however many unknown {@code kid}s arrive
 */
public record JwtIssuer(
    String name,
    String issuer,
    URI jwksUrl,
    JWKSet staticKeys,
    Set<JWSAlgorithm> algorithms,
    String audience,
    Duration clockSkew,
    Duration maxLifetime,
    boolean requireExp,
    Map<String, String> requiredClaims,
    Map<String, String> forwardClaims,
    String consumerClaim,
    String groupsClaim,
    Duration jwksRefresh,
    Duration jwksCooldown,
    Duration jwksTimeout)
{
    public JwtIssuer
    {
        algorithms = Set.copyOf(algorithms);
        requiredClaims = Map.copyOf(requiredClaims);
        forwardClaims = Map.copyOf(forwardClaims);
    }
}
