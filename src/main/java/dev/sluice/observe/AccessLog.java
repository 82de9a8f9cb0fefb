// Writes one JSON line per exchange when it completes, through the SLF4J logger "sluice.access".
package dev.sluice.observe;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.format.DateTimeFormatter;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.sluice.exchange.Exchange;
import dev.sluice.route.RouteMatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The access log line, built only from the {@link Exchange}: time, id, client, method, path
 * (without the query string, which may carry credentials), route, upstream, status, bytes in
 * and out, total and upstream latency, and the outcome. No header value is ever logged, so
 * {@code Authorization}, cookies and API keys cannot appear.
 */
public final class AccessLog
{
    /** The logger name; route it to its own file in your logging configuration. */
    public static final String LOGGER_NAME = "sluice.access";
    private static final Logger LOG = LoggerFactory.getLogger(LOGGER_NAME);
    private static final JsonFactory JSON = new JsonFactory();

    private AccessLog()
    {
    }

    public static void write(Exchange exchange, int status, long nowNanos)
    {
        if (!exchange.settings().accessLog() || !LOG.isInfoEnabled())
        {
            return;
        }
        LOG.info(line(exchange, status, nowNanos));
    }

    /**
     * The JSON line for an exchange that ended with {@code status} at {@code nowNanos}.
     */
    public static String line(Exchange exchange, int status, long nowNanos)
    {
        StringWriter out = new StringWriter(256);
        try (JsonGenerator json = JSON.createGenerator(out))
        {
            json.writeStartObject();
            json.writeStringField("time", DateTimeFormatter.ISO_INSTANT.format(exchange.startedAt()));
            json.writeStringField("id", exchange.id());
            json.writeStringField("client", exchange.clientAddress());
            json.writeStringField("method", exchange.method());
            json.writeStringField("path", exchange.path());
            RouteMatch match = exchange.routeMatch();
            if (match != null)
            {
                json.writeStringField("route", match.route().name());
                json.writeStringField("upstream", match.route().upstream());
            }
            else
            {
                json.writeNullField("route");
                json.writeNullField("upstream");
            }
            json.writeNumberField("status", status);
            json.writeNumberField("bytes_in", exchange.bytesIn());
            json.writeNumberField("bytes_out", exchange.bytesOut());
            json.writeNumberField("duration_ms", millis(nowNanos - exchange.startNanos()));
            long upstreamNanos = exchange.upstreamNanos();
            if (upstreamNanos >= 0)
            {
                json.writeNumberField("upstream_ms", millis(upstreamNanos));
            }
            else
            {
                json.writeNullField("upstream_ms");
            }
            json.writeStringField("outcome", exchange.outcome().label());
            json.writeEndObject();
        }
        catch (IOException x)
        {
            throw new UncheckedIOException(x);
        }
        return out.toString();
    }

    private static double millis(long nanos)
    {
        return Math.round(nanos / 1_000.0) / 1_000.0;
    }
}
