// route.<name>.redirect and route.<name>.respond: routes Sluice answers itself, after their filters.
package dev.sluice.proxy;

import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.testing.LogCapture;
import dev.sluice.testing.SluiceUnderTest;
import dev.sluice.testing.TestUpstream;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.StringRequestContent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * A moved API sends clients on (nginx {@code return 301}, Envoy's route redirect), a retired one
 * answers 410, a stub answers a fixed body (Envoy's {@code direct_response}, Kong's
 * request-termination); the route's authentication still comes first, and no upstream is asked.
 */
class RouteAnswersTest
{
    private static final String KEY = "route-answer-key-0123456789abcdef";

    private static TestUpstream upstream;
    private static SluiceUnderTest sluice;
    private static HttpClient client;

    @BeforeAll
    static void start() throws Exception
    {
        upstream = TestUpstream.start();
        sluice = SluiceUnderTest.start("""
            upstream.app.url = %1$s
            consumer.tester.api-key.main = sha256:%2$s
            auth.api-key.query = apikey
            route.app.path = /app
            route.app.upstream = app
            route.old.path = /old
            route.old.redirect = /app/v2/{**}
            route.old.transform.response.header.set.Cache-Control = max-age=3600
            route.moved.path = /moved/**
            route.moved.redirect = https://api.example.com:8443
            route.moved.redirect.status = 308
            route.keyed.path = /keyed
            route.keyed.auth = api-key
            route.keyed.redirect = https://other.example.com/{**}
            route.keyedhere.path = /keyedhere
            route.keyedhere.auth = api-key
            route.keyedhere.redirect = /keyed/{**}
            route.gone.path = /v1
            route.gone.respond = 410
            route.denied.path = /internal
            route.denied.respond = 403
            route.stub.path = =/status
            route.stub.respond = 200
            route.stub.respond.body = {"status":"ok"}
            route.stub.respond.content-type = application/json
            route.stub.transform.response.header.set.X-Served-By = sluice ${request.id}
            route.maint.path = /maint
            route.maint.respond = 503
            route.maint.transform.response.header.set.Retry-After = 120
            """.formatted(upstream.url(), dev.sluice.testing.KeyHashes.sha256(KEY)));
        client = new HttpClient();
        client.setFollowRedirects(false);
        client.start();
    }

    @AfterAll
    static void stop() throws Exception
    {
        client.stop();
        sluice.close();
        upstream.close();
    }

    private static Request request(String path)
    {
        return client.newRequest(sluice.uri(path)).timeout(10, TimeUnit.SECONDS);
    }

    @Test
    void aRedirectFillsItsTemplateFromThePathAndKeepsTheQuery() throws Exception
    {
        ContentResponse response = request("/old/items/7?x=1&y=%20z").send();
        assertEquals(301, response.getStatus(), "the default status, as Envoy's");
        assertEquals("/app/v2/items/7?x=1&y=%20z", response.getHeaders().get("Location"));
        assertEquals(0, response.getContent().length);
        assertEquals(301, request("/old").send().getStatus());
        assertEquals("/app/v2", request("/old").send().getHeaders().get("Location"), "an empty rest takes its slash with it");
        assertEquals("max-age=3600", response.getHeaders().get("Cache-Control"), "the route's response header transforms apply");

        ContentResponse moved = request("/moved/a/b?c=d").method("POST").body(new StringRequestContent("kept by the client")).send();
        assertEquals(308, moved.getStatus());
        assertEquals("https://api.example.com:8443/moved/a/b?c=d", moved.getHeaders().get("Location"), "no path in the URL: the request's own");
        assertNull(upstream.poll(200), "no upstream was asked");
    }

    @Test
    void aRedirectComesAfterTheRoutesAuthAndCarriesNoHiddenCredential() throws Exception
    {
        assertEquals(401, request("/keyed/x").send().getStatus());
        ContentResponse response = request("/keyed/x?apikey=" + KEY + "&page=2").send();
        assertEquals(301, response.getStatus());
        assertEquals("https://other.example.com/x?page=2", response.getHeaders().get("Location"), "the key does not travel to another site");
        ContentResponse here = request("/keyedhere/x?apikey=" + KEY + "&page=2").send();
        assertEquals("/keyed/x?apikey=" + KEY + "&page=2", here.getHeaders().get("Location"), "to a path on this site it goes along, or the next request fails");
    }

    @Test
    void aRespondingRouteAnswersItsStatusAndBody() throws Exception
    {
        ContentResponse stub = request("/status").send();
        assertEquals(200, stub.getStatus());
        assertEquals("application/json", stub.getHeaders().get("Content-Type"));
        assertEquals("{\"status\":\"ok\"}", stub.getContentAsString());
        assertEquals("sluice " + stub.getHeaders().get("X-Request-ID"), stub.getHeaders().get("X-Served-By"), "a transform's template, filled per request");
        ContentResponse maintenance = request("/maint").send();
        assertEquals(503, maintenance.getStatus());
        assertEquals("120", maintenance.getHeaders().get("Retry-After"));
        assertEquals("Service Unavailable", new ObjectMapper().readTree(maintenance.getContentAsString()).get("title").asText());
        ContentResponse head = request("/status").method("HEAD").send();
        assertEquals(200, head.getStatus());
        assertEquals("15", head.getHeaders().get("Content-Length"));
        assertEquals(0, head.getContent().length);

        ContentResponse gone = request("/v1/orders").send();
        assertEquals(410, gone.getStatus());
        assertEquals("application/problem+json", gone.getMediaType());
        JsonNode problem = new ObjectMapper().readTree(gone.getContentAsString());
        assertEquals("urn:sluice:problem:route-answer", problem.get("type").asText());
        assertEquals("Gone", problem.get("title").asText(), "the status's reason phrase");
        assertEquals(410, problem.get("status").asInt());

        JsonNode forbidden = new ObjectMapper().readTree(request("/internal/x").send().getContentAsString());
        assertEquals("urn:sluice:problem:route-answer", forbidden.get("type").asText(), "the route's answer, not one of Sluice's refusals");
        assertEquals("Forbidden", forbidden.get("title").asText());
        assertNull(upstream.poll(200), "no upstream was asked");
    }

    @Test
    void theAccessLogNamesTheOutcome() throws Exception
    {
        try (LogCapture logs = LogCapture.start())
        {
            request("/v1/x").headers(headers -> headers.put("X-Request-ID", "answered-1")).send();
            JsonNode line = new ObjectMapper().readTree(logs.accessLine("answered-1"));
            assertEquals("route_answer", line.get("outcome").asText());
            assertEquals(410, line.get("status").asInt());
            assertEquals("gone", line.get("route").asText());
            assertEquals(true, line.get("upstream").isNull(), line.toString());
        }
    }
}
