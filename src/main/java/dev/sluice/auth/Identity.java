// Who a request was authenticated as, and the headers that tell the upstream.
package dev.sluice.auth;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The outcome of a successful authentication, kept on the exchange for later filters (rate
 * limits key on it) and turned into upstream headers by the proxy servlet.
 */
public final class Identity
{
    private final Consumer consumer;
    private final String credential;
    private final Set<String> groups;
    private final Set<String> scopes;
    private final boolean anonymous;
    private final Map<String, String> claimHeaders;
    private final String namespace;
    private final Map<String, String> claims;
    /**
     * Derived once here rather than per request: an API key's identity lives as long as its
     * configuration and a token's as long as its cache entry, while the proxy reads the headers
     * and the rate limit, the cache and the access log read the key on every request.
     */
    private final Map<String, String> headers;
    private final String key;

    /**
     * @param consumer the declared consumer, or null when a token authenticated someone who is not
     * declared (a JWT subject without {@code consumer-claim})
     * @param credential what authenticated: an API key's label, a token's subject, a certificate's
     * fingerprint; null for the anonymous consumer
     * @param groups the consumer's groups, or those the token carried
     * @param scopes the token's scopes; empty for API keys and certificates
     * @param claimHeaders headers configured to carry token claims upstream, already sanitised
     * @param namespace whose subjects {@code credential} is one of, when there is no consumer:
     * {@code jwt:<issuer>} or {@code introspection:<endpoint>}; {@link #CONSUMERS} otherwise
     * @param claims token claims transform templates may read
     */
    public Identity(Consumer consumer, String credential, Set<String> groups, Set<String> scopes, boolean anonymous, Map<String, String> claimHeaders,
                    String namespace, Map<String, String> claims)
    {
        this.consumer = consumer;
        this.credential = credential;
        this.groups = Set.copyOf(groups);
        this.scopes = Set.copyOf(scopes);
        this.anonymous = anonymous;
        this.claimHeaders = Map.copyOf(claimHeaders);
        this.namespace = namespace;
        this.claims = Map.copyOf(claims);
        this.headers = java.util.Collections.unmodifiableMap(headersOf(consumer, credential, this.groups, this.scopes, anonymous, this.claimHeaders));
        this.key = consumer != null ? CONSUMERS + "/" + consumer.id() : credential == null || credential.isEmpty() ? null : namespace + "/" + credential;
    }

    /** Without token claims (API keys, certificates, introspection). */
    public Identity(Consumer consumer, String credential, Set<String> groups, Set<String> scopes, boolean anonymous, Map<String, String> claimHeaders,
                    String namespace)
    {
        this(consumer, credential, groups, scopes, anonymous, claimHeaders, namespace, Map.of());
    }

    /** The namespace of declared consumers; token subjects never share it. */
    public static final String CONSUMERS = "consumer";

    public static final String CONSUMER_ID = "X-Consumer-ID";
    public static final String CONSUMER_USERNAME = "X-Consumer-Username";
    public static final String CONSUMER_CUSTOM_ID = "X-Consumer-Custom-ID";
    public static final String CONSUMER_GROUPS = "X-Consumer-Groups";
    public static final String CREDENTIAL_IDENTIFIER = "X-Credential-Identifier";
    public static final String AUTHENTICATED_SCOPE = "X-Authenticated-Scope";
    public static final String ANONYMOUS_CONSUMER = "X-Anonymous-Consumer";

    /** Removed from every request a client sends, on every route: only Sluice may set them. */
    public static final List<String> HEADERS = List.of(
        CONSUMER_ID, CONSUMER_USERNAME, CONSUMER_CUSTOM_ID, CONSUMER_GROUPS, CREDENTIAL_IDENTIFIER, AUTHENTICATED_SCOPE,
        ANONYMOUS_CONSUMER);

    public static Identity anonymous(Consumer consumer)
    {
        return new Identity(consumer, null, consumer.groups(), Set.of(), true, Map.of(), CONSUMERS);
    }

    /**
     * The headers the upstream receives, in a stable order (groups and scopes sorted).
     */
    public Map<String, String> headers()
    {
        return headers;
    }

    private static Map<String, String> headersOf(Consumer consumer, String credential, Set<String> groups, Set<String> scopes, boolean anonymous,
                                                 Map<String, String> claimHeaders)
    {
        Map<String, String> headers = new LinkedHashMap<>();
        if (consumer != null)
        {
            headers.put(CONSUMER_ID, consumer.id());
            headers.put(CONSUMER_USERNAME, consumer.username());
            if (consumer.customId() != null)
            {
                headers.put(CONSUMER_CUSTOM_ID, consumer.customId());
            }
        }
        if (!groups.isEmpty())
        {
            headers.put(CONSUMER_GROUPS, String.join(", ", new java.util.TreeSet<>(groups)));
        }
        if (credential != null)
        {
            headers.put(CREDENTIAL_IDENTIFIER, credential);
        }
        if (!scopes.isEmpty())
        {
            headers.put(AUTHENTICATED_SCOPE, String.join(" ", new java.util.TreeSet<>(scopes)));
        }
        if (anonymous)
        {
            headers.put(ANONYMOUS_CONSUMER, "true");
        }
        headers.putAll(claimHeaders);
        return headers;
    }

    /**
     * The key rate limits, the cache and logs use for this caller: {@code consumer/<id>} for a
     * declared consumer, else {@code <namespace>/<subject>} ({@code jwt:corp/alice}), so a token
     * whose subject equals a consumer's id, or two issuers' equal subjects, never share a
     * bucket or a cached response. Null when there is nobody to name (no consumer, no subject).
     * Namespaces never contain {@code /}, so the first one ends the namespace.
     */
    public String key()
    {
        return key;
    }

    public Consumer consumer()
    {
        return consumer;
    }

    public String credential()
    {
        return credential;
    }

    public Set<String> groups()
    {
        return groups;
    }

    public Set<String> scopes()
    {
        return scopes;
    }

    public boolean anonymous()
    {
        return anonymous;
    }

    public Map<String, String> claimHeaders()
    {
        return claimHeaders;
    }

    public String namespace()
    {
        return namespace;
    }

    public Map<String, String> claims()
    {
        return claims;
    }

    @Override
    public boolean equals(Object other)
    {
        return other instanceof Identity that && anonymous == that.anonymous && java.util.Objects.equals(consumer, that.consumer)
            && java.util.Objects.equals(credential, that.credential) && groups.equals(that.groups) && scopes.equals(that.scopes)
            && claimHeaders.equals(that.claimHeaders) && java.util.Objects.equals(namespace, that.namespace) && claims.equals(that.claims);
    }

    @Override
    public int hashCode()
    {
        return java.util.Objects.hash(consumer, credential, groups, scopes, anonymous, claimHeaders, namespace, claims);
    }

    @Override
    public String toString()
    {
        // No claims: they may carry personal data, and an identity can end up in a log line.
        return "Identity[" + (key != null ? key : namespace) + (anonymous ? ", anonymous" : "") + ", groups=" + groups + ", scopes=" + scopes + "]";
    }
}
