// Opaque tokens checked at a real RFC 7662 introspection endpoint on loopback.
package dev.sluice.auth;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.sluice.testing.SluiceUnderTest;
import dev.sluice.testing.TestUpstream;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.FormFields;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IntrospectionAuthTest
{
    private static final String CLIENT_BASIC = "Basic " + Base64.getEncoder().encodeToString("sluice:s3cret".getBytes(StandardCharsets.UTF_8));
    private static final AtomicInteger calls = new AtomicInteger();
    private static volatile boolean failing;
    private static volatile long delayMillis;
    private static Map<String, String> answers;
    private static Server idp;
    private static TestUpstream upstream;
    private static SluiceUnderTest sluice;
    private static HttpClient client;

    @BeforeAll
    static void start() throws Exception
    {
        long exp = Instant.now().plusSeconds(3600).getEpochSecond();
        answers = Map.of(
            "opaque-alice", "{\"active\":true,\"sub\":\"alice\",\"scope\":\"orders:read profile\",\"aud\":\"orders-api\",\"exp\":" + exp + "}",
            "opaque-other-aud", "{\"active\":true,\"sub\":\"carol\",\"scope\":\"orders:read\",\"aud\":[\"billing\"],\"exp\":" + exp + "}",
            "opaque-revoked", "{\"active\":false}");
        idp = new Server();
        ServerConnector connector = new ServerConnector(idp);
        connector.setHost("127.0.0.1");
        idp.addConnector(connector);
        idp.setHandler(new Handler.Abstract()
        {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception
            {
                calls.incrementAndGet();
                if (delayMillis > 0)
                {
                    Thread.sleep(delayMillis);
                }
                if (failing)
                {
                    response.setStatus(500);
                    Content.Sink.write(response, true, "oops", callback);
                    return true;
                }
                if (!CLIENT_BASIC.equals(request.getHeaders().get("Authorization")) || !"POST".equals(request.getMethod()))
                {
                    response.setStatus(401);
                    callback.succeeded();
                    return true;
                }
                Fields form = FormFields.getFields(request);
                String answer = answers.getOrDefault(form.getValue("token"), "{\"active\":false}");
                response.getHeaders().put("Content-Type", "application/json");
                Content.Sink.write(response, true, answer, callback);
                return true;
            }
        });
        idp.start();
        upstream = TestUpstream.start();
        sluice = SluiceUnderTest.start("""
            upstream.app.url = %s
            consumer.alice.username = alice@example.com
            auth.introspection.idp.url = http://127.0.0.1:%d/oauth2/introspect
            auth.introspection.idp.client-id = sluice
            auth.introspection.idp.client-secret = ${IDP_SECRET:-s3cret}
            auth.introspection.idp.timeout = 1s
            auth.introspection.idp.consumer-field = sub
            route.orders.path = /orders
            route.orders.upstream = app
            route.orders.auth = introspection:idp
            route.orders.auth.scopes = orders:read
            route.orders.auth.audience = orders-api
            """.formatted(upstream.url(), connector.getLocalPort()));
        client = new HttpClient();
        client.start();
    }

    @AfterAll
    static void stop() throws Exception
    {
        client.stop();
        sluice.close();
        upstream.close();
        idp.stop();
    }

    @BeforeEach
    void reset()
    {
        failing = false;
        delayMillis = 0;
        calls.set(0);
    }

    private static ContentResponse get(String token) throws Exception
    {
        return client.newRequest(sluice.uri("/orders/1")).headers(headers -> headers.put("Authorization", "Bearer " + token))
            .timeout(10, TimeUnit.SECONDS).send();
    }

    @Test
    void anActiveTokenIsAcceptedAndItsAnswerCached() throws Exception
    {
        for (int i = 0; i < 5; i++)
        {
            assertEquals(200, get("opaque-alice").getStatus());
            TestUpstream.Received received = upstream.take();
            assertEquals("alice", received.headers().get("X-Consumer-ID"));
            assertEquals("alice", received.headers().get("X-Credential-Identifier"));
            assertEquals("orders:read profile", received.headers().get("X-Authenticated-Scope"));
        }
        assertEquals(1, calls.get(), "one introspection call for five requests");
    }

    @Test
    void anInactiveTokenIs401AndTheNegativeAnswerIsCachedToo() throws Exception
    {
        for (int i = 0; i < 3; i++)
        {
            ContentResponse response = get("opaque-revoked");
            assertEquals(401, response.getStatus());
            assertEquals("Bearer realm=\"sluice\", error=\"invalid_token\", error_description=\"The token is not active.\"",
                response.getHeaders().get("WWW-Authenticate"));
        }
        assertEquals(1, calls.get());
        assertNull(upstream.poll(200));
    }

    @Test
    void anActiveTokenForAnotherAudienceIs401() throws Exception
    {
        assertEquals(401, get("opaque-other-aud").getStatus());
        assertNull(upstream.poll(200));
    }

    @Test
    void anEndpointFailureIs503NotASilentAllowAndNothingIsCached() throws Exception
    {
        failing = true;
        ContentResponse response = get("opaque-unseen");
        assertEquals(503, response.getStatus());
        assertEquals("5", response.getHeaders().get("Retry-After"));
        assertTrue(response.getContentAsString().contains("The token could not be checked right now."));
        assertNull(upstream.poll(200));
        failing = false;
        assertEquals(401, get("opaque-unseen").getStatus(), "asked again once the endpoint answers");
        assertEquals(2, calls.get());
    }

    @Test
    void anUnreachableEndpointIs503WithinTheTimeout() throws Exception
    {
        java.net.ServerSocket full = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
        try (full; SluiceUnderTest other = SluiceUnderTest.start("""
            upstream.app.url = %s
            auth.introspection.idp.url = http://127.0.0.1:%d/introspect
            auth.introspection.idp.client-id = sluice
            auth.introspection.idp.client-secret = s3cret
            auth.introspection.idp.timeout = 500ms
            route.orders.path = /orders
            route.orders.upstream = app
            route.orders.auth = introspection:idp
            """.formatted(upstream.url(), full.getLocalPort())))
        {
            // The listener never accepts: the call hangs until Sluice's own timeout ends it.
            long start = System.nanoTime();
            ContentResponse response = client.newRequest(other.uri("/orders/1")).headers(headers -> headers.put("Authorization", "Bearer tok"))
                .timeout(10, TimeUnit.SECONDS).send();
            assertEquals(503, response.getStatus());
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5));
        }
    }

    @Test
    void concurrentRequestsWithOneTokenShareOneSlowFailingCall() throws Exception
    {
        failing = true;
        delayMillis = 700;
        long start = System.nanoTime();
        List<java.util.concurrent.CompletableFuture<Integer>> statuses = new java.util.ArrayList<>();
        for (int i = 0; i < 20; i++)
        {
            java.util.concurrent.CompletableFuture<Integer> status = new java.util.concurrent.CompletableFuture<>();
            client.newRequest(sluice.uri("/orders/1")).headers(headers -> headers.put("Authorization", "Bearer opaque-slow"))
                .timeout(20, TimeUnit.SECONDS).send(result -> status.complete(result.getResponse().getStatus()));
            statuses.add(status);
        }
        for (java.util.concurrent.CompletableFuture<Integer> status : statuses)
        {
            assertEquals(503, status.get(20, TimeUnit.SECONDS));
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(millis < 4000, "20 requests took " + millis + " ms");
        assertTrue(calls.get() <= 2, calls.get() + " calls to the endpoint");
    }
}
