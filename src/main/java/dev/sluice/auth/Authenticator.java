// Decides who a request is and whether the route lets it through; no servlet types.
package dev.sluice.auth;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Tries a route's authenticators in the order the route lists them; the first that accepts the
 * credential it finds wins. A route without any credential presented falls back to its anonymous
 * consumer, if it has one. Authorisation follows: every required scope, and one of the allowed
 * groups. When nothing accepted, the first rejection explains why, so a client with a bad token
 * hears about its token and not about a missing API key.
 */
public final class Authenticator
{
    /**
     * Exactly one of identity and rejection is set.
     *
     * @param method the kind of credential that decided ({@code api-key}, {@code jwt},
     * {@code introspection}, {@code mtls}, {@code basic}, {@code hmac}), {@code anonymous}, or {@code none} when nothing was presented
     */
    public record Outcome(Identity identity, Rejection rejection, String method)
    {
    }

    private final AuthSettings settings;
    private final JwtVerifier jwt;
    private final Map<String, Introspector> introspectors;

    public Authenticator(AuthSettings settings, JwtVerifier jwt, Map<String, Introspector> introspectors)
    {
        this.settings = settings;
        this.jwt = jwt;
        this.introspectors = Map.copyOf(introspectors);
    }

    public AuthSettings settings()
    {
        return settings;
    }

    public Outcome authenticate(RoutePolicy policy, Credentials credentials)
    {
        Rejection first = null;
        String firstMethod = "none";
        boolean presented = false;
        for (RoutePolicy.Method method : policy.methods())
        {
            Rejection rejection;
            Identity identity = null;
            switch (method.type())
            {
                case API_KEY ->
                {
                    if (credentials.apiKey() == null)
                    {
                        continue;
                    }
                    ApiKeys.Entry entry = settings.apiKeys().find(credentials.apiKey());
                    if (entry != null)
                    {
                        identity = entry.identity();
                    }
                    rejection = entry == null ? Rejection.invalidKey() : null;
                }
                case JWT ->
                {
                    if (credentials.token() == null)
                    {
                        continue;
                    }
                    JwtVerifier.Result result = jwt.verify(credentials.token(), method.source() == null ? null : Set.of(method.source()), policy.audience());
                    identity = result.verified() == null ? null : result.verified().identity();
                    rejection = result.rejection();
                }
                case INTROSPECTION ->
                {
                    if (credentials.token() == null)
                    {
                        continue;
                    }
                    JwtVerifier.Result result = introspectors.get(method.source()).check(credentials.token(), policy.audience());
                    identity = result.verified() == null ? null : result.verified().identity();
                    rejection = result.rejection();
                }
                case BASIC ->
                {
                    if (credentials.basic() == null)
                    {
                        continue;
                    }
                    Passwords.Result result = settings.passwords().check(credentials.basic().username(), credentials.basic().password());
                    if (result instanceof Passwords.Accepted accepted)
                    {
                        identity = accepted.entry().identity();
                        rejection = null;
                    }
                    else
                    {
                        rejection = result instanceof Passwords.Busy
                            ? Rejection.unavailable("Too many passwords are being checked at once; try again shortly.")
                            : Rejection.invalidPassword();
                    }
                }
                case HMAC ->
                {
                    if (credentials.hmac() == null)
                    {
                        continue;
                    }
                    Object result = settings.hmac().check(credentials.hmac(), java.time.Instant.now());
                    identity = result instanceof Identity found ? found : null;
                    rejection = result instanceof Rejection refused ? refused : null;
                }
                default ->
                {
                    if (credentials.certificate() == null)
                    {
                        continue;
                    }
                    Consumer consumer = settings.certificates().find(credentials.certificate());
                    if (consumer != null)
                    {
                        identity = new Identity(consumer, MtlsIdentities.fingerprint(credentials.certificate()), consumer.groups(), Set.of(), false, Map.of(), Identity.CONSUMERS);
                    }
                    rejection = consumer == null ? Rejection.invalidCertificate("The client certificate does not belong to a known consumer.") : null;
                }
            }
            presented = true;
            if (identity != null)
            {
                return authorize(policy, identity, method.type().label);
            }
            if (first == null)
            {
                first = rejection;
                firstMethod = method.type().label;
            }
        }
        if (!presented)
        {
            return policy.anonymous() != null
                ? authorize(policy, Identity.anonymous(policy.anonymous()), "anonymous")
                : new Outcome(null, Rejection.missing(wanted(policy)), "none");
        }
        return new Outcome(null, first, firstMethod);
    }

    private static Outcome authorize(RoutePolicy policy, Identity identity, String method)
    {
        if (!identity.scopes().containsAll(policy.scopes()))
        {
            return new Outcome(null, Rejection.insufficientScope(String.join(" ", policy.scopes().stream().sorted().toList())), method);
        }
        if (!policy.groups().isEmpty() && Collections.disjoint(policy.groups(), identity.groups()))
        {
            return new Outcome(null, Rejection.notInGroup(), method);
        }
        return new Outcome(identity, null, method);
    }

    private static String wanted(RoutePolicy policy)
    {
        Set<String> kinds = new LinkedHashSet<>();
        for (RoutePolicy.Method method : policy.methods())
        {
            kinds.add(switch (method.type())
            {
                case API_KEY -> "an API key";
                case JWT, INTROSPECTION -> "a bearer token";
                case MTLS -> "a client certificate";
                case BASIC -> "a user name and password";
                case HMAC -> "an HMAC signature";
            });
        }
        return String.join(" or ", kinds);
    }
}
