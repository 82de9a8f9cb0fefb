// Verifies bearer JWTs against the configured issuers; a verified token is cached until it expires.
package dev.sluice.auth;

import java.nio.ByteBuffer;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Collection;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.factories.DefaultJWSVerifierFactory;
import com.nimbusds.jose.jwk.AsymmetricJWK;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKMatcher;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;

/**
 * The JWT check, with no servlet types. nimbus-jose-jwt does all JOSE work (parsing, key
 * matching, signature checks); this class decides which keys and algorithms are acceptable and
 * what the claims must say.
 *
 * <p>Refused, each with its own description: anything over {@link #MAX_TOKEN_LENGTH}; anything
 * not in canonical compact form (padding, spaces, characters outside base64url, non-canonical
 * trailing bits), so one token has exactly one string form and one cache entry; unsigned tokens
 * ({@code alg: none}); encrypted tokens; tokens naming their own key ({@code jku}, {@code jwk},
 * {@code x5u}, {@code x5c}: keys come only from configuration); any {@code crit} header; an
 * {@code alg} outside the issuer's allow-list, which is also what stops an HMAC token from being
 * checked with a public key as its secret; an unknown issuer or key; a bad signature; and the
 * claim checks (expiry, not-before, issued-at, lifetime, required claims).</p>
 *
 * <p>A token that passes is cached by the SHA-256 of its exact string (the token itself is not
 * kept) until its expiry plus the clock skew, so a repeated token costs one hash and one lookup.
 * Route-specific checks (issuer accepted on the route, audience) are made on every request,
 * because routes differ.</p>
 */
public final class JwtVerifier
{
    /** Longer tokens are refused unparsed; Jetty's header limit (8 KiB by default) is the outer bound. */
    public static final int MAX_TOKEN_LENGTH = 8192;
    /** Tokens without {@code exp} (allowed only with {@code require-exp = false}) are cached this long. */
    private static final Duration NO_EXPIRY_CACHE = Duration.ofMinutes(5);
    private static final int MAX_CLAIM_HEADER_LENGTH = 1024;

    /**
     * A token that passed every issuer-level check.
     *
     * @param expiresAt {@code exp}, or null when the token has none
     */
    public record Verified(JwtIssuer issuer, Set<String> audience, Instant expiresAt, Identity identity)
    {
    }

    /** Exactly one of the two is set. */
    public record Result(Verified verified, Rejection rejection)
    {
        static Result of(Rejection rejection)
        {
            return new Result(null, rejection);
        }
    }

    private final Map<String, JwtIssuer> byIssuer = new HashMap<>();
    private final Function<JwtIssuer, JwksSource> jwks;
    private final Map<String, Consumer> consumers;
    private final Clock clock;
    private final Cache<ByteBuffer, Verified> cache;
    private final DefaultJWSVerifierFactory verifiers = new DefaultJWSVerifierFactory();

    /**
     * @param jwks the key source of an issuer configured with a JWKS URL
     * @param consumers every declared consumer, by id
     */
    public JwtVerifier(Collection<JwtIssuer> issuers, Function<JwtIssuer, JwksSource> jwks, Map<String, Consumer> consumers,
                       int cacheSize, Clock clock)
    {
        issuers.forEach(issuer -> byIssuer.put(issuer.issuer(), issuer));
        this.jwks = jwks;
        this.consumers = consumers;
        this.clock = clock;
        this.cache = Caffeine.newBuilder()
            .maximumSize(cacheSize)
            .ticker(() -> TimeUnit.MILLISECONDS.toNanos(clock.millis()))
            .expireAfter(Expiry.creating((ByteBuffer key, Verified verified) -> cacheLifetime(verified)))
            .build();
    }

    private Duration cacheLifetime(Verified verified)
    {
        if (verified.expiresAt() == null)
        {
            return NO_EXPIRY_CACHE;
        }
        Duration left = Duration.between(clock.instant(), verified.expiresAt().plus(verified.issuer().clockSkew()));
        return left.isNegative() ? Duration.ZERO : left;
    }

