// Everything authentication needs, parsed and validated with the rest of the configuration.
package dev.sluice.auth;

import java.util.List;
import java.util.Map;

/**
 * @param apiKeyHeader the header API keys are read from, or null for none
 * @param apiKeyQuery the query parameter API keys are read from, or null for none
 * @param realm the realm named in {@code WWW-Authenticate}
 * @param tokenCacheSize how many verified tokens (and introspection results) are kept
 * @param policies each route's policy by route name; routes absent here are public
 * @param strippedHeaders every header removed from client requests because only Sluice sets it
 * @param maxFailures failed attempts (with a credential) per client address and window before 429; 0 = no limit
 * @param failureWindow the window those failures are counted in
 * @param passwords consumers' passwords for HTTP Basic
 * @param forwardAuth the authorization service each route asks first ({@code route.<name>.auth.forward}), by route name
 * @param hmac consumers' HMAC secrets and how signatures are checked
 */
public record AuthSettings(
    Map<String, Consumer> consumers,
    ApiKeys apiKeys,
    MtlsIdentities certificates,
    String apiKeyHeader,
    String apiKeyQuery,
    String realm,
    int tokenCacheSize,
    Map<String, JwtIssuer> issuers,
    Map<String, IntrospectionEndpoint> introspection,
    Map<String, RoutePolicy> policies,
    List<String> strippedHeaders,
    int maxFailures,
    java.time.Duration failureWindow,
    Passwords passwords,
    Map<String, ForwardAuth> forwardAuth,
    HmacSignatures hmac)
{
    public static final AuthSettings NONE = new AuthSettings(Map.of(), new ApiKeys(List.of()), new MtlsIdentities(List.of()),
        "apikey", null, "sluice", 10_000, Map.of(), Map.of(), Map.of(), Identity.HEADERS, 30,
        java.time.Duration.ofMinutes(1));

    /** Without passwords (benchmarks that build settings by hand). */
    public AuthSettings(Map<String, Consumer> consumers, ApiKeys apiKeys, MtlsIdentities certificates, String apiKeyHeader, String apiKeyQuery,
                        String realm, int tokenCacheSize, Map<String, JwtIssuer> issuers, Map<String, IntrospectionEndpoint> introspection,
                        Map<String, RoutePolicy> policies, List<String> strippedHeaders, int maxFailures, java.time.Duration failureWindow)
    {
        this(consumers, apiKeys, certificates, apiKeyHeader, apiKeyQuery, realm, tokenCacheSize, issuers, introspection, policies, strippedHeaders,
            maxFailures, failureWindow, new Passwords(List.of(), 100));
    }

    /** Without forward auth. */
    public AuthSettings(Map<String, Consumer> consumers, ApiKeys apiKeys, MtlsIdentities certificates, String apiKeyHeader, String apiKeyQuery,
                        String realm, int tokenCacheSize, Map<String, JwtIssuer> issuers, Map<String, IntrospectionEndpoint> introspection,
                        Map<String, RoutePolicy> policies, List<String> strippedHeaders, int maxFailures, java.time.Duration failureWindow,
                        Passwords passwords)
    {
        this(consumers, apiKeys, certificates, apiKeyHeader, apiKeyQuery, realm, tokenCacheSize, issuers, introspection, policies, strippedHeaders,
            maxFailures, failureWindow, passwords, Map.of(), HmacSignatures.NONE);
    }

    public AuthSettings
    {
        consumers = Map.copyOf(consumers);
        issuers = Map.copyOf(issuers);
        introspection = Map.copyOf(introspection);
        policies = Map.copyOf(policies);
        strippedHeaders = List.copyOf(strippedHeaders);
        forwardAuth = Map.copyOf(forwardAuth);
    }

    public RoutePolicy policy(String route)
    {
        return policies.getOrDefault(route, RoutePolicy.PUBLIC);
    }

    /** The authorization service this route asks first, or null. */
    public ForwardAuth forwardAuth(String route)
    {
        return forwardAuth.isEmpty() ? null : forwardAuth.get(route);
    }

    /**
     * Whether any route uses an authenticator of this type.
     */
    public boolean uses(RoutePolicy.Type type)
    {
        return policies.values().stream().flatMap(policy -> policy.methods().stream()).anyMatch(method -> method.type() == type);
    }
}
