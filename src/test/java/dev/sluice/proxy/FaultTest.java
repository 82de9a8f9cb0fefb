// route.<name>.fault.*: injected delays and errors, after the route's own filters, with the upstream untouched by an abort.
package dev.sluice.proxy;

import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.testing.LogCapture;
import dev.sluice.testing.SluiceUnderTest;
import dev.sluice.testing.TestUpstream;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Trying a client's timeouts and retries against the real gateway (Envoy's fault filter, Istio's
 * fault injection): an aborted request is answered with the configured status and never reaches
 * the upstream; a delayed one reaches it that much later; a share applies per request; and the
 * route's authentication still comes first.
 */
class FaultTest
{
    private static final String KEY = "fault-test-key-0123456789abcdef";

    private static TestUpstream upstream;
    /** When the upstream last received a request (System.nanoTime). */
    private static volatile long receivedNanos;
    private static SluiceUnderTest sluice;
    private static HttpClient client;

    @BeforeAll
    static void start() throws Exception
    {
        upstream = TestUpstream.start(new org.eclipse.jetty.server.Handler.Abstract()
        {
            @Override
            public boolean handle(org.eclipse.jetty.server.Request request, org.eclipse.jetty.server.Response response,
                                  org.eclipse.jetty.util.Callback callback) throws Exception
            {
                receivedNanos = System.nanoTime();
                upstream.offer(TestUpstream.record(request));
                org.eclipse.jetty.io.Content.Sink.write(response, true, "upstream ok", callback);
                return true;
            }
        });
        sluice = SluiceUnderTest.start("""
            upstream.app.url = %s
            consumer.tester.api-key.main = sha256:%s
            route.broken.path = /broken
            route.broken.upstream = app
            route.broken.fault.abort = 503
            route.flaky.path = /flaky
            route.flaky.upstream = app
            route.flaky.fault.abort = 500
            route.flaky.fault.abort.percent = 50%%
            route.slow.path = /slow
            route.slow.upstream = app
            route.slow.fault.delay = 400ms
            route.keyed.path = /keyed
            route.keyed.upstream = app
            route.keyed.auth = api-key
            route.keyed.fault.abort = 504
            """.formatted(upstream.url(), dev.sluice.testing.KeyHashes.sha256(KEY)));
        client = new HttpClient();
        client.start();
    }

    @AfterAll
    static void stop() throws Exception
    {
        client.stop();
        sluice.close();
        upstream.close();
    }

    private static ContentResponse get(String path, String... headers) throws Exception
    {
        return client.newRequest(sluice.uri(path)).timeout(10, TimeUnit.SECONDS).headers(fields ->
        {
            for (int i = 0; i < headers.length; i += 2)
            {
                fields.put(headers[i], headers[i + 1]);
            }
        }).send();
    }

    @Test
    void anAbortAnswersItsStatusAndTheUpstreamIsNotAsked() throws Exception
    {
        try (LogCapture logs = LogCapture.start())
        {
            ContentResponse response = get("/broken/x", "X-Request-ID", "fault-1");
            assertEquals(503, response.getStatus());
            assertEquals("application/problem+json", response.getMediaType());
            JsonNode problem = new ObjectMapper().readTree(response.getContentAsString());
            assertEquals("urn:sluice:problem:fault-injected", problem.get("type").asText());
            assertEquals("Service Unavailable", problem.get("title").asText());
            assertEquals("fault_abort", new ObjectMapper().readTree(logs.accessLine("fault-1")).get("outcome").asText());
        }
        assertNull(upstream.poll(300), "no upstream was asked");
    }

    @Test
    void aShareOfRequestsIsAborted() throws Exception
    {
        int aborted = 0;
        for (int i = 0; i < 200; i++)
        {
            int status = get("/flaky/x").getStatus();
            assertTrue(status == 500 || status == 200, "status " + status);
            if (status == 500)
            {
                aborted++;
            }
            else
            {
                upstream.take();
            }
        }
        // 50% of 200 is 100, with a standard deviation of ~7: 60 to 140 is over five of them.
        assertTrue(aborted >= 60 && aborted <= 140, aborted + " of 200 aborted");
    }

    @Test
    void aDelayedRequestReachesTheUpstreamThatMuchLater() throws Exception
    {
        long start = System.nanoTime();
        ContentResponse response = get("/slow/x");
        assertEquals(200, response.getStatus());
        assertEquals("upstream ok", response.getContentAsString());
        assertEquals("/slow/x", upstream.take().target());
        long waited = TimeUnit.NANOSECONDS.toMillis(receivedNanos - start);
        assertTrue(waited >= 400, "the upstream had the request after " + waited + " ms");
    }

    @Test
    void theRoutesAuthenticationComesFirst() throws Exception
    {
        assertEquals(401, get("/keyed/x").getStatus());
        assertEquals(504, get("/keyed/x", "apikey", KEY).getStatus());
        assertNull(upstream.poll(300));
    }
}
