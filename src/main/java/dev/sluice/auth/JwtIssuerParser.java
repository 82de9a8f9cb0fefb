// Reads auth.jwt.<name>.*: an issuer, its keys (JWKS URL, PEM, JWK set file or HMAC secret) and checks.
package dev.sluice.auth;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.X509EncodedKeySpec;
import java.text.ParseException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.RSAKey;
import dev.sluice.config.ConfigReader;
import dev.sluice.config.SettingsParser;

/**
 * The JWT half of {@link AuthSettingsParser}: each issuer needs exactly one key source, an
 * algorithm allow-list that suits its keys (never {@code none}, never HMAC for public keys), and
 * the claim checks. Problems go to the reader like every other configuration problem.
 */
final class JwtIssuerParser
{
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(JwtIssuerParser.class);
    static final Set<JWSAlgorithm> RSA_ALGORITHMS = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512,
        JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512);
    static final Set<JWSAlgorithm> EC_ALGORITHMS = Set.of(JWSAlgorithm.ES256, JWSAlgorithm.ES384, JWSAlgorithm.ES512);
    static final Set<JWSAlgorithm> HMAC_ALGORITHMS = Set.of(JWSAlgorithm.HS256, JWSAlgorithm.HS384, JWSAlgorithm.HS512);
    /** Headers a claim may never be forwarded in: they carry identity, routing or framing. */
    private static final Set<String> RESERVED_HEADERS = Set.of("host", "authorization", "cookie", "content-length", "transfer-encoding",
        "connection", "te", "upgrade", "x-request-id", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-forwarded-port",
        "forwarded", "via", "x-real-ip");

    private JwtIssuerParser()
    {
    }

    static Map<String, JwtIssuer> issuers(ConfigReader reader)
    {
        Map<String, JwtIssuer> issuers = new TreeMap<>();
        Map<String, String> issuerValues = new LinkedHashMap<>();
        for (String name : reader.names("auth.jwt."))
        {
            String prefix = "auth.jwt." + name + ".";
            if (!SettingsParser.NAME.matcher(name).matches())
            {
                reader.problem("Issuer name '" + name + "' is not allowed; allowed: letters, digits, '-' and '_', starting with a letter or digit.");
                continue;
            }
            JwtIssuer issuer = issuer(reader, name, prefix);
            if (issuer == null)
            {
                continue;
            }
            String other = issuerValues.putIfAbsent(issuer.issuer(), name);
            if (other != null)
            {
                reader.invalid(prefix + "issuer", issuer.issuer(), "an iss value no other issuer has (issuer '" + other + "' has it)");
                continue;
            }
            issuers.put(name, issuer);
        }
        return issuers;
    }

    private static JwtIssuer issuer(ConfigReader reader, String name, String prefix)
    {
        String iss = reader.required(prefix + "issuer", "the exact iss value of the issuer's tokens");
        String jwksUrl = reader.optional(prefix + "jwks-url").orElse(null);
        String pemFile = reader.optional(prefix + "public-key-file").orElse(null);
        String jwksFile = reader.optional(prefix + "jwks-file").orElse(null);
        String secret = reader.optional(prefix + "hmac-secret").orElse(null);
        Duration skew = reader.duration(prefix + "clock-skew", Duration.ofSeconds(60));
        Duration maxLifetime = reader.duration(prefix + "max-lifetime", Duration.ZERO);
        boolean requireExp = reader.bool(prefix + "require-exp", true);
        String audience = reader.optional(prefix + "audience").orElse(null);
        String consumerClaim = claimName(reader, prefix + "consumer-claim");
        String groupsClaim = claimName(reader, prefix + "groups-claim");
        Duration refresh = reader.duration(prefix + "jwks-refresh", Duration.ofMinutes(5));
        Duration cooldown = reader.duration(prefix + "jwks-cooldown", Duration.ofSeconds(30));
        Duration timeout = reader.duration(prefix + "jwks-timeout", Duration.ofSeconds(3));
        if (timeout.isZero())
        {
            reader.invalid(prefix + "jwks-timeout", "0", "a positive duration such as 500ms or 3s");
        }

        Map<String, String> required = new TreeMap<>();
        for (String claim : reader.keysUnder(prefix + "claim."))
        {
            String value = reader.optional(prefix + "claim." + claim).orElse(null);
            if (value == null)
            {
                reader.required(prefix + "claim." + claim, "the value the claim must have");
            }
            else
            {
                required.put(claim, value);
            }
        }
        Map<String, String> forward = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (String header : reader.keysUnder(prefix + "forward."))
        {
            String key = prefix + "forward." + header;
            String claim = claimName(reader, key);
            if (!SettingsParser.TOKEN.matcher(header).matches() || RESERVED_HEADERS.contains(header.toLowerCase(Locale.ROOT))
                || Identity.HEADERS.stream().anyMatch(header::equalsIgnoreCase))
            {
                reader.problem("Key '" + key + "' names a header a claim cannot be sent in; allowed: a header name such as X-User-Email that is not a Host, Authorization, Cookie, framing, forwarding or X-Consumer-* header.");
            }
            else if (claim != null)
            {
                forward.put(header, claim);
            }
        }

        int sources = (jwksUrl != null ? 1 : 0) + (pemFile != null ? 1 : 0) + (jwksFile != null ? 1 : 0) + (secret != null ? 1 : 0);
        if (sources != 1)
        {
            reader.problem("Issuer '" + name + "' needs exactly one key source; allowed: one of " + prefix + "jwks-url, " + prefix
                + "public-key-file, " + prefix + "jwks-file, " + prefix + "hmac-secret" + (sources == 0 ? "" : " (" + sources + " are set)") + ".");
            return null;
        }
        URI url = null;
        JWKSet keys = null;
        Set<JWSAlgorithm> defaults;
        if (jwksUrl != null)
        {
            url = AuthSettingsParser.httpUrl(reader, prefix + "jwks-url", jwksUrl);
            defaults = union(RSA_ALGORITHMS, EC_ALGORITHMS);
        }
        else if (secret != null)
        {
            byte[] bytes = secret.getBytes(StandardCharsets.UTF_8);
            if (bytes.length < 32)
            {
                reader.invalid(prefix + "hmac-secret", secret, "a secret of at least 32 bytes (256 bits), e.g. from ${JWT_SECRET}");
                return null;
            }
            String weakness = SecretStrength.weakness(secret);
            if (weakness != null)
            {
                reader.invalid(prefix + "hmac-secret", secret, "a random secret (" + weakness + "), e.g. from: openssl rand -base64 48");
                return null;
            }
            if (SecretStrength.looksLikeWords(secret))
            {
                LOG.warn("Key '{}hmac-secret' looks like words; a random secret (openssl rand -base64 48) is much harder to guess", prefix);
            }
            keys = new JWKSet(new OctetSequenceKey.Builder(bytes).build());
            defaults = new LinkedHashSet<>();
            defaults.add(JWSAlgorithm.HS256);
            if (bytes.length >= 48)
            {
                defaults.add(JWSAlgorithm.HS384);
            }
            if (bytes.length >= 64)
            {
                defaults.add(JWSAlgorithm.HS512);
            }
        }
        else
        {
            keys = pemFile != null ? pem(reader, prefix + "public-key-file", pemFile) : jwksFile(reader, prefix + "jwks-file", jwksFile);
            if (keys == null)
            {
                return null;
            }
            defaults = algorithmsOf(keys);
        }

        Set<JWSAlgorithm> algorithms = algorithms(reader, prefix + "algorithms", secret != null, defaults);
        if (iss == null || algorithms == null || (jwksUrl != null && url == null))
        {
            return null;
        }
        return new JwtIssuer(name, iss, url, keys, algorithms, audience, skew, maxLifetime, requireExp, required, forward, consumerClaim,
            groupsClaim, refresh, cooldown, timeout);
    }

    static String claimName(ConfigReader reader, String key)
    {
        String claim = reader.optional(key).orElse(null);
        if (claim != null && !claim.matches("[A-Za-z0-9_:./-]{1,128}"))
        {
            reader.invalid(key, claim, "a claim name such as sub, email or groups");
            return null;
        }
        return claim;
    }

    private static Set<JWSAlgorithm> algorithms(ConfigReader reader, String key, boolean hmac, Set<JWSAlgorithm> defaults)
    {
        List<String> names = reader.list(key);
        if (names.isEmpty())
        {
            return defaults;
        }
        Set<JWSAlgorithm> allowed = hmac ? HMAC_ALGORITHMS : union(RSA_ALGORITHMS, EC_ALGORITHMS);
        Set<JWSAlgorithm> algorithms = new LinkedHashSet<>();
        for (String name : names)
        {
            JWSAlgorithm algorithm = JWSAlgorithm.parse(name);
            if (!allowed.contains(algorithm))
            {
                reader.invalid(key, name, hmac
                    ? "HS256, HS384 or HS512 (the issuer has an HMAC secret)"
                    : "RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384 or ES512 (the issuer has public keys)");
                return null;
            }
            algorithms.add(algorithm);
        }
        return algorithms;
    }

    /**
     * A PEM {@code PUBLIC KEY} (SubjectPublicKeyInfo) or {@code CERTIFICATE}, decoded with the
     * JDK's own key factories (nimbus's PEM parser would need BouncyCastle).
     */
    private static JWKSet pem(ConfigReader reader, String key, String file)
    {
        try
        {
            String text = Files.readString(Path.of(file), StandardCharsets.US_ASCII);
            JWK jwk;
            if (text.contains("-----BEGIN CERTIFICATE-----"))
            {
                var certificate = (java.security.cert.X509Certificate)java.security.cert.CertificateFactory.getInstance("X.509")
                    .generateCertificate(new java.io.ByteArrayInputStream(text.getBytes(StandardCharsets.US_ASCII)));
                jwk = JWK.parse(certificate).toPublicJWK();
            }
            else
            {
                int begin = text.indexOf("-----BEGIN PUBLIC KEY-----");
                int end = text.indexOf("-----END PUBLIC KEY-----");
                if (begin < 0 || end < begin)
                {
                    throw new IllegalArgumentException("no PUBLIC KEY block");
                }
                byte[] der = java.util.Base64.getMimeDecoder().decode(text.substring(begin + 26, end));
                jwk = publicJwk(der);
            }
            JWKSet set = JwksSource.publicSigningKeys(new JWKSet(jwk));
            if (set.isEmpty())
            {
                throw new IllegalArgumentException("no public key");
            }
            return set;
        }
        catch (IOException | GeneralSecurityException | com.nimbusds.jose.JOSEException | RuntimeException x)
        {
            reader.invalid(key, file, "a readable PEM file holding an RSA or EC public key or certificate");
            return null;
        }
    }

    private static JWK publicJwk(byte[] der) throws GeneralSecurityException
    {
        X509EncodedKeySpec spec = new X509EncodedKeySpec(der);
        try
        {
            return new RSAKey.Builder((RSAPublicKey)KeyFactory.getInstance("RSA").generatePublic(spec)).build();
        }
        catch (InvalidKeySpecException notRsa)
        {
            ECPublicKey ec = (ECPublicKey)KeyFactory.getInstance("EC").generatePublic(spec);
            return new ECKey.Builder(Curve.forECParameterSpec(ec.getParams()), ec).build();
        }
    }

    private static JWKSet jwksFile(ConfigReader reader, String key, String file)
    {
        try
        {
            JWKSet set = JwksSource.publicSigningKeys(JWKSet.load(Path.of(file).toFile()));
            if (set.isEmpty())
            {
                throw new IllegalArgumentException("no public key");
            }
            return set;
        }
        catch (IOException | ParseException | RuntimeException x)
        {
            reader.invalid(key, file, "a readable JWK set file holding at least one RSA or EC public key");
            return null;
        }
    }

    /** Each key's own alg when it names one, else every algorithm its type and curve can do. */
    private static Set<JWSAlgorithm> algorithmsOf(JWKSet keys)
    {
        Set<JWSAlgorithm> algorithms = new LinkedHashSet<>();
        for (JWK key : keys.getKeys())
        {
            if (key.getAlgorithm() != null)
            {
                algorithms.add(JWSAlgorithm.parse(key.getAlgorithm().getName()));
            }
            else if (key instanceof RSAKey)
            {
                algorithms.addAll(RSA_ALGORITHMS);
            }
            else if (key instanceof ECKey ec)
            {
                algorithms.addAll(JWSAlgorithm.Family.EC.stream()
                    .filter(algorithm -> Curve.forJWSAlgorithm(algorithm).contains(ec.getCurve()))
                    .toList());
            }
        }
        return algorithms;
    }

    private static Set<JWSAlgorithm> union(Set<JWSAlgorithm> a, Set<JWSAlgorithm> b)
    {
        Set<JWSAlgorithm> union = new LinkedHashSet<>(a);
        union.addAll(b);
        return union;
    }
}