    /**
     * Checks a token for a route.
     *
     * @param acceptedIssuers the issuer names the route accepts, or null for any configured issuer
     * @param routeAudience the audience the route requires, or null for the issuer's own
     */
    public Result verify(String token, Set<String> acceptedIssuers, String routeAudience)
    {
        if (token.length() > MAX_TOKEN_LENGTH)
        {
            return Result.of(Rejection.invalidToken("The token is too long."));
        }
        // The cache first: a token found there was well-formed when it was stored (the key is its
        // hash), so only a miss pays for the form check.
        ByteBuffer key = ByteBuffer.wrap(ApiKeys.sha256(token));
        Verified verified = cache.getIfPresent(key);
        if (verified == null)
        {
            if (!compact(token))
            {
                return Result.of(Rejection.invalidToken("The token is not a well-formed JWT."));
            }
            Result result = verifyUncached(token);
            if (result.rejection() != null)
            {
                return result;
            }
            verified = result.verified();
            cache.put(key, verified);
        }
        JwtIssuer issuer = verified.issuer();
        if (acceptedIssuers != null && !acceptedIssuers.contains(issuer.name()))
        {
            return Result.of(Rejection.invalidToken("The token's issuer is not accepted on this route."));
        }
        String audience = routeAudience != null ? routeAudience : issuer.audience();
        if (audience != null && !verified.audience().contains(audience))
        {
            return Result.of(Rejection.invalidToken("The token is not meant for this audience."));
        }
        if (verified.expiresAt() != null && clock.instant().isAfter(verified.expiresAt().plus(issuer.clockSkew())))
        {
            return Result.of(Rejection.invalidToken("The token has expired."));
        }
        return new Result(verified, null);
    }

    private Result verifyUncached(String token)
    {
        if (!canonical(token))
        {
            return Result.of(Rejection.invalidToken("The token is not a well-formed JWT."));
        }
        JWT jwt;
        JWTClaimsSet claims;
        try
        {
            jwt = JWTParser.parse(token);
            claims = jwt.getJWTClaimsSet();
        }
        catch (ParseException | RuntimeException x)
        {
            return Result.of(Rejection.invalidToken("The token is not a well-formed JWT."));
        }
        if (jwt instanceof PlainJWT)
        {
            return Result.of(Rejection.invalidToken("Unsigned tokens (alg none) are not accepted."));
        }
        if (!(jwt instanceof SignedJWT signed))
        {
            return Result.of(Rejection.invalidToken("Encrypted tokens are not accepted."));
        }
        JWSHeader header = signed.getHeader();
        if (header.getJWKURL() != null || header.getJWK() != null || header.getX509CertURL() != null || header.getX509CertChain() != null)
        {
            return Result.of(Rejection.invalidToken("The token names its own key (jku, jwk, x5u or x5c); keys come only from configuration."));
        }
        if (header.getCriticalParams() != null && !header.getCriticalParams().isEmpty())
        {
            return Result.of(Rejection.invalidToken("The token has critical header parameters Sluice does not understand."));
        }
        JwtIssuer issuer = claims.getIssuer() == null ? null : byIssuer.get(claims.getIssuer());
        if (issuer == null)
        {
            return Result.of(Rejection.invalidToken("The token's issuer is not trusted."));
        }
        if (!issuer.algorithms().contains(header.getAlgorithm()))
        {
            return Result.of(Rejection.invalidToken("The token's algorithm is not allowed for its issuer."));
        }

        Rejection signature = checkSignature(issuer, signed, header);
        if (signature != null)
        {
            return Result.of(signature);
        }
        Rejection dates = checkNumericDates(signed);
        if (dates != null)
        {
            return Result.of(dates);
        }
        return checkClaims(issuer, claims);
    }

