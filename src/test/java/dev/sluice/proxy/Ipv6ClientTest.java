// A client over IPv6: its address as upstreams, logs and limits expect it (::1, not Jetty's [0:0:0:0:0:0:0:1]).
package dev.sluice.proxy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.launcher.SluiceServer;
import dev.sluice.testing.LogCapture;
import dev.sluice.testing.SluiceUnderTest;
import dev.sluice.testing.TestUpstream;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Jetty reports an IPv6 peer bracketed and uncompressed; passed on as it was, upstreams got
 * {@code X-Forwarded-For: [0:0:0:0:0:0:0:1]}, which address parsers refuse, and the access log
 * and limits keyed the same client differently from nginx's {@code $remote_addr}.
 */
class Ipv6ClientTest
{
    @TempDir
    Path directory;

    @Test
    void theClientAddressIsWrittenInItsShortFormEverywhere() throws Exception
    {
        try (TestUpstream upstream = TestUpstream.start())
        {
            Path config = directory.resolve("sluice.properties");
            Files.writeString(config, """
                upstream.app.url = %s
                route.app.path = /app
                route.app.upstream = app
                route.app.guard.allow = ::1
                """.formatted(upstream.url()));
            try (SluiceServer server = SluiceServer.start(SluiceUnderTest.WEBAPP, config, "::1", 0, Duration.ofSeconds(5));
                 LogCapture logs = LogCapture.start())
            {
                HttpClient client = new HttpClient();
                client.start();
                try
                {
                    assertEquals("http://[::1]:" + server.port() + "/", server.uri().toString());
                    ContentResponse response = client.newRequest(server.uri().resolve("/app/x")).headers(headers -> headers.put("X-Request-ID", "v6-1"))
                        .timeout(10, TimeUnit.SECONDS).send();
                    assertEquals(200, response.getStatus(), response.getContentAsString());
                    TestUpstream.Received received = upstream.take();
                    assertEquals("::1", received.headers().get("X-Forwarded-For"));
                    assertEquals("::1", received.headers().get("X-Real-IP"));
                    assertEquals("for=\"[::1]\";host=\"[::1]:" + server.port() + "\";proto=http", received.headers().get("Forwarded"));
                    assertEquals("::1", new ObjectMapper().readTree(logs.accessLine("v6-1")).get("client").asText());
                }
                finally
                {
                    client.stop();
                }
            }
        }
    }
}
