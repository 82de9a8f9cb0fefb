// route.<name>.redirect and route.<name>.respond: a route Sluice answers itself, with no upstream.
package dev.sluice.route;

/**
 * What nginx's {@code return}, Envoy's {@code redirect} and {@code direct_response} and Kong's
 * request-termination do: a moved API sends clients on, a retired one answers 410, a stub answers
 * a fixed body. The route's auth, limits, guards and CORS apply first, as to any route.
 *
 * @param status the status sent: 301, 302, 303, 307 or 308 for a redirect; 200 to 599 otherwise
 * @param origin for a redirect to another site, its {@code scheme://authority}; null for a path on this one
 * @param redirect whether this is a redirect; its path is the route's rewrite ({@link RouteMatch#upstreamPath()})
 * @param body the fixed body, or null: then a 4xx or 5xx is a problem document and other statuses are empty
 * @param contentType the body's type (with {@code body} only)
 */
public record RouteAnswer(int status, String origin, boolean redirect, byte[] body, String contentType)
{
    public static final int DEFAULT_REDIRECT_STATUS = 301;
    public static final String DEFAULT_CONTENT_TYPE = "text/plain;charset=utf-8";
}
