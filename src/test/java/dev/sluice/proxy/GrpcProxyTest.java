// gRPC through Sluice: grpc-java's own client and server at the two ends, every kind of call, statuses in trailers.
package dev.sluice.proxy;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.auth.ApiKeys;
import dev.sluice.testing.LogCapture;
import dev.sluice.testing.SluiceUnderTest;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.grpc.testing.protobuf.SimpleRequest;
import io.grpc.testing.protobuf.SimpleResponse;
import io.grpc.testing.protobuf.SimpleServiceGrpc;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * grpc-java's Netty client speaks cleartext HTTP/2 to Sluice's launcher ({@code server.h2c}), and
 * Sluice forwards over HTTP/2 ({@code upstream.<name>.http-version = 2}) to grpc-java's Netty
 * server. Before, Sluice's upstream requests were HTTP/1.1, which no gRPC server takes, and the
 * status trailers were dropped on the way back, so no gRPC call could go through it.
 */
class GrpcProxyTest
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "a-key-for-alice-0123456789";
    private static final Metadata.Key<String> CHECKSUM = Metadata.Key.of("x-checksum", Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<String> API_KEY = Metadata.Key.of("apikey", Metadata.ASCII_STRING_MARSHALLER);
    /** The request headers the upstream saw, by the request id Sluice sent it. */
    private static final Map<String, Metadata> SEEN = new ConcurrentHashMap<>();
    /** What grpc-java's Netty server warned about (it logs through java.util.logging). */
    private static final List<String> SERVER_WARNINGS = new java.util.concurrent.CopyOnWriteArrayList<>();
    private static final java.util.logging.Logger SERVER_LOG = java.util.logging.Logger.getLogger("io.grpc.netty.shaded.io.grpc.netty.NettyServerHandler");
    private static final java.util.logging.Handler WARNINGS = new java.util.logging.Handler()
    {
        @Override
        public void publish(java.util.logging.LogRecord record)
        {
            if (record.getLevel().intValue() >= java.util.logging.Level.WARNING.intValue())
            {
                SERVER_WARNINGS.add(java.text.MessageFormat.format(record.getMessage(), record.getParameters()));
            }
        }

        @Override
        public void flush()
        {
        }

        @Override
        public void close()
        {
        }
    };
    private static final java.util.concurrent.CountDownLatch ENDLESS_CANCELLED = new java.util.concurrent.CountDownLatch(1);
    private static Server upstream;
    private static SluiceUnderTest sluice;
    private static ManagedChannel channel;

    @BeforeAll
    static void start() throws Exception
    {
        SERVER_LOG.addHandler(WARNINGS);
        upstream = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(ServerInterceptors.intercept(new Echo(), new Recorder()))
            .build()
            .start();
        sluice = SluiceUnderTest.startAsLauncher("""
            server.h2c = true
            upstream.grpc.url = http://127.0.0.1:%d
            upstream.grpc.http-version = 2
            consumer.alice.api-key.main = sha256:%s
            route.simple.path = /grpc.testing.SimpleService
            route.simple.upstream = grpc
            route.simple.auth = api-key
            upstream.down.url = http://127.0.0.1:%d
            upstream.down.http-version = 2
            route.down.path = /down.Service
            route.down.upstream = down
            upstream.eleven.url = http://127.0.0.1:%1$d
            route.eleven.path = /eleven.Service
            route.eleven.upstream = eleven
            route.limited.path = /limited.Service
            route.limited.upstream = grpc
            route.limited.rate-limit = 1/m
            route.limited.rate-limit.by = ip
            admin.token = demo:admin-token-for-the-test
            """.formatted(upstream.getPort(), HexFormat.of().formatHex(ApiKeys.sha256(KEY)), dev.sluice.testing.Ports.closed()));
        channel = NettyChannelBuilder.forAddress("127.0.0.1", sluice.port()).usePlaintext().build();
    }

    @AfterAll
    static void stop() throws Exception
    {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        sluice.close();
        upstream.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        SERVER_LOG.removeHandler(WARNINGS);
    }

    private static SimpleServiceGrpc.SimpleServiceBlockingStub blocking(Metadata headers)
    {
        return SimpleServiceGrpc.newBlockingStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
            .withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    private static Metadata withKey()
    {
        Metadata headers = new Metadata();
        headers.put(API_KEY, KEY);
        return headers;
    }

    private static SimpleRequest request(String text)
    {
        return SimpleRequest.newBuilder().setRequestMessage(text).build();
    }

    @Test
    void aUnaryCallGoesThroughWithItsTrailersAndSluicesFields()
    {
        Metadata headers = withKey();
        headers.put(Metadata.Key.of("x-consumer-id", Metadata.ASCII_STRING_MARSHALLER), "mallory");
        headers.put(Metadata.Key.of("x-request-id", Metadata.ASCII_STRING_MARSHALLER), "grpc-unary-1");
        var trailers = new java.util.concurrent.atomic.AtomicReference<Metadata>();
        SimpleResponse response = blocking(headers)
            .withInterceptors(MetadataUtils.newCaptureMetadataInterceptor(new java.util.concurrent.atomic.AtomicReference<>(), trailers))
            .unaryRpc(request("hello"));

        assertEquals("echo: hello", response.getResponseMessage());
        // A trailer of the service's own, next to grpc-status, reached the client.
        assertEquals("sum-UnaryRpc", trailers.get().get(CHECKSUM));
        Metadata seen = SEEN.get("grpc-unary-1");
        assertNotNull(seen, "the upstream saw Sluice's request id: " + SEEN.keySet());
        // grpc-java keeps TE out of the metadata and warns when it is not "trailers" ("some
        // intermediate proxy may not support trailers"): Sluice sends it, since it passes them on.
        assertEquals(List.of(), SERVER_WARNINGS, "warnings of the gRPC server");
        assertEquals("alice", seen.get(Metadata.Key.of("x-consumer-id", Metadata.ASCII_STRING_MARSHALLER)),
            "the identity Sluice vouches for, not the client's own field");
        assertEquals("127.0.0.1", seen.get(Metadata.Key.of("x-forwarded-for", Metadata.ASCII_STRING_MARSHALLER)));
    }

    @Test
    void theServicesErrorStatusAndMessageReachTheClientAndTheAccessLog() throws Exception
    {
        try (LogCapture logs = LogCapture.start())
        {
            // grpc-java answers an error before any message with its status in the headers alone ("trailers-only").
            StatusRuntimeException failure = assertThrows(StatusRuntimeException.class,
                () -> blocking(withId(withKey(), "grpc-fail")).unaryRpc(request("fail")));
            assertEquals(Status.Code.FAILED_PRECONDITION, failure.getStatus().getCode());
            assertEquals("the service refused: fail", failure.getStatus().getDescription());
            JsonNode line = JSON.readTree(logs.accessLine("grpc-fail"));
            assertEquals(200, line.get("status").asInt(), line.toString());
            assertEquals("9", line.get("grpc_status").asText(), "FAILED_PRECONDITION: " + line);

            // And after messages, in the trailers.
            Iterator<SimpleResponse> stream = blocking(withId(withKey(), "grpc-late")).serverStreamingRpc(request("2 then fail"));
            assertEquals("2 then fail #0", stream.next().getResponseMessage());
            assertEquals("2 then fail #1", stream.next().getResponseMessage());
            StatusRuntimeException late = assertThrows(StatusRuntimeException.class, stream::next);
            assertEquals(Status.Code.ABORTED, late.getStatus().getCode());
            assertEquals("stopped after 2", late.getStatus().getDescription());
            assertEquals("10", JSON.readTree(logs.accessLine("grpc-late")).get("grpc_status").asText(), "ABORTED");
        }
        // The metrics count calls by their gRPC status, which the HTTP status (200) does not show.
        java.net.http.HttpResponse<String> metrics = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
            sluice.uri("/-/metrics")).header("Authorization", "Bearer admin-token-for-the-test").build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        dev.sluice.testing.PrometheusText scraped = dev.sluice.testing.PrometheusText.parse(metrics.body(), false);
        assertTrue(scraped.value("sluice_grpc_calls_total", "route", "simple", "grpc_status", "failed_precondition") >= 1, metrics.body());
        assertTrue(scraped.value("sluice_grpc_calls_total", "route", "simple", "grpc_status", "aborted") >= 1, metrics.body());
    }

    private static Metadata withId(Metadata headers, String requestId)
    {
        headers.put(Metadata.Key.of("x-request-id", Metadata.ASCII_STRING_MARSHALLER), requestId);
        return headers;
    }

    @Test
    void serverStreamingDeliversEveryMessage()
    {
        Iterator<SimpleResponse> stream = blocking(withKey()).serverStreamingRpc(request("500"));
        int count = 0;
        while (stream.hasNext())
        {
            assertEquals("500 #" + count, stream.next().getResponseMessage());
            count++;
        }
        assertEquals(500, count);
    }

    @Test
    void largeMessagesAndManyConcurrentCallsGoThrough() throws Exception
    {
        // 3 MiB each way: more than HTTP/2's windows on both of Sluice's sides.
        String large = "x".repeat(3 * 1024 * 1024);
        assertEquals("echo: " + large, blocking(withKey()).unaryRpc(request(large)).getResponseMessage());

        SimpleServiceGrpc.SimpleServiceFutureStub async = SimpleServiceGrpc.newFutureStub(channel)
            .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(withKey())).withDeadlineAfter(20, TimeUnit.SECONDS);
        List<com.google.common.util.concurrent.ListenableFuture<SimpleResponse>> calls = new ArrayList<>();
        for (int i = 0; i < 200; i++)
        {
            calls.add(async.unaryRpc(request("call " + i)));
        }
        for (int i = 0; i < 200; i++)
        {
            assertEquals("echo: call " + i, calls.get(i).get(20, TimeUnit.SECONDS).getResponseMessage());
        }
    }

    @Test
    void aCallTheClientCancelsIsCancelledAtTheService() throws Exception
    {
        // An endless stream: only the client's cancel, passed on by Sluice, ends it at the service.
        io.grpc.Context.CancellableContext context = io.grpc.Context.current().withCancellation();
        Iterator<SimpleResponse> stream = context.call(() -> blocking(withKey()).serverStreamingRpc(request("endless")));
        for (int i = 0; i < 3; i++)
        {
            assertEquals("endless #" + i, stream.next().getResponseMessage());
        }
        context.cancel(null);
        assertTrue(ENDLESS_CANCELLED.await(10, TimeUnit.SECONDS), "the service saw the call cancelled");
    }

    @Test
    void theClientsGrpcTimeoutEndsTheCallAtSluiceWithDeadlineExceeded() throws Exception
    {
        // A raw HTTP/2 client, which enforces no deadline of its own: only Sluice's reading of
        // grpc-timeout can end the call before the service answers, 3 s later.
        byte[] message = request("slow").toByteArray();
        java.nio.ByteBuffer frame = java.nio.ByteBuffer.allocate(5 + message.length).put((byte)0).putInt(message.length).put(message).flip();
        org.eclipse.jetty.client.HttpClient h2 = new org.eclipse.jetty.client.HttpClient(
            new org.eclipse.jetty.http2.client.transport.HttpClientTransportOverHTTP2(new org.eclipse.jetty.http2.client.HTTP2Client()));
        h2.start();
        try
        {
            long start = System.nanoTime();
            org.eclipse.jetty.client.ContentResponse response = h2.newRequest("http://127.0.0.1:" + sluice.port() + "/grpc.testing.SimpleService/UnaryRpc")
                .method("POST").timeout(10, TimeUnit.SECONDS)
                .headers(headers -> headers.put("te", "trailers").put("grpc-timeout", "400m").put("apikey", KEY))
                .body(new org.eclipse.jetty.client.ByteBufferRequestContent("application/grpc", frame))
                .send();
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            String status = response.getHeaders().get("grpc-status");
            if (status == null && response.getTrailers() != null)
            {
                status = response.getTrailers().get("grpc-status");
            }
            assertEquals("4", status, response.getHeaders().toString());
            assertTrue(millis >= 350 && millis < 2_000, "answered after " + millis + " ms");
        }
        finally
        {
            h2.stop();
        }
    }

    @Test
    void aStreamQuietForTheRoutesIdleTimeoutIsEnded() throws Exception
    {
        try (SluiceUnderTest quiet = SluiceUnderTest.startAsLauncher("""
                server.h2c = true
                upstream.grpc.url = http://127.0.0.1:%d
                upstream.grpc.http-version = 2
                route.simple.path = /grpc.testing.SimpleService
                route.simple.upstream = grpc
                route.simple.idle-timeout = 500ms
                """.formatted(upstream.getPort()));
             Channel toQuiet = Channel.plaintext(quiet.port()))
        {
            Iterator<SimpleResponse> stream = toQuiet.blocking().serverStreamingRpc(request("pause"));
            assertEquals("before the pause", stream.next().getResponseMessage());
            long start = System.nanoTime();
            StatusRuntimeException ended = assertThrows(StatusRuntimeException.class, stream::next);
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(millis < 1_400, "ended by the idle timeout, not by the service's next message: " + millis + " ms, " + ended.getStatus());
            // The answer had begun: the stream is reset, as Envoy does then, which grpc-java reports as CANCELLED.
            assertEquals(Status.Code.CANCELLED, ended.getStatus().getCode(), ended.getStatus().toString());
        }
    }

    @Test
    void clientStreamingSendsEveryMessageUpstream() throws Exception
    {
        Answers answers = new Answers();
        StreamObserver<SimpleRequest> requests = streaming().clientStreamingRpc(answers);
        for (int i = 0; i < 200; i++)
        {
            requests.onNext(request("m" + i));
        }
        requests.onCompleted();
        assertEquals("200 messages, last m199", answers.next());
        assertEquals("completed", answers.next());
    }

    @Test
    void bidirectionalStreamingAnswersEachMessageBeforeTheNextIsSent() throws Exception
    {
        // Each answer is awaited before the next message goes: nothing on the way may hold either
        // direction until the other ends.
        Answers answers = new Answers();
        StreamObserver<SimpleRequest> requests = streaming().bidiStreamingRpc(answers);
        for (int i = 0; i < 20; i++)
        {
            requests.onNext(request("ping " + i));
            assertEquals("echo: ping " + i, answers.next());
        }
        requests.onCompleted();
        assertEquals("completed", answers.next());
    }

    @Test
    void sluicesOwnRefusalsArriveAsGrpcStatusesWithTheirDetailAndAreLoggedWithTheirHttpStatus() throws Exception
    {
        try (LogCapture logs = LogCapture.start())
        {
            Metadata noKey = new Metadata();
            noKey.put(Metadata.Key.of("x-request-id", Metadata.ASCII_STRING_MARSHALLER), "grpc-no-key");
            StatusRuntimeException unauthenticated = assertThrows(StatusRuntimeException.class, () -> blocking(noKey).unaryRpc(request("hi")));
            assertEquals(Status.Code.UNAUTHENTICATED, unauthenticated.getStatus().getCode());
            assertEquals("This route requires an API key.", unauthenticated.getStatus().getDescription());
            JsonNode line = JSON.readTree(logs.accessLine("grpc-no-key"));
            assertEquals(401, line.get("status").asInt(), "logged as the refusal it is: " + line);
            assertEquals("16", line.get("grpc_status").asText(), line.toString());
        }

        StatusRuntimeException unavailable = assertThrows(StatusRuntimeException.class, () -> call("down.Service/UnaryRpc", new Metadata()));
        assertEquals(Status.Code.UNAVAILABLE, unavailable.getStatus().getCode());
        assertTrue(unavailable.getStatus().getDescription().startsWith("The upstream"), unavailable.getStatus().getDescription());

        // The first call passes the limit and gets the upstream's own answer (no such service);
        // the second is Sluice's refusal: a quota, which clients do not retry as they do UNAVAILABLE.
        StatusRuntimeException unknownService = assertThrows(StatusRuntimeException.class, () -> call("limited.Service/UnaryRpc", new Metadata()));
        assertEquals(Status.Code.UNIMPLEMENTED, unknownService.getStatus().getCode());
        StatusRuntimeException limited = assertThrows(StatusRuntimeException.class, () -> call("limited.Service/UnaryRpc", new Metadata()));
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, limited.getStatus().getCode());
        assertTrue(limited.getStatus().getDescription().contains("limit"), limited.getStatus().getDescription());
    }

    @Test
    void toAnHttpsUpstreamTheCallGoesOverH2NegotiatedByAlpn(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception
    {
        dev.sluice.testing.TestCertificates pki = dev.sluice.testing.TestCertificates.create(dir);
        java.security.KeyStore store = java.security.KeyStore.getInstance("PKCS12");
        try (var in = java.nio.file.Files.newInputStream(pki.path("server.p12")))
        {
            store.load(in, dev.sluice.testing.TestCertificates.PASSWORD.toCharArray());
        }
        javax.net.ssl.KeyManagerFactory keys = javax.net.ssl.KeyManagerFactory.getInstance(javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, dev.sluice.testing.TestCertificates.PASSWORD.toCharArray());
        Server secure = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .sslContext(io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts.configure(
                io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder.forServer(keys),
                io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider.JDK).build())
            .addService(new Echo())
            .build()
            .start();
        try (SluiceUnderTest tls = SluiceUnderTest.startAsLauncher("""
                server.h2c = true
                upstream.secure.url = https://127.0.0.1:%d
                upstream.secure.http-version = 2
                upstream.secure.tls.ca-file = %s
                route.simple.path = /grpc.testing.SimpleService
                route.simple.upstream = secure
                """.formatted(secure.getPort(), pki.path("server.pem"))))
        {
            try (Channel toTls = Channel.plaintext(tls.port()))
            {
                SimpleResponse response = toTls.blocking().unaryRpc(request("sealed"));
                assertEquals("echo: sealed", response.getResponseMessage());
            }
        }
        finally
        {
            secure.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void aClientOverTlsNegotiatesH2WithSluiceByAlpn(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception
    {
        dev.sluice.testing.TestCertificates pki = dev.sluice.testing.TestCertificates.create(dir);
        java.nio.file.Path[] pem = pki.exportPem(pki.path("server.p12"), "server", "server");
        java.nio.file.Path config = dir.resolve("sluice.properties");
        java.nio.file.Files.writeString(config, """
            server.tls.certificate = %s
            server.tls.private-key = %s
            server.tls.port = 0
            upstream.grpc.url = http://127.0.0.1:%d
            upstream.grpc.http-version = 2
            route.simple.path = /grpc.testing.SimpleService
            route.simple.upstream = grpc
            """.formatted(pem[0], pem[1], upstream.getPort()));
        dev.sluice.tls.ServerTls tls = dev.sluice.config.ConfigStore.open(config, "test", name -> null).current().transport().server();
        try (dev.sluice.launcher.SluiceServer server = dev.sluice.launcher.SluiceServer.start(SluiceUnderTest.WEBAPP, config, "127.0.0.1", 0,
            java.time.Duration.ofSeconds(5), tls))
        {
            try (Channel secure = new Channel(NettyChannelBuilder.forAddress("127.0.0.1", server.httpsUri().getPort())
                .sslContext(io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts.forClient().trustManager(pem[0].toFile()).build())
                .build()))
            {
                SimpleResponse response = secure.blocking().unaryRpc(request("over tls"));
                assertEquals("echo: over tls", response.getResponseMessage());
            }
        }
    }

    @Test
    void aCallToAnUpstreamLeftAtHttp11FailsAndTheLogSaysWhatToSet() throws Exception
    {
        try (LogCapture logs = LogCapture.start())
        {
            for (int i = 0; i < 2; i++)
            {
                StatusRuntimeException failure = assertThrows(StatusRuntimeException.class, () -> call("eleven.Service/UnaryRpc", new Metadata()));
                assertEquals(Status.Code.UNAVAILABLE, failure.getStatus().getCode(), failure.getStatus().toString());
            }
            String warning = "gRPC calls on route 'eleven' go to upstream 'eleven' over HTTP/1.1, which gRPC servers do not take; "
                + "set upstream.eleven.http-version = 2";
            assertEquals(1, logs.lines().stream().filter(line -> line.contains(warning)).count(), "said once:\n" + logs.text());
        }
    }

    @Test
    void anUpstreamThatDoesNotSpeakHttp2IsUnavailableNotAHang() throws Exception
    {
        try (dev.sluice.testing.ScriptedUpstream http11 = new dev.sluice.testing.ScriptedUpstream();
             SluiceUnderTest oneOne = SluiceUnderTest.startAsLauncher("""
                 server.h2c = true
                 upstream.old.url = %s
                 upstream.old.http-version = 2
                 route.simple.path = /grpc.testing.SimpleService
                 route.simple.upstream = old
                 """.formatted(http11.url())))
        {
            http11.script("/grpc.testing.SimpleService/UnaryRpc", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi");
            try (Channel toOld = Channel.plaintext(oneOne.port()))
            {
                StatusRuntimeException failure = assertThrows(StatusRuntimeException.class,
                    () -> toOld.blocking().unaryRpc(request("hi")));
                assertEquals(Status.Code.UNAVAILABLE, failure.getStatus().getCode(), failure.getStatus().toString());
            }
        }
    }

    @Test
    void aRecordedCallsServerSpanCarriesItsGrpcStatus() throws Exception
    {
        try (dev.sluice.testing.OtlpReceiver collector = new dev.sluice.testing.OtlpReceiver();
             SluiceUnderTest traced = SluiceUnderTest.startAsLauncher("""
                 server.h2c = true
                 observe.otlp.endpoint = %s
                 upstream.grpc.url = http://127.0.0.1:%d
                 upstream.grpc.http-version = 2
                 route.simple.path = /grpc.testing.SimpleService
                 route.simple.upstream = grpc
                 """.formatted(collector.endpoint(), upstream.getPort())))
        {
            try (Channel toTraced = Channel.plaintext(traced.port()))
            {
                assertThrows(StatusRuntimeException.class, () -> toTraced.blocking()
                    .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(withId(new Metadata(), "grpc-traced"))).unaryRpc(request("fail")));
            }
            String traceId = SEEN.get("grpc-traced").get(Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER)).substring(3, 35);
            dev.sluice.testing.OtlpReceiver.Received server = collector.trace(traceId, 2).stream()
                .filter(span -> span.span().getName().startsWith("POST /grpc.testing.SimpleService")).findFirst().orElseThrow();
            assertEquals("9", server.attribute("rpc.grpc.status_code"), "FAILED_PRECONDITION on the server span");
        }
    }

    @Test
    void aRefusalReachesAStreamingClientBeforeItEndsItsStream() throws Exception
    {
        // The client sends one message and keeps its stream open, waiting for an answer: Sluice's
        // refusal must reach it now, not once the stream ends (which it never would here).
        for (String method : List.of("grpc.testing.SimpleService/BidiStreamingRpc", "down.Service/BidiStreamingRpc"))
        {
            Answers answers = new Answers();
            Metadata headers = method.startsWith("down") ? withKey() : new Metadata();
            io.grpc.ClientCall<SimpleRequest, SimpleResponse> call = io.grpc.ClientInterceptors.intercept(channel,
                    MetadataUtils.newAttachHeadersInterceptor(headers))
                .newCall(SimpleServiceGrpc.getBidiStreamingRpcMethod().toBuilder().setFullMethodName(method).build(),
                    io.grpc.CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS));
            StreamObserver<SimpleRequest> requests = io.grpc.stub.ClientCalls.asyncBidiStreamingCall(call, answers);
            long start = System.nanoTime();
            requests.onNext(request("anyone there?"));
            String answer = answers.next();
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(answer.startsWith("error: Status{code=" + (method.startsWith("down") ? "UNAVAILABLE" : "UNAUTHENTICATED")), answer);
            assertTrue(millis < 2_000, method + " answered after " + millis + " ms");
            requests.onCompleted();
        }
    }

    @Test
    void grpcHealthChecksTakeATargetOutWhileItIsNotServing() throws Exception
    {
        io.grpc.protobuf.services.HealthStatusManager health = new io.grpc.protobuf.services.HealthStatusManager();
        Server checked = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(new Echo())
            .addService(health.getHealthService())
            .build()
            .start();
        health.setStatus("grpc.testing.SimpleService", io.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING);
        try (SluiceUnderTest watched = SluiceUnderTest.startAsLauncher("""
                server.h2c = true
                admin.token = demo:admin-token-for-the-test
                upstream.checked.url = http://127.0.0.1:%d
                upstream.checked.http-version = 2
                upstream.checked.health.type = grpc
                upstream.checked.health.grpc-service = grpc.testing.SimpleService
                upstream.checked.health.interval = 500ms
                upstream.checked.health.timeout = 500ms
                upstream.checked.health.healthy-threshold = 1
                upstream.checked.health.unhealthy-threshold = 2
                route.simple.path = /grpc.testing.SimpleService
                route.simple.upstream = checked
                """.formatted(checked.getPort())))
        {
            assertEquals("true", awaitTarget(watched, "health_check_passing", "true"), "a check passed");
            try (LogCapture logs = LogCapture.start())
            {
                health.setStatus("grpc.testing.SimpleService", io.grpc.health.v1.HealthCheckResponse.ServingStatus.NOT_SERVING);
                assertEquals("unhealthy", awaitTarget(watched, "state", "unhealthy"));
                String reason = "is unhealthy: 2 health checks failed (last: serving status NOT_SERVING)";
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (!logs.text().contains(reason) && System.nanoTime() < deadline)
                {
                    // The pool's state changes just before it says so.
                    Thread.sleep(20);
                }
                assertTrue(logs.text().contains(reason), "the log:\n" + logs.text());
            }
            try (Channel toWatched = Channel.plaintext(watched.port()))
            {
                // No target left to take the call: Sluice's own refusal, as a gRPC status.
                StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
                    () -> toWatched.blocking().unaryRpc(request("hi")));
                assertEquals(Status.Code.UNAVAILABLE, refused.getStatus().getCode(), refused.getStatus().toString());
                health.setStatus("grpc.testing.SimpleService", io.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING);
                assertEquals("healthy", awaitTarget(watched, "state", "healthy"));
                assertEquals("echo: back", toWatched.blocking()
                    .unaryRpc(request("back")).getResponseMessage());
            }
        }
        finally
        {
            checked.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void aServiceAnsweringUnavailableIsEjectedAsAFailingTargetWouldBe() throws Exception
    {
        try (SluiceUnderTest watched = SluiceUnderTest.startAsLauncher("""
                server.h2c = true
                admin.token = demo:admin-token-for-the-test
                upstream.flaky.url = http://127.0.0.1:%d
                upstream.flaky.http-version = 2
                upstream.flaky.outlier.consecutive-failures = 2
                upstream.flaky.outlier.max-ejection-percent = 100%%
                route.simple.path = /grpc.testing.SimpleService
                route.simple.upstream = flaky
                """.formatted(upstream.getPort()));
             Channel toWatched = Channel.plaintext(watched.port()))
        {
            // The service's own refusals are answers, not failures of the target.
            for (int i = 0; i < 3; i++)
            {
                assertThrows(StatusRuntimeException.class, () -> toWatched.blocking().unaryRpc(request("fail")));
            }
            assertEquals("healthy", awaitTarget(watched, "state", "healthy"));
            // UNAVAILABLE (in an HTTP 200) stands for a 503: two in a row eject the target.
            for (int i = 0; i < 2; i++)
            {
                StatusRuntimeException down = assertThrows(StatusRuntimeException.class, () -> toWatched.blocking().unaryRpc(request("unavailable")));
                assertEquals("the service is going down", down.getStatus().getDescription());
            }
            assertEquals("ejected", awaitTarget(watched, "state", "ejected"));
        }
    }

    /** A field of the upstream's only target in the admin view once it is {@code wanted}, or the last value seen after 10 s. */
    private static String awaitTarget(SluiceUnderTest sluice, String field, String wanted) throws Exception
    {
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        String state = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline)
        {
            java.net.http.HttpResponse<String> view = http.send(java.net.http.HttpRequest.newBuilder(sluice.uri("/-/admin/upstreams"))
                .header("Authorization", "Bearer admin-token-for-the-test").build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            state = JSON.readTree(view.body()).get("targets").get(0).get(field).asText();
            if (state.equals(wanted))
            {
                return state;
            }
            Thread.sleep(50);
        }
        return state;
    }

    /** A unary call to any method name through Sluice, with the test service's messages. */
    private static SimpleResponse call(String method, Metadata headers)
    {
        return io.grpc.stub.ClientCalls.blockingUnaryCall(
            io.grpc.ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers)),
            SimpleServiceGrpc.getUnaryRpcMethod().toBuilder().setFullMethodName(method).build(),
            io.grpc.CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), request("hi"));
    }

    /** A gRPC channel to Sluice, shut down when closed. */
    private record Channel(ManagedChannel channel) implements AutoCloseable
    {
        static Channel plaintext(int port)
        {
            return new Channel(NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build());
        }

        SimpleServiceGrpc.SimpleServiceBlockingStub blocking()
        {
            return SimpleServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
        }

        @Override
        public void close() throws InterruptedException
        {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /** The shared channel's asynchronous stub with the API key, for streaming calls. */
    private static SimpleServiceGrpc.SimpleServiceStub streaming()
    {
        return SimpleServiceGrpc.newStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(withKey()))
            .withDeadlineAfter(20, TimeUnit.SECONDS);
    }

    /** Collects what a stream answered, then "completed" or the failure. */
    private static final class Answers implements StreamObserver<SimpleResponse>
    {
        private final BlockingQueue<String> queue = new ArrayBlockingQueue<>(1000);

        @Override
        public void onNext(SimpleResponse value)
        {
            queue.add(value.getResponseMessage());
        }

        @Override
        public void onError(Throwable t)
        {
            queue.add("error: " + Status.fromThrowable(t));
        }

        @Override
        public void onCompleted()
        {
            queue.add("completed");
        }

        String next() throws InterruptedException
        {
            String answer = queue.poll(10, TimeUnit.SECONDS);
            assertNotNull(answer, "an answer within 10 s");
            return answer;
        }
    }

    /** Keeps each call's request headers by its x-request-id. */
    private static final class Recorder implements ServerInterceptor
    {
        @Override
        public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next)
        {
            String id = headers.get(Metadata.Key.of("x-request-id", Metadata.ASCII_STRING_MARSHALLER));
            if (id != null)
            {
                SEEN.put(id, headers);
            }
            // A trailer of the service's own beside grpc-status, as services add checksums or costs.
            return next.startCall(new io.grpc.ForwardingServerCall.SimpleForwardingServerCall<>(call)
            {
                @Override
                public void close(Status status, Metadata trailers)
                {
                    trailers.put(CHECKSUM, "sum-" + call.getMethodDescriptor().getBareMethodName());
                    super.close(status, trailers);
                }
            }, headers);
        }
    }

    /** The upstream service: echoes, streams a count, sums a stream, fails when asked. */
    private static final class Echo extends SimpleServiceGrpc.SimpleServiceImplBase
    {
        @Override
        public void unaryRpc(SimpleRequest request, StreamObserver<SimpleResponse> answer)
        {
            String text = request.getRequestMessage();
            if (text.equals("fail"))
            {
                answer.onError(Status.FAILED_PRECONDITION.withDescription("the service refused: fail").asRuntimeException());
                return;
            }
            if (text.equals("unavailable"))
            {
                answer.onError(Status.UNAVAILABLE.withDescription("the service is going down").asRuntimeException());
                return;
            }
            if (text.equals("slow"))
            {
                // Answers after 3 s, unless the call is cancelled first.
                Thread later = new Thread(() ->
                {
                    try
                    {
                        Thread.sleep(3_000);
                        answer.onNext(SimpleResponse.newBuilder().setResponseMessage("late").build());
                        answer.onCompleted();
                    }
                    catch (InterruptedException | RuntimeException x)
                    {
                        // Cancelled meanwhile.
                    }
                }, "slow-answer");
                later.setDaemon(true);
                later.start();
                return;
            }
            answer.onNext(SimpleResponse.newBuilder().setResponseMessage("echo: " + text).build());
            answer.onCompleted();
        }

        @Override
        public void serverStreamingRpc(SimpleRequest request, StreamObserver<SimpleResponse> answer)
        {
            String text = request.getRequestMessage();
            if (text.equals("endless"))
            {
                endless((io.grpc.stub.ServerCallStreamObserver<SimpleResponse>)answer);
                return;
            }
            if (text.equals("pause"))
            {
                // One message, then a pause longer than the quiet route's idle timeout, then another.
                answer.onNext(SimpleResponse.newBuilder().setResponseMessage("before the pause").build());
                Thread sender = new Thread(() ->
                {
                    try
                    {
                        Thread.sleep(1_500);
                        answer.onNext(SimpleResponse.newBuilder().setResponseMessage("after the pause").build());
                        answer.onCompleted();
                    }
                    catch (InterruptedException | RuntimeException x)
                    {
                        // Cancelled meanwhile.
                    }
                }, "paused-stream");
                sender.setDaemon(true);
                sender.start();
                return;
            }
            boolean fail = text.endsWith(" then fail");
            int count = Integer.parseInt(text.split(" ")[0]);
            for (int i = 0; i < count; i++)
            {
                answer.onNext(SimpleResponse.newBuilder().setResponseMessage(text + " #" + i).build());
            }
            if (fail)
            {
                answer.onError(Status.ABORTED.withDescription("stopped after " + count).asRuntimeException());
                return;
            }
            answer.onCompleted();
        }

        /** One message every 20 ms until the call is cancelled. */
        private static void endless(io.grpc.stub.ServerCallStreamObserver<SimpleResponse> answer)
        {
            answer.setOnCancelHandler(ENDLESS_CANCELLED::countDown);
            Thread sender = new Thread(() ->
            {
                for (int i = 0; !answer.isCancelled(); i++)
                {
                    answer.onNext(SimpleResponse.newBuilder().setResponseMessage("endless #" + i).build());
                    try
                    {
                        Thread.sleep(20);
                    }
                    catch (InterruptedException x)
                    {
                        return;
                    }
                }
            }, "endless-stream");
            sender.setDaemon(true);
            sender.start();
        }

        @Override
        public StreamObserver<SimpleRequest> clientStreamingRpc(StreamObserver<SimpleResponse> answer)
        {
            List<String> received = new ArrayList<>();
            return new StreamObserver<>()
            {
                @Override
                public void onNext(SimpleRequest value)
                {
                    received.add(value.getRequestMessage());
                }

                @Override
                public void onError(Throwable t)
                {
                }

                @Override
                public void onCompleted()
                {
                    answer.onNext(SimpleResponse.newBuilder()
                        .setResponseMessage(received.size() + " messages, last " + received.get(received.size() - 1)).build());
                    answer.onCompleted();
                }
            };
        }

        @Override
        public StreamObserver<SimpleRequest> bidiStreamingRpc(StreamObserver<SimpleResponse> answer)
        {
            return new StreamObserver<>()
            {
                @Override
                public void onNext(SimpleRequest value)
                {
                    answer.onNext(SimpleResponse.newBuilder().setResponseMessage("echo: " + value.getRequestMessage()).build());
                }

                @Override
                public void onError(Throwable t)
                {
                }

                @Override
                public void onCompleted()
                {
                    answer.onCompleted();
                }
            };
        }
    }
}
