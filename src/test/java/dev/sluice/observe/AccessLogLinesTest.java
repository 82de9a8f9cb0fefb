// The access log's batch form: several lines through one generator stay separate, complete JSON lines.
package dev.sluice.observe;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.config.ProxySettings;
import dev.sluice.config.Settings;
import dev.sluice.exchange.Exchange;
import dev.sluice.exchange.TrustedProxies;
import dev.sluice.route.PathPattern;
import dev.sluice.route.Route;
import dev.sluice.route.RouteMatch;
import dev.sluice.route.RouteTable;
import dev.sluice.route.Timeouts;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AccessLogLinesTest
{
    private static Exchange exchange(String id, Instant at)
    {
        Timeouts timeouts = new Timeouts(Duration.ofSeconds(5), Duration.ofSeconds(60), Duration.ZERO);
        Route route = new Route("orders", PathPattern.parse("/api"), List.of(), Set.of(), List.of(), "orders", null, false, timeouts,
            dev.sluice.upstream.RetryPolicy.DEFAULT);
        Settings settings = new Settings(Map.of(), new RouteTable(List.of(route)), TrustedProxies.NONE,
            new ProxySettings("sluice", 200, 256, timeouts, 65536, false, Duration.ofSeconds(2), 1024, Duration.ofSeconds(30), 1024, 65536, 100,
                Duration.ofSeconds(10), true), Duration.ZERO, true, dev.sluice.auth.AuthSettings.NONE,
            dev.sluice.ratelimit.RateLimitSettings.NONE, dev.sluice.tls.TransportSettings.NONE, dev.sluice.admin.AdminSettings.OFF,
            dev.sluice.cache.CacheSettings.NONE, "stdout", dev.sluice.observe.MetricsSettings.DEFAULT, dev.sluice.observe.TracingSettings.OFF, dev.sluice.observe.AccessLogRotation.DEFAULT);
        Exchange exchange = new Exchange(id, at, System.nanoTime(), settings, "203.0.113.7", false, "GET", "/api/\"quoted\"/ünï");
        exchange.routeMatch(new RouteMatch(route, "/api/x"));
        return exchange;
    }

    @Test
    void linesWrittenInARowAreOneCompleteJsonObjectPerLine() throws Exception
    {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        JsonGenerator json = dev.sluice.http.Json.FACTORY.createGenerator(out);
        json.setRootValueSeparator(null);
        TimeText time = new TimeText();
        Instant at = Instant.parse("2026-12-02T13:28:16.005123Z");
        for (int i = 0; i < 3; i++)
        {
            AccessLog.write(json, exchange("id-" + i, at.plusMillis(i * 1000L)), 200 + i, System.nanoTime(), time);
        }
        json.flush();
        String text = out.toString(StandardCharsets.UTF_8);
        assertTrue(text.endsWith("}\n"), text);
        String[] lines = text.split("\n");
        assertEquals(3, lines.length, text);
        ObjectMapper mapper = new ObjectMapper();
        for (int i = 0; i < 3; i++)
        {
            assertEquals("id-" + i, mapper.readTree(lines[i]).get("id").asText());
            assertEquals(200 + i, mapper.readTree(lines[i]).get("status").asInt());
            assertEquals("/api/\"quoted\"/ünï", mapper.readTree(lines[i]).get("path").asText());
            assertEquals("2026-12-02T13:28:1" + (6 + i) + ".005Z", mapper.readTree(lines[i]).get("time").asText());
        }
        // The one-line form says the same, without the newline.
        assertEquals(mapper.readTree(lines[0]).get("path"), mapper.readTree(AccessLog.line(exchange("id-0", at), 200, System.nanoTime())).get("path"));
    }

    @Test
    void timeTextIsUtcToTheMillisecondWithThreeDigits()
    {
        TimeText time = new TimeText();
        assertEquals("1970-01-01T00:00:00.000Z", time.format(Instant.EPOCH));
        assertEquals("2026-12-02T23:59:59.999Z", time.format(Instant.parse("2026-12-02T23:59:59.999999999Z")));
        assertEquals("2026-12-03T00:00:00.040Z", time.format(Instant.parse("2026-12-03T00:00:00.040Z")));
        // The same second again, from the cached prefix.
        assertEquals("2026-12-03T00:00:00.500Z", time.format(Instant.parse("2026-12-03T00:00:00.5Z")));
    }
}
