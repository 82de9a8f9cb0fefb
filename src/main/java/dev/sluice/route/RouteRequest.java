// What routing needs to know about a request, without servlet types.
package dev.sluice.route;

import java.util.function.Function;

/**
 * @param host the request's host name, lower case, without port
 * @param method the request method, as sent
 * @param path the normalised request path
 * @param headers looks up one header value by name (case-insensitive), null when absent
 */
public record RouteRequest(String host, String method, RequestPath path, Function<String, String> headers)
{
}
