// Rate limits kept in a Redis reached over TLS (rediss://) whose certificate a private CA signed, trusted through ratelimit.redis.ca-file.
package dev.sluice.ratelimit;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import dev.sluice.testing.RedisServer;
import dev.sluice.testing.Scratch;
import dev.sluice.testing.SluiceUnderTest;
import dev.sluice.testing.TestCertificates;
import dev.sluice.testing.TestUpstream;
import io.github.bucket4j.BucketConfiguration;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Managed Redis services with TLS and a CA of their own (Google's Memorystore gives a server CA
 * to download; self-hosted set-ups make one): before {@code ratelimit.redis.ca-file}, the only way
 * to trust it was the whole JVM's trust store.
 */
class RedisTlsTest
{
    @Test
    void limitsAreKeptInRedisOverTlsTrustingTheConfiguredCaAndNotOtherwise() throws Exception
    {
        TestCertificates certificates = TestCertificates.create(Scratch.directory("redis-tls-pki"));
        Path store = certificates.signedServer("redis", "dns:localhost,ip:127.0.0.1", "-1d", 3);
        Path[] pem = certificates.exportPem(store, "redis", "redis");
        Path ca = certificates.path("ca.pem");
        BucketConfiguration twoAMinute = BucketConfiguration.builder().addLimit(Limit.parse("2/m").bandwidth()).build();
        try (RedisServer redis = RedisServer.startTls(pem[0], pem[1], ca);
             TestUpstream upstream = TestUpstream.start())
        {
            // Without the CA, the server's certificate is not trusted: unavailable at once, never a hang.
            RedisBucketStore untrusting = new RedisBucketStore(URI.create(redis.tlsUri()), Duration.ofMillis(500), "untrusted:");
            long started = System.nanoTime();
            assertThrows(BucketStore.Unavailable.class, () -> untrusting.take("k", twoAMinute));
            assertTrue(System.nanoTime() - started < 5_000_000_000L, "refused within seconds");
            untrusting.close();

            try (SluiceUnderTest sluice = SluiceUnderTest.start("""
                upstream.app.url = %s
                ratelimit.store = redis
                ratelimit.redis.uri = %s
                ratelimit.redis.ca-file = %s
                route.app.path = /app
                route.app.upstream = app
                route.app.rate-limit = 2/m
                route.app.rate-limit.by = route
                route.app.rate-limit.on-store-failure = deny
                """.formatted(upstream.url(), redis.tlsUri(), ca)))
            {
                HttpClient http = HttpClient.newHttpClient();
                List<Integer> statuses = new java.util.ArrayList<>();
                for (int i = 0; i < 3; i++)
                {
                    statuses.add(http.send(HttpRequest.newBuilder(sluice.uri("/app")).build(), HttpResponse.BodyHandlers.discarding()).statusCode());
                }
                // 503 would be the store failing (on-store-failure = deny); 429 is Redis's count.
                assertEquals(List.of(200, 200, 429), statuses);
            }
        }
    }

    @Test
    void aCaFileIsRefusedWithoutRedissAndWhenItHoldsNoCertificate() throws Exception
    {
        Path empty = Scratch.directory("redis-ca").resolve("empty.pem");
        java.nio.file.Files.writeString(empty, "not a certificate\n");
        String base = "ratelimit.store = redis\nroute.r.path = /r\nroute.r.upstream = u\nupstream.u.url = http://127.0.0.1:9\n";
        assertEquals(List.of("Key 'ratelimit.redis.ca-file' is set but 'ratelimit.redis.uri' is not rediss://; allowed: a CA file only with rediss:// "
            + "(Redis over TLS)."), problems(base + "ratelimit.redis.uri = redis://127.0.0.1:6379\nratelimit.redis.ca-file = " + empty + "\n"));
        assertEquals(List.of("Key 'ratelimit.redis.ca-file' has value '" + empty + "'; allowed: a readable PEM file with the CA certificates to trust "
            + "for Redis over TLS."), problems(base + "ratelimit.redis.uri = rediss://127.0.0.1:6380\nratelimit.redis.ca-file = " + empty + "\n"));
    }

    private static List<String> problems(String properties) throws Exception
    {
        return RateLimitSettingsParserTest.problems(properties);
    }
}
