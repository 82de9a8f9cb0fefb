// Reads consumers, authenticators and each route's policy; reports every problem with its key.
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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import javax.security.auth.x500.X500Principal;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.RSAKey;
import dev.sluice.config.ConfigReader;
import dev.sluice.config.SettingsParser;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Parses {@code consumer.*}, {@code auth.*} and {@code route.<name>.auth*} (each key documented in
 * {@code conf/sluice.properties}). Like the rest of the configuration, problems are collected in
 * the reader and reported together.
 */
public final class AuthSettingsParser
{
    private static final Logger LOG = LoggerFactory.getLogger(AuthSettingsParser.class);
    static final Set<JWSAlgorithm> RSA_ALGORITHMS = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512,
        JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512);
    static final Set<JWSAlgorithm> EC_ALGORITHMS = Set.of(JWSAlgorithm.ES256, JWSAlgorithm.ES384, JWSAlgorithm.ES512);
    static final Set<JWSAlgorithm> HMAC_ALGORITHMS = Set.of(JWSAlgorithm.HS256, JWSAlgorithm.HS384, JWSAlgorithm.HS512);
    private static final String METHODS_ALLOWED = "none, or a comma-separated list of api-key, jwt, jwt:<issuer>, introspection:<name>, mtls";
    /** Headers a claim may never be forwarded in: they carry identity, routing or framing. */
    private static final Set<String> RESERVED_HEADERS = Set.of("host", "authorization", "cookie", "content-length", "transfer-encoding",
        "connection", "te", "upgrade", "x-request-id", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-forwarded-port",
        "forwarded", "via", "x-real-ip");

    private AuthSettingsParser()
    {
    }

    public static AuthSettings parse(ConfigReader reader, Set<String> routeNames)
    {
        List<ApiKeys.Entry> keys = new ArrayList<>();
        List<MtlsIdentities.Mapping> certificates = new ArrayList<>();
        Map<String, Consumer> consumers = consumers(reader, keys, certificates);

        String apiKeyHeader = reader.string("auth.api-key.header", "apikey");
        if ("off".equals(apiKeyHeader))
        {
            apiKeyHeader = null;
        }
        else if (!SettingsParser.TOKEN.matcher(apiKeyHeader).matches())
        {
            reader.invalid("auth.api-key.header", apiKeyHeader, "a header name such as apikey or X-API-Key, or off");
        }
        String apiKeyQuery = reader.optional("auth.api-key.query").orElse(null);
        if (apiKeyQuery != null && !SettingsParser.TOKEN.matcher(apiKeyQuery).matches())
        {
            reader.invalid("auth.api-key.query", apiKeyQuery, "a query parameter name such as apikey");
        }
        String realm = reader.string("auth.realm", "sluice");
        if (!realm.matches("[\\x20-\\x7e&&[^\"\\\\]]{1,64}"))
        {
            reader.invalid("auth.realm", realm, "up to 64 visible ASCII characters without quotes or backslashes");
        }
        int cacheSize = reader.integer("auth.token-cache-size", 10_000, 100, 10_000_000);

        Map<String, JwtIssuer> issuers = issuers(reader);
        Map<String, IntrospectionEndpoint> introspection = introspection(reader);
        Map<String, RoutePolicy> policies = new TreeMap<>();
        for (String route : routeNames)
        {
            RoutePolicy policy = policy(reader, route, consumers, issuers, introspection);
            if (policy != null && !policy.isPublic())
            {
                policies.put(route, policy);
            }
        }

        List<String> stripped = new ArrayList<>(Identity.HEADERS);
        issuers.values().forEach(issuer -> stripped.addAll(issuer.forwardClaims().keySet()));
        return new AuthSettings(consumers, new ApiKeys(keys), new MtlsIdentities(certificates), apiKeyHeader, apiKeyQuery, realm,
            cacheSize, issuers, introspection, policies, stripped.stream().distinct().toList());
    }

    private static Map<String, Consumer> consumers(ConfigReader reader, List<ApiKeys.Entry> keys, List<MtlsIdentities.Mapping> certificates)
    {
        Map<String, Consumer> consumers = new TreeMap<>();
        Map<String, String> usernames = new LinkedHashMap<>();
        Map<String, String> hashes = new LinkedHashMap<>();
        for (String id : reader.names("consumer."))
        {
            String prefix = "consumer." + id + ".";
            if (!SettingsParser.NAME.matcher(id).matches())
            {
                reader.problem("Consumer id '" + id + "' is not allowed; allowed: letters, digits, '-' and '_', starting with a letter or digit.");
                continue;
            }
            String username = reader.string(prefix + "username", id);
            if (!username.matches("[\\x21-\\x7e]{1,128}"))
            {
                reader.invalid(prefix + "username", username, "1 to 128 visible ASCII characters without spaces");
            }
            else if (usernames.putIfAbsent(username, id) != null)
            {
                reader.invalid(prefix + "username", username, "a username no other consumer has (consumer '" + usernames.get(username) + "' has it)");
            }
            String customId = reader.optional(prefix + "custom-id").orElse(null);
            if (customId != null && !customId.matches("[\\x21-\\x7e]{1,128}"))
            {
                reader.invalid(prefix + "custom-id", customId, "1 to 128 visible ASCII characters without spaces");
                customId = null;
            }
            Set<String> groups = new LinkedHashSet<>();
            for (String group : reader.list(prefix + "groups"))
            {
                if (SettingsParser.NAME.matcher(group).matches())
                {
                    groups.add(group);
                }
                else
                {
                    reader.invalid(prefix + "groups", group, "group names made of letters, digits, '-' and '_'");
                }
            }
            Consumer consumer = new Consumer(id, username, customId, groups);
            consumers.put(id, consumer);

            for (String label : reader.keysUnder(prefix + "api-key."))
            {
                String key = prefix + "api-key." + label;
                String value = reader.optional(key).orElse("");
                if (!SettingsParser.NAME.matcher(label).matches())
                {
                    reader.problem("Key '" + key + "' does not name a valid credential; allowed: a label made of letters, digits, '-' and '_'.");
                    continue;
                }
                byte[] hash = ApiKeys.configuredHash(value);
                if (hash == null)
                {
                    reader.invalid(key, value, "sha256:<64 lowercase hex digits> (make one with: sluice generate-api-key " + id + " " + label
                        + "), or demo:<key> for a demonstration key");
                    continue;
                }
                if (value.startsWith(ApiKeys.DEMO_PREFIX))
                {
                    LOG.warn("Key '{}' holds a plain demonstration API key; store only sha256: hashes outside demonstrations", key);
                }
                String other = hashes.putIfAbsent(HexFormat.of().formatHex(hash), key);
                if (other != null)
                {
                    reader.problem("Keys '" + other + "' and '" + key + "' hold the same API key; allowed: a distinct key per credential.");
                    continue;
                }
                keys.add(new ApiKeys.Entry(consumer, label, hash));
            }
            mtls(reader, prefix, consumer, certificates);
        }
        return consumers;
    }

    private static void mtls(ConfigReader reader, String prefix, Consumer consumer, List<MtlsIdentities.Mapping> certificates)
    {
        for (String fingerprint : reader.list(prefix + "mtls.fingerprint"))
        {
            if (MtlsIdentities.normaliseFingerprint(fingerprint) == null)
            {
                reader.invalid(prefix + "mtls.fingerprint", fingerprint, "a SHA-256 fingerprint: 64 hex digits, colons allowed");
            }
            else
            {
                certificates.add(new MtlsIdentities.Mapping(consumer, MtlsIdentities.Kind.FINGERPRINT, fingerprint));
            }
        }
        reader.optional(prefix + "mtls.subject").ifPresent(subject ->
        {
            try
            {
                new X500Principal(subject);
                certificates.add(new MtlsIdentities.Mapping(consumer, MtlsIdentities.Kind.SUBJECT, subject));
            }
            catch (IllegalArgumentException x)
            {
                reader.invalid(prefix + "mtls.subject", subject, "a distinguished name such as CN=client,O=Example");
            }
        });
        for (String san : reader.list(prefix + "mtls.san"))
        {
            if (MtlsIdentities.validSan(san))
            {
                certificates.add(new MtlsIdentities.Mapping(consumer, MtlsIdentities.Kind.SAN, san));
            }
            else
            {
                reader.invalid(prefix + "mtls.san", san, "email:<address>, dns:<name> or uri:<uri>");
            }
        }
    }

    private static Map<String, JwtIssuer> issuers(ConfigReader reader)
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
            url = httpUrl(reader, prefix + "jwks-url", jwksUrl);
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

    private static String claimName(ConfigReader reader, String key)
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

    private static Map<String, IntrospectionEndpoint> introspection(ConfigReader reader)
    {
        Map<String, IntrospectionEndpoint> endpoints = new TreeMap<>();
        for (String name : reader.names("auth.introspection."))
        {
            String prefix = "auth.introspection." + name + ".";
            if (!SettingsParser.NAME.matcher(name).matches())
            {
                reader.problem("Introspection endpoint name '" + name + "' is not allowed; allowed: letters, digits, '-' and '_', starting with a letter or digit.");
                continue;
            }
            String urlText = reader.required(prefix + "url", "the endpoint's http:// or https:// URL");
            URI url = urlText == null ? null : httpUrl(reader, prefix + "url", urlText);
            String clientId = reader.required(prefix + "client-id", "the client id Sluice authenticates to the endpoint with");
            String secret = reader.required(prefix + "client-secret", "the client secret, e.g. ${INTROSPECTION_SECRET}");
            Duration timeout = reader.duration(prefix + "timeout", Duration.ofSeconds(2));
            if (timeout.isZero())
            {
                reader.invalid(prefix + "timeout", "0", "a positive duration such as 500ms or 2s");
            }
            Duration cacheTtl = reader.duration(prefix + "cache-ttl", Duration.ofSeconds(60));
            Duration negativeTtl = reader.duration(prefix + "negative-cache-ttl", Duration.ofSeconds(10));
            String consumerField = claimName(reader, prefix + "consumer-field");
            if (url != null && clientId != null && secret != null)
            {
                endpoints.put(name, new IntrospectionEndpoint(name, url, clientId, secret, timeout, cacheTtl, negativeTtl, consumerField));
            }
        }
        return endpoints;
    }

    private static RoutePolicy policy(ConfigReader reader, String route, Map<String, Consumer> consumers,
                                      Map<String, JwtIssuer> issuers, Map<String, IntrospectionEndpoint> introspection)
    {
        String prefix = "route." + route + ".auth";
        List<String> items = reader.list(prefix);
        String anonymousId = reader.optional(prefix + ".anonymous").orElse(null);
        List<String> scopes = reader.optional(prefix + ".scopes")
            .map(value -> Arrays.stream(value.split("[,\\s]+")).filter(s -> !s.isEmpty()).toList()).orElse(List.of());
        List<String> groups = reader.list(prefix + ".groups");
        String audience = reader.optional(prefix + ".audience").orElse(null);
        boolean hide = reader.bool(prefix + ".hide-credentials", false);
        String cookie = reader.optional(prefix + ".token-cookie").orElse(null);
        String query = reader.optional(prefix + ".token-query").orElse(null);

        if (items.isEmpty() || items.equals(List.of("none")))
        {
            boolean extras = anonymousId != null || !scopes.isEmpty() || !groups.isEmpty() || audience != null || cookie != null || query != null;
            if (extras)
            {
                reader.problem("Route '" + route + "' sets " + prefix + ".* but " + prefix + " names no authenticator; allowed: " + METHODS_ALLOWED + ".");
            }
            return RoutePolicy.PUBLIC;
        }

        boolean valid = true;
        List<RoutePolicy.Method> methods = new ArrayList<>();
        for (String item : items)
        {
            RoutePolicy.Method method = method(reader, prefix, item, issuers, introspection);
            if (method == null)
            {
                valid = false;
            }
            else if (!methods.contains(method))
            {
                methods.add(method);
            }
        }
        Consumer anonymous = null;
        if (anonymousId != null)
        {
            anonymous = consumers.get(anonymousId);
            if (anonymous == null)
            {
                reader.invalid(prefix + ".anonymous", anonymousId, consumers.isEmpty()
                    ? "the id of a consumer.<id> (none is declared)" : "one of the declared consumers " + String.join(", ", consumers.keySet()));
                valid = false;
            }
        }
        for (String scope : scopes)
        {
            if (!scope.matches("[\\x21\\x23-\\x5b\\x5d-\\x7e]+"))
            {
                reader.invalid(prefix + ".scopes", scope, "scope names of visible ASCII characters other than \" and \\");
                valid = false;
            }
        }
        for (String name : List.of(".token-cookie", ".token-query"))
        {
            String value = name.equals(".token-cookie") ? cookie : query;
            if (value != null && !SettingsParser.TOKEN.matcher(value).matches())
            {
                reader.invalid(prefix + name, value, name.equals(".token-cookie") ? "a cookie name" : "a query parameter name");
                valid = false;
            }
        }
        for (RoutePolicy.Method method : methods)
        {
            if (method.type() != RoutePolicy.Type.JWT || audience != null)
            {
                continue;
            }
            List<JwtIssuer> accepted = method.source() == null ? List.copyOf(issuers.values()) : List.of(issuers.get(method.source()));
            if (accepted.stream().anyMatch(issuer -> issuer.audience() == null))
            {
                // Without an audience, a token minted for any other API of the same issuer would pass.
                reader.problem("Route '" + route + "' accepts JWTs with no audience to check; allowed: set " + prefix
                    + ".audience, or auth.jwt.<name>.audience on every issuer it accepts.");
                valid = false;
            }
        }
        return valid ? new RoutePolicy(methods, anonymous, new LinkedHashSet<>(scopes), new LinkedHashSet<>(groups), audience, hide, cookie, query) : null;
    }

    private static RoutePolicy.Method method(ConfigReader reader, String key, String item, Map<String, JwtIssuer> issuers,
                                             Map<String, IntrospectionEndpoint> introspection)
    {
        int colon = item.indexOf(':');
        String type = colon < 0 ? item : item.substring(0, colon);
        String source = colon < 0 ? null : item.substring(colon + 1);
        switch (type)
        {
            case "api-key":
            case "mtls":
                if (source == null)
                {
                    return new RoutePolicy.Method(type.equals("mtls") ? RoutePolicy.Type.MTLS : RoutePolicy.Type.API_KEY, null);
                }
                break;
            case "jwt":
                if (issuers.isEmpty())
                {
                    reader.invalid(key, item, "jwt only once an issuer is configured under auth.jwt.<name>.*");
                    return null;
                }
                if (source == null || issuers.containsKey(source))
                {
                    return new RoutePolicy.Method(RoutePolicy.Type.JWT, source);
                }
                reader.invalid(key, item, "jwt, or jwt:<issuer> with one of the configured issuers " + String.join(", ", issuers.keySet()));
                return null;
            case "introspection":
                if (source != null && introspection.containsKey(source))
                {
                    return new RoutePolicy.Method(RoutePolicy.Type.INTROSPECTION, source);
                }
                reader.invalid(key, item, introspection.isEmpty()
                    ? "introspection:<name> once an endpoint is configured under auth.introspection.<name>.*"
                    : "introspection:<name> with one of the configured endpoints " + String.join(", ", introspection.keySet()));
                return null;
            default:
                break;
        }
        reader.invalid(key, item, METHODS_ALLOWED);
        return null;
    }

    private static URI httpUrl(ConfigReader reader, String key, String value)
    {
        try
        {
            URI uri = new URI(value);
            if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null && uri.getUserInfo() == null)
            {
                return uri;
            }
        }
        catch (java.net.URISyntaxException x)
        {
            // reported below
        }
        reader.invalid(key, value, "an http:// or https:// URL with a host and no user info");
        return null;
    }

    private static Set<JWSAlgorithm> union(Set<JWSAlgorithm> a, Set<JWSAlgorithm> b)
    {
        Set<JWSAlgorithm> union = new LinkedHashSet<>(a);
        union.addAll(b);
        return union;
    }
}
