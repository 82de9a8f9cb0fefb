// W3C trace context through the real chain: what the upstream receives, the access log and problem documents.
package dev.sluice.exchange;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.testing.LogCapture;
import dev.sluice.testing.RawHttp;
import dev.sluice.testing.SluiceUnderTest;
import dev.sluice.testing.TestUpstream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TraceForwardingTest
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String PARENT = "00f067aa0ba902b7";
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
            """.formatted(upstream.url()));
    }

    @AfterAll
    static void stop() throws Exception
    {
        sluice.close();
        upstream.close();
    }

    @Test
    void aClientsTraceContinuesUpstreamWithSluiceAsParentButNotItsSamplingDecision() throws Exception
    {
        try (LogCapture logs = LogCapture.start())
        {
            RawHttp.Reply reply = RawHttp.send(sluice.port(), "GET /app/traced HTTP/1.1", "Host: localhost", "X-Request-ID: trace-joined",
                "traceparent: 00-" + TRACE + "-" + PARENT + "-01", "tracestate: congo=t61rcWkgMzE", "Connection: close");
            assertEquals(200, reply.status());
            TestUpstream.Received received = upstream.take();
            String traceparent = received.headers().get("traceparent");
            assertTrue(traceparent.matches("00-" + TRACE + "-[0-9a-f]{16}-00"), traceparent);
            assertNotEquals(PARENT, traceparent.substring(36, 52));
            assertEquals("congo=t61rcWkgMzE", received.headers().get("tracestate"));
            assertEquals(1, received.headers().getValuesList("traceparent").size());
            assertEquals(TRACE, JSON.readTree(logs.accessLine("trace-joined")).get("trace_id").asText());
        }
    }

    @Test
    void withoutATraceparentSluiceStartsATraceAndLogsIt() throws Exception
    {
        try (LogCapture logs = LogCapture.start())
        {
            RawHttp.send(sluice.port(), "GET /app/new HTTP/1.1", "Host: localhost", "X-Request-ID: trace-new", "tracestate: orphan=1",
                "Connection: close");
            TestUpstream.Received received = upstream.take();
            String traceparent = received.headers().get("traceparent");
            assertTrue(traceparent.matches("00-[0-9a-f]{32}-[0-9a-f]{16}-00"), traceparent);
            // A tracestate without a valid traceparent belongs to no trace.
            assertNull(received.headers().get("tracestate"));
            assertEquals(traceparent.substring(3, 35), JSON.readTree(logs.accessLine("trace-new")).get("trace_id").asText());
        }
    }

    @Test
    void anInvalidTraceparentIsReplacedNotPassedOn() throws Exception
    {
        RawHttp.send(sluice.port(), "GET /app/bad HTTP/1.1", "Host: localhost",
            "traceparent: 00-" + TRACE.toUpperCase() + "-" + PARENT + "-01", "Connection: close");
        String traceparent = upstream.take().headers().get("traceparent");
        assertTrue(traceparent.matches("00-[0-9a-f]{32}-[0-9a-f]{16}-00"), traceparent);
        assertNotEquals(TRACE, traceparent.substring(3, 35));
    }

    @Test
    void problemDocumentsCarryTheTraceId() throws Exception
    {
        RawHttp.Reply reply = RawHttp.send(sluice.port(), "GET /nowhere HTTP/1.1", "Host: localhost",
            "traceparent: 00-" + TRACE + "-" + PARENT + "-00", "Connection: close");
        assertEquals(404, reply.status());
        JsonNode problem = JSON.readTree(reply.body());
        assertEquals(TRACE, problem.get("trace_id").asText());
        assertTrue(problem.get("request_id").asText().length() > 0);
    }

    @Test
    void aTrustedProxyMayAskForSampling() throws Exception
    {
        try (SluiceUnderTest trusting = SluiceUnderTest.start("""
            exchange.trusted-proxies = 127.0.0.1/32
            upstream.app.url = %s
            route.app.path = /app
            route.app.upstream = app
            """.formatted(upstream.url())))
        {
            RawHttp.send(trusting.port(), "GET /app/sampled HTTP/1.1", "Host: localhost",
                "traceparent: 00-" + TRACE + "-" + PARENT + "-01", "Connection: close");
            String traceparent = upstream.take().headers().get("traceparent");
            assertTrue(traceparent.matches("00-" + TRACE + "-[0-9a-f]{16}-01"), traceparent);
        }
    }
}
