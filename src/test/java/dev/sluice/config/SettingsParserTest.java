// Parsing the properties into Settings: defaults, overrides, and the exact error messages.
package dev.sluice.config;

import java.io.StringReader;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import dev.sluice.route.Route;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SettingsParserTest
{
    private static final String MINIMAL = """
        upstream.app.url = http://127.0.0.1:8081
        route.app.path = /app
        route.app.upstream = app
        """;

    static Map<String, String> properties(String text) throws Exception
    {
        Properties properties = new Properties();
        properties.load(new StringReader(text));
        Map<String, String> map = new HashMap<>();
        properties.stringPropertyNames().forEach(name -> map.put(name, properties.getProperty(name)));
        return map;
    }

    static Settings parse(String text, Map<String, String> variables) throws Exception
    {
        return SettingsParser.parse("test", properties(text), variables::get);
    }

    static List<String> problems(String text)
    {
        return assertThrows(ConfigException.class, () -> parse(text, Map.of())).problems();
    }

    @Test
    void proxyProtocolSendersAreAddresses() throws Exception
    {
        assertEquals(List.of("Key 'server.proxy-protocol.from' has value 'lb.internal'; allowed: an IP address or CIDR block such as 10.0.0.0/8 or 2001:db8::/32."),
            problems(MINIMAL + "server.proxy-protocol.from = 10.0.0.0/8, lb.internal\n"));
        assertEquals(2, parse(MINIMAL + "server.proxy-protocol.from = 10.0.0.0/8, 2001:db8::/32\n", Map.of()).transport().server().proxyProtocolFrom().size());
        assertTrue(parse(MINIMAL, Map.of()).transport().server().proxyProtocolFrom().isEmpty(), "off by default");
    }

    @Test
    void observabilityKeysAreCheckedAtLoad() throws Exception
    {
        List<String> problems = problems(MINIMAL + "observe.otlp.endpoint = ftp://collector/v1/traces\nobserve.otlp.sample-ratio = 1.5\n"
            + "observe.otlp.queue-size = 0\nmetrics.allow = not-a-cidr\nmetrics.enabled = maybe\n");
        assertEquals(5, problems.size(), problems.toString());
        String all = String.join("\n", problems);
        // Each problem names the key and the value given.
        for (String[] expected : List.of(new String[]{"observe.otlp.endpoint", "ftp://collector/v1/traces"}, new String[]{"observe.otlp.sample-ratio", "1.5"},
            new String[]{"observe.otlp.queue-size", "0"}, new String[]{"metrics.allow", "not-a-cidr"}, new String[]{"metrics.enabled", "maybe"}))
        {
            assertTrue(problems.stream().anyMatch(problem -> problem.contains("'" + expected[0] + "'") && problem.contains(expected[1]) && problem.contains("allowed")),
                "names " + expected[0] + ": " + all);
        }
        Settings settings = parse(MINIMAL, Map.of());
        assertEquals(false, settings.tracing().enabled(), "span export is off by default");
        assertEquals(true, settings.metrics().enabled());
        assertEquals(List.of(), settings.metrics().allow(), "no address may scrape without the token by default");
        assertEquals("http://collector:4318/v1/traces",
            parse(MINIMAL + "observe.otlp.endpoint = http://collector:4318/v1/traces\n", Map.of()).tracing().endpoint().toString());
    }

    @Test
    void webSocketKeysAreCheckedAtLoad() throws Exception
    {
        Settings settings = parse(MINIMAL, Map.of());
        assertFalse(settings.routes().routes().get(0).websocket(), "upgrades are not passed on unless a route says so");
        assertEquals(10_000, settings.proxy().maxWebSockets());
        assertTrue(parse(MINIMAL + "route.app.websocket = on\nproxy.websocket.max-connections = 50\n", Map.of()).routes().routes().get(0).websocket());
        List<String> problems = problems(MINIMAL + "route.app.websocket = maybe\nproxy.websocket.max-connections = 0\n"
            + "route.llm.path = /v1\nroute.llm.ai = on\nroute.llm.websocket = on\n");
        String all = String.join("\n", problems);
        assertTrue(problems.contains("Key 'route.app.websocket' has value 'maybe'; allowed: on or off."), all);
        assertTrue(problems.contains("Key 'proxy.websocket.max-connections' has value '0'; allowed: a whole number from 1 to 1000000."), all);
        assertTrue(problems.stream().anyMatch(problem -> problem.startsWith("Key 'route.llm.websocket' has value 'on'; allowed: off on an AI route")), all);
    }

    @Test
    void mirrorKeysAreCheckedAtLoad() throws Exception
    {
        assertNull(parse(MINIMAL, Map.of()).routes().routes().get(0).mirror(), "no copies unless a route asks");
        String shadow = "upstream.shadow.url = http://127.0.0.1:8082\n";
        assertEquals(new dev.sluice.route.Mirror("shadow", 100, 64 * 1024, 64),
            parse(MINIMAL + shadow + "route.app.mirror = shadow\n", Map.of()).routes().routes().get(0).mirror(), "the defaults");
        assertEquals(new dev.sluice.route.Mirror("shadow", 5, 1024 * 1024, 10),
            parse(MINIMAL + shadow + "route.app.mirror = shadow\nroute.app.mirror.percent = 5%\nroute.app.mirror.max-body = 1MB\n"
                + "route.app.mirror.max-in-flight = 10\n", Map.of()).routes().routes().get(0).mirror());
        List<String> problems = problems(MINIMAL + shadow + "route.app.mirror = shadwo\nroute.app.mirror.percent = 150\n"
            + "route.app.mirror.max-body = lots\nroute.app.mirror.max-in-flight = 0\n"
            + "route.b.path = /b\nroute.b.upstream = app\nroute.b.mirror.percent = 10\n"
            + "route.llm.path = /v1\nroute.llm.ai = on\nroute.llm.mirror = shadow\n");
        String all = String.join("\n", problems);
        assertTrue(problems.contains("Key 'route.app.mirror' has value 'shadwo'; allowed: one of the configured upstreams app, shadow."), all);
        assertTrue(problems.contains("Key 'route.app.mirror.percent' has value '150'; allowed: a percentage from 0% to 100%."), all);
        assertTrue(problems.stream().anyMatch(problem -> problem.startsWith("Key 'route.app.mirror.max-body' has value 'lots'; allowed:")), all);
        assertTrue(problems.contains("Key 'route.app.mirror.max-in-flight' has value '0'; allowed: a whole number from 1 to 100000."), all);
        assertTrue(problems.contains("Key 'route.b.mirror.percent' is set but 'route.b.mirror' is not; allowed: set it with route.b.mirror = <upstream>."), all);
        assertTrue(problems.stream().anyMatch(problem -> problem.startsWith("Key 'route.llm.mirror' has value 'shadow'; allowed: nothing on an AI route")), all);
        assertEquals(6, problems.size(), all);
    }

    @Test
    void routesThatAnswerThemselvesAreCheckedAtLoad() throws Exception
    {
        Settings settings = parse(MINIMAL + "route.old.path = /old\nroute.old.redirect = https://new.example.com/v2/{**}\nroute.old.redirect.status = 302\n"
            + "route.gone.path = /gone\nroute.gone.respond = 410\n", Map.of());
        Route old = settings.routes().routes().stream().filter(route -> route.name().equals("old")).findFirst().orElseThrow();
        assertEquals(302, old.answer().status());
        assertEquals("https://new.example.com", old.answer().origin());
        assertEquals("/v2/{**}", old.rewrite().toString());
        assertNull(old.upstream());
        List<String> problems = problems(MINIMAL
            + "route.a.path = /a\nroute.a.redirect = ftp://x/y\n"
            + "route.b.path = /b\nroute.b.redirect = https://user@x/\n"
            + "route.c.path = /c\nroute.c.redirect = /d?x=1\n"
            + "route.d.path = =/d\nroute.d.redirect = /e/{**}\n"
            + "route.e.path = /e\nroute.e.redirect = /f\nroute.e.redirect.status = 304\n"
            + "route.f.path = /f\nroute.f.respond = 204\nroute.f.respond.body = no\n"
            + "route.g.path = /g\nroute.g.respond = 700\n"
            + "route.h.path = /h\nroute.h.respond = 200\nroute.h.upstream = app\n"
            + "route.i.path = /i\nroute.i.respond = 200\nroute.i.redirect = /j\n"
            + "route.j.path = /j\nroute.j.respond = 200\nroute.j.strip-prefix = true\n"
            + "route.k.path = /k\nroute.k.respond = 200\nroute.k.respond.content-type = text/plain\n"
            + "route.l.path = /l\nroute.l.respond = 200\nroute.l.cache = on\n"
            + "route.m.path = /m\nroute.m.respond = 200\nroute.m.transform.request.header.set.X-A = b\nroute.m.transform.response.header.set.X-B = c\n");
        String all = String.join("\n", problems);
        assertTrue(problems.contains("Key 'route.a.redirect' has value 'ftp://x/y'; allowed: an http:// or https:// URL with a host (no user info), or a path starting with /."), all);
        assertTrue(problems.contains("Key 'route.b.redirect' has value 'https://user@x/'; allowed: an http:// or https:// URL with a host (no user info), or a path starting with /."), all);
        assertTrue(problems.contains("Key 'route.c.redirect' has value '/d?x=1'; allowed: a URL or path without ? or # (the request's query is passed on)."), all);
        assertTrue(problems.stream().anyMatch(problem -> problem.startsWith("Key 'route.d.redirect' has value '/e/{**}'; allowed: an http(s) URL or a path; its path {**} only")), all);
        assertTrue(problems.contains("Key 'route.e.redirect.status' has value '304'; allowed: 301, 302, 303, 307 or 308."), all);
        assertTrue(problems.contains("Key 'route.f.respond.body' has value 'no'; allowed: nothing with status 204, which has no body."), all);
        assertTrue(problems.contains("Key 'route.g.respond' has value '700'; allowed: a whole number from 200 to 599."), all);
        assertTrue(problems.contains("Key 'route.h.upstream' has value 'app'; allowed: nothing: the route answers itself (route.h.respond)."), all);
        assertTrue(problems.contains("Keys 'route.i.redirect' and 'route.i.respond' are both set; allowed: one of them."), all);
        assertTrue(problems.stream().anyMatch(problem -> problem.startsWith("Keys 'route.j.strip-prefix' and 'route.j.respond' are both set")), all);
        assertTrue(problems.contains("Key 'route.k.respond.content-type' is set but 'route.k.respond.body' is not; allowed: a type for a body."), all);
        assertTrue(problems.stream().anyMatch(problem -> problem.startsWith("Key 'route.l.cache' is set on a route Sluice answers itself")), all);
        assertTrue(problems.contains("Keys 'route.m.transform.*' other than response.header.* are set on route 'm', which Sluice answers itself "
            + "(redirect or respond); allowed: response.header.* there, the rest on proxied routes only."), all);
        assertEquals(13, problems.size(), all);
    }

    @Test
    void aUrlWithAPortNoSocketHasIsRefused()
    {
        // java.net.URI takes any digits: port 99999 failed on every request ("port out of range"),
        // and port 0 was read as the scheme's default.
        List<String> problems = problems(MINIMAL.replace("http://127.0.0.1:8081", "http://127.0.0.1:99999")
            + "upstream.zero.url = http://127.0.0.1:0\n"
            + "observe.otlp.endpoint = http://collector:70000/v1/traces\n"
            + "ratelimit.store = redis\nratelimit.redis.uri = redis://127.0.0.1:65536\n"
            + "auth.jwt.idp.issuer = https://idp.example.com/\nauth.jwt.idp.jwks-url = https://idp.example.com:0/jwks\n"
            + "ai.provider.p.type = openai-compatible\nai.provider.p.base-url = http://127.0.0.1:123456/v1\n"
            + "ai.model.m.target.t.provider = p\nai.model.m.target.t.model = x\n");
        String all = String.join("\n", problems);
        assertTrue(problems.contains("Key 'upstream.app.url' has value 'http://127.0.0.1:99999'; allowed: an http:// or https:// URL with a host, an optional port and base path, "
            + "and no user, query or fragment."), all);
        assertTrue(problems.contains("Key 'upstream.zero.url' has value 'http://127.0.0.1:0'; allowed: an http:// or https:// URL with a host, an optional port and base path, "
            + "and no user, query or fragment."), all);
        assertTrue(problems.contains("Key 'observe.otlp.endpoint' has value 'http://collector:70000/v1/traces'; allowed: the collector's OTLP/HTTP traces URL, "
            + "such as http://collector:4318/v1/traces."), all);
        assertTrue(problems.stream().anyMatch(problem -> problem.startsWith("Key 'ratelimit.redis.uri' has value")), all);
        assertTrue(problems.contains("Key 'auth.jwt.idp.jwks-url' has value 'https://idp.example.com:0/jwks'; allowed: an http:// or https:// URL with a host and no user info."), all);
        assertTrue(problems.contains("Key 'ai.provider.p.base-url' has value 'http://127.0.0.1:123456/v1'; allowed: an http:// or https:// URL with a host "
            + "and no query, fragment or user-info."), all);
        assertEquals(6, problems.size(), all);
    }

    @Test
    void anAccessLogFileMustBeOneSluiceCanOpen(@org.junit.jupiter.api.io.TempDir java.nio.file.Path directory) throws Exception
    {
        // As nginx checks its access_log at start-up; before, each batch of lines was lost with a warning.
        assertEquals(List.of("Key 'exchange.access-log.output' has value '" + directory + "'; allowed: a file, not a directory."),
            problems(MINIMAL + "exchange.access-log.output = " + directory + "\n"));
        java.nio.file.Path missing = directory.resolve("nowhere").resolve("access.log");
        assertEquals(List.of("Key 'exchange.access-log.output' has value '" + missing + "'; allowed: a file in a directory that exists ("
                + missing.getParent() + " does not)."),
            problems(MINIMAL + "exchange.access-log.output = " + missing + "\n"));
        assertEquals(List.of("Key 'exchange.access-log.output' has value 'logs/access.log'; allowed: stdout, stderr, slf4j (the logger sluice.access) "
                + "or an absolute file path."),
            problems(MINIMAL + "exchange.access-log.output = logs/access.log\n"));
        parse(MINIMAL + "exchange.access-log.output = " + directory.resolve("access.log") + "\n", Map.of());
    }

    @Test
    void anEmptyRedirectOrRespondIsNoValue() throws Exception
    {
        // As every other empty key: before, an empty redirect made a proxied route "answer itself"
        // (refusing its upstream), and on an AI route was reported as respond with value 'null'.
        Settings settings = parse(MINIMAL + "route.app.redirect =\n"
            + "route.llm.path = /v1\nroute.llm.ai = on\nroute.llm.redirect =\nroute.llm.respond =\n"
            + "ai.provider.p.type = openai-compatible\nai.provider.p.base-url = http://127.0.0.1:9/v1\n"
            + "ai.model.m.target.t.provider = p\nai.model.m.target.t.model = x\n", Map.of());
        Route app = settings.routes().routes().stream().filter(route -> route.name().equals("app")).findFirst().orElseThrow();
        assertEquals("app", app.upstream());
        assertNull(app.answer());
        assertEquals(List.of("Key 'route.llm.respond' has value '200'; allowed: nothing on an AI route (route.llm.ai = on): the AI front answers it."),
            problems(MINIMAL + "route.llm.path = /v1\nroute.llm.ai = on\nroute.llm.respond = 200\n"
                + "ai.provider.p.type = openai-compatible\nai.provider.p.base-url = http://127.0.0.1:9/v1\n"
                + "ai.model.m.target.t.provider = p\nai.model.m.target.t.model = x\n"));
    }

    @Test
    void splitKeysAreCheckedAtLoad() throws Exception
    {
        String more = "upstream.next.url = http://127.0.0.1:8082\nupstream.third.url = http://127.0.0.1:8083\n";
        Route route = parse(MINIMAL + more + "route.app.split.next = 10%\nroute.app.split.third = 5\nroute.app.split.by = cookie:session\n", Map.of())
            .routes().routes().get(0);
        assertEquals(List.of(new dev.sluice.route.Split.Share("next", 10), new dev.sluice.route.Split.Share("third", 5)), route.split().shares());
        assertEquals(dev.sluice.upstream.PoolSettings.HashOn.Kind.COOKIE, route.split().by().kind());
        assertEquals("next", route.split().upstream(9, "app"));
        assertEquals("third", route.split().upstream(14, "app"));
        assertEquals("app", route.split().upstream(15, "app"));
        List<String> problems = problems(MINIMAL + more + "route.app.split.next = 70%\nroute.app.split.third = 40%\nroute.app.split.by = moon\n"
            + "route.b.path = /b\nroute.b.upstream = app\nroute.b.split.app = 10%\nroute.b.split.nowhere = 10%\n"
            + "route.c.path = /c\nroute.c.upstream = app\nroute.c.split.by = ip\n"
            + "route.d.path = /d\nroute.d.respond = 200\nroute.d.split.next = 10%\n");
        String all = String.join("\n", problems);
        assertTrue(problems.contains("Keys 'route.app.split.*' add up to 110%; allowed: at most 100% together."), all);
        assertTrue(problems.contains("Key 'route.app.split.by' has value 'moon'; allowed: random, or header:<Name>, cookie:<name>, ip, consumer or path."), all);
        assertTrue(problems.contains("Key 'route.b.split.app' names the route's own upstream; allowed: other upstreams (the route's own takes what they leave)."), all);
        assertTrue(problems.stream().anyMatch(problem -> problem.startsWith("Key 'route.b.split.nowhere' names no configured upstream; allowed: one of")), all);
        assertTrue(problems.contains("Key 'route.c.split.by' is set but no 'route.c.split.<upstream>' is; allowed: split.by with a share for another upstream."), all);
        assertTrue(problems.stream().anyMatch(problem -> problem.startsWith("Keys 'route.d.split.*' are set on a route without an upstream")), all);
        assertEquals(6, problems.size(), all);
        assertTrue(dev.sluice.route.Split.bucket("alice") == dev.sluice.route.Split.bucket("alice"), "the same key, the same bucket");
    }

    @Test
    void faultKeysAreCheckedAtLoad() throws Exception
    {
        assertNull(parse(MINIMAL, Map.of()).routes().routes().get(0).fault());
        assertEquals(new dev.sluice.route.Fault(Duration.ofSeconds(2), 10, 503, 100),
            parse(MINIMAL + "route.app.fault.delay = 2s\nroute.app.fault.delay.percent = 10%\nroute.app.fault.abort = 503\n", Map.of())
                .routes().routes().get(0).fault());
        List<String> problems = problems(MINIMAL + "route.app.fault.delay = 0\nroute.app.fault.abort = 200\n"
            + "route.b.path = /b\nroute.b.upstream = app\nroute.b.fault.delay.percent = 5%\nroute.b.fault.delay = 2h\n"
            + "route.c.path = /c\nroute.c.upstream = app\nroute.c.fault.abort.percent = 5%\n"
            + "route.d.path = /d\nroute.d.respond = 200\nroute.d.fault.abort = 503\n");
        String all = String.join("\n", problems);
        assertTrue(problems.contains("Key 'route.app.fault.delay' has value '0'; allowed: a duration from 1ms to 1h, such as 250ms or 2s."), all);
        assertTrue(problems.contains("Key 'route.app.fault.abort' has value '200'; allowed: a whole number from 400 to 599."), all);
        assertTrue(problems.contains("Key 'route.b.fault.delay' has value '2h'; allowed: a duration from 1ms to 1h, such as 250ms or 2s."), all);
        assertTrue(problems.contains("Key 'route.c.fault.abort.percent' is set but 'route.c.fault.abort' is not; allowed: a share of the abort it goes with."), all);
        assertTrue(problems.stream().anyMatch(problem -> problem.startsWith("Keys 'route.d.fault.*' are set on a route without an upstream")), all);
        assertEquals(5, problems.size(), all);
    }

    @Test
    void anUpstreamsHttpVersionIsCheckedAtLoad() throws Exception
    {
        assertFalse(parse(MINIMAL, Map.of()).upstream("app").http2(), "HTTP/1.1 unless an upstream says otherwise");
        assertTrue(parse(MINIMAL + "upstream.app.http-version = 2\n", Map.of()).upstream("app").http2());
        assertFalse(parse(MINIMAL + "upstream.app.http-version = 1.1\n", Map.of()).upstream("app").http2());
        List<String> problems = problems(MINIMAL + "upstream.app.http-version = 3\nroute.app.websocket = on\n"
            + "upstream.grpc.url = http://127.0.0.1:50051\nupstream.grpc.http-version = 2\n"
            + "route.ws.path = /ws\nroute.ws.upstream = grpc\nroute.ws.websocket = on\n");
        String all = String.join("\n", problems);
        assertTrue(problems.contains("Key 'upstream.app.http-version' has value '3'; allowed: 1.1 or 2 (HTTP/2: cleartext with prior knowledge "
            + "to http:// targets, by ALPN to https:// ones)."), all);
        assertTrue(problems.contains("Key 'route.ws.websocket' has value 'on'; allowed: off when the route's upstream (grpc) has http-version = 2: "
            + "WebSockets go to upstreams over HTTP/1.1."), all);
        assertEquals(2, problems.size(), all);
    }

    @Test
    void compressionIsOffUntilSetAndItsKeysAreChecked() throws Exception
    {
        dev.sluice.http.CompressionSettings off = parse(MINIMAL, Map.of()).compression();
        assertFalse(off.anywhere(), "no answer is compressed unless compression says so");
        dev.sluice.http.CompressionSettings on = parse(MINIMAL + "compression = gzip\ncompression.min-size = 2KB\ncompression.level = 6\n"
            + "compression.types = application/json, text/*, application/*+xml\nroute.app.compression = off\n", Map.of()).compression();
        assertFalse(on.appliesTo("app"), "a route's own setting wins");
        assertTrue(on.appliesTo(null), "answers of no route follow compression");
        assertEquals(2048, on.minSize());
        assertEquals(6, on.level());
        assertTrue(on.compressible("application/json") && on.compressible("text/csv") && on.compressible("application/atom+xml"));
        assertFalse(on.compressible("application/xml"), "application/*+xml needs a subtype before the suffix");
        assertFalse(on.compressible("image/png") || on.compressible("application/grpc") || on.compressible(""));
        assertTrue(parse(MINIMAL + "route.app.compression = gzip\n", Map.of()).compression().appliesTo("app"), "one route alone");
        List<String> problems = problems(MINIMAL + "compression = brotli\ncompression.level = 0\ncompression.min-size = lots\n"
            + "compression.types = json, */*\nroute.app.compression = yes\n");
        String all = String.join("\n", problems);
        assertTrue(problems.contains("Key 'compression' has value 'brotli'; allowed: off or gzip."), all);
        assertTrue(problems.contains("Key 'compression.level' has value '0'; allowed: a whole number from 1 to 9."), all);
        assertTrue(problems.contains("Key 'compression.min-size' has value 'lots'; allowed: a size such as 512, 64KB or 10MB, at most 67108864 bytes."), all);
        assertTrue(problems.contains("Key 'compression.types' has value 'json'; allowed: media types separated by commas, each type/subtype, type/* "
            + "or type/*+suffix (e.g. application/json, text/*, application/*+json)."), all);
        assertTrue(all.contains("Key 'compression.types' has value '*/*'"), all);
        assertTrue(problems.contains("Key 'route.app.compression' has value 'yes'; allowed: off or gzip."), all);
        assertEquals(6, problems.size(), all);
    }

    @Test
    void defaultsApplyToAMinimalFile() throws Exception
    {
        Settings settings = parse(MINIMAL, Map.of());
        Route route = settings.routes().routes().get(0);
        assertEquals(Duration.ofSeconds(5), route.timeouts().connect());
        assertEquals(Duration.ofSeconds(60), route.timeouts().idle());
        assertEquals(Duration.ZERO, route.timeouts().total());
        assertEquals("sluice", settings.proxy().via());
        assertEquals(Duration.ofSeconds(2), settings.reloadInterval());
        assertTrue(settings.accessLog());
        assertFalse(route.preserveHost());
        assertNull(route.rewrite());
        assertFalse(settings.trustedProxies().trusts("10.0.0.1"));
    }

    @Test
    void theShippedConfigurationIsValid() throws Exception
    {
        String shipped = java.nio.file.Files.readString(java.nio.file.Path.of("conf/sluice.properties"));
        Settings settings = parse(shipped, Map.of());
        assertEquals("http://127.0.0.1:9999/x", settings.upstream("demo").url(settings.upstream("demo").targets().get(0), "/x", null));
        assertEquals(5, settings.routes().routes().size());
        assertEquals(dev.sluice.cache.CacheRoute.Mode.ON, settings.cache().route("catalog").mode());
        assertTrue(settings.routes().routes().stream().anyMatch(route -> route.name().equals("llm") && route.ai()));
        assertEquals("demo-echo-1", settings.ai().models().get("demo").targets().get(0).model());
    }

    @Test
    void routeSettingsOverrideProxyDefaults() throws Exception
    {
        Settings settings = parse(MINIMAL + """
            proxy.connect-timeout = 250ms
            route.app.idle-timeout = 2m
            route.app.timeout = 1h
            route.app.preserve-host = true
            route.app.methods = GET, M-SEARCH
            route.app.host = api.example.com, *.api.example.com
            route.app.header.X-Version = 2
            """, Map.of());
        Route route = settings.routes().routes().get(0);
        assertEquals(Duration.ofMillis(250), route.timeouts().connect());
        assertEquals(Duration.ofMinutes(2), route.timeouts().idle());
        assertEquals(Duration.ofHours(1), route.timeouts().total());
        assertTrue(route.preserveHost());
        assertEquals(java.util.Set.of("GET", "M-SEARCH"), route.methods());
        assertEquals(2, route.hosts().size());
        assertEquals("X-Version", route.headers().get(0).name());
    }

    @Test
    void variablesComeFromTheEnvironmentWithDefaults() throws Exception
    {
        String text = """
            upstream.app.url = http://${APP_HOST}:${APP_PORT:-8081}/base
            route.app.path = /app
            route.app.upstream = app
            """;
        Settings settings = parse(text, Map.of("APP_HOST", "10.1.2.3"));
        assertEquals("http://10.1.2.3:8081/base/x", settings.upstream("app").url(settings.upstream("app").targets().get(0), "/x", null));
        assertEquals(List.of("Key 'upstream.app.url' refers to ${APP_HOST}, which is neither an environment variable nor a system property."),
            problems(text));
    }

    @Test
    void everyProblemIsReportedWithKeyValueAndWhatIsAllowed()
    {
        List<String> problems = problems("""
            config.reload-interval = soon
            proxy.max-threads = 3
            proxy.threads = mine
            proxy.idle-timeout = 0
            proxy.via = a b
            exchange.trusted-proxies = 10.0.0.0/8, example.com, 10.0.0.0/33
            exchange.access-log = yes
            upstream.app.url = ftp://files.example.com
            upstream.ok.url = http://127.0.0.1:1
            route.app.path = api
            route.app.upstream = nowhere
            route.app.methods = GET, CONNECT
            route.app.strip-prefix = true
            route.app.rewrite = /x
            route.app.pathh = /typo
            route.two.upstream = ok
            """);
        assertEquals(List.of(
            "Key 'config.reload-interval' has value 'soon'; allowed: a duration such as 250ms, 5s, 2m or 1h.",
            "Key 'exchange.access-log' has value 'yes'; allowed: true or false.",
            "Key 'exchange.trusted-proxies' has value 'example.com'; allowed: an IP address or CIDR block such as 10.0.0.0/8 or 2001:db8::/32.",
            "Key 'exchange.trusted-proxies' has value '10.0.0.0/33'; allowed: a prefix length from 0 to 32.",
            "Key 'proxy.via' has value 'a b'; allowed: a name made of letters, digits and -._~ (or 'off').",
            "Key 'proxy.max-threads' has value '3'; allowed: a whole number from 8 to 4096.",
            "Key 'proxy.threads' has value 'mine'; allowed: 'container' (the container's thread pool when it offers one) or 'own' (proxy.max-threads threads of Sluice's own).",
            "Key 'proxy.idle-timeout' has value '0'; allowed: a positive duration such as 250ms, 5s or 2m.",
            "Key 'upstream.app.url' has value 'ftp://files.example.com'; allowed: an http:// or https:// URL with a host, an optional port and base path, and no user, query or fragment.",
            "Key 'route.app.path' has value 'api'; allowed: a path starting with '/' (or '=/' for an exact path).",
            "Key 'route.app.methods' has value 'CONNECT'; allowed: HTTP method names such as GET, POST or M-SEARCH, except CONNECT.",
            "Key 'route.app.upstream' has value 'nowhere'; allowed: one of the configured upstreams ok.",
            "Keys 'route.app.strip-prefix' and 'route.app.rewrite' are both set; allowed: one of them.",
            "Key 'route.two.path' is required; allowed: a path such as /api, =/exact or /api/*/items/**.",
            "Key 'route.app.pathh' is not a known setting; did you mean 'route.app.path'? (see conf/sluice.properties for every key)."),
            problems);
    }

    /** A lower-case "get" would never match: clients send GET, and method names are case-sensitive. */
    @Test
    void aStandardMethodSpelledInLowerCaseIsRefusedWhereverMethodsAreListed()
    {
        List<String> problems = problems("""
            upstream.app.url = http://127.0.0.1:8081
            route.app.path = /api
            route.app.upstream = app
            route.app.methods = get, Post, M-SEARCH, purge
            route.web.path = /web
            route.web.upstream = app
            route.web.guard.methods = delete
            route.web.cors.origins = https://app.example.com
            route.web.cors.methods = GET, put
            """);
        String cased = "; method names are case-sensitive, so %s, as clients send it.";
        assertEquals(List.of(
            "Key 'route.app.methods' has value 'get'; allowed: HTTP method names such as GET, POST or M-SEARCH, except CONNECT" + cased.formatted("GET"),
            "Key 'route.app.methods' has value 'Post'; allowed: HTTP method names such as GET, POST or M-SEARCH, except CONNECT" + cased.formatted("POST"),
            "Key 'route.web.guard.methods' has value 'delete'; allowed: HTTP method names such as GET or POST" + cased.formatted("DELETE"),
            "Key 'route.web.cors.methods' has value 'put'; allowed: HTTP method names such as GET or PUT" + cased.formatted("PUT")),
            problems);
    }

    @Test
    void equallySpecificRoutesAreRefused()
    {
        List<String> problems = problems("""
            upstream.app.url = http://127.0.0.1:8081
            route.one.path = /api
            route.one.upstream = app
            route.two.path = /api/**
            route.two.upstream = app
            """);
        assertEquals(List.of("Routes 'one' and 'two' are equally specific and can match the same request; "
            + "make one more specific (host, longer path, methods or headers)."), problems);
    }

    @Test
    void theExceptionMessageNamesTheSourceAndListsEveryProblem()
    {
        ConfigException x = assertThrows(ConfigException.class, () -> SettingsParser.parse("'/etc/sluice.properties' (from test)",
            properties("route.a.path = /a\nroute.a.upstream = b\nroute.a.timeout = 5"), name -> null));
        assertEquals("""
            Invalid configuration '/etc/sluice.properties' (from test):
              - Key 'route.a.upstream' has value 'b'; allowed: the name of a configured upstream.<name> (none is configured).
              - Key 'route.a.timeout' has value '5'; allowed: a duration such as 250ms, 5s, 2m or 1h.""", x.getMessage());
    }

    @Test
    void valuesOfKeysThatMayHoldSecretsAreNeverRepeated()
    {
        assertEquals("Key 'redis.password' has value '(redacted)'; allowed: x.", ConfigException.invalid("redis.password", "hunter2", "x"));
        assertEquals("Key 'consumer.bob.api-key' has value '(redacted)'; allowed: x.", ConfigException.invalid("consumer.bob.api-key", "k", "x"));
        assertEquals("Key 'issuer.a.hmac-secret' has value '(redacted)'; allowed: x.", ConfigException.invalid("issuer.a.hmac-secret", "s", "x"));
        assertEquals("Key 'proxy.via' has value 'a b'; allowed: x.", ConfigException.invalid("proxy.via", "a b", "x"));
    }

    @org.junit.jupiter.api.Test
    void aTypoIsMatchedToTheNearestKeyTheParserAskedFor()
    {
        java.util.Set<String> known = java.util.Set.of("route.app.strip-prefix", "route.app.path", "proxy.idle-timeout");
        assertEquals("route.app.strip-prefix", ConfigReader.nearest("route.app.strip-prefx", known));
        assertEquals("route.app.path", ConfigReader.nearest("route.app.PATH", known), "case does not count");
        assertEquals(null, ConfigReader.nearest("route.app.something-else", known), "nothing close: no guess");
        assertEquals(3, ConfigReader.distance("kitten", "sitting"));
    }
}
