// What a request presented, taken out of HTTP by the filter so the checks need no servlet types.
package dev.sluice.auth;

import java.security.cert.X509Certificate;

/**
 * @param apiKey the API key from the configured header, else the query parameter; null when absent
 * @param token the bearer token from {@code Authorization}, else the route's cookie, else its query
 * parameter; null when absent
 * @param certificate the client's verified leaf certificate, or null
 * @param basic the user name and password of an {@code Authorization: Basic} header, or null
 * @param hmac an {@code Authorization: hmac} signature and what it covers, or null
 */
public record Credentials(String apiKey, String token, X509Certificate certificate, Basic basic, HmacSignatures.Presented hmac)
{
    /** A Basic credential as sent; one that could not be read has an empty user name. */
    public record Basic(String username, String password)
    {
    }

    public Credentials(String apiKey, String token, X509Certificate certificate)
    {
        this(apiKey, token, certificate, null, null);
    }

    public Credentials(String apiKey, String token, X509Certificate certificate, Basic basic)
    {
        this(apiKey, token, certificate, basic, null);
    }

    /** Whether anything was presented at all: only then can a refusal be a wrong guess. */
    public boolean presented()
    {
        return apiKey != null || token != null || certificate != null || basic != null || hmac != null;
    }
}
