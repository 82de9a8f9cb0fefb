// Whether and where Sluice exports its spans (OTLP over HTTP), and how much of the traffic.
package dev.sluice.observe;

import java.net.URI;
import java.time.Duration;

/**
 * {@code observe.otlp.endpoint} (an OTLP/HTTP traces URL such as
 * {@code http://collector:4318/v1/traces}; unset: no export, the default),
 * {@code observe.otlp.sample-ratio} (0 to 1, default 1: the share of new traces recorded; a
 * trusted proxy's sampled flag decides for the traces it sends), {@code observe.otlp.queue-size}
 * (default 2048 spans; when full, new spans are dropped and counted), {@code observe.otlp.timeout}
 * (default 5s per export) and {@code observe.otlp.service-name} (default {@code sluice}).
 */
public record TracingSettings(URI endpoint, double sampleRatio, int queueSize, Duration timeout, String serviceName)
{
    public static final TracingSettings OFF = new TracingSettings(null, 1.0, 2048, Duration.ofSeconds(5), "sluice");

    public boolean enabled()
    {
        return endpoint != null;
    }
}
