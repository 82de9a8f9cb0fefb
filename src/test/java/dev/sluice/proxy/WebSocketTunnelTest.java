// WebSockets through Sluice: authenticated like any request, tunnelled to a real WebSocket server, logged when they close.
package dev.sluice.proxy;

import java.net.URI;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.auth.ApiKeys;
import dev.sluice.testing.LogCapture;
import dev.sluice.testing.PrometheusText;
import dev.sluice.testing.SluiceUnderTest;
import dev.sluice.testing.WebSocketUpstream;
import org.eclipse.jetty.http.HttpFields;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real parts on both ends: the JDK's WebSocket client, Sluice from its launcher with the real
 * web.xml, and Jetty's WebSocket server as the upstream. Before, Sluice dropped {@code Upgrade}
 * and the server answered the plain GET with an error, so no WebSocket application could sit
 * behind it.
 */
class WebSocketTunnelTest
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "a-key-for-alice-0123456789";
    private static WebSocketUpstream upstream;
    private static SluiceUnderTest sluice;
    private static java.net.http.HttpClient http;

    @BeforeAll
    static void start() throws Exception
    {
        upstream = WebSocketUpstream.start();
        sluice = SluiceUnderTest.startAsLauncher("""
            upstream.ws.url = %s
            consumer.alice.api-key.main = sha256:%s
            route.chat.path = /chat
            route.chat.upstream = ws
            route.chat.strip-prefix = true
            route.chat.websocket = on
            route.chat.auth = api-key
            route.open.path = /open
            route.open.upstream = ws
            route.open.strip-prefix = true
            route.open.websocket = on
            route.plain.path = /plain
            route.plain.upstream = ws
            route.plain.strip-prefix = true
            upstream.down.url = http://127.0.0.1:%d
            route.down.path = /down
            route.down.upstream = down
            route.down.websocket = on
            admin.token = demo:admin-token-for-the-test
            """.formatted(upstream.url(), HexFormat.of().formatHex(ApiKeys.sha256(KEY)), dev.sluice.testing.Ports.closed()));
        http = java.net.http.HttpClient.newHttpClient();
    }

    @AfterAll
    static void stop() throws Exception
    {
        sluice.close();
        upstream.close();
    }

    /** A Sluice of its own with one WebSocket route, /chat, to the shared upstream, and these keys besides. */
    private static SluiceUnderTest chatRoute(String keys) throws Exception
    {
        return SluiceUnderTest.startAsLauncher(keys + """
            upstream.ws.url = %s
            route.chat.path = /chat
            route.chat.upstream = ws
            route.chat.strip-prefix = true
            route.chat.websocket = on
            """.formatted(upstream.url()));
    }

    private static URI ws(String path)
    {
        return URI.create("ws://127.0.0.1:" + sluice.port() + path);
    }

    private static WebSocket open(String path, Messages messages, String requestId) throws Exception
    {
        return http.newWebSocketBuilder()
            .header("apikey", KEY)
            .header("X-Request-ID", requestId)
            .header("X-Consumer-ID", "mallory")
            .buildAsync(ws(path), messages)
            .get(5, TimeUnit.SECONDS);
    }

    @Test
    void textAndBinaryMessagesGoBothWaysAndTheExchangeIsLoggedWhenItCloses() throws Exception
    {
        try (LogCapture logs = LogCapture.start())
        {
            Messages messages = new Messages();
            WebSocket socket = open("/chat/ws/echo", messages, "ws-echo");
            HttpFields upgrade = upstream.upgrade("ws-echo");
            // The upstream got the upgrade with Sluice's fields, and the identity Sluice vouches for.
            assertEquals("websocket", upgrade.get("Upgrade").toLowerCase(java.util.Locale.ROOT));
            assertEquals("127.0.0.1", upgrade.get("X-Forwarded-For"));
            assertEquals("alice", upgrade.get("X-Consumer-ID"), "the identity Sluice vouches for, not the client's own field");

            socket.sendText("hi there", true).get(5, TimeUnit.SECONDS);
            assertEquals("hi there", messages.next());
            // Larger than any buffer on the way, so both relays wait for the other side at times.
            byte[] large = new byte[3 * 1024 * 1024 + 17];
            new java.util.Random(7).nextBytes(large);
            socket.sendBinary(ByteBuffer.wrap(large), true).get(10, TimeUnit.SECONDS);
            assertArrayEquals(large, messages.nextBinary());
            for (int i = 0; i < 50; i++)
            {
                socket.sendText("message " + i, true).get(5, TimeUnit.SECONDS);
            }
            for (int i = 0; i < 50; i++)
            {
                assertEquals("message " + i, messages.next());
            }
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(5, TimeUnit.SECONDS);
            assertEquals(WebSocket.NORMAL_CLOSURE, messages.closed.get(5, TimeUnit.SECONDS));

            JsonNode line = JSON.readTree(logs.accessLine("ws-echo"));
            assertEquals(101, line.get("status").asInt(), line.toString());
            assertEquals("ok", line.get("outcome").asText(), line.toString());
            assertEquals("chat", line.get("route").asText(), line.toString());
            assertTrue(line.get("bytes_in").asLong() > large.length, line.toString());
            assertTrue(line.get("bytes_out").asLong() > large.length, line.toString());
            // The container's own handling of the upgraded request stays quiet (Jetty reports it as
            // asynchronous, and asking it for the AsyncContext failed with a stack trace).
            assertFalse(logs.text().contains("Exception"), logs.text());
        }
        assertEquals(0.0, inFlight());
        // Counted as its route's 1xx, its whole life one duration observation.
        java.net.http.HttpResponse<String> metrics = http.send(java.net.http.HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + sluice.port() + "/-/metrics"))
            .header("Authorization", "Bearer admin-token-for-the-test").build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertTrue(PrometheusText.parse(metrics.body(), false).value("sluice_requests_total", "route", "chat", "status_class", "1xx") >= 1, metrics.body());
    }

    /**
     * Browsers send the handshake without {@code Content-Length}; Jetty's servlet upgrade then
     * ended the upgraded input at once, so the tunnel closed right after its 101 and what the
     * client sent next was read as a new HTTP request (a 400).
     */
    @Test
    void aHandshakeWithoutContentLengthAsBrowsersSendItIsTunnelled() throws Exception
    {
        try (dev.sluice.testing.RawWebSocket socket = dev.sluice.testing.RawWebSocket.open(sluice.port(), "/open/ws/greet"))
        {
            assertEquals(101, socket.status(), socket.head());
            assertEquals("hello", socket.readText());
            socket.sendText("typed in a browser");
            assertEquals("typed in a browser", socket.readText());
            socket.sendText("and again");
            assertEquals("and again", socket.readText());
        }
        // A first message in the same packet as the handshake reaches the upstream too.
        try (dev.sluice.testing.RawWebSocket eager = dev.sluice.testing.RawWebSocket.open(sluice.port(), "/open/ws/echo", "right away"))
        {
            assertEquals(101, eager.status(), eager.head());
            assertEquals("right away", eager.readText());
        }
    }

    @Test
    void aBrowsersWebSocketGoesThrough() throws Exception
    {
        try (dev.sluice.testing.Chromium browser = dev.sluice.testing.Chromium.start())
        {
            // A page on the loopback origin: Chromium keeps pages from elsewhere off local addresses.
            browser.open("http://127.0.0.1:" + sluice.port() + "/plain/page");
            assertEquals("hello|from the browser", greeted(browser, "ws://127.0.0.1:" + sluice.port() + "/open/ws/greet"));
        }
    }

    /** What the page's WebSocket to the greeting endpoint got: the greeting, then the echo of what it sent back. */
    private static String greeted(dev.sluice.testing.Chromium browser, String url) throws Exception
    {
        return browser.text("""
            new Promise((resolve, reject) => {
              const socket = new WebSocket('%s');
              const got = [];
              socket.onmessage = event => {
                got.push(event.data);
                if (got.length === 1) { socket.send('from the browser'); } else { socket.close(1000); resolve(got.join('|')); }
              };
              socket.onclose = event => reject('closed ' + event.code + ' after ' + got.join('|'));
              setTimeout(() => reject('timed out after ' + got.join('|')), 10000);
            })""".formatted(url));
    }

    /**
     * A page that came over HTTP/2 opens its WebSocket over HTTP/1.1 on a connection of its own.
     * With Jetty's default, RFC 8441's extended CONNECT offered on the HTTP/2 connection, Chromium
     * sent the handshake as a CONNECT stream, Sluice answered 405, and the socket closed with 1006.
     */
    @Test
    void aBrowsersWebSocketFromAPageServedOverHttp2GoesThrough(@org.junit.jupiter.api.io.TempDir java.nio.file.Path directory) throws Exception
    {
        dev.sluice.testing.TestCertificates pki = dev.sluice.testing.TestCertificates.create(directory);
        java.nio.file.Path[] pem = pki.exportPem(pki.path("server.p12"), "server", "server");
        java.nio.file.Path config = directory.resolve("sluice.properties");
        java.nio.file.Files.writeString(config, """
            server.tls.certificate = %s
            server.tls.private-key = %s
            server.tls.port = 0
            upstream.ws.url = %s
            route.open.path = /open
            route.open.upstream = ws
            route.open.strip-prefix = true
            route.open.websocket = on
            route.plain.path = /plain
            route.plain.upstream = ws
            route.plain.strip-prefix = true
            """.formatted(pem[0], pem[1], upstream.url()));
        dev.sluice.tls.ServerTls tls = dev.sluice.config.ConfigStore.open(config, "test", name -> null).current().transport().server();
        try (dev.sluice.launcher.SluiceServer https = dev.sluice.launcher.SluiceServer.start(SluiceUnderTest.WEBAPP, config, "127.0.0.1", 0,
                java.time.Duration.ofSeconds(5), tls);
             dev.sluice.testing.Chromium browser = dev.sluice.testing.Chromium.start())
        {
            browser.call("Security.setIgnoreCertificateErrors", java.util.Map.of("ignore", true));
            String origin = "https://127.0.0.1:" + https.httpsUri().getPort();
            browser.open(origin + "/plain/page");
            assertEquals("h2", browser.text("performance.getEntriesByType('navigation')[0].nextHopProtocol"));
            assertEquals("hello|from the browser", greeted(browser, origin.replace("https:", "wss:") + "/open/ws/greet"));
        }
    }

    /** TLS on both sides: the client's wss to Sluice's HTTPS connector, and an https upstream checked against its CA file. */
    @Test
    void aWebSocketOverTlsToAnUpstreamOverTls(@org.junit.jupiter.api.io.TempDir java.nio.file.Path directory) throws Exception
    {
        dev.sluice.testing.TestCertificates pki = dev.sluice.testing.TestCertificates.create(directory);
        try (WebSocketUpstream secure = WebSocketUpstream.start(serverTls(pki));
             SluiceUnderTest https = SluiceUnderTest.start("""
                 upstream.ws.url = %s
                 upstream.ws.tls.ca-file = %s
                 route.chat.path = /chat
                 route.chat.upstream = ws
                 route.chat.strip-prefix = true
                 route.chat.websocket = on
                 """.formatted(secure.url(), pki.path("server.pem")), serverTls(pki)))
        {
            java.security.KeyStore trust = java.security.KeyStore.getInstance("PKCS12");
            try (java.io.InputStream in = java.nio.file.Files.newInputStream(pki.path("server-trust.p12")))
            {
                trust.load(in, dev.sluice.testing.TestCertificates.PASSWORD.toCharArray());
            }
            javax.net.ssl.TrustManagerFactory trustManagers = javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
            trustManagers.init(trust);
            javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
            context.init(null, trustManagers.getTrustManagers(), null);
            java.net.http.HttpClient client = java.net.http.HttpClient.newBuilder().sslContext(context).build();
            Messages messages = new Messages();
            WebSocket socket = client.newWebSocketBuilder().buildAsync(URI.create("wss://127.0.0.1:" + https.port() + "/chat/ws/greet"), messages)
                .get(10, TimeUnit.SECONDS);
            assertEquals("hello", messages.next());
            byte[] large = new byte[512 * 1024];
            new java.util.Random(3).nextBytes(large);
            socket.sendBinary(ByteBuffer.wrap(large), true).get(10, TimeUnit.SECONDS);
            assertArrayEquals(large, messages.nextBinary());
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "").get(5, TimeUnit.SECONDS);
            assertEquals(WebSocket.NORMAL_CLOSURE, messages.closed.get(5, TimeUnit.SECONDS));
        }
    }

    private static org.eclipse.jetty.util.ssl.SslContextFactory.Server serverTls(dev.sluice.testing.TestCertificates pki)
    {
        org.eclipse.jetty.util.ssl.SslContextFactory.Server tls = new org.eclipse.jetty.util.ssl.SslContextFactory.Server();
        tls.setKeyStorePath(pki.path("server.p12").toString());
        tls.setKeyStorePassword(dev.sluice.testing.TestCertificates.PASSWORD);
        return tls;
    }

    /** With span export on, the WebSocket is a server span over its whole life, and its handshake the upstream's parent span. */
    @Test
    void aRecordedTraceHasTheHandshakeAsTheUpstreamsParent() throws Exception
    {
        try (dev.sluice.testing.OtlpReceiver collector = new dev.sluice.testing.OtlpReceiver();
             SluiceUnderTest traced = chatRoute("observe.otlp.endpoint = " + collector.endpoint() + "\n"))
        {
            Messages messages = new Messages();
            WebSocket socket = http.newWebSocketBuilder().header("X-Request-ID", "ws-traced")
                .buildAsync(URI.create("ws://127.0.0.1:" + traced.port() + "/chat/ws/echo"), messages).get(5, TimeUnit.SECONDS);
            String sent = upstream.upgrade("ws-traced").get("traceparent");
            String traceId = sent.substring(3, 35);
            socket.sendText("traced", true).get(5, TimeUnit.SECONDS);
            assertEquals("traced", messages.next());
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "").get(5, TimeUnit.SECONDS);
            messages.closed.get(5, TimeUnit.SECONDS);

            java.util.List<dev.sluice.testing.OtlpReceiver.Received> spans = collector.trace(traceId, 2);
            dev.sluice.testing.OtlpReceiver.Received server = spans.stream().filter(span -> span.span().getName().equals("GET /chat")).findFirst().orElseThrow();
            dev.sluice.testing.OtlpReceiver.Received handshake = spans.stream().filter(span -> span.span().getName().equals("GET")).findFirst().orElseThrow();
            assertEquals("101", server.attribute("http.response.status_code"));
            assertEquals(server.spanId(), handshake.parentId());
            assertEquals(sent.substring(36, 52), handshake.spanId(), "the upstream's parent is the handshake's span");
            assertEquals("101", handshake.attribute("http.response.status_code"));
            assertTrue(handshake.span().getEndTimeUnixNano() < server.span().getEndTimeUnixNano(), "the server span lasts as long as the WebSocket");
        }
    }

    @Test
    void whatTheUpstreamSendsRightAfterItsAnswerArrives() throws Exception
    {
        Messages messages = new Messages();
        WebSocket socket = open("/chat/ws/greet", messages, "ws-greet");
        assertEquals("hello", messages.next());
        socket.sendText("and back", true).get(5, TimeUnit.SECONDS);
        assertEquals("and back", messages.next());
        socket.abort();
    }

    @Test
    void anUpstreamThatClosesEndsTheClientsConnection() throws Exception
    {
        try (LogCapture logs = LogCapture.start())
        {
            Messages messages = new Messages();
            WebSocket socket = open("/chat/ws/bye", messages, "ws-bye");
            socket.sendText("anything", true).get(5, TimeUnit.SECONDS);
            assertEquals(1000, messages.closed.get(5, TimeUnit.SECONDS));
            JsonNode line = JSON.readTree(logs.accessLine("ws-bye"));
            assertEquals(101, line.get("status").asInt(), line.toString());
        }
    }

    @Test
    void theRoutesAuthenticationAppliesToTheUpgrade() throws Exception
    {
        java.net.http.HttpResponse<?> answer = refusal(() -> http.newWebSocketBuilder().buildAsync(ws("/chat/ws/echo"), new Messages()).get(5, TimeUnit.SECONDS));
        assertEquals(401, answer.statusCode());
    }

    @Test
    void anUpstreamsRefusalReachesTheClient() throws Exception
    {
        java.net.http.HttpResponse<?> answer = refusal(() -> open("/chat/ws/forbidden", new Messages(), "ws-forbidden"));
        assertEquals(403, answer.statusCode());
    }

    @Test
    void anUpstreamThatIsDownIsA502Problem() throws Exception
    {
        java.net.http.HttpResponse<?> answer = refusal(() -> http.newWebSocketBuilder().buildAsync(ws("/down/ws/echo"), new Messages()).get(10, TimeUnit.SECONDS));
        assertEquals(502, answer.statusCode());
        assertTrue(answer.headers().firstValue("Content-Type").orElse("").startsWith("application/problem+json"));
    }

    @Test
    void aRouteWithoutWebSocketsDoesNotPassTheUpgrade() throws Exception
    {
        java.net.http.HttpResponse<?> answer = refusal(() -> open("/plain/ws/echo", new Messages(), "ws-plain"));
        assertFalse(answer.statusCode() == 101);
    }

    @Test
    void openTunnelsDoNotHoldTheUpstreamsConnectionPool() throws Exception
    {
        try (SluiceUnderTest small = chatRoute("proxy.max-connections-per-upstream = 2\n"))
        {
            java.util.List<WebSocket> sockets = new java.util.ArrayList<>();
            java.util.List<Messages> received = new java.util.ArrayList<>();
            for (int i = 0; i < 5; i++)
            {
                Messages messages = new Messages();
                sockets.add(http.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + small.port() + "/chat/ws/echo"), messages)
                    .get(5, TimeUnit.SECONDS));
                received.add(messages);
            }
            for (int i = 0; i < 5; i++)
            {
                sockets.get(i).sendText("to " + i, true).get(5, TimeUnit.SECONDS);
                assertEquals("to " + i, received.get(i).next());
            }
            sockets.forEach(WebSocket::abort);
        }
    }

    /**
     * Long-lived connections must count where balancing looks: with least-in-flight, an open
     * tunnel keeps its target busier than one with none, as Envoy counts upgraded streams.
     * Counted for the handshake only, every tunnel went to the first target.
     */
    @Test
    void openTunnelsCountAsInFlightOnTheirTargets() throws Exception
    {
        try (WebSocketUpstream second = WebSocketUpstream.start();
             SluiceUnderTest balanced = SluiceUnderTest.startAsLauncher("""
                 upstream.ws.targets = %s, %s
                 upstream.ws.balance = least-in-flight
                 route.chat.path = /chat
                 route.chat.upstream = ws
                 route.chat.strip-prefix = true
                 route.chat.websocket = on
                 admin.token = demo:admin-token-for-the-test
                 """.formatted(upstream.url(), second.url())))
        {
            java.util.List<WebSocket> sockets = new java.util.ArrayList<>();
            for (int i = 0; i < 4; i++)
            {
                sockets.add(http.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + balanced.port() + "/chat/ws/echo"), new Messages())
                    .get(5, TimeUnit.SECONDS));
            }
            assertEquals(java.util.List.of(2, 2), targetsInFlight(balanced));
            for (WebSocket socket : sockets)
            {
                socket.sendClose(WebSocket.NORMAL_CLOSURE, "").get(5, TimeUnit.SECONDS);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!targetsInFlight(balanced).equals(java.util.List.of(0, 0)) && System.nanoTime() < deadline)
            {
                Thread.sleep(50);
            }
            assertEquals(java.util.List.of(0, 0), targetsInFlight(balanced));
        }
    }

    private static java.util.List<Integer> targetsInFlight(SluiceUnderTest sluice) throws Exception
    {
        java.net.http.HttpResponse<String> view = http.send(java.net.http.HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + sluice.port() + "/-/admin/upstreams"))
            .header("Authorization", "Bearer admin-token-for-the-test").build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        java.util.List<Integer> counts = new java.util.ArrayList<>();
        for (JsonNode target : JSON.readTree(view.body()).get("targets"))
        {
            counts.add(target.get("in_flight").asInt());
        }
        return counts;
    }

    @Test
    void aTunnelQuietForTheRoutesIdleTimeoutIsClosed() throws Exception
    {
        try (SluiceUnderTest quick = chatRoute("route.chat.idle-timeout = 1s\n");
             LogCapture logs = LogCapture.start())
        {
            Messages messages = new Messages();
            WebSocket socket = http.newWebSocketBuilder().header("X-Request-ID", "ws-idle")
                .buildAsync(URI.create("ws://127.0.0.1:" + quick.port() + "/chat/ws/echo"), messages).get(5, TimeUnit.SECONDS);
            socket.sendText("once", true).get(5, TimeUnit.SECONDS);
            assertEquals("once", messages.next());
            long quiet = System.nanoTime();
            // No close frame comes from anyone: the connection just ends (the JDK reports 1006, or an error).
            messages.closed.handle((code, failure) -> code).get(10, TimeUnit.SECONDS);
            long waited = System.nanoTime() - quiet;
            assertTrue(waited >= TimeUnit.MILLISECONDS.toNanos(900) && waited < TimeUnit.SECONDS.toNanos(5), waited + " ns");
            JsonNode line = JSON.readTree(logs.accessLine("ws-idle"));
            assertEquals("upstream_timeout", line.get("outcome").asText(), line.toString());
        }
    }

    @Test
    void pastTheMostOpenTunnelsAnUpgradeIsA503UntilOneCloses() throws Exception
    {
        try (SluiceUnderTest capped = chatRoute("proxy.websocket.max-connections = 2\n"))
        {
            URI uri = URI.create("ws://127.0.0.1:" + capped.port() + "/chat/ws/echo");
            Messages first = new Messages();
            WebSocket one = http.newWebSocketBuilder().buildAsync(uri, first).get(5, TimeUnit.SECONDS);
            WebSocket two = http.newWebSocketBuilder().buildAsync(uri, new Messages()).get(5, TimeUnit.SECONDS);
            java.net.http.HttpResponse<?> answer = refusal(() -> http.newWebSocketBuilder().buildAsync(uri, new Messages()).get(5, TimeUnit.SECONDS));
            assertEquals(503, answer.statusCode());
            assertEquals("5", answer.headers().firstValue("Retry-After").orElse(null));

            one.sendClose(WebSocket.NORMAL_CLOSURE, "").get(5, TimeUnit.SECONDS);
            first.closed.get(5, TimeUnit.SECONDS);
            // The closed tunnel's place is free again (its end is noticed a moment after the close).
            WebSocket three = null;
            for (int i = 0; i < 50 && three == null; i++)
            {
                try
                {
                    three = http.newWebSocketBuilder().buildAsync(uri, new Messages()).get(5, TimeUnit.SECONDS);
                }
                catch (ExecutionException stillFull)
                {
                    Thread.sleep(100);
                }
            }
            assertTrue(three != null, "a tunnel opens once another has closed");
            two.abort();
            three.abort();
        }
    }

    @Test
    void stoppingSluiceClosesItsTunnels() throws Exception
    {
        SluiceUnderTest stopping = chatRoute("");
        try (LogCapture logs = LogCapture.start())
        {
            Messages messages = new Messages();
            WebSocket socket = http.newWebSocketBuilder().header("X-Request-ID", "ws-stopping")
                .buildAsync(URI.create("ws://127.0.0.1:" + stopping.port() + "/chat/ws/echo"), messages).get(5, TimeUnit.SECONDS);
            socket.sendText("before", true).get(5, TimeUnit.SECONDS);
            assertEquals("before", messages.next());
            long started = System.nanoTime();
            stopping.close();
            assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(8), "stopped in " + (System.nanoTime() - started) / 1_000_000 + " ms");
            messages.closed.handle((code, failure) -> code).get(5, TimeUnit.SECONDS);
            JsonNode line = JSON.readTree(logs.accessLine("ws-stopping"));
            assertEquals("stopping", line.get("outcome").asText(), line.toString());
        }
    }

    @Test
    void aStickyCookiePinsWebSocketClientsToOneTarget() throws Exception
    {
        try (WebSocketUpstream other = WebSocketUpstream.start();
             SluiceUnderTest pinned = SluiceUnderTest.startAsLauncher("""
                 upstream.pool.targets = %s, %s
                 upstream.pool.sticky.cookie = srv
                 route.chat.path = /chat
                 route.chat.upstream = pool
                 route.chat.strip-prefix = true
                 route.chat.websocket = on
                 """.formatted(upstream.url(), other.url())))
        {
            String first = rawHandshake(pinned, "ws-sticky-0", null);
            java.util.regex.Matcher cookie = java.util.regex.Pattern.compile("(?im)^Set-Cookie: (srv=[0-9a-f]{16});").matcher(first);
            assertTrue(first.startsWith("HTTP/1.1 101 ") && cookie.find(), first);
            WebSocketUpstream answered = upstream.upgradeIfAny("ws-sticky-0", 2000) != null ? upstream : other;
            for (int i = 1; i <= 4; i++)
            {
                String again = rawHandshake(pinned, "ws-sticky-" + i, cookie.group(1));
                assertTrue(again.startsWith("HTTP/1.1 101 ") && !again.toLowerCase(java.util.Locale.ROOT).contains("set-cookie"), again);
                answered.upgrade("ws-sticky-" + i);
            }
        }
    }

    /** A WebSocket handshake by hand (the JDK's client does not show a 101's fields): the answer's head; the connection is then closed. */
    private static String rawHandshake(SluiceUnderTest node, String requestId, String cookie) throws Exception
    {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", node.port()))
        {
            socket.setSoTimeout(5000);
            String head = "GET /chat/ws/echo HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nX-Request-ID: " + requestId + "\r\n"
                + (cookie == null ? "" : "Cookie: " + cookie + "\r\n") + "\r\n";
            socket.getOutputStream().write(head.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            java.io.InputStream in = socket.getInputStream();
            StringBuilder answer = new StringBuilder();
            while (answer.indexOf("\r\n\r\n") < 0)
            {
                int b = in.read();
                if (b < 0)
                {
                    break;
                }
                answer.append((char)b);
            }
            return answer.toString();
        }
    }

    /** The answer a handshake the client refused to complete got (its status, fields and body). */
    private static java.net.http.HttpResponse<?> refusal(org.junit.jupiter.api.function.Executable handshake)
    {
        ExecutionException refused = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, handshake);
        return assertInstanceOf(WebSocketHandshakeException.class, refused.getCause()).getResponse();
    }

    private static double inFlight() throws Exception
    {
        java.net.http.HttpResponse<String> metrics = http.send(java.net.http.HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + sluice.port() + "/-/metrics"))
            .header("Authorization", "Bearer admin-token-for-the-test").build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        return PrometheusText.parse(metrics.body(), false).value("sluice_requests_in_flight");
    }

    /** What the client received: whole text and binary messages, and the close code. */
    private static final class Messages implements WebSocket.Listener
    {
        private final BlockingQueue<Object> received = new LinkedBlockingQueue<>();
        private final CompletableFuture<Integer> closed = new CompletableFuture<>();
        private StringBuilder text = new StringBuilder();
        private java.io.ByteArrayOutputStream binary = new java.io.ByteArrayOutputStream();

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last)
        {
            text.append(data);
            if (last)
            {
                received.add(text.toString());
                text = new StringBuilder();
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last)
        {
            byte[] bytes = new byte[data.remaining()];
            data.get(bytes);
            binary.writeBytes(bytes);
            if (last)
            {
                received.add(binary.toByteArray());
                binary = new java.io.ByteArrayOutputStream();
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason)
        {
            closed.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error)
        {
            closed.completeExceptionally(error);
        }

        String next() throws InterruptedException
        {
            Object message = received.poll(10, TimeUnit.SECONDS);
            assertInstanceOf(String.class, message, "a text message within 10 s");
            return (String)message;
        }

        byte[] nextBinary() throws InterruptedException
        {
            Object message = received.poll(10, TimeUnit.SECONDS);
            assertInstanceOf(byte[].class, message, "a binary message within 10 s");
            return (byte[])message;
        }
    }
}
