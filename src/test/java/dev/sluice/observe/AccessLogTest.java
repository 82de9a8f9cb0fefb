// The access-log line: its fields, and that no credential ever reaches a log.
package dev.sluice.observe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.testing.LogCapture;
import dev.sluice.testing.RawHttp;
import dev.sluice.testing.Scratch;
import dev.sluice.testing.SluiceUnderTest;
import dev.sluice.testing.TestUpstream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AccessLogTest
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static TestUpstream upstream;
    private static SluiceUnderTest sluice;

    @BeforeAll
    static void start() throws Exception
    {
        upstream = TestUpstream.start();
        sluice = SluiceUnderTest.start("""
            upstream.app.url = %s
            route.app.path = /app
            route.app.upstream = app
            exchange.trusted-proxies = 127.0.0.0/8
            """.formatted(upstream.url()));
    }

    @AfterAll
    static void stop() throws Exception
    {
        sluice.close();
        upstream.close();
    }

    @Test
    void oneJsonLinePerExchangeWithTheAgreedFields() throws Exception
    {
        try (LogCapture logs = LogCapture.start())
        {
            RawHttp.Reply reply = RawHttp.send(sluice.port(),
                "POST /app/orders?page=2 HTTP/1.1",
                "Host: localhost",
                "X-Request-ID: log-fields",
                "X-Forwarded-For: 203.0.113.9",
                "Content-Length: 5",
                "Connection: close",
                "",
                "hello".substring(0, 5));
            assertEquals(200, reply.status());
            JsonNode line = JSON.readTree(logs.accessLine("log-fields"));
            assertEquals("log-fields", line.get("id").asText());
            assertEquals("203.0.113.9", line.get("client").asText(), "X-Forwarded-For counts from a trusted peer");
            assertEquals("POST", line.get("method").asText());
            assertEquals("/app/orders", line.get("path").asText());
            assertEquals("app", line.get("route").asText());
            assertEquals("app", line.get("upstream").asText());
            assertEquals(200, line.get("status").asInt());
            assertEquals(5, line.get("bytes_in").asInt());
            assertEquals("upstream ok".length(), line.get("bytes_out").asInt());
            assertTrue(line.get("duration_ms").asDouble() >= line.get("upstream_ms").asDouble());
            assertEquals("ok", line.get("outcome").asText());
            assertTrue(line.get("time").asText().endsWith("Z"));
        }
        upstream.take();
    }

    @Test
    void credentialsNeverReachAnyLogLine() throws Exception
    {
        try (LogCapture logs = LogCapture.start())
        {
            RawHttp.send(sluice.port(),
                "GET /app/secret?apikey=query-key-123&token=query-token-456 HTTP/1.1",
                "Host: localhost",
                "X-Request-ID: log-secrets",
                "Authorization: Bearer bearer-token-789",
                "Cookie: session=cookie-value-abc",
                "apikey: header-key-def",
                "Connection: close");
            RawHttp.send(sluice.port(),
                "GET /nowhere?apikey=query-key-123 HTTP/1.1",
                "Host: localhost",
                "X-Request-ID: log-secrets-404",
                "Authorization: Bearer bearer-token-789",
                "Connection: close");
            logs.accessLine("log-secrets");
            logs.accessLine("log-secrets-404");
            for (String secret : new String[]{"query-key-123", "query-token-456", "bearer-token-789", "cookie-value-abc", "header-key-def"})
            {
                assertFalse(logs.text().contains(secret), secret + " was logged:\n" + logs.text());
            }
        }
        upstream.take();
    }

    @Test
    void linesArePureJsonOnStandardOutputOrInAFile() throws Exception
    {
        try (LogCapture logs = LogCapture.start())
        {
            RawHttp.send(sluice.port(), "GET /app/pure HTTP/1.1", "Host: localhost", "X-Request-ID: log-pure", "Connection: close");
            String line = logs.accessLine("log-pure");
            assertTrue(line.startsWith("{") && line.endsWith("}"), line);
            assertEquals("log-pure", JSON.readTree(line).get("id").asText());
        }
        upstream.take();

        java.nio.file.Path file = Scratch.file("sluice-access", ".log");
        try (SluiceUnderTest toFile = SluiceUnderTest.start("""
            upstream.app.url = %s
            route.app.path = /app
            route.app.upstream = app
            exchange.access-log.output = %s
            """.formatted(upstream.url(), file)))
        {
            for (int i = 0; i < 3; i++)
            {
                RawHttp.send(toFile.port(), "GET /app/file HTTP/1.1", "Host: localhost", "X-Request-ID: log-file-" + i, "Connection: close");
                upstream.take();
            }
            long deadline = System.nanoTime() + 5_000_000_000L;
            java.util.List<String> lines = java.util.List.of();
            while (System.nanoTime() < deadline && lines.size() < 3)
            {
                Thread.sleep(20);
                lines = java.nio.file.Files.readAllLines(file);
            }
            assertEquals(3, lines.size(), String.join("\n", lines));
            // A line is written when its exchange ends, which can be just after its client has the
            // whole answer: one request's line may follow the next one's.
            java.util.Set<String> ids = new java.util.HashSet<>();
            for (String written : lines)
            {
                ids.add(JSON.readTree(written).get("id").asText());
            }
            assertEquals(java.util.Set.of("log-file-0", "log-file-1", "log-file-2"), ids);
        }
        finally
        {
            java.nio.file.Files.deleteIfExists(file);
        }
    }
}
