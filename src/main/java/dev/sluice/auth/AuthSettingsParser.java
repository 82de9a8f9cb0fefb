// Reads consumers, authenticators and each route's policy; reports every problem with its key.
package dev.sluice.auth;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import javax.security.auth.x500.X500Principal;

import dev.sluice.config.ConfigReader;
import dev.sluice.config.SettingsParser;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Parses {@code consumer.*}, {@code auth.*} (issuers through {@link JwtIssuerParser}) and
 * {@code route.<name>.auth*}, each key documented in {@code conf/sluice.properties}. Like the rest
 * of the configuration, problems are collected in the reader and reported together.
 */
public final class AuthSettingsParser
{
    private static final Logger LOG = LoggerFactory.getLogger(AuthSettingsParser.class);
    private static final String METHODS_ALLOWED = "none, or a comma-separated list of api-key, jwt, jwt:<issuer>, introspection:<name>, mtls, basic, hmac";

    private AuthSettingsParser()
    {
    }

    public static AuthSettings parse(ConfigReader reader, Set<String> routeNames)
    {
        List<ApiKeys.Entry> keys = new ArrayList<>();
        List<MtlsIdentities.Mapping> certificates = new ArrayList<>();
        List<Passwords.Entry> passwords = new ArrayList<>();
        Map<String, Consumer> consumers = consumers(reader, keys, certificates, passwords);

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
        int maxFailures = reader.integer("auth.max-failures", 30, 0, 1_000_000);
        java.time.Duration failureWindow = reader.positiveDuration("auth.failure-window", java.time.Duration.ofMinutes(1));

        Map<String, JwtIssuer> issuers = JwtIssuerParser.issuers(reader);
        Map<String, IntrospectionEndpoint> introspection = introspection(reader);
        Map<String, ForwardAuth> forwardServices = ForwardAuth.parse(reader);
        Map<String, RoutePolicy> policies = new TreeMap<>();
        Map<String, ForwardAuth> forwardAuth = new TreeMap<>();
        for (String route : routeNames)
        {
            RoutePolicy policy = policy(reader, route, consumers, issuers, introspection);
            if (policy != null && !policy.isPublic())
            {
                policies.put(route, policy);
            }
            String forward = reader.optional("route." + route + ".auth.forward").orElse(null);
            if (forward != null && forwardServices.containsKey(forward))
            {
                forwardAuth.put(route, forwardServices.get(forward));
            }
            else if (forward != null)
            {
                reader.invalid("route." + route + ".auth.forward", forward, forwardServices.isEmpty()
                    ? "the name of an authorization service declared with auth.forward.<name>.url (none is)"
                    : "one of the declared authorization services: " + String.join(", ", forwardServices.keySet()));
            }
        }

        List<String> stripped = new ArrayList<>(Identity.HEADERS);
        issuers.values().forEach(issuer -> stripped.addAll(issuer.forwardClaims().keySet()));
        return new AuthSettings(consumers, new ApiKeys(keys), new MtlsIdentities(certificates), apiKeyHeader, apiKeyQuery, realm,
            cacheSize, issuers, introspection, policies, stripped.stream().distinct().toList(), maxFailures, failureWindow,
            new Passwords(passwords, cacheSize), forwardAuth, HmacSignatures.parse(reader, consumers));
    }

    private static Map<String, Consumer> consumers(ConfigReader reader, List<ApiKeys.Entry> keys, List<MtlsIdentities.Mapping> certificates,
                                                   List<Passwords.Entry> passwords)
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
            passwords(reader, prefix, consumer, passwords);
        }
        return consumers;
    }

    /** {@code consumer.<id>.password.<label>}: bcrypt hashes of the passwords that open the consumer's username with HTTP Basic. */
    private static void passwords(ConfigReader reader, String prefix, Consumer consumer, List<Passwords.Entry> passwords)
    {
        for (String label : reader.keysUnder(prefix + "password."))
        {
            String key = prefix + "password." + label;
            String value = reader.optional(key).orElse("");
            if (!SettingsParser.NAME.matcher(label).matches())
            {
                reader.problem("Key '" + key + "' does not name a valid credential; allowed: a label made of letters, digits, '-' and '_'.");
                continue;
            }
            if (consumer.username().indexOf(':') >= 0)
            {
                reader.invalid(prefix + "username", consumer.username(), "a username without ':' for a consumer with a password (HTTP Basic "
                    + "separates the user name from the password with the first ':')");
                continue;
            }
            if (!Passwords.valid(value))
            {
                // Never echo what may be a plain password back into a log.
                reader.problem("Key '" + key + "' does not hold a usable password hash; allowed: a bcrypt hash ($2a$, $2b$ or $2y$, cost "
                    + Passwords.MIN_COST + " to " + Passwords.MAX_COST + ", as htpasswd -B writes it; make one with: sluice generate-password "
                    + consumer.id() + " " + label + "), or demo:<password> of at most " + Passwords.MAX_PASSWORD_BYTES + " bytes for a demonstration.");
                continue;
            }
            byte[] demo = null;
            String bcrypt = value;
            if (value.startsWith(Passwords.DEMO_PREFIX))
            {
                LOG.warn("Key '{}' holds a plain demonstration password; store only bcrypt hashes outside demonstrations", key);
                demo = ApiKeys.sha256(value.substring(Passwords.DEMO_PREFIX.length()));
                bcrypt = null;
            }
            passwords.add(new Passwords.Entry(consumer, label, bcrypt, demo));
        }
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
            String consumerField = JwtIssuerParser.claimName(reader, prefix + "consumer-field");
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
            case "basic":
            case "hmac":
                if (source == null)
                {
                    return new RoutePolicy.Method(switch (type)
                    {
                        case "mtls" -> RoutePolicy.Type.MTLS;
                        case "basic" -> RoutePolicy.Type.BASIC;
                        case "hmac" -> RoutePolicy.Type.HMAC;
                        default -> RoutePolicy.Type.API_KEY;
                    }, null);
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

    static URI httpUrl(ConfigReader reader, String key, String value)
    {
        try
        {
            URI uri = new URI(value);
            if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null && uri.getUserInfo() == null
                && ConfigReader.portInRange(uri))
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
}
