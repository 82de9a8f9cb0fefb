// Whether Sluice records metrics, with which labels, and who may scrape them without the admin token.
package dev.sluice.observe;

import java.util.List;

import dev.sluice.exchange.Cidr;

/**
 * {@code metrics.enabled} (default true), {@code metrics.per-consumer} (default false: no
 * consumer label) and {@code metrics.allow} (default none). {@code GET /-/metrics} answers a
 * peer inside {@code metrics.allow} without a token, or a caller with the admin token from
 * {@code admin.allow}; anyone else gets 403 or 401, and with neither configured it is 404.
 */
public record MetricsSettings(boolean enabled, boolean perConsumer, List<Cidr> allow)
{
    public static final MetricsSettings DEFAULT = new MetricsSettings(true, false, List.of());

    public MetricsSettings
    {
        allow = List.copyOf(allow);
    }

    public boolean allows(byte[] peerAddress)
    {
        for (Cidr block : allow)
        {
            if (block.contains(peerAddress))
            {
                return true;
            }
        }
        return false;
    }
}
