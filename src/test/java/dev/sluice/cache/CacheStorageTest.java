// The cache across restarts, per consumer, through the admin purge, with streams, and refusing bad settings.
package dev.sluice.cache;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.config.ConfigException;
import dev.sluice.config.SettingsParser;
import dev.sluice.testing.Origin;
import dev.sluice.testing.Origin.Answer;
import dev.sluice.testing.Scratch;
import dev.sluice.testing.SluiceUnderTest;
import dev.sluice.testing.TestUpstream;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.InputStreamResponseListener;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CacheStorageTest
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static HttpClient client;

    @BeforeAll
    static void startClient() throws Exception
    {
        client = new HttpClient();
        client.start();
    }

    @AfterAll
    static void stopClient() throws Exception
    {
        client.stop();
    }

    private static ContentResponse get(SluiceUnderTest sluice, String path, String... headers) throws Exception
    {
        // One Host whatever port Sluice listens on, so a restarted Sluice computes the same keys.
        return client.newRequest(sluice.uri(path)).timeout(10, TimeUnit.SECONDS).headers(fields ->
        {
            fields.put("Host", "cache.test");
            for (int i = 0; i + 1 < headers.length; i += 2)
            {
                fields.add(headers[i], headers[i + 1]);
            }
        }).send();
    }

    @Test
    void aPersistentDiskTierKeepsResponsesAcrossARestart() throws Exception
    {
        Path disk = Scratch.directory("sluice-cache");
        try (Origin origin = new Origin())
        {
            origin.script("/d/kept", Answer.of(200, "kept across restarts", "Cache-Control", "max-age=600"));
            String config = """
                upstream.o.url = %s
                route.d.path = /d
                route.d.upstream = o
                route.d.cache = on
                cache.heap.entries = 10
                cache.offheap.size = 8MB
                cache.disk.directory = %s
                cache.disk.size = 16MB
                cache.disk.persistent = true
                """.formatted(origin.url(), disk);
            try (SluiceUnderTest first = SluiceUnderTest.start(config))
            {
                assertEquals("MISS", get(first, "/d/kept").getHeaders().get("X-Cache-Status"));
                assertEquals("HIT", get(first, "/d/kept").getHeaders().get("X-Cache-Status"));
            }
            try (SluiceUnderTest second = SluiceUnderTest.start(config))
            {
                ContentResponse again = get(second, "/d/kept");
                assertEquals("HIT", again.getHeaders().get("X-Cache-Status"));
                assertEquals("kept across restarts", again.getContentAsString());
            }
            assertEquals(1, origin.count("/d/kept"));
        }
    }

    @Test
    void aHeapTierSizedInMegabytesStoresAndServes() throws Exception
    {
        try (Origin origin = new Origin();
             SluiceUnderTest sluice = SluiceUnderTest.start("""
                 upstream.o.url = %s
                 route.h.path = /h
                 route.h.upstream = o
                 route.h.cache = on
                 cache.heap.size = 4MB
                 """.formatted(origin.url())))
        {
            origin.script("/h/x", Answer.of(200, "sized", "Cache-Control", "max-age=600"));
            assertEquals("MISS", get(sluice, "/h/x").getHeaders().get("X-Cache-Status"));
            ContentResponse hit = get(sluice, "/h/x");
            assertEquals("HIT", hit.getHeaders().get("X-Cache-Status"));
            assertEquals("sized", hit.getContentAsString());
        }
    }

    @Test
    void anAuthenticatedRouteKeysByConsumerAndTheAdminEndpointPurges() throws Exception
    {
        try (Origin origin = new Origin();
             SluiceUnderTest sluice = SluiceUnderTest.start("""
                 admin.token = demo:purge-token-1
                 upstream.o.url = %s
                 consumer.alice.api-key.k = demo:alice-key-0123456789
                 consumer.bob.api-key.k = demo:bob-key-0123456789ab
                 route.me.path = /me
                 route.me.upstream = o
                 route.me.auth = api-key
                 route.me.cache = on
                 route.pub.path = /pub
                 route.pub.upstream = o
                 route.pub.cache = on
                 """.formatted(origin.url())))
        {
            origin.script("/me/profile", request -> Answer.of(200, "profile of " + request.getHeaders().get("X-Consumer-ID"),
                "Cache-Control", "public, max-age=600"));
            assertEquals("profile of alice", get(sluice, "/me/profile", "apikey", "alice-key-0123456789").getContentAsString());
            assertEquals("profile of bob", get(sluice, "/me/profile", "apikey", "bob-key-0123456789ab").getContentAsString());
            ContentResponse alice = get(sluice, "/me/profile", "apikey", "alice-key-0123456789");
            assertEquals("profile of alice", alice.getContentAsString());
            assertEquals("HIT", alice.getHeaders().get("X-Cache-Status"));
            assertEquals(401, get(sluice, "/me/profile").getStatus(), "a hit never skips authentication");
            assertEquals(2, origin.count("/me/profile"));

            origin.script("/pub/a", Answer.of(200, "a", "Cache-Control", "max-age=600"));
            origin.script("/pub/b/1", Answer.of(200, "b1", "Cache-Control", "max-age=600"));
            origin.script("/pub/b/2", Answer.of(200, "b2", "Cache-Control", "max-age=600"));
            for (String path : List.of("/pub/a", "/pub/b/1", "/pub/b/2"))
            {
                get(sluice, path);
            }
            assertEquals(401, client.newRequest(sluice.uri("/-/admin/cache?url=/pub/a")).method("DELETE").send().getStatus());
            ContentResponse one = client.newRequest(sluice.uri("/-/admin/cache?url=/pub/a")).method("DELETE")
                .headers(h -> h.put("Authorization", "Bearer purge-token-1")).send();
            assertEquals(200, one.getStatus());
            assertEquals(1, JSON.readTree(one.getContent()).get("purged").asInt());
            assertEquals("MISS", get(sluice, "/pub/a").getHeaders().get("X-Cache-Status"));
            assertEquals("HIT", get(sluice, "/pub/b/1").getHeaders().get("X-Cache-Status"));
            ContentResponse prefix = client.newRequest(sluice.uri("/-/admin/cache?prefix=/pub/b/")).method("DELETE")
                .headers(h -> h.put("Authorization", "Bearer purge-token-1")).send();
            assertEquals(2, JSON.readTree(prefix.getContent()).get("purged").asInt());
            assertEquals("MISS", get(sluice, "/pub/b/2").getHeaders().get("X-Cache-Status"));
            ContentResponse all = client.newRequest(sluice.uri("/-/admin/cache?all=true")).method("DELETE")
                .headers(h -> h.put("Authorization", "Bearer purge-token-1")).send();
            assertTrue(JSON.readTree(all.getContent()).get("purged").asInt() >= 4);
            assertEquals("MISS", get(sluice, "/me/profile", "apikey", "alice-key-0123456789").getHeaders().get("X-Cache-Status"));
            ContentResponse bad = client.newRequest(sluice.uri("/-/admin/cache?url=/a&prefix=/b")).method("DELETE")
                .headers(h -> h.put("Authorization", "Bearer purge-token-1")).send();
            assertEquals(400, bad.getStatus());
            assertEquals("application/problem+json", bad.getMediaType());
            // A line break in the parameter does not start a second log line.
            try (dev.sluice.testing.LogCapture logs = dev.sluice.testing.LogCapture.start())
            {
                ContentResponse forged = client.newRequest(sluice.uri("/-/admin/cache?url=/x%0d%0a2026-01-01%20INFO%20forged")).method("DELETE")
                    .headers(h -> h.put("Authorization", "Bearer purge-token-1")).send();
                assertEquals(200, forged.getStatus());
                assertTrue(logs.text().contains("Admin purge (url /x??2026-01-01 INFO forged) removed 0 cached responses"), logs.text());
            }
        }
    }

    @Test
    void streamsAreNeverDelayedAndUnknownLengthBodiesAreCapturedUpToTheMaximum() throws Exception
    {
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicInteger hits = new java.util.concurrent.atomic.AtomicInteger();
        try (TestUpstream upstream = TestUpstream.start(new Handler.Abstract()
             {
                 @Override
                 public boolean handle(Request request, Response response, Callback callback) throws Exception
                 {
                     hits.incrementAndGet();
                     response.getHeaders().put("Cache-Control", "max-age=600");
                     String path = request.getHttpURI().getPath();
                     if (path.endsWith("/events"))
                     {
                         response.getHeaders().put("Content-Type", "text/event-stream");
                         Content.Sink.write(response, false, "data: first\n\n", Callback.NOOP);
                         release.await(10, TimeUnit.SECONDS);
                         Content.Sink.write(response, true, "data: last\n\n", callback);
                         return true;
                     }
                     // No Content-Length: chunked, in pieces.
                     int size = path.endsWith("/small") ? 100 : 5000;
                     for (int i = 0; i < size / 100 - 1; i++)
                     {
                         Content.Sink.write(response, false, "x".repeat(100), Callback.NOOP);
                     }
                     Content.Sink.write(response, true, "x".repeat(100), callback);
                     return true;
                 }
             });
             SluiceUnderTest sluice = SluiceUnderTest.start("""
                 upstream.o.url = %s
                 route.c.path = /c
                 route.c.upstream = o
                 route.c.cache = on
                 route.c.cache.max-object-size = 1KB
                 """.formatted(upstream.url())))
        {
            InputStreamResponseListener listener = new InputStreamResponseListener();
            client.newRequest(sluice.uri("/c/events")).send(listener);
            org.eclipse.jetty.client.Response response = listener.get(5, TimeUnit.SECONDS);
            assertEquals(200, response.getStatus());
            byte[] first = new byte["data: first\n\n".length()];
            int read = 0;
            java.io.InputStream in = listener.getInputStream();
            while (read < first.length)
            {
                read += in.read(first, read, first.length - read);
            }
            assertEquals("data: first\n\n", new String(first), "the first event arrives while the upstream holds the rest");
            release.countDown();
            in.readAllBytes();

            assertEquals(5000, get(sluice, "/c/big").getContent().length);
            assertEquals(5000, get(sluice, "/c/big").getContent().length);
            assertEquals(100, get(sluice, "/c/small").getContent().length);
            ContentResponse small = get(sluice, "/c/small");
            assertEquals("HIT", small.getHeaders().get("X-Cache-Status"), "a chunked body under the maximum is stored");
            assertEquals(100, small.getContent().length);
            // events (1), big twice (not stored), small once.
            assertEquals(4, hits.get());
        }
    }

    @Test
    void anUnreachableUpstreamGetsTheStaleCopyAndMustRevalidateGetsTheError() throws Exception
    {
        Origin origin = new Origin();
        try (SluiceUnderTest sluice = SluiceUnderTest.start("""
                 upstream.o.url = %s
                 upstream.o.outlier.consecutive-failures = 1
                 upstream.o.outlier.max-ejection-percent = 100
                 route.c.path = /c
                 route.c.upstream = o
                 route.c.cache = on
                 """.formatted(origin.url())))
        {
            origin.script("/c/kept", Answer.of(200, "kept", "Cache-Control", "max-age=1"));
            origin.script("/c/strict", Answer.of(200, "strict", "Cache-Control", "max-age=1, must-revalidate"));
            get(sluice, "/c/kept");
            get(sluice, "/c/strict");
            origin.close();
            Thread.sleep(1100);
            // Connection refused: the stored copy stands in, within stale-if-unreachable (1h).
            ContentResponse refused = get(sluice, "/c/kept");
            assertEquals(200, refused.getStatus());
            assertEquals("kept", refused.getContentAsString());
            assertEquals("STALE", refused.getHeaders().get("X-Cache-Status"));
            // The only target is now ejected: no target at all, same answer.
            ContentResponse ejected = get(sluice, "/c/kept");
            assertEquals("STALE", ejected.getHeaders().get("X-Cache-Status"));
            // must-revalidate forbids it: the client gets the error.
            assertEquals(503, get(sluice, "/c/strict").getStatus());
        }
    }

    @Test
    void badCacheSettingsAreRefusedWithTheKeyAndWhatIsAllowed()
    {
        String base = "upstream.o.url = http://127.0.0.1:1\nroute.c.path = /c\nroute.c.upstream = o\n";
        assertEquals(List.of("Key 'route.c.cache' has value 'yes'; allowed: off, on (HTTP caching rules) or force (a fixed ttl whatever the upstream says)."),
            problems(base + "route.c.cache = yes\n"));
        assertEquals(List.of("Key 'route.c.cache.ttl' has value '0'; allowed: a positive duration such as 30s or 5m."),
            problems(base + "route.c.cache = force\nroute.c.cache.ttl = 0\n"));
        assertEquals(List.of("Key 'route.c.cache.max-object-size' has value '1TB'; allowed: a size such as 512, 64KB or 10MB, at most 268435456 bytes."),
            problems(base + "route.c.cache = on\nroute.c.cache.max-object-size = 1TB\n"));
        assertEquals(List.of("Key 'cache.offheap.size' has value '512'; allowed: 0 (no off-heap tier) or at least 1MB."),
            problems(base + "cache.offheap.size = 512\n"));
        assertEquals(List.of("Key 'cache.offheap.size' must be larger than 'cache.heap.size' (each tier holds more than the one above it); "
                + "allowed: a larger off-heap size, or 0."),
            problems(base + "cache.heap.size = 64MB\ncache.offheap.size = 32MB\n"));
        // Ehcache takes the tier up front as direct memory; past the JVM's limit it failed to start with a stack trace.
        long direct = CacheSettingsParser.directMemoryLimit();
        long limitMb = direct / (1024 * 1024);
        assertEquals(List.of("Key 'cache.offheap.size' has value '" + limitMb + "MB'; allowed: at most " + direct / 4 * 3 / (1024 * 1024)
                + "MB, three quarters of this JVM's direct memory limit (" + limitMb + "MB: -XX:MaxDirectMemorySize, by default the heap's -Xmx); "
                + "raise the limit, or make the tier smaller."),
            problems(base + "cache.offheap.size = " + limitMb + "MB\n"));
        assertEquals(List.of("Key 'route.c.cache.unkeyed-headers' has value 'keep'; allowed: separate (forwarded; their names join the key) "
                + "or strip (not forwarded on cacheable requests)."),
            problems(base + "route.c.cache = on\nroute.c.cache.unkeyed-headers = keep\n"));
        assertEquals(List.of("Key 'route.c.cache.statuses' has value '304'; allowed: final status codes from 200 to 599, except 206 and 304."),
            problems(base + "route.c.cache = force\nroute.c.cache.statuses = 200, 304\n"));
    }

    private static List<String> problems(String text)
    {
        java.util.Properties properties = new java.util.Properties();
        try
        {
            properties.load(new java.io.StringReader(text));
        }
        catch (java.io.IOException x)
        {
            throw new IllegalStateException(x);
        }
        java.util.Map<String, String> map = new java.util.TreeMap<>();
        properties.forEach((key, value) -> map.put((String)key, (String)value));
        ConfigException x = assertThrows(ConfigException.class, () -> SettingsParser.parse("test", map, name -> null));
        return x.problems();
    }
}
