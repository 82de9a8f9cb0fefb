// Whether a request body matches the digest its HMAC signature covers: Kong's validate_request_body.
package dev.sluice.auth;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * {@code auth.hmac.validate-body = true}: a signed request's body must match its
 * {@code Digest} field (RFC 3230, {@code SHA-256=<base64>}, as Kong's hmac-auth reads it) or
 * {@code Content-Digest} field (RFC 9530, {@code sha-256=:<base64>:}), and the signature must
 * cover that field, else a captured request could be sent again with another body and a digest
 * made for it (a digest has no key). SHA-256 and SHA-512 are understood; every value in a
 * known algorithm must match and at least one must be there. A request without a body needs
 * neither field; one that has a field has it checked all the same.
 */
final class BodyDigests
{
    private BodyDigests()
    {
    }

    /**
     * Why {@code body} does not pass, or null when it does.
     *
     * @param digest the request's {@code Digest} field, or null
     * @param contentDigest its {@code Content-Digest} field, or null
     * @param signed the fields the signature covers, lower case
     */
    static String mismatch(String digest, String contentDigest, List<String> signed, byte[] body)
    {
        if (digest == null && contentDigest == null)
        {
            return body.length == 0 ? null
                : "A signed request with a body must carry a Digest (SHA-256=<base64>) or Content-Digest field, covered by the signature.";
        }
        if (digest != null)
        {
            String problem = signed.contains("digest") ? check(digest, false, body) : "The signature must cover the Digest field.";
            if (problem != null)
            {
                return problem;
            }
        }
        if (contentDigest != null)
        {
            return signed.contains("content-digest") ? check(contentDigest, true, body) : "The signature must cover the Content-Digest field.";
        }
        return null;
    }

    private static String check(String field, boolean structured, byte[] body)
    {
        String name = structured ? "Content-Digest" : "Digest";
        int known = 0;
        for (String member : field.split(","))
        {
            int equals = member.indexOf('=');
            if (equals <= 0)
            {
                return "The " + name + " field is not well formed.";
            }
            String algorithm = member.substring(0, equals).strip().toLowerCase(Locale.ROOT);
            String value = member.substring(equals + 1).strip();
            String jca = switch (algorithm)
            {
                case "sha-256" -> "SHA-256";
                case "sha-512" -> "SHA-512";
                default -> null;
            };
            if (jca == null)
            {
                continue;
            }
            if (structured)
            {
                // A structured-field byte sequence: the base64 between colons.
                if (value.length() < 2 || value.charAt(0) != ':' || value.charAt(value.length() - 1) != ':')
                {
                    return "The Content-Digest field is not well formed.";
                }
                value = value.substring(1, value.length() - 1);
            }
            byte[] claimed;
            try
            {
                claimed = Base64.getDecoder().decode(value);
            }
            catch (IllegalArgumentException x)
            {
                return "The " + name + " field is not well formed.";
            }
            if (!MessageDigest.isEqual(claimed, hash(jca, body)))
            {
                return "The request body does not match its " + name + " field.";
            }
            known++;
        }
        return known > 0 ? null : "The " + name + " field names no algorithm accepted here; allowed: SHA-256, SHA-512.";
    }

    private static byte[] hash(String algorithm, byte[] body)
    {
        try
        {
            return MessageDigest.getInstance(algorithm).digest(body);
        }
        catch (NoSuchAlgorithmException x)
        {
            throw new IllegalStateException(algorithm + " is missing from this JVM", x);
        }
    }
}
