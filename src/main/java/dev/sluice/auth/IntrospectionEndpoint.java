// One OAuth 2.0 token introspection endpoint (RFC 7662), as configured under auth.introspection.<name>.*.
package dev.sluice.auth;

import java.net.URI;
import java.time.Duration;

/**
 * @param clientSecret sent with {@link #clientId} as HTTP Basic credentials; never logged
 * @param cacheTtl the longest an active result is reused (it is never reused past the token's {@code exp})
 * @param negativeTtl how long an inactive result is reused
 * @param consumerField the response member naming a declared consumer (by id or username), or null
 */
public record IntrospectionEndpoint(
    String name,
    URI url,
    String clientId,
    String clientSecret,
    Duration timeout,
    Duration cacheTtl,
    Duration negativeTtl,
    String consumerField)
{
    @Override
    public String toString()
    {
        return "IntrospectionEndpoint[" + name + " " + url + "]";
    }
}
