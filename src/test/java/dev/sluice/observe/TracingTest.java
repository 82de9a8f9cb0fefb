// Span export over OTLP/HTTP: what a collector receives for real exchanges, and that a dead collector costs nothing.
package dev.sluice.observe;

import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.sluice.testing.OtlpReceiver;
import dev.sluice.testing.PoolTarget;
import dev.sluice.testing.PrometheusText;
import dev.sluice.testing.SluiceUnderTest;
import dev.sluice.testing.SocketUpstream;
import dev.sluice.testing.TestUpstream;
import io.opentelemetry.proto.trace.v1.Span;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TracingTest
{
    private static final String KEY = "tracing-key-0123456789";
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

    private static ContentResponse get(SluiceUnderTest sluice, String path, String traceparent) throws Exception
    {
        return client.newRequest(sluice.uri(path)).timeout(20, TimeUnit.SECONDS).headers(h ->
        {
            h.put("apikey", KEY);
            if (traceparent != null)
            {
                h.put("traceparent", traceparent);
            }
        }).send();
    }

    private static OtlpReceiver.Received only(List<OtlpReceiver.Received> spans, String name)
    {
        List<OtlpReceiver.Received> named = spans.stream().filter(span -> span.span().getName().equals(name)).toList();
        assertEquals(1, named.size(), name + " in " + spans.stream().map(span -> span.span().getName()).toList());
        return named.get(0);
    }

    @Test
    void aCollectorReceivesTheServerSpanAndItsStagesLinkedToTheUpstream() throws Exception
    {
        try (OtlpReceiver collector = new OtlpReceiver(); TestUpstream upstream = TestUpstream.start();
             SluiceUnderTest sluice = SluiceUnderTest.start("""
                 route.k.path = /k
                 route.k.upstream = u
                 route.k.auth = api-key
                 route.k.rate-limit = 100/m
                 route.k.rate-limit.by = consumer
                 route.c.path = /c
                 route.c.upstream = u
                 route.c.cache = force
                 route.c.cache.ttl = 60s
                 consumer.alice.api-key.main = demo:%s
                 upstream.u.url = %s
                 observe.otlp.endpoint = %s
                 observe.otlp.service-name = edge-gateway
                 """.formatted(KEY, upstream.url(), collector.endpoint())))
        {
            String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
            String clientSpan = "00f067aa0ba902b7";
            // Not sampled by an untrusted client: Sluice samples itself (ratio 1) and tells the upstream so.
            assertEquals(200, get(sluice, "/k/x", "00-" + traceId + "-" + clientSpan + "-00").getStatus());
            String sent = upstream.take().headers().get("traceparent");
            assertTrue(sent.startsWith("00-" + traceId + "-") && sent.endsWith("-01"), sent);
            String attemptId = sent.substring(36, 52);

            List<OtlpReceiver.Received> spans = collector.trace(traceId, 4);
            assertEquals(4, spans.size(), spans.toString());
            OtlpReceiver.Received server = only(spans, "GET /k");
            assertEquals(Span.SpanKind.SPAN_KIND_SERVER, server.span().getKind());
            assertEquals(clientSpan, server.parentId(), "continues the client's trace");
            assertEquals("edge-gateway", server.service());
            assertEquals("GET", server.attribute("http.request.method"));
            assertEquals("200", server.attribute("http.response.status_code"));
            assertEquals("/k", server.attribute("http.route"));
            assertEquals("/k/x", server.attribute("url.path"));
            assertEquals("k", server.attribute("sluice.route"));
            assertTrue(server.span().getEndTimeUnixNano() > server.span().getStartTimeUnixNano());

            OtlpReceiver.Received auth = only(spans, "auth");
            assertEquals(server.spanId(), auth.parentId());
            assertEquals("api-key", auth.attribute("sluice.auth.method"));
            assertEquals("success", auth.attribute("sluice.auth.result"));
            assertEquals(server.spanId(), only(spans, "ratelimit").parentId());
            assertEquals("true", only(spans, "ratelimit").attribute("sluice.ratelimit.allowed"));

            OtlpReceiver.Received attempt = only(spans, "GET");
            assertEquals(Span.SpanKind.SPAN_KIND_CLIENT, attempt.span().getKind());
            assertEquals(server.spanId(), attempt.parentId());
            assertEquals(attemptId, attempt.spanId(), "the upstream's parent is the attempt's span");
            assertEquals("200", attempt.attribute("http.response.status_code"));
            assertEquals(Integer.toString(upstream.port()), attempt.attribute("server.port"));
            assertEquals(upstream.url() + "/k/x", attempt.attribute("url.full"));
            assertTrue(attempt.span().getStartTimeUnixNano() >= server.span().getStartTimeUnixNano());
            assertTrue(attempt.span().getEndTimeUnixNano() <= server.span().getEndTimeUnixNano());

            // A new trace: Sluice starts it, and a cached route shows its lookup.
            assertEquals(200, get(sluice, "/c/y", null).getStatus());
            String started = upstream.take().headers().get("traceparent").substring(3, 35);
            List<OtlpReceiver.Received> cached = collector.trace(started, 3);
            assertNull(only(cached, "GET /c").parentId(), "a trace started here has no parent");
            assertEquals("false", only(cached, "cache lookup").attribute("sluice.cache.found"));
            assertEquals("MISS", only(cached, "GET /c").attribute("sluice.cache.status"));
        }
    }

    @Test
    void eachUpstreamAttemptIsASpanOfItsOwn() throws Exception
    {
        try (OtlpReceiver collector = new OtlpReceiver(); PoolTarget failing = PoolTarget.start("failing"); PoolTarget good = PoolTarget.start("good");
             SluiceUnderTest sluice = SluiceUnderTest.start("""
                 route.r.path = /r
                 route.r.upstream = u
                 route.r.retries = 1
                 route.r.retry-on = 503
                 upstream.u.targets = %s, %s
                 upstream.u.outlier.consecutive-failures = 0
                 observe.otlp.endpoint = %s
                 """.formatted(failing.url(), good.url(), collector.endpoint())))
        {
            failing.status = 503;
            String retried = null;
            for (int i = 0; i < 2; i++)
            {
                String traceId = "0af7651916cd43dd8448eb211c80319" + i;
                assertEquals(200, get(sluice, "/r/x", "00-" + traceId + "-b7ad6b7169203331-01").getStatus());
                if (collector.trace(traceId, 2).stream().filter(span -> span.span().getName().equals("GET")).count() == 2)
                {
                    retried = traceId;
                }
            }
            assertTrue(retried != null, "round robin sends one of two requests to the failing target first");
            List<OtlpReceiver.Received> attempts = collector.trace(retried, 3).stream().filter(span -> span.span().getName().equals("GET")).toList();
            OtlpReceiver.Received first = attempts.stream().filter(span -> span.attribute("http.request.resend_count") == null).findFirst().orElseThrow();
            OtlpReceiver.Received second = attempts.stream().filter(span -> "1".equals(span.attribute("http.request.resend_count"))).findFirst().orElseThrow();
            assertEquals("503", first.attribute("http.response.status_code"));
            assertEquals("503", first.attribute("error.type"));
            assertEquals(io.opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_ERROR, first.span().getStatus().getCode());
            assertEquals("200", second.attribute("http.response.status_code"));
            assertNotEquals(first.spanId(), second.spanId());
            assertEquals(first.parentId(), second.parentId());
        }
    }

    @Test
    void eachModelAttemptIsAClientSpanWithGenAiAttributesAndTheProvidersParent() throws Exception
    {
        try (OtlpReceiver collector = new OtlpReceiver(); dev.sluice.testing.FakeModelProvider provider = dev.sluice.testing.FakeModelProvider.start("traced");
             SluiceUnderTest sluice = SluiceUnderTest.start("""
                 route.ai.path = /v1
                 route.ai.ai = on
                 ai.provider.p.type = anthropic
                 ai.provider.p.base-url = %s
                 ai.provider.p.api-key = k
                 ai.model.m.target.t.provider = p
                 ai.model.m.target.t.model = claude-traced
                 observe.otlp.endpoint = %s
                 """.formatted(provider.uri(), collector.endpoint())))
        {
            org.eclipse.jetty.client.ContentResponse response = client.POST(sluice.uri("/v1/chat/completions"))
                .body(new org.eclipse.jetty.client.StringRequestContent("application/json", "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"secret words\"}]}"))
                .send();
            assertEquals(200, response.getStatus(), response.getContentAsString());
            String traceId = response.getHeaders().get("traceparent") != null ? response.getHeaders().get("traceparent").split("-")[1] : null;
            String sent = provider.take().header("traceparent");
            assertTrue(sent != null, "the provider is told the trace");
            List<OtlpReceiver.Received> spans = collector.trace(sent.split("-")[1], 2);
            OtlpReceiver.Received attempt = only(spans, "chat claude-traced");
            assertEquals(io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_CLIENT, attempt.span().getKind());
            assertEquals("anthropic", attempt.attribute("gen_ai.system"));
            assertEquals("chat", attempt.attribute("gen_ai.operation.name"));
            assertEquals("claude-traced-20250101", attempt.attribute("gen_ai.response.model"));
            assertTrue(Long.parseLong(attempt.attribute("gen_ai.usage.input_tokens")) > 0);
            assertEquals(sent.split("-")[2], attempt.spanId(), "the span the provider sees as its parent");
            assertTrue(spans.stream().noneMatch(span -> span.span().toString().contains("secret words")), "never the prompt");
            assertTrue(traceId == null || traceId.equals(attempt.traceId()));
        }
    }

    @Test
    void aDeadCollectorCostsRequestsNothingAndDropsAreCounted() throws Exception
    {
        // Accepts connections and never answers: the worst collector, each export waiting its whole timeout.
        try (ServerSocket blackhole = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress()); TestUpstream upstream = TestUpstream.start();
             SluiceUnderTest sluice = SluiceUnderTest.start("""
                 route.r.path = /r
                 route.r.upstream = u
                 upstream.u.url = %s
                 observe.otlp.endpoint = http://127.0.0.1:%d/v1/traces
                 observe.otlp.timeout = 30s
                 observe.otlp.queue-size = 4
                 metrics.allow = 127.0.0.0/8
                 """.formatted(upstream.url(), blackhole.getLocalPort())))
        {
            long started = System.nanoTime();
            for (int i = 0; i < 50; i++)
            {
                assertEquals(200, client.newRequest(sluice.uri("/r/" + i)).timeout(20, TimeUnit.SECONDS).send().getStatus());
            }
            long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
            // Were any request to wait for the exporter, it would wait its 30 s timeout.
            assertTrue(seconds < 25, "50 requests took " + seconds + " s");
            PrometheusText metrics = PrometheusText.parse(client.GET(sluice.uri("/-/metrics")).getContentAsString(), false);
            assertTrue(metrics.value("sluice_tracing_spans_total", "result", "dropped") >= 40, "a full queue drops and counts");
            assertEquals(0, metrics.value("sluice_tracing_spans_total", "result", "exported"));
        }
    }

    @Test
    void aZeroSampleRatioRecordsNothingNew() throws Exception
    {
        try (OtlpReceiver collector = new OtlpReceiver(); TestUpstream upstream = TestUpstream.start();
             SluiceUnderTest sluice = SluiceUnderTest.start("route.r.path = /r\nroute.r.upstream = u\nupstream.u.url = " + upstream.url()
                 + "\nobserve.otlp.endpoint = " + collector.endpoint() + "\nobserve.otlp.sample-ratio = 0\n"))
        {
            for (int i = 0; i < 5; i++)
            {
                assertEquals(200, client.GET(sluice.uri("/r/x")).getStatus());
                assertTrue(upstream.take().headers().get("traceparent").endsWith("-00"));
            }
            Thread.sleep(1500);
            assertEquals(List.of(), collector.all());
        }
    }

    /**
     * A collector behind a server that ends idle keep-alive connections without saying so
     * (Node.js and uvicorn after 5 s; many proxies in front of collectors): the export after a
     * pause met a closed connection and its batch was lost. Here the collector answers the first
     * export on a connection and closes it when the next arrives, which makes the race certain.
     */
    @Test
    void anExportThatMeetsAConnectionTheCollectorClosedGoesAgain() throws Exception
    {
        AtomicInteger taken = new AtomicInteger();
        try (SocketUpstream collector = new SocketUpstream("closing-collector", socket ->
             {
                 InputStream in = socket.getInputStream();
                 String head = SocketUpstream.readHead(in);
                 in.readNBytes(SocketUpstream.contentLength(head));
                 answer(socket, "200 OK");
                 taken.incrementAndGet();
                 SocketUpstream.readHead(in);
             });
             TestUpstream upstream = TestUpstream.start();
             SluiceUnderTest sluice = exportingTo(upstream, collector))
        {
            for (int i = 0; i < 3; i++)
            {
                assertEquals(200, client.newRequest(sluice.uri("/r/" + i)).timeout(20, TimeUnit.SECONDS).send().getStatus());
                int expected = i + 1;
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (taken.get() < expected && System.nanoTime() < deadline)
                {
                    Thread.sleep(50);
                }
            }
            PrometheusText metrics = PrometheusText.parse(client.GET(sluice.uri("/-/metrics")).getContentAsString(), false);
            assertEquals(0, metrics.value("sluice_tracing_spans_total", "result", "failed"), "no batch lost");
            assertEquals(3, taken.get(), "each export after the first met a closed connection and went again on a new one");
            assertEquals(3, collector.connections());
        }
    }

    /** A collector that sheds load with a 503 once: the batch goes again after a short pause, within the export's timeout. */
    @Test
    void aBatchACollectorTurnsAwayWith503GoesOnceMore() throws Exception
    {
        AtomicInteger exports = new AtomicInteger();
        try (SocketUpstream collector = new SocketUpstream("shedding-collector", socket ->
             {
                 InputStream in = socket.getInputStream();
                 while (true)
                 {
                     String head = SocketUpstream.readHead(in);
                     if (head.isEmpty())
                     {
                         return;
                     }
                     in.readNBytes(SocketUpstream.contentLength(head));
                     String status = exports.incrementAndGet() == 1 ? "503 Service Unavailable" : "200 OK";
                     answer(socket, status);
                 }
             });
             TestUpstream upstream = TestUpstream.start();
             SluiceUnderTest sluice = exportingTo(upstream, collector))
        {
            assertEquals(200, client.newRequest(sluice.uri("/r/1")).timeout(20, TimeUnit.SECONDS).send().getStatus());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            PrometheusText metrics;
            do
            {
                Thread.sleep(100);
                metrics = PrometheusText.parse(client.GET(sluice.uri("/-/metrics")).getContentAsString(), false);
            }
            while (metrics.value("sluice_tracing_spans_total", "result", "exported") < 1 && System.nanoTime() < deadline);
            // The exchange's server span and its upstream attempt's span, in one batch.
            assertEquals(2, metrics.value("sluice_tracing_spans_total", "result", "exported"));
            assertEquals(0, metrics.value("sluice_tracing_spans_total", "result", "failed"));
            assertEquals(2, exports.get(), "the 503, then the batch again");
        }
    }

    /** Sluice with one route, exporting every exchange's spans to this collector. */
    private static SluiceUnderTest exportingTo(TestUpstream upstream, SocketUpstream collector) throws Exception
    {
        return SluiceUnderTest.start("""
            route.r.path = /r
            route.r.upstream = u
            upstream.u.url = %s
            observe.otlp.endpoint = %s/v1/traces
            metrics.allow = 127.0.0.0/8
            """.formatted(upstream.url(), collector.url()));
    }

    /** A collector's empty answer with this status line's code and reason. */
    private static void answer(java.net.Socket socket, String status) throws java.io.IOException
    {
        socket.getOutputStream().write(("HTTP/1.1 " + status + "\r\nContent-Type: application/x-protobuf\r\nContent-Length: 0\r\n\r\n")
            .getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().flush();
    }
}
