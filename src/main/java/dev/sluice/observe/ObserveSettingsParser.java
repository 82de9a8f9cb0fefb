// Reads the observability keys: metrics.*, observe.otlp.*, and the access log's rotation.
package dev.sluice.observe;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.List;

import dev.sluice.config.ConfigReader;

/** Each method reads its keys and reports bad values on the reader, naming key, value and what is allowed. */
public final class ObserveSettingsParser
{
    private ObserveSettingsParser()
    {
    }

    /** {@code exchange.access-log.max-size} and {@code exchange.access-log.max-files}. */
    public static AccessLogRotation accessLogRotation(ConfigReader reader)
    {
        return new AccessLogRotation(
            reader.size("exchange.access-log.max-size", AccessLogRotation.DEFAULT.maxBytes(), 1L << 40),
            reader.integer("exchange.access-log.max-files", AccessLogRotation.DEFAULT.maxFiles(), 1, 1000));
    }

    public static MetricsSettings metrics(ConfigReader reader)
    {
        boolean enabled = reader.bool("metrics.enabled", true);
        boolean perConsumer = reader.bool("metrics.per-consumer", false);
        return new MetricsSettings(enabled, perConsumer, reader.cidrs("metrics.allow", List.of()));
    }

    public static TracingSettings tracing(ConfigReader reader)
    {
        TracingSettings defaults = TracingSettings.OFF;
        URI endpoint = null;
        String text = reader.optional("observe.otlp.endpoint").orElse(null);
        if (text != null && !text.isBlank())
        {
            try
            {
                endpoint = new URI(text.trim());
                if (!("http".equals(endpoint.getScheme()) || "https".equals(endpoint.getScheme())) || endpoint.getHost() == null
                    || endpoint.getRawUserInfo() != null || !ConfigReader.portInRange(endpoint))
                {
                    throw new URISyntaxException(text, "not an http or https URL with a host");
                }
            }
            catch (URISyntaxException x)
            {
                reader.invalid("observe.otlp.endpoint", text, "the collector's OTLP/HTTP traces URL, such as http://collector:4318/v1/traces");
                endpoint = null;
            }
        }
        String ratioText = reader.string("observe.otlp.sample-ratio", "1");
        double ratio = 1;
        try
        {
            ratio = Double.parseDouble(ratioText);
        }
        catch (NumberFormatException x)
        {
            ratio = Double.NaN;
        }
        if (!(ratio >= 0 && ratio <= 1))
        {
            reader.invalid("observe.otlp.sample-ratio", ratioText, "a number from 0 (record no new trace) to 1 (record all)");
            ratio = 1;
        }
        int queue = reader.integer("observe.otlp.queue-size", defaults.queueSize(), 1, 1_000_000);
        Duration timeout = reader.positiveDuration("observe.otlp.timeout", defaults.timeout());
        String service = reader.string("observe.otlp.service-name", defaults.serviceName());
        return new TracingSettings(endpoint, ratio, queue, timeout, service);
    }
}
