// One server of an upstream pool: its address, weight and zone.
package dev.sluice.upstream;

/**
 * A target as configured. Its runtime state (health, in-flight count, latency) lives in
 * {@link TargetState}, which survives configuration reloads that keep the target.
 *
 * @param weight relative share of requests; 0 drains the target (no new requests)
 * @param zone the zone label, or null when the target has none
 */
public record Target(String host, int port, int weight, String zone)
{
    /** {@code host:port}, with brackets around an IPv6 literal: how the target is named in logs and state. */
    public String authority()
    {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