    /** 9999-12-31T23:59:59Z, the latest date the checks below take. */
    static final long MAX_NUMERIC_DATE = 253_402_300_799L;

    /**
     * exp, nbf and iat within ±{@link #MAX_NUMERIC_DATE} seconds: nimbus turns each into a
     * {@code Date} by multiplying it by 1000, and past ~9.2e15 that wrapped round, so that an
     * nbf of 1e308 read as 1969 (valid at once) and an exp of 2^63 - 1 as already expired.
     */
    private static Rejection checkNumericDates(SignedJWT signed)
    {
        Map<String, Object> payload = signed.getPayload().toJSONObject();
        if (payload == null)
        {
            return null;
        }
        for (String name : new String[]{"exp", "nbf", "iat"})
        {
            if (payload.get(name) instanceof Number value && !(Math.abs(value.doubleValue()) <= MAX_NUMERIC_DATE))
            {
                return Rejection.invalidToken("The token's " + name + " is not a usable date (seconds since 1970, up to the year 9999).");
            }
        }
        return null;
    }

    /**
     * Only keys published for signatures may verify one (RFC 7517 §4.2, §4.3): {@code use}
     * absent or {@code sig}, {@code key_ops} absent or naming {@code verify}. A key set that
     * also holds encryption keys must not let a token be checked against one of them.
     */
    static List<JWK> verifying(List<JWK> keys)
    {
        List<JWK> usable = new java.util.ArrayList<>(keys.size());
        for (JWK key : keys)
        {
            boolean use = key.getKeyUse() == null || com.nimbusds.jose.jwk.KeyUse.SIGNATURE.equals(key.getKeyUse());
            boolean ops = key.getKeyOperations() == null || key.getKeyOperations().contains(com.nimbusds.jose.jwk.KeyOperation.VERIFY);
            if (use && ops)
            {
                usable.add(key);
            }
        }
        return usable;
    }

    private Rejection checkSignature(JwtIssuer issuer, SignedJWT signed, JWSHeader header)
    {
        JWKSelector selector = new JWKSelector(JWKMatcher.forJWSHeader(header));
        JWKSet keys;
        JwksSource source = issuer.jwksUrl() == null ? null : jwks.apply(issuer);
        try
        {
            keys = source == null ? issuer.staticKeys() : source.current();
        }
        catch (JwksSource.Unavailable x)
        {
            return Rejection.unavailable("The token issuer's keys cannot be fetched right now.");
        }
        List<JWK> candidates = verifying(selector.select(keys));
        if (candidates.isEmpty() && source != null && header.getKeyID() != null)
        {
            // Keys rotate: a new kid is worth one fetch, within the source's cooldown.
            candidates = verifying(selector.select(source.refreshForUnknownKey(keys)));
        }
        if (candidates.isEmpty())
        {
            return Rejection.invalidToken("The token's signing key is not known.");
        }
        for (JWK candidate : candidates)
        {
            try
            {
                java.security.Key key = candidate instanceof OctetSequenceKey secret
                    ? secret.toSecretKey()
                    : ((AsymmetricJWK)candidate).toPublicKey();
                JWSVerifier verifier = verifiers.createJWSVerifier(header, key);
                if (signed.verify(verifier))
                {
                    return null;
                }
            }
            catch (JOSEException | ClassCastException | IllegalStateException x)
            {
                // This key cannot check this token; try the next.
            }
        }
        return Rejection.invalidToken("The token's signature is not valid.");
    }

