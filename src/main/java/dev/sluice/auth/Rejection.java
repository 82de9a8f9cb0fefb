// Why a request was not authenticated or not authorised; built only by the factories here.
package dev.sluice.auth;

/**
 * A refusal, in terms the filter turns into a response: the status class, the RFC 6750 error code
 * for the {@code Bearer} challenge, and a description that names the class of problem (expired,
 * wrong audience, bad signature) without ever repeating the credential. The factories keep the
 * wording in one place so tests can assert it exactly.
 *
 * @param error the RFC 6750 {@code error} value, or null when no credential was presented
 * @param scope the scopes a 403 {@code insufficient_scope} asks for, or null
 */
public record Rejection(Kind kind, String error, String description, String scope)
{
    public enum Kind
    {
        /** 401: no credential, or one that is not valid. */
        UNAUTHENTICATED,
        /** 403: authenticated, but not allowed on this route. */
        FORBIDDEN,
        /** 503: a service needed to judge the credential is down. */
        UNAVAILABLE
    }

    public static Rejection missing(String what)
    {
        return new Rejection(Kind.UNAUTHENTICATED, null, "This route requires " + what + ".", null);
    }

    public static Rejection invalidToken(String description)
    {
        return new Rejection(Kind.UNAUTHENTICATED, "invalid_token", description, null);
    }

    public static Rejection invalidKey()
    {
        return new Rejection(Kind.UNAUTHENTICATED, "invalid_key", "The API key is not valid.", null);
    }

    public static Rejection invalidPassword()
    {
        return new Rejection(Kind.UNAUTHENTICATED, "invalid_password", "The user name or password is not valid.", null);
    }

    public static Rejection invalidSignature(String description)
    {
        return new Rejection(Kind.UNAUTHENTICATED, "invalid_signature", description, null);
    }

    public static Rejection invalidCertificate(String description)
    {
        return new Rejection(Kind.UNAUTHENTICATED, "invalid_certificate", description, null);
    }

    public static Rejection insufficientScope(String required)
    {
        return new Rejection(Kind.FORBIDDEN, "insufficient_scope", "The token lacks a scope this route requires.", required);
    }

    public static Rejection notInGroup()
    {
        return new Rejection(Kind.FORBIDDEN, null, "The consumer is not in a group this route allows.", null);
    }

    public static Rejection unavailable(String description)
    {
        return new Rejection(Kind.UNAVAILABLE, null, description, null);
    }

    public boolean forbidden()
    {
        return kind == Kind.FORBIDDEN;
    }
}
