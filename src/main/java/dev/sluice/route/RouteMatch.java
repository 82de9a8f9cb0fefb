// The route that takes a request and the path it sends upstream.
package dev.sluice.route;

/**
 * @param upstreamPath the raw path appended to the upstream's base path; empty for the base alone
 */
public record RouteMatch(Route route, String upstreamPath)
{
}
