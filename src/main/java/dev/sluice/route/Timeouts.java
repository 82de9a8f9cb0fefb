// Upstream timeouts of a route.
package dev.sluice.route;

import java.time.Duration;

/**
 * @param connect how long to wait for the upstream's TCP (and TLS) connection
 * @param idle how long the upstream exchange may go without a byte in either direction
 * @param total the whole exchange including the body; {@link Duration#ZERO} means no limit, so
 * long downloads and streams are not cut
 */
public record Timeouts(Duration connect, Duration idle, Duration total)
{
}