    private Result checkClaims(JwtIssuer issuer, JWTClaimsSet claims)
    {
        Instant now = clock.instant();
        Duration skew = issuer.clockSkew();
        Instant expiresAt = instant(claims.getExpirationTime());
        Instant notBefore = instant(claims.getNotBeforeTime());
        Instant issuedAt = instant(claims.getIssueTime());
        if (expiresAt == null && issuer.requireExp())
        {
            return Result.of(Rejection.invalidToken("The token has no expiry (exp)."));
        }
        if (expiresAt != null && now.isAfter(expiresAt.plus(skew)))
        {
            return Result.of(Rejection.invalidToken("The token has expired."));
        }
        if (notBefore != null && now.plus(skew).isBefore(notBefore))
        {
            return Result.of(Rejection.invalidToken("The token is not valid yet (nbf)."));
        }
        if (issuedAt != null && now.plus(skew).isBefore(issuedAt))
        {
            return Result.of(Rejection.invalidToken("The token was issued in the future (iat)."));
        }
        if (!issuer.maxLifetime().isZero())
        {
            if (issuedAt == null || expiresAt == null)
            {
                return Result.of(Rejection.invalidToken("The token lacks iat or exp, which its issuer's maximum lifetime needs."));
            }
            if (Duration.between(issuedAt, expiresAt).compareTo(issuer.maxLifetime()) > 0)
            {
                return Result.of(Rejection.invalidToken("The token's lifetime is longer than its issuer allows."));
            }
        }
        for (Map.Entry<String, String> required : issuer.requiredClaims().entrySet())
        {
            if (!strings(claim(claims, required.getKey())).contains(required.getValue()))
            {
                return Result.of(Rejection.invalidToken("The token lacks the required value of claim '" + required.getKey() + "'."));
            }
        }

        Consumer consumer = null;
        if (issuer.consumerClaim() != null)
        {
            List<String> names = strings(claim(claims, issuer.consumerClaim()));
            consumer = names.size() == 1 ? findConsumer(names.get(0)) : null;
            if (consumer == null)
            {
                return Result.of(Rejection.invalidToken("The token does not belong to a known consumer."));
            }
        }
        Set<String> groups = consumer != null ? consumer.groups()
            : issuer.groupsClaim() == null ? Set.of() : Set.copyOf(strings(claim(claims, issuer.groupsClaim())));
        Set<String> scopes = scopes(claims);
        Map<String, String> claimHeaders = new LinkedHashMap<>();
        for (Map.Entry<String, String> forward : issuer.forwardClaims().entrySet())
        {
            String value = String.join(",", strings(claim(claims, forward.getValue())));
            if (!value.isEmpty() && value.length() <= MAX_CLAIM_HEADER_LENGTH && value.chars().allMatch(c -> c >= 0x20 && c < 0x7f))
            {
                claimHeaders.put(forward.getKey(), value);
            }
        }
        String subject = printable(claims.getSubject());
        if (consumer == null && (subject == null || subject.isEmpty()))
        {
            // Limits and cached responses are keyed by subject: a token without one would share them with every other.
            return Result.of(Rejection.invalidToken("The token has no usable subject (sub)."));
        }
        Identity identity = new Identity(consumer, subject, groups, scopes, false, claimHeaders, "jwt:" + issuer.name(), templateClaims(claims));
        Set<String> audience = claims.getAudience() == null ? Set.of() : Set.copyOf(claims.getAudience());
        return new Result(new Verified(issuer, audience, expiresAt, identity), null);
    }

    private Consumer findConsumer(String name)
    {
        Consumer byId = consumers.get(name);
        if (byId != null)
        {
            return byId;
        }
        return consumers.values().stream().filter(consumer -> consumer.username().equals(name)).findFirst().orElse(null);
    }

    /**
     * The token's top-level string, number and boolean claims (lists joined with commas), for
     * transform templates' {@code ${jwt.claim.<name>}}: at most 64, each at most 1 KiB and printable.
     */
    private static Map<String, String> templateClaims(JWTClaimsSet claims)
    {
        Map<String, String> values = new LinkedHashMap<>();
        for (Map.Entry<String, Object> claim : claims.getClaims().entrySet())
        {
            if (values.size() == 64)
            {
                break;
            }
            Object raw = claim.getValue();
            String value = raw instanceof String || raw instanceof Number || raw instanceof Boolean ? raw.toString()
                : raw instanceof java.util.Date date ? Long.toString(date.getTime() / 1000)
                : raw instanceof java.util.List<?> ? String.join(",", strings(raw)) : null;
            if (value != null && value.length() <= 1024 && value.chars().allMatch(c -> c >= 0x20 && c != 0x7f))
            {
                values.put(claim.getKey(), value);
            }
        }
        return values;
    }

