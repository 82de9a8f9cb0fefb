// Pool configuration: what is accepted, and the exact message for what is not.
package dev.sluice.upstream;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.sluice.config.ConfigException;
import dev.sluice.config.Settings;
import dev.sluice.config.SettingsParser;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UpstreamSettingsParserTest
{
    private static final String ROUTE = "route.api.path = /api\nroute.api.upstream = api\n";

    private static Map<String, String> properties(String text) throws Exception
    {
        java.util.Properties properties = new java.util.Properties();
        properties.load(new java.io.StringReader(text));
        Map<String, String> map = new java.util.TreeMap<>();
        properties.forEach((key, value) -> map.put((String)key, (String)value));
        return map;
    }

    private static Settings parse(String text) throws Exception
    {
        return SettingsParser.parse("test", properties(ROUTE + text), name -> null);
    }

    private static List<String> problems(String text) throws Exception
    {
        try
        {
            parse(text);
            return List.of();
        }
        catch (ConfigException x)
        {
            return x.problems();
        }
    }

    @Test
    void aPoolWithEverySetting() throws Exception
    {
        Settings settings = parse("""
            proxy.zone = eu-1
            upstream.api.targets = http://10.0.0.1:8080/v1 weight=3 zone=eu-1, http://10.0.0.2:8080/v1/ zone=eu-2, http://[::1]:9000/v1 weight=0
            upstream.api.balance = hash
            upstream.api.hash-on = cookie:session
            upstream.api.zone.min-available = 100%
            upstream.api.zone.max-in-flight = 50
            upstream.api.health.path = /healthz
            upstream.api.health.interval = 5s
            upstream.api.health.timeout = 1s
            upstream.api.health.healthy-threshold = 1
            upstream.api.health.unhealthy-threshold = 2
            upstream.api.health.statuses = 200, 204
            upstream.api.outlier.consecutive-failures = 3
            upstream.api.outlier.statuses = 500, 503
            upstream.api.outlier.ejection-time = 10s
            upstream.api.outlier.max-ejection-time = 2m
            upstream.api.outlier.max-ejection-percent = 34%
            upstream.api.retry.budget = 10%
            upstream.api.retry.min-per-second = 2
            route.api.retries = 3
            route.api.retry-on = connect-failure, timeout, 502
            """);
        Upstream upstream = settings.upstream("api");
        assertEquals(List.of(new Target("10.0.0.1", 8080, 3, "eu-1"), new Target("10.0.0.2", 8080, 1, "eu-2"), new Target("::1", 9000, 0, null)),
            upstream.targets());
        assertEquals("http://[::1]:9000/v1/x?q", upstream.url(upstream.targets().get(2), "/x", "q"));
        PoolSettings pool = upstream.pool();
        assertEquals(PoolSettings.Balance.HASH, pool.balance());
        assertEquals(new PoolSettings.HashOn(PoolSettings.HashOn.Kind.COOKIE, "session"), pool.hashOn());
        assertEquals("eu-1", pool.zone());
        assertEquals(100, pool.zoneMinAvailablePercent());
        assertEquals(50, pool.zoneMaxInFlight());
        assertEquals("/healthz", pool.health().path());
        assertEquals(Duration.ofSeconds(5), pool.health().interval());
        assertEquals(true, pool.health().statuses().contains(204));
        assertEquals(false, pool.health().statuses().contains(201));
        assertEquals(new PoolSettings.Outliers(3, Set.of(500, 503), Duration.ofSeconds(10), Duration.ofMinutes(2), 34), pool.outliers());
        assertEquals(10, pool.retryBudgetPercent());
        assertEquals(new RetryPolicy(3, true, false, true, Set.of(502), false), settings.routes().routes().get(0).retry());
    }

    @Test
    void aSingleUrlIsAPoolOfOneWithDefaults() throws Exception
    {
        Settings settings = parse("upstream.api.url = https://api.internal/base\n");
        Upstream upstream = settings.upstream("api");
        assertEquals(List.of(new Target("api.internal", 443, 1, null)), upstream.targets());
        assertEquals(PoolSettings.Balance.ROUND_ROBIN, upstream.pool().balance());
        assertNull(upstream.pool().health());
        assertNull(upstream.pool().zone(), "no zone labels: zone-agnostic even with proxy.zone set");
        assertEquals(RetryPolicy.DEFAULT, settings.routes().routes().get(0).retry());
    }

    @Test
    void badPoolsAreRefusedWithTheKeyTheValueAndWhatIsAllowed() throws Exception
    {
        assertEquals(List.of("Key 'upstream.api.balance' has value 'random'; allowed: round-robin, least-in-flight, latency or hash."),
            problems("upstream.api.targets = http://a:1\nupstream.api.balance = random\n"));
        assertEquals(List.of("Key 'upstream.api.targets' has value 'http://a:1 weight=-1'; allowed: weight=<a whole number from 0 to 1000> (0 drains the target)."),
            problems("upstream.api.targets = http://a:1 weight=-1\n"));
        assertEquals(List.of("Key 'upstream.api.targets' has value ''; allowed: at least one target: comma-separated target URLs, each optionally "
                + "followed by weight=<0-1000> and zone=<label>, such as http://10.0.0.1:8080 weight=2 zone=eu-1."),
            problems("upstream.api.targets =\n"));
        assertEquals(List.of("Key 'proxy.zone' is 'eu-3', but upstream 'api' has no target in that zone; allowed: one of its zones eu-1, eu-2, "
                + "or no zone labels on its targets."),
            problems("proxy.zone = eu-3\nupstream.api.targets = http://a:1 zone=eu-1, http://b:1 zone=eu-2\n"));
        assertEquals(List.of("Keys 'upstream.api.url' and 'upstream.api.targets' are both set; allowed: one of them."),
            problems("upstream.api.url = http://a:1\nupstream.api.targets = http://b:1\n"));
        assertEquals(List.of("Key 'upstream.api.targets' has value 'https://b:1'; allowed: targets that all share one scheme and base path (the first is http://…)."),
            problems("upstream.api.targets = http://a:1, https://b:1\n"));
        assertEquals(List.of("Key 'upstream.api.targets' has value 'http://a:1'; allowed: each target once (a:1 is listed twice)."),
            problems("upstream.api.targets = http://a:1, http://a:1\n"));
        assertEquals(List.of("Key 'upstream.api.targets' has value 'http://a:1 colour=red'; allowed: comma-separated target URLs, each optionally "
                + "followed by weight=<0-1000> and zone=<label>, such as http://10.0.0.1:8080 weight=2 zone=eu-1."),
            problems("upstream.api.targets = http://a:1 colour=red\n"));
        assertEquals(List.of("Key 'upstream.api.hash-on' is set but 'upstream.api.balance' is not hash; allowed: hash-on only with balance = hash."),
            problems("upstream.api.targets = http://a:1\nupstream.api.hash-on = ip\n"));
        assertEquals(List.of("Key 'upstream.api.hash-on' has value 'query:x'; allowed: header:<Name>, cookie:<name>, ip, consumer or path."),
            problems("upstream.api.targets = http://a:1\nupstream.api.balance = hash\nupstream.api.hash-on = query:x\n"));
        assertEquals(List.of("Key 'upstream.api.health.timeout' (5000 ms) is longer than 'upstream.api.health.interval' (1000 ms); "
                + "allowed: a timeout no longer than the interval."),
            problems("upstream.api.targets = http://a:1\nupstream.api.health.path = /h\nupstream.api.health.interval = 1s\nupstream.api.health.timeout = 5s\n"));
        assertEquals(List.of("Key 'upstream.api.health.statuses' has value '200-99'; allowed: status codes and ranges within 100-599, such as 200-399, 404."),
            problems("upstream.api.targets = http://a:1\nupstream.api.health.path = /h\nupstream.api.health.statuses = 200-99\n"));
        String grpc = "upstream.api.targets = http://a:1\nupstream.api.http-version = 2\nupstream.api.health.type = grpc\n";
        assertEquals(List.of("Key 'upstream.api.health.type' has value 'tcp'; allowed: http (GET of health.path) or grpc (gRPC's health-checking protocol)."),
            problems("upstream.api.targets = http://a:1\nupstream.api.health.type = tcp\n"));
        assertEquals(List.of("Key 'upstream.api.health.path' is set with 'upstream.api.health.type' = grpc; allowed: no path, as a gRPC check calls "
                + "/grpc.health.v1.Health/Check."),
            problems(grpc + "upstream.api.health.path = /h\n"));
        assertEquals(List.of("Key 'upstream.api.health.statuses' is set with 'upstream.api.health.type' = grpc; allowed: no statuses, as a gRPC target "
                + "is healthy when it answers SERVING."),
            problems(grpc + "upstream.api.health.statuses = 200\n"));
        assertEquals(List.of("Key 'upstream.api.health.grpc-service' has value 'a b'; allowed: a gRPC service name such as "
                + "acme.orders.v1.OrderService (empty for the whole server)."),
            problems(grpc + "upstream.api.health.grpc-service = a b\n"));
        assertEquals(List.of("Key 'upstream.api.health.grpc-service' is set but 'upstream.api.health.type' is not grpc; allowed: grpc-service only "
                + "with health.type = grpc."),
            problems("upstream.api.targets = http://a:1\nupstream.api.health.path = /h\nupstream.api.health.grpc-service = x\n"));
        assertEquals(List.of("Key 'upstream.api.health.type' is grpc but 'upstream.api.http-version' is not 2; allowed: gRPC health checks only to "
                + "upstreams with http-version = 2, as gRPC servers speak only HTTP/2."),
            problems("upstream.api.targets = http://a:1\nupstream.api.health.type = grpc\n"));
        PoolSettings.HealthCheck check = parse(grpc + "upstream.api.health.grpc-service = acme.v1.Orders\n").upstream("api").pool().health();
        assertEquals("acme.v1.Orders", check.grpcService());
        assertEquals("/grpc.health.v1.Health/Check", check.path());
        assertEquals("", parse(grpc).upstream("api").pool().health().grpcService(), "the server as a whole");
        assertEquals(List.of("Key 'upstream.api.outlier.max-ejection-percent' has value '150%'; allowed: a percentage from 0% to 100%."),
            problems("upstream.api.targets = http://a:1\nupstream.api.outlier.max-ejection-percent = 150%\n"));
        assertEquals(List.of("Key 'route.api.retry-on' has value '404'; allowed: connect-failure, reset, timeout, idempotency-key and status codes 500-599."),
            problems("upstream.api.targets = http://a:1\nroute.api.retry-on = 404\n"));
        assertEquals(List.of("Key 'route.api.retries' has value '11'; allowed: a whole number from 0 to 10."),
            problems("upstream.api.targets = http://a:1\nroute.api.retries = 11\n"));
        assertEquals(List.of("Key 'proxy.retry.max-body' has value '1TB'; allowed: a size such as 512, 64KB or 10MB, at most 16777216 bytes."),
            problems("upstream.api.targets = http://a:1\nproxy.retry.max-body = 1TB\n"));
    }

    @Test
    void aHostHeaderIsOneHostWithAnOptionalPort() throws Exception
    {
        assertEquals("api.internal:8443", parse("upstream.api.url = http://10.0.0.5:8080\nupstream.api.host-header = api.internal:8443\n")
            .upstreams().get("api").hostHeader());
        assertEquals("[2001:db8::1]", parse("upstream.api.targets = http://10.0.0.5:8080, http://10.0.0.6:8080\nupstream.api.host-header = [2001:db8::1]\n")
            .upstreams().get("api").hostHeader());
        assertEquals("svc_orders.local", parse("upstream.api.url = http://10.0.0.5\nupstream.api.host-header = svc_orders.local\n")
            .upstreams().get("api").hostHeader());
        assertNull(parse("upstream.api.url = http://10.0.0.5\n").upstreams().get("api").hostHeader());
        String allowed = "allowed: one host name or IP address with an optional port (1-65535), such as api.internal, api.internal:8443 or [2001:db8::1]:8080.";
        for (String bad : List.of("a.example, b.example", "api.internal/x", "user@api.internal", "api.internal:0", "api.internal:70000",
            "api .internal", "api.internal:", "-api.internal", "http://api.internal", "a..b"))
        {
            assertEquals(List.of("Key 'upstream.api.host-header' has value '" + bad + "'; " + allowed),
                problems("upstream.api.url = http://10.0.0.5\nupstream.api.host-header = " + bad + "\n"), bad);
        }
    }

    @Test
    void aStickyCookieAndItsOptions() throws Exception
    {
        String pool = "upstream.api.targets = http://10.0.0.5:8080, http://10.0.0.6:8080\n";
        assertEquals(new Sticky("srv", null, "/", "Lax"), parse(pool + "upstream.api.sticky.cookie = srv\n").upstream("api").sticky());
        assertEquals(new Sticky("srv", Duration.ofHours(8), "/shop", "None"), parse(pool + "upstream.api.sticky.cookie = srv\nupstream.api.sticky.ttl = 8h\n"
            + "upstream.api.sticky.path = /shop\nupstream.api.sticky.same-site = none\n").upstream("api").sticky());
        assertNull(parse(pool).upstream("api").sticky());
        assertEquals(List.of(
                "Key 'upstream.api.sticky.cookie' has value 'my srv'; allowed: a cookie name of letters, digits and !#$%&'*+.^_`|~- (at most 64).",
                "Key 'upstream.api.sticky.ttl' has value '500d'; allowed: a duration such as 250ms, 5s, 2m or 1h.",
                "Key 'upstream.api.sticky.path' has value 'shop'; allowed: a path starting with '/', without spaces, ';' or ','.",
                "Key 'upstream.api.sticky.same-site' has value 'loose'; allowed: lax, strict or none."),
            problems(pool + "upstream.api.sticky.cookie = my srv\nupstream.api.sticky.ttl = 500d\nupstream.api.sticky.path = shop\n"
                + "upstream.api.sticky.same-site = loose\n"));
        assertEquals(List.of("Key 'upstream.api.sticky.ttl' has value '10000h'; allowed: 0 (a session cookie) or from 1s to 400 days."),
            problems(pool + "upstream.api.sticky.cookie = srv\nupstream.api.sticky.ttl = 10000h\n"));
        assertEquals(List.of("Key 'upstream.api.sticky.ttl' is set but 'upstream.api.sticky.cookie' is not; allowed: sticky options only with a sticky cookie."),
            problems(pool + "upstream.api.sticky.ttl = 1h\n"));
    }

    @Test
    void slowStartIsAWindowUpToAnHourNotWithAHashRing() throws Exception
    {
        String pool = "upstream.api.targets = http://10.0.0.5:8080, http://10.0.0.6:8080\n";
        assertEquals(Duration.ofSeconds(90), parse(pool + "upstream.api.slow-start = 90s\n").upstream("api").pool().slowStart());
        assertEquals(Duration.ZERO, parse(pool).upstream("api").pool().slowStart());
        assertEquals(List.of("Key 'upstream.api.slow-start' has value '2h'; allowed: a duration up to 1h (0 for none)."),
            problems(pool + "upstream.api.slow-start = 2h\n"));
        assertEquals(List.of("Key 'upstream.api.slow-start' is set but 'upstream.api.balance' is hash; allowed: slow-start with round-robin, "
                + "least-in-flight or latency (a hash ring keeps each key on its target whatever the weights)."),
            problems(pool + "upstream.api.balance = hash\nupstream.api.slow-start = 30s\n"));
    }

    @Test
    void aKeepaliveTimeoutIsADurationUpToAnHour() throws Exception
    {
        String upstream = "upstream.api.url = http://10.0.0.5:8080\n";
        assertEquals(Duration.ofSeconds(4), parse(upstream + "upstream.api.keepalive-timeout = 4s\n").upstream("api").keepaliveTimeout());
        assertEquals(Duration.ofMillis(1500), parse(upstream + "upstream.api.keepalive-timeout = 1500ms\n").upstream("api").keepaliveTimeout());
        assertNull(parse(upstream).upstream("api").keepaliveTimeout());
        String allowed = "allowed: a duration from 1ms to 1h, such as 4s (a second or more below the upstream's own keep-alive timeout).";
        for (String bad : List.of("0", "2h", "61m"))
        {
            assertEquals(List.of("Key 'upstream.api.keepalive-timeout' has value '" + bad + "'; " + allowed),
                problems(upstream + "upstream.api.keepalive-timeout = " + bad + "\n"), bad);
        }
        assertEquals(List.of("Key 'upstream.api.keepalive-timeout' has value 'soon'; allowed: a duration such as 250ms, 5s, 2m or 1h."),
            problems(upstream + "upstream.api.keepalive-timeout = soon\n"));
    }

    @Test
    void requestBufferingIsOffOrASizeUpTo64MbForHttp1Upstreams() throws Exception
    {
        String upstream = "upstream.api.url = http://10.0.0.5:8080\n";
        assertEquals(8L * 1024 * 1024, parse(upstream + "upstream.api.request-buffering = 8MB\n").upstream("api").requestBuffering());
        assertEquals(0, parse(upstream + "upstream.api.request-buffering = off\n").upstream("api").requestBuffering());
        assertEquals(0, parse(upstream).upstream("api").requestBuffering());
        assertEquals(List.of("Key 'upstream.api.request-buffering' has value '0'; allowed: off, or a size from 1 byte to 64MB such as 8MB."),
            problems(upstream + "upstream.api.request-buffering = 0\n"));
        assertEquals(List.of("Key 'upstream.api.request-buffering' has value '1GB'; allowed: a size such as 512, 64KB or 10MB, at most 67108864 bytes."),
            problems(upstream + "upstream.api.request-buffering = 1GB\n"));
        assertEquals(1, problems(upstream + "upstream.api.request-buffering = 1MB\nupstream.api.http-version = 2\n").size());
        assertTrue(problems(upstream + "upstream.api.request-buffering = 1MB\nupstream.api.http-version = 2\n").get(0)
            .startsWith("Key 'upstream.api.request-buffering' is set but 'upstream.api.http-version' is 2"));
    }
}
