// What a rate limit counts per: route.<name>.rate-limit.by.
package dev.sluice.ratelimit;

public enum KeyType
{
    /** The consumer (or token subject); the client address for anonymous callers. The default. */
    CONSUMER,
    /** The credential (API key label, token subject, certificate); the client address without one. */
    CREDENTIAL,
    /** The client address the exchange resolved: X-Forwarded-For counts only from trusted proxies. */
    IP,
    /** A request header's value ({@code header:<name>}); the client address when it is absent. */
    HEADER,
    /** One bucket shared by every caller of the route. */
    ROUTE,
    /** The request path. */
    PATH
}
