// What one route requires of its callers: route.<name>.auth and route.<name>.auth.*.
package dev.sluice.auth;

import java.util.List;
import java.util.Set;

/**
 * @param methods the authenticators accepted, in the order they are tried; any one may succeed.
 * Empty means the route is public
 * @param anonymous the consumer a request proceeds as when it presents no credential, or null to refuse it
 * @param scopes every one of these must be in the token's scopes
 * @param groups the consumer must be in one of these, when not empty
 * @param audience the {@code aud} value tokens must carry, or null for each issuer's own
 * @param hideCredentials whether the key or token is removed from what goes upstream
 * @param tokenCookie a cookie that may carry the bearer token, or null
 * @param tokenQuery a query parameter that may carry the bearer token, or null
 */
public record RoutePolicy(
    List<Method> methods,
    Consumer anonymous,
    Set<String> scopes,
    Set<String> groups,
    String audience,
    boolean hideCredentials,
    String tokenCookie,
    String tokenQuery)
{
    public static final RoutePolicy PUBLIC = new RoutePolicy(List.of(), null, Set.of(), Set.of(), null, false, null, null);

    public RoutePolicy
    {
        methods = List.copyOf(methods);
        scopes = Set.copyOf(scopes);
        groups = Set.copyOf(groups);
    }

    public boolean isPublic()
    {
        return methods.isEmpty();
    }

    /** Whether one of the route's methods is of this type (a loop, not a stream: it runs per request). */
    public boolean accepts(Type type)
    {
        for (Method method : methods)
        {
            if (method.type() == type)
            {
                return true;
            }
        }
        return false;
    }

    /** Whether the route takes bearer tokens: JWT or introspection. */
    public boolean acceptsTokens()
    {
        return accepts(Type.JWT) || accepts(Type.INTROSPECTION);
    }

    /**
     * One accepted authenticator.
     *
     * @param source the issuer or introspection endpoint name; null for "any issuer" and for
     * methods that need none
     */
    public record Method(Type type, String source)
    {
        @Override
        public String toString()
        {
            return source == null ? type.label : type.label + ":" + source;
        }
    }

    public enum Type
    {
        API_KEY("api-key"),
        JWT("jwt"),
        INTROSPECTION("introspection"),
        MTLS("mtls"),
        BASIC("basic"),
        HMAC("hmac");

        final String label;

        Type(String label)
        {
            this.label = label;
        }
    }
}
