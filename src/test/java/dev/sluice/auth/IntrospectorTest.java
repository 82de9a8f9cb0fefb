// How long introspection answers are reused, decided with a hand-moved clock against a real endpoint.
package dev.sluice.auth;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import dev.sluice.testing.MutableClock;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.FormFields;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

class IntrospectorTest
{
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-28T10:00:00Z"));
    private final AtomicInteger calls = new AtomicInteger();
    private volatile Map<String, String> answers = Map.of();
    private Server server;
    private AuthHttp http;
    private IntrospectionEndpoint endpoint;

    @BeforeEach
    void start() throws Exception
    {
        server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract()
        {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception
            {
                calls.incrementAndGet();
                String token = FormFields.getFields(request).getValue("token");
                Content.Sink.write(response, true, answers.getOrDefault(token, "{\"active\":false}"), callback);
                return true;
            }
        });
        server.start();
        http = new AuthHttp();
        endpoint = new IntrospectionEndpoint("idp", URI.create("http://127.0.0.1:" + connector.getLocalPort() + "/introspect"), "sluice", "s3cret",
            Duration.ofSeconds(2), Duration.ofSeconds(60), Duration.ofSeconds(10), null);
    }

    @AfterEach
    void stop() throws Exception
    {
        http.close();
        server.stop();
    }

    private Introspector introspector()
    {
        return new Introspector(endpoint, (target, form) -> http.postForm(target.url(), target.clientId(), target.clientSecret(), form, target.timeout()),
            Map.of(), 1000, clock);
    }

    @Test
    void anActiveAnswerIsReusedForTheCacheTtlThenAskedAgain()
    {
        long exp = clock.instant().plusSeconds(3600).getEpochSecond();
        answers = Map.of("t", "{\"active\":true,\"sub\":\"u\",\"exp\":" + exp + "}");
        Introspector introspector = introspector();
        assertNotNull(introspector.check("t", null).verified());
        clock.advance(Duration.ofSeconds(59));
        assertNotNull(introspector.check("t", null).verified());
        assertEquals(1, calls.get());
        clock.advance(Duration.ofSeconds(2));
        assertNotNull(introspector.check("t", null).verified());
        assertEquals(2, calls.get());
    }

    @Test
    void anExpPastWhatAnInstantHoldsIsTheFarFutureOrThePast()
    {
        // Instant.ofEpochSecond threw for these, and the token was answered 503 as if the endpoint were down.
        answers = Map.of("far", "{\"active\":true,\"sub\":\"u\",\"exp\":9223372036854775807}",
            "long-ago", "{\"active\":true,\"sub\":\"u\",\"exp\":-9223372036854775808}");
        Introspector introspector = introspector();
        assertNotNull(introspector.check("far", null).verified());
        assertEquals("The token has expired.", introspector.check("long-ago", null).rejection().description());
    }

    @Test
    void anActiveAnswerIsNeverReusedPastTheTokensExpiry()
    {
        long exp = clock.instant().plusSeconds(20).getEpochSecond();
        answers = Map.of("t", "{\"active\":true,\"sub\":\"u\",\"exp\":" + exp + "}");
        Introspector introspector = introspector();
        assertNotNull(introspector.check("t", null).verified());
        clock.advance(Duration.ofSeconds(21));
        // The endpoint is asked again, and even a lenient one that still says active is not
        // believed past the exp it reports.
        assertEquals("The token has expired.", introspector.check("t", null).rejection().description());
        assertEquals(2, calls.get());
    }

    @Test
    void anInactiveAnswerIsReusedForTheNegativeTtlOnly()
    {
        Introspector introspector = introspector();
        assertEquals("The token is not active.", introspector.check("t", null).rejection().description());
        clock.advance(Duration.ofSeconds(9));
        introspector.check("t", null);
        assertEquals(1, calls.get());
        answers = Map.of("t", "{\"active\":true,\"sub\":\"u\"}");
        clock.advance(Duration.ofSeconds(2));
        assertNotNull(introspector.check("t", null).verified(), "after the negative TTL the endpoint is asked again");
        assertEquals(2, calls.get());
    }

    @Test
    void aMalformedAnswerIsUnavailableAndNotCached()
    {
        answers = Map.of("t", "[1,2,3]");
        Introspector introspector = introspector();
        assertEquals(Rejection.Kind.UNAVAILABLE, introspector.check("t", null).rejection().kind());
        assertEquals(Rejection.Kind.UNAVAILABLE, introspector.check("t", null).rejection().kind());
        assertEquals(2, calls.get());
    }
}
