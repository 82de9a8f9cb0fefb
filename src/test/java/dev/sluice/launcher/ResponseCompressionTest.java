// The launcher gzips answers for clients that accept gzip, as compression.* says, and leaves alone what must not change.
package dev.sluice.launcher;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;

import dev.sluice.http.ContentCoding;
import dev.sluice.testing.Scratch;
import dev.sluice.testing.SluiceUnderTest;
import dev.sluice.testing.TestUpstream;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sluice from its launcher in front of a real Jetty upstream whose paths answer the cases a
 * gateway meets: JSON large and small, already gzipped, an image, {@code no-transform}, a range,
 * a stream written in two parts a while apart, server-sent events, and a cached route.
 */
class ResponseCompressionTest
{
    /** ~4 KiB of JSON: well over the 1 KiB default threshold, and compressible. */
    private static final byte[] JSON = ("{\"items\":[" + "{\"id\":1,\"name\":\"a widget\",\"price\":12.5},".repeat(100) + "{}]}")
        .getBytes(StandardCharsets.UTF_8);
    private static final byte[] SMALL = "{\"ok\":true}".getBytes(StandardCharsets.UTF_8);

    /** Lets the upstream write the second part of /stream, and of /events. */
    private static final CountDownLatch STREAM_SECOND_PART = new CountDownLatch(1);
    private static final CountDownLatch EVENTS_SECOND_PART = new CountDownLatch(1);

    private static TestUpstream upstream;
    private static SluiceUnderTest sluice;
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws Exception
    {
        upstream = TestUpstream.start(new Handler.Abstract()
        {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception
            {
                HttpFields.Mutable fields = response.getHeaders();
                String path = Request.getPathInContext(request);
                switch (path.substring(path.lastIndexOf('/')))
                {
                    case "/json", "/cached" ->
                    {
                        fields.put("Content-Type", "application/json");
                        fields.put("ETag", "\"v1\"");
                        if (path.endsWith("/cached"))
                        {
                            fields.put("Cache-Control", "max-age=60");
                        }
                        if ("\"v1\"".equals(request.getHeaders().get("If-None-Match")) || "W/\"v1\"".equals(request.getHeaders().get("If-None-Match")))
                        {
                            response.setStatus(304);
                            callback.succeeded();
                            return true;
                        }
                        response.write(true, java.nio.ByteBuffer.wrap(JSON), callback);
                    }
                    case "/small" ->
                    {
                        fields.put("Content-Type", "application/json");
                        response.write(true, java.nio.ByteBuffer.wrap(SMALL), callback);
                    }
                    case "/gzipped" ->
                    {
                        fields.put("Content-Type", "application/json");
                        fields.put("Content-Encoding", "gzip");
                        response.write(true, java.nio.ByteBuffer.wrap(ContentCoding.gzip(JSON)), callback);
                    }
                    case "/image" ->
                    {
                        fields.put("Content-Type", "image/png");
                        response.write(true, java.nio.ByteBuffer.wrap(JSON), callback);
                    }
                    case "/no-transform" ->
                    {
                        fields.put("Content-Type", "application/json");
                        fields.put("Cache-Control", "public, no-transform");
                        response.write(true, java.nio.ByteBuffer.wrap(JSON), callback);
                    }
                    case "/digested" ->
                    {
                        fields.put("Content-Type", "application/json");
                        fields.put("Repr-Digest", "sha-256=:" + java.util.Base64.getEncoder().encodeToString(
                            java.security.MessageDigest.getInstance("SHA-256").digest(JSON)) + ":");
                        response.write(true, java.nio.ByteBuffer.wrap(JSON), callback);
                    }
                    case "/range" ->
                    {
                        fields.put("Content-Type", "application/json");
                        fields.put("Content-Range", "bytes 0-" + (JSON.length - 1) + "/" + (JSON.length * 2));
                        response.setStatus(206);
                        response.write(true, java.nio.ByteBuffer.wrap(JSON), callback);
                    }
                    case "/trailers" ->
                    {
                        // No Content-Length: chunked, then a trailer section.
                        fields.put("Content-Type", "text/plain");
                        response.setTrailersSupplier(() -> HttpFields.build().put("X-Checksum", "sha256=abc123"));
                        response.write(true, java.nio.ByteBuffer.wrap(JSON), callback);
                    }
                    case "/dies" ->
                    {
                        // A first part, then the upstream's connection is cut mid-body.
                        fields.put("Content-Type", "application/x-ndjson");
                        Content.Sink.write(response, false, "{\"part\":1}\n", Callback.from(() -> new Thread(() ->
                        {
                            try
                            {
                                Thread.sleep(200);
                            }
                            catch (InterruptedException x)
                            {
                                Thread.currentThread().interrupt();
                            }
                            callback.failed(new java.io.IOException("the upstream fails mid-body"));
                        }).start(), callback::failed));
                    }
                    case "/stream", "/events" ->
                    {
                        // Two parts of unknown length total; the second only once the test has read the first.
                        fields.put("Content-Type", path.endsWith("/stream") ? "application/x-ndjson" : "text/event-stream");
                        String first = path.endsWith("/stream") ? "{\"part\":1}\n" : "data: one\n\n";
                        String second = path.endsWith("/stream") ? "{\"part\":2}\n" : "data: two\n\n";
                        CountDownLatch secondPart = path.endsWith("/stream") ? STREAM_SECOND_PART : EVENTS_SECOND_PART;
                        Content.Sink.write(response, false, first, Callback.from(() -> new Thread(() ->
                        {
                            try
                            {
                                secondPart.await(10, TimeUnit.SECONDS);
                            }
                            catch (InterruptedException x)
                            {
                                Thread.currentThread().interrupt();
                            }
                            Content.Sink.write(response, true, second, callback);
                        }).start(), callback::failed));
                    }
                    default ->
                    {
                        response.setStatus(404);
                        callback.succeeded();
                    }
                }
                return true;
            }
        });
        sluice = SluiceUnderTest.startAsLauncher("""
            upstream.app.url = %s
            route.app.path = /
            route.app.upstream = app
            route.plain.path = /plain
            route.plain.upstream = app
            route.plain.compression = off
            route.cached.path = /c
            route.cached.upstream = app
            route.cached.cache = on
            compression = gzip
            metrics.allow = 127.0.0.0/8
            """.formatted(upstream.url()));
    }

