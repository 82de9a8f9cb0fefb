// CORS as Sluice answers it: preflights without auth or upstream, headers only for allowed origins, per-origin caching.
package dev.sluice.guard;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import dev.sluice.testing.SluiceUnderTest;
import dev.sluice.testing.TestUpstream;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CorsTest
{
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    private static TestUpstream upstream;
    private static final java.util.concurrent.BlockingQueue<TestUpstream.Received> SEEN = new java.util.concurrent.LinkedBlockingQueue<>();
    private static SluiceUnderTest sluice;

    @BeforeAll
    static void start() throws Exception
    {
        // An upstream with CORS opinions of its own, which the route's policy overrides.
        upstream = TestUpstream.start(new Handler.Abstract()
        {
            @Override
            public boolean handle(org.eclipse.jetty.server.Request request, org.eclipse.jetty.server.Response response, org.eclipse.jetty.util.Callback callback)
                throws Exception
            {
                SEEN.add(TestUpstream.record(request));
                response.getHeaders().put("Access-Control-Allow-Origin", "*");
                response.getHeaders().put("Cache-Control", "public, max-age=60");
                response.getHeaders().put("X-Trace", "t-1");
                response.getHeaders().put("Vary", "Accept-Encoding");
                Content.Sink.write(response, true, "body of " + request.getHttpURI().getPath(), callback);
                return true;
            }
        });
        sluice = SluiceUnderTest.start("""
            upstream.u.url = %s
            consumer.c.api-key.k = demo:cors-test-key-0123456789
            route.app.path = /app
            route.app.upstream = u
            route.app.auth = api-key
            route.app.cors.origins = https://app.example.com, *.example.org
            route.app.cors.headers = Content-Type, X-Custom
            route.app.cors.expose-headers = X-Trace
            route.app.cors.credentials = true
            route.app.cors.max-age = 5m
            route.pub.path = /pub
            route.pub.upstream = u
            route.pub.cache = on
            route.pub.cors.origins = https://a.example.com, https://b.example.com
            route.strict.path = /strict
            route.strict.upstream = u
            route.strict.cors.origins = https://app.example.com
            route.strict.cors.refuse = true
            route.any.path = /any
            route.any.upstream = u
            route.any.cors.origins = *
            """.formatted(upstream.url()));
    }

    @AfterAll
    static void stop() throws Exception
    {
        sluice.close();
        upstream.close();
    }

    private static HttpResponse<String> preflight(String path, String origin, String method, String headers) throws Exception
    {
        HttpRequest.Builder request = HttpRequest.newBuilder(sluice.uri(path)).method("OPTIONS", HttpRequest.BodyPublishers.noBody())
            .header("Origin", origin).header("Access-Control-Request-Method", method);
        if (headers != null)
        {
            request.header("Access-Control-Request-Headers", headers);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> get(String path, String origin, String key) throws Exception
    {
        HttpRequest.Builder request = HttpRequest.newBuilder(sluice.uri(path));
        if (origin != null)
        {
            request.header("Origin", origin);
        }
        if (key != null)
        {
            request.header("apikey", key);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String header(HttpResponse<?> response, String name)
    {
        return response.headers().firstValue(name).orElse(null);
    }

    @org.junit.jupiter.api.BeforeEach
    void forgetEarlierRequests()
    {
        SEEN.clear();
    }

    @Test
    void aPreflightIsAnsweredBySluiceWithoutCredentialsOrTheUpstream() throws Exception
    {
        HttpResponse<String> response = preflight("/app/items", "https://app.example.com", "PUT", "content-type, x-custom");
        assertEquals(204, response.statusCode(), "no credentials, yet no 401: " + response.body());
        assertEquals("https://app.example.com", header(response, "Access-Control-Allow-Origin"));
        assertEquals("GET, HEAD, POST, PUT, PATCH, DELETE", header(response, "Access-Control-Allow-Methods"));
        assertEquals("content-type, x-custom", header(response, "Access-Control-Allow-Headers"));
        assertEquals("true", header(response, "Access-Control-Allow-Credentials"));
        assertEquals("300", header(response, "Access-Control-Max-Age"));
        assertTrue(response.headers().allValues("Vary").contains("Origin"));
        assertEquals("https://shop.example.org", header(preflight("/app/items", "https://shop.example.org", "GET", null), "Access-Control-Allow-Origin"),
            "a *.example.org subdomain");
        assertNull(SEEN.poll(200, java.util.concurrent.TimeUnit.MILLISECONDS), "preflights never reach the upstream");
    }

    @Test
    void aDisallowedOriginOrRequestGetsNoCorsHeadersOr403WhenTheRouteSaysSo() throws Exception
    {
        for (HttpResponse<String> refused : List.of(preflight("/app/x", "https://evil.example", "GET", null),
            preflight("/app/x", "https://app.example.com", "PURGE", null), preflight("/app/x", "https://app.example.com", "GET", "x-other"),
            preflight("/app/x", "https://example.org", "GET", null)))
        {
            assertEquals(204, refused.statusCode());
            assertNull(header(refused, "Access-Control-Allow-Origin"), refused.uri() + " " + refused.request().headers());
        }
        assertEquals(403, preflight("/strict/x", "https://evil.example", "GET", null).statusCode());
        HttpResponse<String> strict = get("/strict/x", "https://evil.example", null);
        assertEquals(403, strict.statusCode());
        assertTrue(header(strict, "Content-Type").startsWith("application/problem+json"));
        assertNull(SEEN.poll(200, java.util.concurrent.TimeUnit.MILLISECONDS));

        HttpResponse<String> plain = get("/app/x", "https://evil.example", "cors-test-key-0123456789");
        assertEquals(200, plain.statusCode(), "answered, but the browser will not show it to the page");
        assertNull(header(plain, "Access-Control-Allow-Origin"), "not even the upstream's *");
        assertTrue(SEEN.poll(5, java.util.concurrent.TimeUnit.SECONDS) != null);
    }

    @Test
    void anAllowedOriginGetsItsHeadersAndTheUpstreamsOwnAreDropped() throws Exception
    {
        HttpResponse<String> response = get("/app/x", "https://app.example.com", "cors-test-key-0123456789");
        assertEquals(200, response.statusCode());
        assertEquals(List.of("https://app.example.com"), response.headers().allValues("Access-Control-Allow-Origin"), "one value, Sluice's");
        assertEquals("true", header(response, "Access-Control-Allow-Credentials"));
        assertEquals("X-Trace", header(response, "Access-Control-Expose-Headers"));
        assertTrue(response.headers().allValues("Vary").contains("Origin"));
        assertTrue(SEEN.poll(5, java.util.concurrent.TimeUnit.SECONDS) != null);

        HttpResponse<String> unauthenticated = get("/app/x", "https://app.example.com", null);
        assertEquals(401, unauthenticated.statusCode());
        assertEquals("https://app.example.com", header(unauthenticated, "Access-Control-Allow-Origin"), "the page may read why it was refused");

        HttpResponse<String> any = get("/any/x", "https://whoever.example", null);
        assertEquals(List.of("*"), any.headers().allValues("Access-Control-Allow-Origin"));
        assertFalse(any.headers().allValues("Vary").contains("Origin"), "the same for every origin");
        assertTrue(SEEN.poll(5, java.util.concurrent.TimeUnit.SECONDS) != null);
    }

    @Test
    void aCachedResponseIsServedToEachOriginWithItsOwnHeaders() throws Exception
    {
        HttpResponse<String> first = get("/pub/shared", "https://a.example.com", null);
        HttpResponse<String> second = get("/pub/shared", "https://b.example.com", null);
        HttpResponse<String> third = get("/pub/shared", "https://evil.example", null);
        assertEquals("https://a.example.com", header(first, "Access-Control-Allow-Origin"));
        assertEquals("https://b.example.com", header(second, "Access-Control-Allow-Origin"), "never a's answer");
        assertNull(header(third, "Access-Control-Allow-Origin"));
        assertEquals(first.body(), second.body());
        assertEquals("MISS", header(first, "X-Cache-Status"));
        assertEquals("HIT", header(second, "X-Cache-Status"), "one stored response for both origins: the CORS headers are the route's, per request");
        assertEquals("HIT", header(third, "X-Cache-Status"));
        assertTrue(SEEN.poll(5, java.util.concurrent.TimeUnit.SECONDS) != null);
    }

    @Test
    void theUpstreamsVaryJoinsOriginInsteadOfReplacingIt() throws Exception
    {
        // A shared cache downstream that lost "Origin" from Vary would give one origin's
        // Access-Control-Allow-Origin to pages of every other.
        HttpResponse<String> proxied = get("/app/vary", "https://app.example.com", "cors-test-key-0123456789");
        HttpResponse<String> withoutOrigin = get("/app/vary", null, "cors-test-key-0123456789");
        HttpResponse<String> miss = get("/pub/vary", "https://a.example.com", null);
        HttpResponse<String> hit = get("/pub/vary", "https://b.example.com", null);
        assertEquals("HIT", header(hit, "X-Cache-Status"));
        for (HttpResponse<String> response : List.of(proxied, withoutOrigin, miss, hit))
        {
            assertEquals(200, response.statusCode());
            List<String> vary = response.headers().allValues("Vary").stream()
                .flatMap(line -> java.util.Arrays.stream(line.split(","))).map(String::strip).toList();
            assertEquals(List.of("Origin", "Accept-Encoding"), vary, response.uri() + " " + response.request().headers().map());
        }
    }

    @Test
    void corsSettingsThatCannotWorkAreRefusedAtStart()
    {
        String wildcard = GuardTest.refusal("route.r.cors.origins", "*", "route.r.cors.credentials", "true");
        assertTrue(wildcard.contains("route.r.cors.credentials"), wildcard);
        String methods = GuardTest.refusal("route.r.cors.origins", "https://a.example", "route.r.methods", "GET, POST");
        assertTrue(methods.contains("OPTIONS"), methods);
        String origin = GuardTest.refusal("route.r.cors.origins", "https://a.example/path");
        assertTrue(origin.contains("'route.r.cors.origins'"), origin);
    }
}
