// Who a request was authenticated as, and the headers that tell the upstream.
package dev.sluice.auth;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The outcome of a successful authentication, kept on the exchange for later filters (rate
 * limits key on it) and turned into upstream headers by the proxy servlet.
 *
 * @param consumer the declared consumer, or null when a token authenticated someone who is not
 * declared (a JWT subject without {@code consumer-claim})
 * @param credential what authenticated: an API key's label, a token's subject, a certificate's
 * fingerprint; null for the anonymous consumer
 * @param groups the consumer's groups, or those the token carried
 * @param scopes the token's scopes; empty for API keys and certificates
 * @param claimHeaders headers configured to carry token claims upstream, already sanitised
 * @param namespace whose subjects {@code credential} is one of, when there is no consumer:
 * {@code jwt:<issuer>} or {@code introspection:<endpoint>}; {@link #CONSUMERS} otherwise
 */
public record Identity(
    Consumer consumer,
    String credential,
    Set<String> groups,
    Set<String> scopes,
    boolean anonymous,
    Map<String, String> claimHeaders,
    String namespace,
    Map<String, String> claims)
{
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

    public Identity
    {
        groups = Set.copyOf(groups);
        scopes = Set.copyOf(scopes);
        claimHeaders = Map.copyOf(claimHeaders);
        claims = Map.copyOf(claims);
    }

    public static Identity anonymous(Consumer consumer)
    {
        return new Identity(consumer, null, consumer.groups(), Set.of(), true, Map.of(), CONSUMERS);
    }

    /**
     * The headers the upstream receives, in a stable order.
     */
    public Map<String, String> headers()
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
            headers.put(CONSUMER_GROUPS, String.join(", ", groups.stream().sorted().toList()));
        }
        if (credential != null)
        {
            headers.put(CREDENTIAL_IDENTIFIER, credential);
        }
        if (!scopes.isEmpty())
        {
            headers.put(AUTHENTICATED_SCOPE, String.join(" ", scopes.stream().sorted().toList()));
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
        if (consumer != null)
        {
            return CONSUMERS + "/" + consumer.id();
        }
        return credential == null || credential.isEmpty() ? null : namespace + "/" + credential;
    }
}