    @AfterAll
    static void stop() throws Exception
    {
        sluice.close();
        upstream.close();
    }

    private static HttpResponse<byte[]> get(String path, String... headers) throws Exception
    {
        HttpRequest.Builder request = HttpRequest.newBuilder(sluice.uri(path)).timeout(Duration.ofSeconds(10));
        for (int i = 0; i + 1 < headers.length; i += 2)
        {
            request.header(headers[i], headers[i + 1]);
        }
        return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static byte[] gunzip(byte[] body) throws IOException
    {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(body)))
        {
            return in.readAllBytes();
        }
    }

    private static String field(HttpResponse<?> response, String name)
    {
        return response.headers().firstValue(name).orElse(null);
    }

    @Test
    void jsonIsGzippedForAClientThatAcceptsIt() throws Exception
    {
        HttpResponse<byte[]> response = get("/json", "Accept-Encoding", "br, gzip;q=0.8");
        assertEquals(200, response.statusCode());
        assertEquals("gzip", field(response, "Content-Encoding"));
        assertTrue(field(response, "Vary").contains("Accept-Encoding"), field(response, "Vary"));
        assertNull(field(response, "Content-Length"), "the compressed length is not the upstream's");
        assertEquals("W/\"v1\"", field(response, "ETag"), "the bytes differ from the upstream's, so the validator is weak");
        assertTrue(response.body().length < JSON.length / 4, "compressed to " + response.body().length + " of " + JSON.length);
        assertArrayEquals(JSON, gunzip(response.body()));
    }

    @Test
    void theLogAndTheMetricsCountWhatWasSent() throws Exception
    {
        try (dev.sluice.testing.LogCapture logs = dev.sluice.testing.LogCapture.start())
        {
            HttpResponse<byte[]> response = get("/json", "Accept-Encoding", "gzip", "X-Request-ID", "compressed-one");
            assertEquals("gzip", field(response, "Content-Encoding"));
            com.fasterxml.jackson.databind.JsonNode line = new com.fasterxml.jackson.databind.ObjectMapper().readTree(logs.accessLine("compressed-one"));
            assertEquals(JSON.length, line.get("bytes_out").asInt(), "the body as the upstream sent it");
            assertEquals(response.body().length, line.get("bytes_out_compressed").asInt(), "and as the client got it: " + line);
            HttpResponse<byte[]> plain = get("/json", "X-Request-ID", "not-compressed");
            assertNull(field(plain, "Content-Encoding"));
            assertFalse(new com.fasterxml.jackson.databind.ObjectMapper().readTree(logs.accessLine("not-compressed")).has("bytes_out_compressed"));
        }
        dev.sluice.testing.PrometheusText metrics = dev.sluice.testing.PrometheusText.parse(
            new String(get("/-/metrics").body(), StandardCharsets.UTF_8), false);
        double answers = metrics.value("sluice_compression_responses_total", "route", "app");
        double before = metrics.value("sluice_compression_bytes_total", "route", "app", "stage", "before");
        double after = metrics.value("sluice_compression_bytes_total", "route", "app", "stage", "after");
        assertTrue(answers >= 1, "answers compressed: " + answers);
        assertTrue(before >= answers * 1024 && after > 0 && after < before / 2, before + " bytes became " + after);
    }

    @Test
    void aClientThatDoesNotAcceptGzipGetsTheUpstreamsBytesAndTheVary() throws Exception
    {
        for (String[] accept : new String[][]{{}, {"Accept-Encoding", "identity"}, {"Accept-Encoding", "gzip;q=0, *"}, {"Accept-Encoding", "br"}})
        {
            HttpResponse<byte[]> response = get("/json", accept);
            assertNull(field(response, "Content-Encoding"), String.join(": ", accept));
            assertEquals(Integer.toString(JSON.length), field(response, "Content-Length"));
            assertEquals("\"v1\"", field(response, "ETag"));
            assertTrue(field(response, "Vary").contains("Accept-Encoding"), "a cache downstream must keep the two answers apart");
            assertArrayEquals(JSON, response.body());
        }
        assertEquals("gzip", field(get("/json", "Accept-Encoding", "*"), "Content-Encoding"), "* accepts gzip");
    }

    @Test
    void whatMustNotOrNeedNotBeCompressedPassesAsItIs() throws Exception
    {
        assertArrayEquals(SMALL, get("/small", "Accept-Encoding", "gzip").body(), "below compression.min-size (1 KiB)");
        HttpResponse<byte[]> gzipped = get("/gzipped", "Accept-Encoding", "gzip");
        assertEquals("gzip", field(gzipped, "Content-Encoding"));
        assertArrayEquals(JSON, gunzip(gzipped.body()), "compressed once, by the upstream");
        assertArrayEquals(JSON, get("/image", "Accept-Encoding", "gzip").body(), "a type not in compression.types");
        assertArrayEquals(JSON, get("/no-transform", "Accept-Encoding", "gzip").body(), "Cache-Control: no-transform");
        assertArrayEquals(JSON, get("/digested", "Accept-Encoding", "gzip").body(), "a Repr-Digest of the upstream's bytes still holds");
        HttpResponse<byte[]> range = get("/range", "Accept-Encoding", "gzip");
        assertEquals(206, range.statusCode());
        assertNull(field(range, "Content-Encoding"), "a range is of the upstream's bytes");
        assertArrayEquals(JSON, range.body());
        HttpResponse<byte[]> off = get("/plain/json", "Accept-Encoding", "gzip");
        assertNull(field(off, "Content-Encoding"), "route.plain.compression = off");
        assertArrayEquals(JSON, off.body());
        HttpResponse<Void> head = CLIENT.send(HttpRequest.newBuilder(sluice.uri("/json")).method("HEAD", HttpRequest.BodyPublishers.noBody())
            .header("Accept-Encoding", "gzip").build(), HttpResponse.BodyHandlers.discarding());
        assertNull(field(head, "Content-Encoding"));
        assertEquals(Integer.toString(JSON.length), field(head, "Content-Length"));
    }

    @Test
    void aStreamIsCompressedAsItArrives() throws Exception
    {
        // A Sluice of its own, so this answer is the first its deflaters make (the JDK's Deflater
        // did not flush the first output after a change of level, and a reused one had changed).
        try (SluiceUnderTest own = SluiceUnderTest.startAsLauncher("""
                upstream.app.url = %s
                route.app.path = /
                route.app.upstream = app
                compression = gzip
                compression.level = 5
                """.formatted(upstream.url())))
        {
            HttpResponse<InputStream> response = CLIENT.send(HttpRequest.newBuilder(own.uri("/stream")).header("Accept-Encoding", "gzip").build(),
                HttpResponse.BodyHandlers.ofInputStream());
            assertEquals("gzip", field(response, "Content-Encoding"));
            readInTwoParts(response.body());
        }
    }

    private static void readInTwoParts(InputStream compressed) throws IOException
    {
        try (InputStream body = new GZIPInputStream(compressed))
        {
            // The upstream holds the second part until the first is read here: a compressor that
            // waited for more input would hang this read until the upstream's 10 s are up.
            long started = System.nanoTime();
            assertEquals("{\"part\":1}", line(body));
            assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(5), "the first part came at once");
            STREAM_SECOND_PART.countDown();
            assertEquals("{\"part\":2}", line(body));
            assertEquals(-1, body.read());
        }
    }

    /**
     * One line, read a byte at a time: a Reader would ask for more than is there, since an
     * inflating stream always says more is available.
     */
    private static String line(InputStream in) throws IOException
    {
        java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();
        for (int b = in.read(); b != '\n'; b = in.read())
        {
            assertTrue(b >= 0, "a whole line before the end");
            line.write(b);
        }
        return line.toString(StandardCharsets.UTF_8);
    }

    @Test
    void trailersFollowTheCompressedBody() throws Exception
    {
        dev.sluice.testing.RawHttp.Reply reply = dev.sluice.testing.RawHttp.send(sluice.port(), "GET /trailers HTTP/1.1", "Host: localhost",
            "TE: trailers", "Accept-Encoding: gzip", "Connection: close");
        assertEquals("gzip", reply.header("Content-Encoding"));
        // The chunks' data, then what follows the last chunk.
        String raw = reply.body();
        java.io.ByteArrayOutputStream data = new java.io.ByteArrayOutputStream();
        int at = 0;
        while (true)
        {
            int lineEnd = raw.indexOf("\r\n", at);
            int size = Integer.parseInt(raw.substring(at, lineEnd).trim(), 16);
            at = lineEnd + 2;
            if (size == 0)
            {
                break;
            }
            data.write(raw.substring(at, at + size).getBytes(StandardCharsets.ISO_8859_1));
            at += size + 2;
        }
        assertArrayEquals(JSON, gunzip(data.toByteArray()));
        assertEquals("x-checksum: sha256=abc123\r\n\r\n", raw.substring(at).toLowerCase(java.util.Locale.ROOT), "the upstream's trailer after the last chunk");
    }

    @Test
    void anAnswerCutShortGivesItsDeflaterBack() throws Exception
    {
        java.nio.file.Path config = Scratch.file("sluice-gzip", ".properties");
        java.nio.file.Files.writeString(config, """
            upstream.app.url = %s
            route.app.path = /
            route.app.upstream = app
            compression = gzip
            """.formatted(upstream.url()));
        try (SluiceServer own = SluiceServer.start(SluiceUnderTest.WEBAPP, config, "127.0.0.1", 0, Duration.ofSeconds(5)))
        {
            ResponseCompression compression = own.handler(ResponseCompression.class);
            for (int i = 0; i < 3; i++)
            {
                assertThrows(IOException.class, () -> CLIENT.send(HttpRequest.newBuilder(own.uri().resolve("/dies")).header("Accept-Encoding", "gzip")
                    .build(), HttpResponse.BodyHandlers.ofByteArray()), "the client's connection is cut, not the answer ended as if whole");
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (compression.deflatersInUse() > 0 && System.nanoTime() < deadline)
            {
                Thread.sleep(20);
            }
            // Else each such answer keeps one of the pool's 64 until it is full, and every answer
            // after that makes a deflater of its own.
            assertEquals(0, compression.deflatersInUse(), "each answer cut short gave its deflater back");
        }
        finally
        {
            java.nio.file.Files.deleteIfExists(config);
        }
    }

    @Test
    void serverSentEventsAreNotCompressed() throws Exception
    {
        EVENTS_SECOND_PART.countDown();
        HttpResponse<byte[]> response = get("/events", "Accept-Encoding", "gzip");
        assertNull(field(response, "Content-Encoding"), "text/event-stream is not in the default compression.types");
        assertEquals("data: one\n\ndata: two\n\n", new String(response.body(), StandardCharsets.UTF_8));
    }

    @Test
    void aCacheHitIsCompressedAndRevalidatesWithItsWeakValidator() throws Exception
    {
        HttpResponse<byte[]> miss = get("/c/cached", "Accept-Encoding", "gzip");
        assertEquals("gzip", field(miss, "Content-Encoding"));
        assertArrayEquals(JSON, gunzip(miss.body()));
        HttpResponse<byte[]> hit = get("/c/cached", "Accept-Encoding", "gzip");
        assertEquals("HIT", field(hit, "X-Cache-Status"), "answered by the launcher's cache front");
        assertEquals("gzip", field(hit, "Content-Encoding"));
        assertArrayEquals(JSON, gunzip(hit.body()));
        HttpResponse<byte[]> plain = get("/c/cached");
        assertEquals("HIT", field(plain, "X-Cache-Status"));
        assertArrayEquals(JSON, plain.body(), "one stored answer serves both kinds of client");
        HttpResponse<byte[]> revalidated = get("/c/cached", "Accept-Encoding", "gzip", "If-None-Match", field(hit, "ETag"));
        assertEquals(304, revalidated.statusCode(), "If-None-Match compares weakly (RFC 9110 §13.1.2)");
        assertEquals(0, revalidated.body().length);
    }

    @Test
    void turningCompressionOnIsAReload() throws Exception
    {
        String routes = """
            upstream.app.url = %s
            route.app.path = /
            route.app.upstream = app
            config.reload-interval = 100ms
            """.formatted(upstream.url());
        try (SluiceUnderTest own = SluiceUnderTest.startAsLauncher(routes))
        {
            HttpRequest request = HttpRequest.newBuilder(own.uri("/json")).header("Accept-Encoding", "gzip").build();
            HttpResponse<byte[]> before = CLIENT.send(request, HttpResponse.BodyHandlers.ofByteArray());
            assertNull(field(before, "Content-Encoding"), "off unless set");
            assertNull(field(before, "Vary"));
            own.rewriteConfig(routes + "compression = gzip\n");
            HttpResponse<byte[]> after = before;
            for (int i = 0; i < 100 && field(after, "Content-Encoding") == null; i++)
            {
                Thread.sleep(50);
                after = CLIENT.send(request, HttpResponse.BodyHandlers.ofByteArray());
            }
            assertEquals("gzip", field(after, "Content-Encoding"));
            assertArrayEquals(JSON, gunzip(after.body()));
        }
    }

    @Test
    void acceptEncodingIsReadAsRfc9110Says()
    {
        assertTrue(ResponseCompression.acceptsGzip(fields("gzip")));
        assertTrue(ResponseCompression.acceptsGzip(fields("deflate, gzip;q=0.5")));
        assertTrue(ResponseCompression.acceptsGzip(fields("x-gzip")));
        assertTrue(ResponseCompression.acceptsGzip(fields("GZIP ; Q=1")));
        assertTrue(ResponseCompression.acceptsGzip(fields("*")));
        assertTrue(ResponseCompression.acceptsGzip(fields("br", "gzip")), "two fields are one list");
        assertFalse(ResponseCompression.acceptsGzip(fields()));
        assertFalse(ResponseCompression.acceptsGzip(fields("")));
        assertFalse(ResponseCompression.acceptsGzip(fields("gzip;q=0")));
        assertFalse(ResponseCompression.acceptsGzip(fields("gzip;q=0.000")));
        assertFalse(ResponseCompression.acceptsGzip(fields("*, gzip;q=0")), "gzip named is not taken back by *");
        assertFalse(ResponseCompression.acceptsGzip(fields("*;q=0")));
        assertFalse(ResponseCompression.acceptsGzip(fields("gzip;q=abc")), "an unreadable quality is not consent");
        assertFalse(ResponseCompression.acceptsGzip(fields("gzipped, deflate")));
    }

    private static HttpFields fields(String... acceptEncoding)
    {
        HttpFields.Mutable fields = HttpFields.build();
        for (String value : acceptEncoding)
        {
            fields.add("Accept-Encoding", value);
        }
        return fields;
    }
}
