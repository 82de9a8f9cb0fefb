// The checks every container deployment of the packaged WAR must pass.
package dev.sluice.deploy;

import java.nio.file.Files;
import java.nio.file.Path;

import dev.sluice.testing.Scratch;
import dev.sluice.testing.TestUpstream;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packaged WAR ({@code target/sluice.war}, built by {@code mvn package}) deployed unchanged
 * into a container under a context path, configured through a per-deployment context parameter
 * (which wins over a system property naming another file), proxying to a real upstream. Each
 * container runs the same checks.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class WarDeploymentContract
{
    static final String CONTEXT_PATH = "/gateway";
    private final java.util.concurrent.atomic.AtomicInteger slowHits = new java.util.concurrent.atomic.AtomicInteger();
    private TestUpstream slow;
    private TestUpstream shaped;

    private TestUpstream upstream;
    private TestUpstream broken;
    private TestUpstream shadow;
    private TestUpstream authz;
    private dev.sluice.testing.ScriptedUpstream unchanged;
    private dev.sluice.testing.FakeModelProvider provider;
    private dev.sluice.testing.WebSocketUpstream websockets;
    private Path config;
    private Path war;
    private HttpClient client;
    private int port;

    /**
     * Deploys the WAR at the context path on a new loopback port and returns the port.
     *
     * @param config set as the context's init parameter {@code sluice.config}, or null for none
     */
    abstract int deploy(Path war, String contextPath, Path config) throws Exception;

    abstract void undeploy() throws Exception;

    /** Whether the next {@link #deploy}'s connector also takes cleartext HTTP/2 (as gRPC clients speak it). */
    boolean h2c;

    @BeforeAll
    void start() throws Exception
    {
        Path war = Path.of(System.getProperty("sluice.war", "target/sluice.war"));
        assertTrue(Files.isRegularFile(war), "run `mvn verify`: the WAR is built by the package phase");
        upstream = TestUpstream.start();
        shadow = TestUpstream.start();
        // An authorization service: a known token is allowed and named, anything else asked to log in.
        authz = TestUpstream.start(new org.eclipse.jetty.server.Handler.Abstract()
        {
            @Override
            public boolean handle(org.eclipse.jetty.server.Request request, org.eclipse.jetty.server.Response response,
                                  org.eclipse.jetty.util.Callback callback) throws Exception
            {
                authz.offer(TestUpstream.record(request));
                if ("Bearer war-ok".equals(request.getHeaders().get("Authorization")))
                {
                    response.getHeaders().put("X-Auth-User", "war-user");
                    callback.succeeded();
                }
                else
                {
                    response.setStatus(401);
                    response.getHeaders().put("WWW-Authenticate", "Bearer realm=\"sso\"");
                    org.eclipse.jetty.io.Content.Sink.write(response, true, "log in first", callback);
                }
                return true;
            }
        });
        // Raw bytes: a 304 that declares no length, which no server library here would write.
        unchanged = new dev.sluice.testing.ScriptedUpstream();
        unchanged.script("/unchanged", "HTTP/1.1 304 Not Modified\r\nConnection: close\r\nETag: \"v1\"\r\n\r\n");
        unchanged.script("/unchanged/trailers", "HTTP/1.1 200 OK\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "5\r\nhello\r\n0\r\nX-Checksum: abc123\r\nSet-Cookie: a=b\r\n\r\n");
        broken = TestUpstream.start(new org.eclipse.jetty.server.Handler.Abstract()
        {
            @Override
            public boolean handle(org.eclipse.jetty.server.Request request, org.eclipse.jetty.server.Response response,
                                  org.eclipse.jetty.util.Callback callback) throws Exception
            {
                // A chunked body that breaks off: the client must not see a clean end.
                java.io.OutputStream out = org.eclipse.jetty.io.Content.Sink.asOutputStream(response);
                out.write("x".repeat(20_000).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                out.flush();
                Thread.sleep(200);
                callback.failed(new IllegalStateException("upstream dies mid-body"));
                return true;
            }
        });
        slow = TestUpstream.start(new org.eclipse.jetty.server.Handler.Abstract()
        {
            @Override
            public boolean handle(org.eclipse.jetty.server.Request request, org.eclipse.jetty.server.Response response,
                                  org.eclipse.jetty.util.Callback callback) throws Exception
            {
                slowHits.incrementAndGet();
                Thread.sleep(300);
                response.getHeaders().put("Cache-Control", "max-age=60");
                org.eclipse.jetty.io.Content.Sink.write(response, true, "cached body " + slowHits.get(), callback);
                return true;
            }
        });
        shaped = TestUpstream.start(new org.eclipse.jetty.server.Handler.Abstract()
        {
            @Override
            public boolean handle(org.eclipse.jetty.server.Request request, org.eclipse.jetty.server.Response response,
                                  org.eclipse.jetty.util.Callback callback) throws Exception
            {
                shaped.offer(TestUpstream.record(request));
                response.getHeaders().put("Content-Type", "application/json");
                org.eclipse.jetty.io.Content.Sink.write(response, true, "{\"id\":7,\"secret\":\"s3\"}", callback);
                return true;
            }
        });
        provider = dev.sluice.testing.FakeModelProvider.start("war");
        websockets = dev.sluice.testing.WebSocketUpstream.start();
        config = Scratch.file("sluice-war", ".properties");
        Files.writeString(config, """
            upstream.app.url = %s/base
            route.app.path = /app
            route.app.upstream = app
            route.app.strip-prefix = true
            route.projects.path = /projects/*/issues
            route.projects.upstream = app
            route.projects.allow-encoded-slashes = true
            upstream.broken.url = %s
            route.broken.path = /broken
            route.broken.upstream = broken
            consumer.ci.api-key.main = demo:war-contract-key-0123
            auth.api-key.query = apikey
            route.keyed.path = /keyed
            route.keyed.upstream = app
            route.keyed.auth = api-key
            consumer.ci.password.main = %s
            route.login.path = /login
            route.login.upstream = app
            route.login.auth = basic
            route.limited.path = /limited
            route.limited.upstream = app
            route.limited.rate-limit = 2/h
            route.limited.rate-limit.by = route
            route.secure.path = /secure
            route.secure.upstream = app
            route.secure.tls = required
            upstream.slow.url = %s
            route.cached.path = /cached
            route.cached.upstream = slow
            route.cached.cache = on
            ai.provider.fake.type = anthropic
            ai.provider.fake.base-url = %s
            ai.provider.fake.api-key = war-provider-key
            ai.model.m.target.t.provider = fake
            ai.model.m.target.t.model = claude-war
            route.llm.path = /v1
            route.llm.ai = on
            route.llmcached.path = /cached-ai/v1
            route.llmcached.ai = on
            route.llmcached.ai.cache = on
            route.cors.path = /cors
            route.cors.upstream = app
            route.cors.auth = api-key
            route.cors.cors.origins = https://app.example.com
            upstream.shaped.url = %s
            route.shaped.path = /shaped
            route.shaped.upstream = shaped
            route.shaped.transform.request.header.set.X-Route = ${route}
            route.shaped.transform.request.json.set./source = sluice
            route.shaped.transform.response.json.remove = /secret
            upstream.unchanged.url = %s
            route.unchanged.path = /unchanged
            route.unchanged.upstream = unchanged
            upstream.sockets.url = %s
            route.sockets.path = /sockets
            route.sockets.upstream = sockets
            route.sockets.strip-prefix = true
            route.sockets.websocket = on
            route.sockets.auth = api-key
            route.moved.path = /moved
            route.moved.redirect = /app/{**}
            route.retired.path = /retired
            route.retired.respond = 410
            upstream.shadow.url = %s
            route.mirrored.path = /mirrored
            route.mirrored.upstream = app
            route.mirrored.mirror = shadow
            route.mirrored.fault.delay = 200ms
            auth.forward.sso.url = %s/check
            auth.forward.sso.upstream-headers = X-Auth-User
            route.sso.path = /sso
            route.sso.upstream = app
            route.sso.strip-prefix = true
            route.sso.auth.forward = sso
            """.formatted(upstream.url(), broken.url(), org.springframework.security.crypto.bcrypt.BCrypt.hashpw("war-contract-password",
            org.springframework.security.crypto.bcrypt.BCrypt.gensalt(4)), slow.url(), provider.uri(), shaped.url(), unchanged.url(), websockets.url(), shadow.url(), authz.url()));
        // A JVM-wide setting naming a file that does not exist: the deployment's own parameter wins.
        System.setProperty("sluice.config", config + ".not-this-one");
        try
        {
            port = deploy(war, CONTEXT_PATH, config);
        }
        finally
        {
            System.clearProperty("sluice.config");
        }
        this.war = war;
        client = new HttpClient();
        client.start();
    }

    @AfterAll
    void stop() throws Exception
    {
        client.stop();
        undeploy();
        upstream.close();
        shadow.close();
        authz.close();
        slow.close();
        shaped.close();
        broken.close();
        unchanged.close();
        provider.close();
        websockets.close();
        Files.deleteIfExists(config);
    }

    @Test
    void aWarWithNoConfigurationNamedServesNoRouteAndIsNotReady() throws Exception
    {
        int bare = deploy(war, "/bare", null);
        String base = "http://127.0.0.1:" + bare + "/bare";
        ContentResponse ready = client.GET(base + "/-/ready");
        assertEquals(503, ready.getStatus());
        assertTrue(ready.getContentAsString().contains("No configuration is named"), ready.getContentAsString());
        // The packed demo configuration's public key and routes are not served.
        ContentResponse demo = client.newRequest(base + "/account/me").headers(headers -> headers.put("apikey", "sluice-demo-key")).send();
        assertEquals(404, demo.getStatus());
        assertEquals(404, client.GET(base + "/echo/hello").getStatus());
    }

    @Test
    void aGrpcCallGoesThroughAtTheRootContextInsideTheContainer() throws Exception
    {
        // gRPC clients call /<service>/<method> on the server's root: Sluice deployed as ROOT, on a
        // connector that takes cleartext HTTP/2, forwarding over HTTP/2 to grpc-java's server.
        io.grpc.Server service = io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder.forAddress(new java.net.InetSocketAddress("127.0.0.1", 0))
            .addService(new io.grpc.testing.protobuf.SimpleServiceGrpc.SimpleServiceImplBase()
            {
                @Override
                public void unaryRpc(io.grpc.testing.protobuf.SimpleRequest request,
                                     io.grpc.stub.StreamObserver<io.grpc.testing.protobuf.SimpleResponse> answer)
                {
                    if (request.getRequestMessage().equals("fail"))
                    {
                        // Before any message: grpc-java's "trailers-only" answer, the status in the headers alone.
                        answer.onError(io.grpc.Status.FAILED_PRECONDITION.withDescription("the service refused").asRuntimeException());
                        return;
                    }
                    answer.onNext(io.grpc.testing.protobuf.SimpleResponse.newBuilder().setResponseMessage("echo: " + request.getRequestMessage()).build());
                    answer.onCompleted();
                }
            })
            .build()
            .start();
        Path grpcConfig = Scratch.file("sluice-war-grpc", ".properties");
        io.grpc.ManagedChannel channel = null;
        try
        {
            Files.writeString(grpcConfig, """
                upstream.grpc.url = http://127.0.0.1:%d
                upstream.grpc.http-version = 2
                consumer.ci.api-key.main = demo:war-contract-key-0123
                route.grpc.path = /grpc.testing.SimpleService
                route.grpc.upstream = grpc
                route.grpc.auth = api-key
                """.formatted(service.getPort()));
            h2c = true;
            int root = deploy(war, "", grpcConfig);
            channel = io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder.forAddress("127.0.0.1", root).usePlaintext().build();
            io.grpc.Metadata key = new io.grpc.Metadata();
            key.put(io.grpc.Metadata.Key.of("apikey", io.grpc.Metadata.ASCII_STRING_MARSHALLER), "war-contract-key-0123");
            io.grpc.testing.protobuf.SimpleRequest hello = io.grpc.testing.protobuf.SimpleRequest.newBuilder().setRequestMessage("hello").build();
            assertEquals("echo: hello", io.grpc.testing.protobuf.SimpleServiceGrpc.newBlockingStub(channel)
                .withInterceptors(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(key)).withDeadlineAfter(10, java.util.concurrent.TimeUnit.SECONDS)
                .unaryRpc(hello).getResponseMessage());
            io.grpc.ManagedChannel open = channel;
            io.grpc.StatusRuntimeException failed = org.junit.jupiter.api.Assertions.assertThrows(io.grpc.StatusRuntimeException.class,
                () -> io.grpc.testing.protobuf.SimpleServiceGrpc.newBlockingStub(open).withInterceptors(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(key))
                    .withDeadlineAfter(10, java.util.concurrent.TimeUnit.SECONDS)
                    .unaryRpc(io.grpc.testing.protobuf.SimpleRequest.newBuilder().setRequestMessage("fail").build()));
            assertEquals(io.grpc.Status.Code.FAILED_PRECONDITION, failed.getStatus().getCode(), failed.getStatus().toString());
            assertEquals("the service refused", failed.getStatus().getDescription());
            io.grpc.StatusRuntimeException refused = org.junit.jupiter.api.Assertions.assertThrows(io.grpc.StatusRuntimeException.class,
                () -> io.grpc.testing.protobuf.SimpleServiceGrpc.newBlockingStub(open).withDeadlineAfter(10, java.util.concurrent.TimeUnit.SECONDS)
                    .unaryRpc(hello));
            assertEquals(io.grpc.Status.Code.UNAUTHENTICATED, refused.getStatus().getCode(), refused.getStatus().toString());
            assertEquals("This route requires an API key.", refused.getStatus().getDescription());

            // gRPC-Web over HTTP/1.1, as a browser calls: translated to gRPC inside the container too.
            byte[] message = io.grpc.testing.protobuf.SimpleRequest.newBuilder().setRequestMessage("web").build().toByteArray();
            byte[] frame = java.nio.ByteBuffer.allocate(5 + message.length).put((byte)0).putInt(message.length).put(message).array();
            java.net.http.HttpResponse<byte[]> web = java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_1_1).build()
                .send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + root + "/grpc.testing.SimpleService/UnaryRpc"))
                    .header("Content-Type", "application/grpc-web+proto").header("apikey", "war-contract-key-0123")
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(frame)).build(), java.net.http.HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(200, web.statusCode());
            assertEquals("application/grpc-web+proto", web.headers().firstValue("Content-Type").orElse(null));
            String body = new String(web.body(), java.nio.charset.StandardCharsets.ISO_8859_1);
            assertTrue(body.contains("echo: web") && body.contains("grpc-status:0"), body);
        }
        finally
        {
            h2c = false;
            if (channel != null)
            {
                channel.shutdownNow().awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS);
            }
            service.shutdownNow().awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS);
            Files.deleteIfExists(grpcConfig);
        }
    }

    private String url(String path)
    {
        return "http://127.0.0.1:" + port + CONTEXT_PATH + path;
    }

    @Test
    void concurrentMissesAreCollapsedAndThenServedFromTheCacheInsideTheContainer() throws Exception
    {
        // Waiting requests are dispatched back through the filter chain: this checks the
        // container's ASYNC dispatch as much as the cache.
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(5);
        try
        {
            java.util.List<java.util.concurrent.Future<ContentResponse>> responses = new java.util.ArrayList<>();
            for (int i = 0; i < 5; i++)
            {
                responses.add(pool.submit(() -> client.GET(url("/cached/item"))));
            }
            for (java.util.concurrent.Future<ContentResponse> response : responses)
            {
                ContentResponse done = response.get(20, java.util.concurrent.TimeUnit.SECONDS);
                assertEquals(200, done.getStatus());
                assertEquals("cached body 1", done.getContentAsString());
            }
        }
        finally
        {
            pool.shutdownNow();
        }
        ContentResponse hit = client.GET(url("/cached/item"));
        assertEquals("HIT", hit.getHeaders().get("X-Cache-Status"));
        assertEquals(1, slowHits.get());
    }

    @Test
    void aRequestIsProxiedToTheUpstream() throws Exception
    {
        ContentResponse response = client.GET(url("/app/items/7?b=2&a=1"));
        assertEquals(200, response.getStatus());
        assertEquals("upstream ok", response.getContentAsString());
        TestUpstream.Received received = upstream.take();
        assertEquals("/base/items/7?b=2&a=1", received.target());
        assertEquals("1.1 sluice", received.headers().get("Via"));
        assertEquals(response.getHeaders().get("X-Request-ID"), received.headers().get("X-Request-ID"));
    }

    /**
     * With the container set as the README says (Jetty's URI compliance, Tomcat's
     * encodedSolidusHandling), an encoded '/' reaches Sluice: a route that takes it passes the path
     * on as sent, and any other is refused by Sluice.
     */
    @Test
    void anEncodedSlashGoesThroughOnlyOnARouteThatTakesItInsideTheContainer() throws Exception
    {
        ContentResponse response = client.GET(url("/projects/group%2Fproject/issues"));
        assertEquals(200, response.getStatus(), response.getContentAsString());
        assertEquals("/base/projects/group%2Fproject/issues", upstream.take().target());
        ContentResponse refused = client.GET(url("/app/group%2Fproject"));
        assertEquals(400, refused.getStatus());
        assertTrue(refused.getContentAsString().contains("does not take encoded slashes"), refused.getContentAsString());
        assertEquals(400, client.GET(url("/projects/group%2F..%2Fadmin/issues")).getStatus());
        assertNull(upstream.poll(50), "a refused path reached the upstream");
    }

    @Test
    void anUpstreams304DeclaresNoLengthInsideTheContainer() throws Exception
    {
        // RFC 9110 §8.6: not the Content-Length: 0 a container adds to a response completed unwritten.
        dev.sluice.testing.RawHttp.Reply reply = dev.sluice.testing.RawHttp.send(port,
            "GET " + CONTEXT_PATH + "/unchanged HTTP/1.1", "Host: localhost", "If-None-Match: \"v1\"", "Connection: close");
        assertEquals(304, reply.status(), reply.head());
        assertEquals("\"v1\"", reply.header("ETag"));
        assertEquals(null, reply.header("Content-Length"), reply.head());
    }

    @Test
    void anUpstreamsTrailersReachAClientThatTakesThemInsideTheContainer() throws Exception
    {
        dev.sluice.testing.RawHttp.Reply reply = dev.sluice.testing.RawHttp.send(port,
            "GET " + CONTEXT_PATH + "/unchanged/trailers HTTP/1.1", "Host: localhost", "TE: trailers", "Connection: close");
        assertEquals(200, reply.status(), reply.head());
        String trailers = reply.body().substring(reply.body().lastIndexOf("\r\n0\r\n") + 5).toLowerCase(java.util.Locale.ROOT);
        assertTrue(trailers.contains("x-checksum: abc123\r\n"), "the trailer after the last chunk:\n" + reply.body());
        assertTrue(!trailers.contains("set-cookie"), "a field trailers may not carry:\n" + reply.body());
    }

    @Test
    void aPostBodyIsProxied() throws Exception
    {
        ContentResponse response = client.POST(url("/app/post"))
            .body(new org.eclipse.jetty.client.StringRequestContent("text/plain", "hello through the container"))
            .send();
        assertEquals(200, response.getStatus());
        assertEquals("hello through the container", upstream.take().body());
    }

    @Test
    void aRouteTransformsItsJsonBodiesInsideTheContainer() throws Exception
    {
        ContentResponse response = client.POST(url("/shaped/orders"))
            .body(new org.eclipse.jetty.client.StringRequestContent("application/json", "{\"qty\":2}"))
            .send();
        assertEquals(200, response.getStatus());
        assertEquals("{\"id\":7}", response.getContentAsString());
        assertEquals("8", response.getHeaders().get("Content-Length"));
        TestUpstream.Received received = shaped.take();
        assertEquals("{\"qty\":2,\"source\":\"sluice\"}", received.body());
        assertEquals(String.valueOf(received.bodyBytes()), received.headers().get("Content-Length"));
        assertEquals("shaped", received.headers().get("X-Route"));
    }

    @Test
    void aClientThatWritesItsWholeBodyBeforeReadingGetsTheRefusalInsideTheContainer() throws Exception
    {
        // As Python's http.client does: 16 MiB written, then the answer read. A container that
        // closed with the body unread reset the connection under the writer, which never saw its
        // 401: Jetty at once, Tomcat past its connector's maxSwallowSize (2 MiB unless raised, as
        // the README says and TomcatWarIT does).
        int length = 16 * 1024 * 1024;
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port))
        {
            socket.setSoTimeout(20_000);
            java.io.OutputStream out = socket.getOutputStream();
            out.write(("POST " + CONTEXT_PATH + "/keyed/x HTTP/1.1\r\nHost: sluice\r\nContent-Type: application/octet-stream\r\nContent-Length: "
                + length + "\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            byte[] piece = new byte[64 * 1024];
            for (int sent = 0; sent < length; sent += piece.length)
            {
                out.write(piece);
            }
            out.flush();
            dev.sluice.testing.RawHttp.Reply reply = dev.sluice.testing.RawHttp.read(socket.getInputStream());
            assertEquals(401, reply.status(), reply.head());
            assertTrue(reply.body().contains("urn:sluice:problem:unauthorized"), reply.body());
        }
    }

    /**
     * A body Sluice reads whole before anything goes upstream (a body transform here) is read on
     * the request thread with the container's blocking read: a trickle is cut off at the minimum
     * rate in the container too, not after the body's declared length.
     */
    @Test
    void aTricklingBodyReadWholeIsCutOffInsideTheContainer() throws Exception
    {
        long started = System.nanoTime();
        dev.sluice.testing.RawHttp.Reply reply = dev.sluice.testing.RawHttp.trickle(port, "POST " + CONTEXT_PATH
            + "/shaped/orders HTTP/1.1\r\nHost: sluice\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n", " ", 100, 1000);
        assertEquals(408, reply.status(), reply.head());
        assertTrue(reply.body().contains(dev.sluice.http.RequestBodies.TOO_SLOW), reply.body());
        long millis = java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        assertTrue(millis < 12_000, "cut off after " + millis + " ms, not at the body's end (100 s at this pace)");
    }

    @Test
    void anUnroutedPathIsA404Problem() throws Exception
    {
        ContentResponse response = client.GET(url("/elsewhere"));
        assertEquals(404, response.getStatus());
        assertEquals("application/problem+json", response.getMediaType());
        assertTrue(response.getContentAsString().contains("\"type\":\"urn:sluice:problem:no-route\""));
    }

    @Test
    void readinessIsAnsweredBySluice() throws Exception
    {
        ContentResponse response = client.GET(url("/-/ready"));
        assertEquals(200, response.getStatus());
        // The packaged WAR carries the POM's version.
        assertEquals("{\"status\":\"ready\",\"version\":\"" + dev.sluice.testing.ProjectVersion.fromPom()
            + "\",\"routes\":18,\"config_reloads\":0,\"config_rejected\":0}\n", response.getContentAsString());
    }

    @Test
    void anApiKeyRouteAuthenticatesInsideTheContainer() throws Exception
    {
        ContentResponse refused = client.GET(url("/keyed/x"));
        assertEquals(401, refused.getStatus());
        assertEquals("Key realm=\"sluice\"", refused.getHeaders().get("WWW-Authenticate"));
        assertEquals("application/problem+json", refused.getMediaType());
        ContentResponse accepted = client.newRequest(url("/keyed/x"))
            .headers(headers -> headers.put("apikey", "war-contract-key-0123").put("X-Consumer-ID", "admin"))
            .send();
        assertEquals(200, accepted.getStatus());
        assertEquals("ci", upstream.take().headers().get("X-Consumer-ID"));
    }

    /** HTTP Basic with a bcrypt hash: the WAR brings its bcrypt with it. */
    @Test
    void aPasswordRouteAuthenticatesInsideTheContainer() throws Exception
    {
        ContentResponse refused = client.GET(url("/login/x"));
        assertEquals(401, refused.getStatus());
        assertEquals("Basic realm=\"sluice\", charset=\"UTF-8\"", refused.getHeaders().get("WWW-Authenticate"));
        String credential = java.util.Base64.getEncoder().encodeToString("ci:war-contract-password".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        ContentResponse accepted = client.newRequest(url("/login/x")).headers(headers -> headers.put("Authorization", "Basic " + credential)).send();
        assertEquals(200, accepted.getStatus());
        assertEquals("ci", upstream.take().headers().get("X-Consumer-ID"));
    }

    /**
     * The servlet API's upgrade, which the container carries out once the request is handled:
     * Jetty and Tomcat each with their own upgraded streams, both non-blocking.
     */
    @Test
    void aWebSocketIsTunnelledInsideTheContainer() throws Exception
    {
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        java.util.concurrent.BlockingQueue<Object> received = new java.util.concurrent.LinkedBlockingQueue<>();
        java.util.concurrent.CompletableFuture<Integer> closed = new java.util.concurrent.CompletableFuture<>();
        java.net.http.WebSocket socket = http.newWebSocketBuilder()
            .header("apikey", "war-contract-key-0123")
            .header("X-Request-ID", "war-websocket")
            .buildAsync(java.net.URI.create("ws://127.0.0.1:" + port + CONTEXT_PATH + "/sockets/ws/greet"), new java.net.http.WebSocket.Listener()
            {
                private final java.io.ByteArrayOutputStream binary = new java.io.ByteArrayOutputStream();

                @Override
                public java.util.concurrent.CompletionStage<?> onText(java.net.http.WebSocket webSocket, CharSequence data, boolean last)
                {
                    received.add(data.toString());
                    webSocket.request(1);
                    return null;
                }

                @Override
                public java.util.concurrent.CompletionStage<?> onBinary(java.net.http.WebSocket webSocket, java.nio.ByteBuffer data, boolean last)
                {
                    byte[] bytes = new byte[data.remaining()];
                    data.get(bytes);
                    binary.writeBytes(bytes);
                    if (last)
                    {
                        received.add(binary.toByteArray());
                        binary.reset();
                    }
                    webSocket.request(1);
                    return null;
                }

                @Override
                public java.util.concurrent.CompletionStage<?> onClose(java.net.http.WebSocket webSocket, int statusCode, String reason)
                {
                    closed.complete(statusCode);
                    return null;
                }
            })
            .get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertEquals("ci", websockets.upgrade("war-websocket").get("X-Consumer-ID"));
        assertEquals("hello", received.poll(10, java.util.concurrent.TimeUnit.SECONDS));
        socket.sendText("echoed", true).get(5, java.util.concurrent.TimeUnit.SECONDS);
        assertEquals("echoed", received.poll(10, java.util.concurrent.TimeUnit.SECONDS));
        byte[] large = new byte[1024 * 1024 + 3];
        new java.util.Random(11).nextBytes(large);
        socket.sendBinary(java.nio.ByteBuffer.wrap(large), true).get(10, java.util.concurrent.TimeUnit.SECONDS);
        org.junit.jupiter.api.Assertions.assertArrayEquals(large, (byte[])received.poll(10, java.util.concurrent.TimeUnit.SECONDS));
        socket.sendClose(java.net.http.WebSocket.NORMAL_CLOSURE, "done").get(5, java.util.concurrent.TimeUnit.SECONDS);
        assertEquals(java.net.http.WebSocket.NORMAL_CLOSURE, closed.get(10, java.util.concurrent.TimeUnit.SECONDS));

        // Without the key the upgrade is refused like any request.
        java.util.concurrent.ExecutionException refused = org.junit.jupiter.api.Assertions.assertThrows(java.util.concurrent.ExecutionException.class,
            () -> http.newWebSocketBuilder().buildAsync(java.net.URI.create("ws://127.0.0.1:" + port + CONTEXT_PATH + "/sockets/ws/echo"),
                new java.net.http.WebSocket.Listener() {}).get(10, java.util.concurrent.TimeUnit.SECONDS));
        assertEquals(401, ((java.net.http.WebSocketHandshakeException)refused.getCause()).getResponse().statusCode());
    }

    /** Whether the container's servlet upgrade keeps a handshake without {@code Content-Length} (a browser's) open. */
    boolean upgradesHandshakesWithoutALength()
    {
        return true;
    }

    /**
     * A browser's handshake, without {@code Content-Length}. Tomcat tunnels it; Jetty 12's servlet
     * upgrade would end it at once (see JettyUpgrade), so a WAR in Jetty refuses it plainly.
     */
    @Test
    void aBrowsersHandshakeIsTunnelledOrPlainlyRefusedInsideTheContainer() throws Exception
    {
        try (dev.sluice.testing.RawWebSocket socket = dev.sluice.testing.RawWebSocket.open(port, CONTEXT_PATH + "/sockets/ws/greet?apikey=war-contract-key-0123"))
        {
            if (upgradesHandshakesWithoutALength())
            {
                assertEquals(101, socket.status(), socket.head());
                assertEquals("hello", socket.readText());
                socket.sendText("from a browser");
                assertEquals("from a browser", socket.readText());
            }
            else
            {
                assertEquals(501, socket.status(), socket.head());
                assertTrue(socket.head().contains("application/problem+json"), socket.head());
                assertTrue(socket.body().contains("Tomcat"), "says what to do instead");
            }
        }
    }

    @Test
    void aRateLimitedRouteRefusesInsideTheContainer() throws Exception
    {
        assertEquals(200, client.GET(url("/limited/a")).getStatus());
        upstream.take();
        ContentResponse second = client.GET(url("/limited/a"));
        assertEquals(200, second.getStatus());
        assertEquals("0", second.getHeaders().get("RateLimit-Remaining"));
        upstream.take();
        ContentResponse refused = client.GET(url("/limited/a"));
        assertEquals(429, refused.getStatus());
        assertEquals("application/problem+json", refused.getMediaType());
        assertTrue(Long.parseLong(refused.getHeaders().get("Retry-After")) > 1700);
    }

    @Test
    void anHttpsOnlyRouteRedirectsPlainHttpInsideTheContainer() throws Exception
    {
        java.net.URI uri = java.net.URI.create(url("/secure/x?a=1"));
        dev.sluice.testing.RawHttp.Reply reply = dev.sluice.testing.RawHttp.send(uri.getPort(),
            "GET " + uri.getRawPath() + "?a=1 HTTP/1.1", "Host: api.example.com", "Connection: close", "X-Forwarded-Proto: https");
        assertEquals(308, reply.status(), "an untrusted client's X-Forwarded-Proto counts for nothing");
        assertEquals("https://api.example.com" + CONTEXT_PATH + "/secure/x?a=1", reply.header("Location"));
    }

    @Test
    void aRoutesRedirectStaysInsideTheContextAndARetiredRouteAnswers410InsideTheContainer() throws Exception
    {
        java.net.URI uri = java.net.URI.create(url("/moved/items"));
        dev.sluice.testing.RawHttp.Reply moved = dev.sluice.testing.RawHttp.send(uri.getPort(),
            "GET " + uri.getRawPath() + "?page=2 HTTP/1.1", "Host: localhost", "Connection: close");
        assertEquals(301, moved.status());
        assertEquals(CONTEXT_PATH + "/app/items?page=2", moved.header("Location"), "a path on this server is inside the web application");
        java.net.URI retired = java.net.URI.create(url("/retired/x"));
        dev.sluice.testing.RawHttp.Reply gone = dev.sluice.testing.RawHttp.send(retired.getPort(),
            "GET " + retired.getRawPath() + " HTTP/1.1", "Host: localhost", "Connection: close");
        assertEquals(410, gone.status());
        assertTrue(gone.body().contains("\"urn:sluice:problem:route-answer\""), gone.body());
    }

    @Test
    void aForwardAuthServiceDecidesInsideTheContainer() throws Exception
    {
        ContentResponse refused = client.GET(url("/sso/items?x=1"));
        assertEquals(401, refused.getStatus());
        assertEquals("Bearer realm=\"sso\"", refused.getHeaders().get("WWW-Authenticate"));
        assertEquals("log in first", refused.getContentAsString());
        assertEquals(CONTEXT_PATH + "/sso/items?x=1", authz.take().headers().get("X-Forwarded-Uri"), "the URI the client asked for, context path and all");

        ContentResponse allowed = client.newRequest(url("/sso/items")).headers(headers -> headers.put("Authorization", "Bearer war-ok")
            .put("X-Auth-User", "mallory")).send();
        assertEquals(200, allowed.getStatus());
        authz.take();
        TestUpstream.Received received = upstream.take();
        assertEquals("/base/items", received.target());
        assertEquals("war-user", received.headers().get("X-Auth-User"));
    }

    @Test
    void aDelayedRequestAndItsMirrorCopyGoUpstreamInsideTheContainer() throws Exception
    {
        long start = System.nanoTime();
        ContentResponse response = client.newRequest(url("/mirrored/x?q=1")).method("POST")
            .body(new org.eclipse.jetty.client.StringRequestContent("copied body")).send();
        assertEquals(200, response.getStatus());
        assertTrue(System.nanoTime() - start >= java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(200), "fault.delay waited");
        assertEquals("copied body", upstream.take().body());
        TestUpstream.Received copy = shadow.take();
        assertEquals("/mirrored/x?q=1", copy.target());
        assertEquals("copied body", copy.body());
    }

    @Test
    void anUpstreamBodyThatBreaksOffIsNotPassedOnAsComplete() throws Exception
    {
        java.net.URI uri = java.net.URI.create(url("/broken/x"));
        java.io.PrintStream standardOutput = System.out;
        java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
        dev.sluice.testing.RawHttp.Reply reply;
        try
        {
            // The access log writes to whatever System.out is when it writes.
            System.setOut(dev.sluice.testing.Tee.of(standardOutput, printed));
            reply = dev.sluice.testing.RawHttp.send(uri.getPort(), "GET " + uri.getPath() + " HTTP/1.1", "Host: localhost",
                "X-Request-ID: broken-off");
            // The exchange is over, not left open: logged with what the client got and why.
            String logged = "";
            for (int i = 0; i < 100 && !logged.contains("\"id\":\"broken-off\""); i++)
            {
                Thread.sleep(50);
                logged = printed.toString(java.nio.charset.StandardCharsets.UTF_8);
            }
            String line = logged.lines().filter(candidate -> candidate.contains("\"id\":\"broken-off\"")).findFirst().orElse("none in:\n" + logged);
            assertTrue(line.contains("\"status\":200") && line.contains("\"outcome\":\"upstream_failed\""), line);
        }
        finally
        {
            System.setOut(standardOutput);
        }
        assertEquals(200, reply.status());
        assertEquals("chunked", reply.header("Transfer-Encoding"));
        assertTrue(!reply.body().endsWith("0\r\n\r\n"), "the chunked body ended cleanly although the upstream broke off");

        // Also for a client that asks to close after the answer: sent to the connection's end
        // instead of chunked, the cut body would look whole.
        dev.sluice.testing.RawHttp.Reply closing = dev.sluice.testing.RawHttp.send(uri.getPort(),
            "GET " + uri.getPath() + " HTTP/1.1", "Host: localhost", "Connection: close");
        assertEquals(200, closing.status());
        assertEquals("chunked", closing.header("Transfer-Encoding"), closing.head());
        assertTrue(!closing.body().endsWith("0\r\n\r\n"), "the chunked body ended cleanly although the upstream broke off");
    }

    @Test
    void aStreamedAiAnswerArrivesUnbufferedInsideTheContainer() throws Exception
    {
        provider.next(dev.sluice.testing.FakeModelProvider.Fault.PAUSE_AFTER_FIRST);
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        long start = System.nanoTime();
        java.net.http.HttpResponse<java.io.InputStream> response = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url("/v1/chat/completions")))
            .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"model\":\"m\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
            .build(), java.net.http.HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, response.statusCode());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
        StringBuilder seen = new StringBuilder();
        try (java.io.InputStream body = response.body())
        {
            while (!seen.toString().contains("\"content\":\"Hello\""))
            {
                int b = body.read();
                assertTrue(b >= 0, "the stream ended early: " + seen);
                seen.append((char)b);
            }
        }
        long millis = java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        // The provider pauses 2 s after its first token and then streams for 10 s more.
        assertTrue(millis < 1500, "the first chunk came through the container before the provider's last: " + millis + " ms");
        assertTrue(seen.toString().contains("chat.completion.chunk"), seen.toString());
    }

    @Test
    void anAiAnswerIsAnsweredFromTheCacheInsideTheContainer() throws Exception
    {
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        java.util.function.Function<Boolean, java.net.http.HttpRequest> ask = stream -> java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(url("/cached-ai/v1/chat/completions")))
            .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"model\":\"m\",\"stream\":" + stream
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"cache me in the container\"}]}"))
            .build();
        java.net.http.HttpResponse<String> miss = http.send(ask.apply(false), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(200, miss.statusCode(), miss.body());
        assertEquals("MISS", miss.headers().firstValue("X-Cache-Status").orElse(null));
        // The stored answer goes out asynchronously: whole, with its length, as JSON and as a stream.
        java.net.http.HttpResponse<String> hit = http.send(ask.apply(false), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(200, hit.statusCode(), hit.body());
        assertEquals("HIT", hit.headers().firstValue("X-Cache-Status").orElse(null));
        assertEquals(miss.body(), hit.body());
        assertEquals(String.valueOf(hit.body().getBytes(java.nio.charset.StandardCharsets.UTF_8).length),
            hit.headers().firstValue("Content-Length").orElse(null));
        java.net.http.HttpResponse<String> streamed = http.send(ask.apply(true), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(200, streamed.statusCode(), streamed.body());
        assertEquals("HIT", streamed.headers().firstValue("X-Cache-Status").orElse(null));
        assertTrue(streamed.body().contains("container") && streamed.body().endsWith("data: [DONE]\n\n"), streamed.body());
    }

    @Test
    void aCorsPreflightIsAnsweredInsideTheContainerWithoutAuthOrUpstream() throws Exception
    {
        ContentResponse preflight = client.newRequest(url("/cors/items")).method("OPTIONS").headers(h -> h.put("Origin", "https://app.example.com")
            .put("Access-Control-Request-Method", "PUT")).send();
        assertEquals(204, preflight.getStatus(), preflight.getContentAsString());
        assertEquals("https://app.example.com", preflight.getHeaders().get("Access-Control-Allow-Origin"));
        assertTrue(preflight.getHeaders().get("Access-Control-Allow-Methods").contains("PUT"));
        assertEquals(null, upstream.poll(300), "the preflight did not reach the upstream");
        ContentResponse actual = client.newRequest(url("/cors/items")).headers(h -> h.put("Origin", "https://app.example.com")
            .put("apikey", "war-contract-key-0123")).send();
        assertEquals(200, actual.getStatus());
        assertEquals("https://app.example.com", actual.getHeaders().get("Access-Control-Allow-Origin"));
        upstream.take();
    }
}
