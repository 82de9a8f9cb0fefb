// /-/metrics after scripted traffic through the real chain: exact counts, strict format, bounded labels, access.
package dev.sluice.observe;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import dev.sluice.testing.Burst;
import dev.sluice.testing.PoolTarget;
import dev.sluice.testing.PrometheusText;
import dev.sluice.testing.SluiceUnderTest;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MetricsTest
{
    private static final String ADMIN = "admin-secret-1";
    private static HttpClient client;

    @BeforeAll
    static void startClient() throws Exception
    {
        client = new HttpClient();
        client.setMaxConnectionsPerDestination(16);
        client.start();
    }

    @AfterAll
    static void stopClient() throws Exception
    {
        client.stop();
    }

    private static String config(PoolTarget a, PoolTarget b)
    {
        return """
            route.pub.path = /pub
            route.pub.upstream = u
            route.pub.cache = force
            route.pub.cache.ttl = 60s
            route.key.path = /key
            route.key.upstream = u
            route.key.auth = api-key
            route.key.rate-limit = 3/h
            route.key.rate-limit.by = consumer
            route.open.path = /open
            route.open.upstream = u
            route.flaky.path = /flaky
            route.flaky.upstream = f
            route.flaky.retries = 1
            route.flaky.retry-on = 500
            consumer.alice.api-key.main = demo:alice-key-0123456789
            upstream.u.url = %s
            upstream.f.targets = %s, %s
            upstream.f.outlier.consecutive-failures = 2
            upstream.f.outlier.statuses = 500
            upstream.f.outlier.max-ejection-percent = 50
            upstream.f.health.path = /health
            upstream.f.health.interval = 100ms
            upstream.f.health.timeout = 100ms
            admin.token = demo:%s
            """.formatted(a.url(), a.url(), b.url(), ADMIN);
    }

    private static ContentResponse get(SluiceUnderTest sluice, String path, String... headers) throws Exception
    {
        Request request = client.newRequest(sluice.uri(path)).timeout(10, TimeUnit.SECONDS);
        request.headers(h ->
        {
            for (int i = 0; i < headers.length; i += 2)
            {
                h.put(headers[i], headers[i + 1]);
            }
        });
        return request.send();
    }

    private static PrometheusText scrape(SluiceUnderTest sluice) throws Exception
    {
        ContentResponse response = get(sluice, "/-/metrics", "Authorization", "Bearer " + ADMIN);
        assertEquals(200, response.getStatus(), response.getContentAsString());
        assertEquals("text/plain; version=0.0.4; charset=utf-8", response.getHeaders().get("Content-Type"));
        assertEquals("no-store", response.getHeaders().get("Cache-Control"));
        return PrometheusText.parse(response.getContentAsString(), false);
    }

    @Test
    void grpcStatusLabelsAreTheCodesNamesAndNothingElse()
    {
        assertEquals("ok", Metrics.grpcCode("0"));
        assertEquals("unavailable", Metrics.grpcCode("14"));
        assertEquals("unauthenticated", Metrics.grpcCode("16"));
        // What an upstream may send otherwise is one label, so it cannot grow the series.
        for (String odd : new String[] {"17", "99", "007", "-1", "", "ok", "1x"})
        {
            assertEquals("other", Metrics.grpcCode(odd), odd);
        }
    }

    @Test
    void countsWhatTheTrafficDid() throws Exception
    {
        try (PoolTarget a = PoolTarget.start("a"); PoolTarget b = PoolTarget.start("b");
             SluiceUnderTest sluice = SluiceUnderTest.start(config(a, b)))
        {
            b.status = 500;
            for (int i = 0; i < 3; i++)
            {
                assertEquals(200, get(sluice, "/pub/item").getStatus());
            }
            assertEquals(401, get(sluice, "/key/x").getStatus());
            assertEquals(401, get(sluice, "/key/x", "apikey", "wrong-key-0123456789").getStatus());
            for (int i = 0; i < 3; i++)
            {
                assertEquals(200, get(sluice, "/key/x", "apikey", "alice-key-0123456789").getStatus());
            }
            assertEquals(429, get(sluice, "/key/x", "apikey", "alice-key-0123456789").getStatus());
            assertEquals(404, get(sluice, "/nothing-here").getStatus());
            assertEquals(200, get(sluice, "/open/x").getStatus());
            // Round robin over a and a failing b, one retry: every request ends 200 from a, and b is ejected after two failures.
            for (int i = 0; i < 6; i++)
            {
                assertEquals(200, get(sluice, "/flaky/x").getStatus());
            }

            PrometheusText metrics = scrape(sluice);
            assertEquals(3, metrics.value("sluice_requests_total", "route", "pub", "status_class", "2xx"));
            assertEquals(3, metrics.value("sluice_requests_total", "route", "key", "status_class", "2xx"));
            assertEquals(3, metrics.value("sluice_requests_total", "route", "key", "status_class", "4xx"));
            assertEquals(1, metrics.value("sluice_requests_total", "route", "none", "status_class", "4xx"));
            assertEquals(6, metrics.value("sluice_requests_total", "route", "flaky", "status_class", "2xx"));
            assertEquals(0, metrics.valueOrZero("sluice_requests_total", "route", "flaky", "status_class", "5xx"));
            assertEquals("counter", metrics.type("sluice_requests_total"));

            assertEquals(1, metrics.value("sluice_cache_requests_total", "route", "pub", "status", "miss"));
            assertEquals(2, metrics.value("sluice_cache_requests_total", "route", "pub", "status", "hit"));
            assertEquals(1, metrics.value("sluice_cache_entries", "tier", "OnHeap"));

            assertEquals(1, metrics.value("sluice_auth_total", "route", "key", "method", "none", "result", "unauthorized"));
            assertEquals(1, metrics.value("sluice_auth_total", "route", "key", "method", "api-key", "result", "unauthorized"));
            assertEquals(4, metrics.value("sluice_auth_total", "route", "key", "method", "api-key", "result", "success"));
            assertEquals(3, metrics.value("sluice_ratelimit_decisions_total", "route", "key", "result", "allowed"));
            assertEquals(1, metrics.value("sluice_ratelimit_decisions_total", "route", "key", "result", "refused"));

            // Latency histogram: one count per request, the +Inf bucket equal to it (the parser checks that too).
            assertEquals(3, metrics.value("sluice_request_duration_seconds_count", "route", "pub"));
            assertEquals(3, metrics.value("sluice_request_duration_seconds_bucket", "route", "pub", "le", "+Inf"));
            assertEquals("histogram", metrics.type("sluice_request_duration_seconds"));
            assertEquals(16, metrics.find("sluice_request_duration_seconds_bucket", "route", "pub").size());
            // Upstream u answered the cache miss, three keyed requests and one open one.
            assertEquals(5, metrics.value("sluice_upstream_duration_seconds_count", "upstream", "u", "target", a.authority()));
            assertTrue(metrics.value("sluice_response_bytes_total", "route", "pub") >= 3);

            // Each b failure was retried on a; b was ejected after two consecutive failures, and health checks run.
            double retries = metrics.value("sluice_upstream_retries_total", "route", "flaky");
            assertEquals(2, retries, "b is tried until ejected: twice");
            assertEquals(1, metrics.value("sluice_upstream_ejections_total", "upstream", "f", "target", b.authority()));
            assertEquals(1, metrics.value("sluice_upstream_target_state", "upstream", "f", "target", b.authority(), "state", "ejected"));
            assertEquals(0, metrics.value("sluice_upstream_target_state", "upstream", "f", "target", b.authority(), "state", "healthy"));
            assertEquals(1, metrics.value("sluice_upstream_target_state", "upstream", "f", "target", a.authority(), "state", "healthy"));
            // Health checks run on their own schedule (every 100 ms here): wait for the first to be counted.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (metrics.find("sluice_upstream_health_checks_total", "upstream", "f", "target", a.authority(), "result", "passed").isEmpty()
                && System.nanoTime() < deadline)
            {
                Thread.sleep(100);
                metrics = scrape(sluice);
            }
            assertTrue(metrics.value("sluice_upstream_health_checks_total", "upstream", "f", "target", a.authority(), "result", "passed") >= 1);

            assertEquals(0, metrics.value("sluice_requests_in_flight"));
            assertEquals(0, metrics.value("sluice_config_reloads_total", "result", "accepted"));
            assertEquals(1, metrics.find("sluice_config_info").size());
            assertEquals(64, metrics.find("sluice_config_info").get(0).label("sha256").length());
            assertEquals(1, metrics.find("sluice_build_info").size());
            assertFalse(metrics.find("jvm_memory_used_bytes").isEmpty(), "JVM binders");
            assertFalse(metrics.find("jvm_gc_pause_seconds_count").isEmpty() && metrics.find("jvm_gc_memory_allocated_bytes_total").isEmpty(), "GC binder");
            assertFalse(metrics.find("jetty_threads_current").isEmpty(), "Jetty's thread pool");
            assertTrue(metrics.value("sluice_connections") >= 1);

            // Scrapes are not requests: they never count themselves.
            assertEquals(3, scrape(sluice).value("sluice_requests_total", "route", "pub", "status_class", "2xx"));
        }
    }

    @Test
    void labelsStayBoundedUnderTenThousandDistinctPaths() throws Exception
    {
        try (PoolTarget a = PoolTarget.start("a"); PoolTarget b = PoolTarget.start("b");
             SluiceUnderTest sluice = SluiceUnderTest.start(config(a, b)))
        {
            assertEquals(200, get(sluice, "/open/warm").getStatus());
            assertEquals(404, get(sluice, "/nope").getStatus());
            Set<String> before = series(scrape(sluice));

            java.util.Map<Integer, Integer> statuses = new java.util.TreeMap<>();
            for (int batch = 0; batch < 20; batch++)
            {
                List<java.net.URI> targets = new ArrayList<>();
                for (int i = batch * 500; i < (batch + 1) * 500; i++)
                {
                    targets.add(sluice.uri(i % 2 == 0 ? "/open/p" + i + "?q=" + i : "/nope" + i));
                }
                Burst.statuses(client, targets).forEach((status, count) -> statuses.merge(status, count, Integer::sum));
            }
            assertEquals(java.util.Map.of(200, 5_000, 404, 5_000), statuses);

            // An exchange is counted when it completes, which can be just after its client has the
            // whole answer: the last few of a burst may show a moment later.
            PrometheusText metrics = scrape(sluice);
            for (int wait = 0; wait < 50 && metrics.value("sluice_requests_total", "route", "open", "status_class", "2xx")
                + metrics.value("sluice_requests_total", "route", "none", "status_class", "4xx") < 10_002; wait++)
            {
                Thread.sleep(100);
                metrics = scrape(sluice);
            }
            Set<String> after = series(metrics);
            assertEquals(before, after, "no new sluice_ series from client paths");
            assertEquals(5_001, metrics.value("sluice_requests_total", "route", "open", "status_class", "2xx"));
            assertEquals(5_001, metrics.value("sluice_requests_total", "route", "none", "status_class", "4xx"));
            for (PrometheusText.Sample sample : metrics.samples())
            {
                assertFalse(sample.labels().values().stream().anyMatch(value -> value.contains("/p") || value.contains("nope")), sample.toString());
            }
        }
    }

    /** Every sluice_ series (name and labels), without values. */
    private static Set<String> series(PrometheusText metrics)
    {
        Set<String> series = new TreeSet<>();
        // Health checks run on their own clock: their series may appear at any time.
        metrics.samples().stream().filter(sample -> sample.name().startsWith("sluice_") && !sample.name().startsWith("sluice_upstream_health"))
            .forEach(sample -> series.add(sample.name() + sample.labels()));
        return series;
    }

    @Test
    void openMetricsWhenAskedAndGuardedAccess() throws Exception
    {
        try (PoolTarget a = PoolTarget.start("a"); PoolTarget b = PoolTarget.start("b");
             SluiceUnderTest sluice = SluiceUnderTest.start(config(a, b));
             SluiceUnderTest open = SluiceUnderTest.start("route.r.path = /r\nroute.r.upstream = u\nupstream.u.url = " + a.url()
                 + "\nmetrics.allow = 127.0.0.0/8\n");
             SluiceUnderTest closed = SluiceUnderTest.start("route.r.path = /r\nroute.r.upstream = u\nupstream.u.url = " + a.url()
                 + "\nmetrics.allow = 10.0.0.0/8\n");
             SluiceUnderTest nobody = SluiceUnderTest.start("route.r.path = /r\nroute.r.upstream = u\nupstream.u.url = " + a.url() + "\n");
             SluiceUnderTest off = SluiceUnderTest.start("route.r.path = /r\nroute.r.upstream = u\nupstream.u.url = " + a.url()
                 + "\nmetrics.enabled = false\nadmin.token = demo:" + ADMIN + "\n"))
        {
            assertEquals(200, get(sluice, "/open/x").getStatus());
            ContentResponse om = get(sluice, "/-/metrics", "Authorization", "Bearer " + ADMIN, "Accept", "application/openmetrics-text; version=1.0.0");
            assertEquals(200, om.getStatus());
            assertTrue(om.getHeaders().get("Content-Type").startsWith("application/openmetrics-text"));
            PrometheusText parsed = PrometheusText.parse(om.getContentAsString(), true);
            assertEquals(1, parsed.value("sluice_requests_total", "route", "open", "status_class", "2xx"));

            ContentResponse anonymous = get(sluice, "/-/metrics");
            assertEquals(401, anonymous.getStatus());
            assertEquals("application/problem+json", anonymous.getMediaType());
            assertEquals(401, get(sluice, "/-/metrics", "Authorization", "Bearer wrong").getStatus());
            assertEquals(405, client.newRequest(sluice.uri("/-/metrics")).method("POST").headers(h -> h.put("Authorization", "Bearer " + ADMIN))
                .send().getStatus());

            assertEquals(200, get(open, "/-/metrics").getStatus(), "metrics.allow opens it without a token");
            assertEquals(403, get(closed, "/-/metrics").getStatus());
            assertEquals(404, get(nobody, "/-/metrics").getStatus(), "neither a token nor an allow-list: off");
            assertEquals(404, get(off, "/-/metrics", "Authorization", "Bearer " + ADMIN).getStatus());
            // Metrics off records nothing, and the proxy still works.
            assertEquals(200, get(off, "/r/x").getStatus());
        }
    }
}