    /**
     * {@code scope} (space-separated string, RFC 8693) or {@code scp} (array or string).
     */
    static Set<String> scopes(JWTClaimsSet claims)
    {
        Object scope = claims.getClaim("scope");
        if (scope == null)
        {
            scope = claims.getClaim("scp");
        }
        return strings(scope).stream()
            .flatMap(value -> java.util.Arrays.stream(value.split(" ")))
            .filter(value -> !value.isEmpty())
            .collect(Collectors.toUnmodifiableSet());
    }

    /**
     * A claim by name: the top-level claim of that exact name (Auth0's namespaced
     * {@code https://example.com/roles} has dots of its own), else the member a dotted path names
     * inside objects (Keycloak's {@code realm_access.roles}); null when neither is there.
     */
    static Object claim(JWTClaimsSet claims, String name)
    {
        Object value = claims.getClaim(name);
        if (value != null || name.indexOf('.') < 0)
        {
            return value;
        }
        Object at = claims.getClaims();
        int start = 0;
        while (at instanceof Map<?, ?> object && start <= name.length())
        {
            int dot = name.indexOf('.', start);
            int end = dot < 0 ? name.length() : dot;
            at = object.get(name.substring(start, end));
            if (dot < 0)
            {
                return at;
            }
            start = dot + 1;
        }
        return null;
    }

    /** A claim's value as strings: a string, a number or boolean, or an array of those. */
    static List<String> strings(Object claim)
    {
        if (claim == null)
        {
            return List.of();
        }
        if (claim instanceof Collection<?> values)
        {
            return values.stream().filter(value -> value instanceof String || value instanceof Number || value instanceof Boolean)
                .map(String::valueOf).toList();
        }
        if (claim instanceof String || claim instanceof Number || claim instanceof Boolean)
        {
            return List.of(String.valueOf(claim));
        }
        return List.of();
    }

    private static String printable(String value)
    {
        if (value == null || value.length() > MAX_CLAIM_HEADER_LENGTH || !value.chars().allMatch(c -> c >= 0x20 && c < 0x7f))
        {
            return null;
        }
        return value;
    }

    private static Instant instant(Date date)
    {
        return date == null ? null : date.toInstant();
    }

    /**
     * Three base64url parts separated by dots; the first two non-empty (the signature is empty
     * only for {@code alg: none}, refused later with its own message). A loop, not a regular
     * expression: this runs for every token the verified-token cache does not hold.
     */
    static boolean compact(String token)
    {
        int dots = 0;
        int partLength = 0;
        for (int i = 0; i < token.length(); i++)
        {
            char c = token.charAt(i);
            if (c == '.')
            {
                if (partLength == 0 || ++dots > 2)
                {
                    return false;
                }
                partLength = 0;
            }
            else if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')
            {
                partLength++;
            }
            else
            {
                return false;
            }
        }
        return dots == 2;
    }

    /**
     * Each part decodes and re-encodes to itself, so no second spelling of the same bytes exists.
     */
    static boolean canonical(String token)
    {
        Base64.Decoder decoder = Base64.getUrlDecoder();
        Base64.Encoder encoder = Base64.getUrlEncoder().withoutPadding();
        for (String part : token.split("\\.", -1))
        {
            try
            {
                if (!encoder.encodeToString(decoder.decode(part)).equals(part))
                {
                    return false;
                }
            }
            catch (IllegalArgumentException x)
            {
                return false;
            }
        }
        return true;
    }
}
