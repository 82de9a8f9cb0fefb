// Authentication configuration: what is accepted, and the exact message for each mistake.
package dev.sluice.auth;

import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.RSAKey;
import dev.sluice.config.ConfigException;
import dev.sluice.config.Settings;
import dev.sluice.config.SettingsParser;
import dev.sluice.testing.LogCapture;
import dev.sluice.testing.Tokens;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AuthSettingsParserTest
{
    private static final String BASE = """
        upstream.app.url = http://127.0.0.1:8081
        route.app.path = /app
        route.app.upstream = app
        """;
    private static final String HASH = "sha256:" + "ab".repeat(32);

    static Settings parse(String text, Map<String, String> variables) throws Exception
    {
        Properties properties = new Properties();
        properties.load(new StringReader(BASE + text));
        Map<String, String> map = new HashMap<>();
        properties.stringPropertyNames().forEach(name -> map.put(name, properties.getProperty(name)));
        return SettingsParser.parse("test", map, variables::get);
    }

    static List<String> problems(String text)
    {
        return assertThrows(ConfigException.class, () -> parse(text, Map.of())).problems();
    }

    @Test
    void routesArePublicUnlessTheyNameAnAuthenticator() throws Exception
    {
        AuthSettings auth = parse("", Map.of()).auth();
        assertTrue(auth.policy("app").isPublic());
        assertEquals("apikey", auth.apiKeyHeader());
        assertNull(auth.apiKeyQuery());
        assertEquals("sluice", auth.realm());
    }

    @Test
    void aConsumerWithAKeyAndARouteRequiringItAreParsed() throws Exception
    {
        AuthSettings auth = parse("""
            consumer.alice.username = alice@example.com
            consumer.alice.groups = gold, staff
            consumer.alice.custom-id = crm-42
            consumer.alice.api-key.laptop = %s
            consumer.guest.username = guest
            route.app.auth = api-key
            route.app.auth.anonymous = guest
            route.app.auth.groups = gold
            route.app.auth.hide-credentials = true
            """.formatted(HASH), Map.of()).auth();
        assertEquals(new Consumer("alice", "alice@example.com", "crm-42", Set.of("gold", "staff")), auth.consumers().get("alice"));
        RoutePolicy policy = auth.policy("app");
        assertEquals(List.of(new RoutePolicy.Method(RoutePolicy.Type.API_KEY, null)), policy.methods());
        assertEquals("guest", policy.anonymous().id());
        assertEquals(Set.of("gold"), policy.groups());
        assertTrue(policy.hideCredentials());
        assertFalse(auth.apiKeys().isEmpty());
    }

    @Test
    void aPlainKeyIsRefusedWithoutRepeatingIt()
    {
        assertEquals(List.of("Key 'consumer.alice.api-key.laptop' has value '(redacted)'; allowed: sha256:<64 lowercase hex digits> "
            + "(make one with: sluice generate-api-key alice laptop), or demo:<key> for a demonstration key."),
            problems("consumer.alice.api-key.laptop = hunter2-super-secret\n"));
    }

    @Test
    void aDemoKeyIsAcceptedWithAWarning() throws Exception
    {
        try (LogCapture log = LogCapture.start())
        {
            AuthSettings auth = parse("consumer.demo.api-key.main = demo:open-sesame\n", Map.of()).auth();
            assertNotNull(auth.apiKeys().find("open-sesame"));
            assertTrue(log.text().contains("Key 'consumer.demo.api-key.main' holds a plain demonstration API key"), log.text());
            assertFalse(log.text().contains("open-sesame"));
        }
    }

    @Test
    void theSameKeyTwiceIsRefused()
    {
        assertEquals(List.of("Keys 'consumer.a.api-key.k' and 'consumer.b.api-key.k' hold the same API key; allowed: a distinct key per credential."),
            problems("consumer.a.api-key.k = " + HASH + "\nconsumer.b.api-key.k = " + HASH + "\n"));
    }

    @Test
    void unknownAuthenticatorsAndSourcesAreNamed()
    {
        assertEquals(List.of(
            "Key 'route.app.auth' has value 'ldap'; allowed: none, or a comma-separated list of api-key, jwt, jwt:<issuer>, introspection:<name>, mtls, "
                + "basic, hmac.",
            "Key 'route.app.auth' has value 'jwt:google'; allowed: jwt only once an issuer is configured under auth.jwt.<name>.*.",
            "Key 'route.app.auth' has value 'introspection:idp'; allowed: introspection:<name> once an endpoint is configured under auth.introspection.<name>.*."),
            problems("route.app.auth = ldap, jwt:google, introspection:idp\n"));
    }

    @Test
    void anAnonymousConsumerMustBeDeclared()
    {
        assertEquals(List.of("Key 'route.app.auth.anonymous' has value 'guest'; allowed: the id of a consumer.<id> (none is declared)."),
            problems("route.app.auth = api-key\nroute.app.auth.anonymous = guest\n"));
    }

    @Test
    void policyKeysWithoutAnAuthenticatorAreRefused()
    {
        assertEquals(List.of("Route 'app' sets route.app.auth.* but route.app.auth names no authenticator; allowed: none, or a comma-separated list "
            + "of api-key, jwt, jwt:<issuer>, introspection:<name>, mtls, basic, hmac."), problems("route.app.auth.scopes = read\n"));
    }

    @Test
    void aJwtRouteWithoutAnyAudienceIsRefused()
    {
        assertEquals(List.of("Route 'app' accepts JWTs with no audience to check; allowed: set route.app.auth.audience, or auth.jwt.<name>.audience "
            + "on every issuer it accepts."), problems("""
            auth.jwt.idp.issuer = https://id.example.com/
            auth.jwt.idp.jwks-url = https://id.example.com/jwks
            route.app.auth = jwt
            """));
    }

    @Test
    void anIssuerNeedsExactlyOneKeySource()
    {
        assertEquals(List.of("Issuer 'idp' needs exactly one key source; allowed: one of auth.jwt.idp.jwks-url, auth.jwt.idp.public-key-file, "
            + "auth.jwt.idp.jwks-file, auth.jwt.idp.hmac-secret (2 are set)."), problems("""
            auth.jwt.idp.issuer = https://id.example.com/
            auth.jwt.idp.jwks-url = https://id.example.com/jwks
            auth.jwt.idp.hmac-secret = 0123456789abcdef0123456789abcdef
            """));
    }

    @Test
    void aLongButPatternedHmacSecretIsRefusedWithoutRepeatingIt()
    {
        assertEquals(List.of("Key 'auth.jwt.idp.hmac-secret' has value '(redacted)'; allowed: a random secret (it is one short sequence repeated), "
                + "e.g. from: openssl rand -base64 48."),
            problems("auth.jwt.idp.issuer = https://id.example.com/\nauth.jwt.idp.hmac-secret = 0123456789abcdef0123456789abcdef\n"));
    }

    @Test
    void aShortHmacSecretIsRefusedWithoutRepeatingIt()
    {
        assertEquals(List.of("Key 'auth.jwt.idp.hmac-secret' has value '(redacted)'; allowed: a secret of at least 32 bytes (256 bits), e.g. from ${JWT_SECRET}."),
            problems("auth.jwt.idp.issuer = https://id.example.com/\nauth.jwt.idp.hmac-secret = ${SECRET}\n".replace("${SECRET}", "too-short")));
    }

    @Test
    void algorithmsMustSuitTheKeys()
    {
        assertEquals(List.of("Key 'auth.jwt.idp.algorithms' has value 'HS256'; allowed: RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384 or ES512 (the issuer has public keys)."),
            problems("auth.jwt.idp.issuer = i\nauth.jwt.idp.jwks-url = https://id.example.com/jwks\nauth.jwt.idp.algorithms = RS256, HS256\n"));
        assertEquals(List.of("Key 'auth.jwt.idp.algorithms' has value 'none'; allowed: RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384 or ES512 (the issuer has public keys)."),
            problems("auth.jwt.idp.issuer = i\nauth.jwt.idp.jwks-url = https://id.example.com/jwks\nauth.jwt.idp.algorithms = none\n"));
    }

    @Test
    void aMissingPemFileIsNamed()
    {
        assertEquals(List.of("Key 'auth.jwt.idp.public-key-file' has value '/nonexistent/key.pem'; allowed: a readable PEM file holding an RSA or EC public key or certificate."),
            problems("auth.jwt.idp.issuer = i\nauth.jwt.idp.public-key-file = /nonexistent/key.pem\n"));
    }

    @Test
    void aPemPublicKeyGivesItsAlgorithmsByDefault(@TempDir Path directory) throws Exception
    {
        RSAKey key = Tokens.rsa("k");
        Path pem = directory.resolve("key.pem");
        Files.writeString(pem, "-----BEGIN PUBLIC KEY-----\n"
            + java.util.Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(key.toPublicKey().getEncoded()) + "\n-----END PUBLIC KEY-----\n");
        AuthSettings auth = parse("auth.jwt.idp.issuer = i\nauth.jwt.idp.audience = api\nauth.jwt.idp.public-key-file = " + pem + "\n", Map.of()).auth();
        JwtIssuer issuer = auth.issuers().get("idp");
        assertEquals(JwtIssuerParser.RSA_ALGORITHMS, issuer.algorithms());
        assertFalse(issuer.algorithms().contains(JWSAlgorithm.HS256));
        assertEquals(key.toPublicJWK().getModulus(), ((RSAKey)issuer.staticKeys().getKeys().get(0)).getModulus());
    }

    @Test
    void claimsCannotBeForwardedInReservedHeaders()
    {
        assertEquals(List.of("Key 'auth.jwt.idp.forward.X-Consumer-ID' names a header a claim cannot be sent in; allowed: a header name such as "
            + "X-User-Email that is not a Host, Authorization, Cookie, framing, forwarding or X-Consumer-* header."),
            problems("auth.jwt.idp.issuer = i\nauth.jwt.idp.jwks-url = https://id.example.com/jwks\nauth.jwt.idp.forward.X-Consumer-ID = sub\n"));
    }

    @Test
    void introspectionNeedsItsCredentials()
    {
        assertEquals(List.of(
            "Key 'auth.introspection.idp.client-id' is required; allowed: the client id Sluice authenticates to the endpoint with.",
            "Key 'auth.introspection.idp.client-secret' is required; allowed: the client secret, e.g. ${INTROSPECTION_SECRET}."),
            problems("auth.introspection.idp.url = https://id.example.com/introspect\n"));
    }

    @Test
    void forwardAuthServicesAndTheRoutesThatAskThem()
    {
        assertEquals(List.of(
            "Key 'auth.forward.sso.url' has value 'ftp://auth.internal/check'; allowed: an http:// or https:// URL with a host and no user info.",
            "Key 'auth.forward.sso.timeout' has value '0'; allowed: a positive duration such as 250ms, 5s or 2m.",
            "Key 'auth.forward.sso.upstream-headers' has value 'X User'; allowed: header names such as X-Auth-Request-User, comma-separated.",
            "Key 'auth.forward.sso.consumer-header' has value 'user:name'; allowed: a header name such as X-Auth-Request-User.",
            "Key 'route.app.auth.forward' has value 'sos'; allowed: the name of an authorization service declared with auth.forward.<name>.url (none is)."),
            problems("auth.forward.sso.url = ftp://auth.internal/check\nauth.forward.sso.timeout = 0\nauth.forward.sso.upstream-headers = X-Email, X User\n"
                + "auth.forward.sso.consumer-header = user:name\nroute.app.auth.forward = sos\n"));
        assertEquals(List.of("Key 'route.app.auth.forward' has value 'sos'; allowed: one of the declared authorization services: sso."),
            problems("auth.forward.sso.url = http://auth.internal/check\nroute.app.auth.forward = sos\n"));
        assertEquals(List.of("Key 'auth.forward.sso.url' is required; allowed: the authorization service's http:// or https:// URL."),
            problems("auth.forward.sso.timeout = 1s\n"));
        // A copied Content-Length made every allowed answer a dropped connection (found by a fuzz of the service's answers).
        String framing = "header names such as X-Auth-Request-User, comma-separated; not a connection or framing field "
            + "(Connection, Transfer-Encoding, Content-Length, Content-Encoding, Host and the like).";
        assertEquals(List.of("Key 'auth.forward.sso.upstream-headers' has value 'Transfer-Encoding'; allowed: " + framing,
                "Key 'auth.forward.sso.upstream-headers' has value 'host'; allowed: " + framing,
                "Key 'auth.forward.sso.response-headers' has value 'Content-Length'; allowed: " + framing,
                "Key 'auth.forward.sso.response-headers' has value 'Content-Encoding'; allowed: " + framing),
            problems("auth.forward.sso.url = http://auth.internal/check\nauth.forward.sso.upstream-headers = X-Email, Transfer-Encoding, host\n"
                + "auth.forward.sso.response-headers = Set-Cookie, Content-Length, Content-Encoding\n"));
    }

    @Test
    void certificateMappingsAreValidated()
    {
        assertEquals(List.of(
            "Key 'consumer.svc.mtls.fingerprint' has value 'abc'; allowed: a SHA-256 fingerprint: 64 hex digits, colons allowed.",
            "Key 'consumer.svc.mtls.san' has value 'ip:10.0.0.1'; allowed: email:<address>, dns:<name> or uri:<uri>."),
            problems("consumer.svc.mtls.fingerprint = abc\nconsumer.svc.mtls.san = ip:10.0.0.1\n"));
    }
}
