// gRPC-Web through Sluice: browser-style calls over HTTP/1.1 to grpc-java's server over HTTP/2, in binary and text.
package dev.sluice.proxy;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.auth.ApiKeys;
import dev.sluice.testing.LogCapture;
import dev.sluice.testing.SluiceUnderTest;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.grpc.testing.protobuf.SimpleRequest;
import io.grpc.testing.protobuf.SimpleResponse;
import io.grpc.testing.protobuf.SimpleServiceGrpc;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Browsers cannot speak gRPC (no trailers, no control of HTTP/2), so they call in gRPC-Web
 * (PROTOCOL-WEB.md), which Envoy's grpc_web filter and Kong's plugin translate. The client here
 * builds gRPC-Web requests by hand, as the grpc-web and Connect libraries do, over HTTP/1.1; the
 * service is grpc-java's, which takes only gRPC over HTTP/2. Before, such a call reached the
 * service as an unknown content type and failed.
 */
class GrpcWebTest
{
    private static final String KEY = "a-key-for-the-web-0123456789";
    private static final Metadata.Key<String> CHECKSUM = Metadata.Key.of("x-checksum", Metadata.ASCII_STRING_MARSHALLER);
    private static Server upstream;
    private static SluiceUnderTest sluice;
    private static HttpClient client;
    private static dev.sluice.testing.TestUpstream web;
    /** A gRPC server that is not grpc-java: it declares its body's length and still ends with trailers. */
    private static org.eclipse.jetty.server.Server sized;

    @BeforeAll
    static void start() throws Exception
    {
        upstream = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(io.grpc.ServerInterceptors.intercept(new Service(), new io.grpc.ServerInterceptor()
            {
                @Override
                public <Q, A> io.grpc.ServerCall.Listener<Q> interceptCall(io.grpc.ServerCall<Q, A> call, Metadata headers, io.grpc.ServerCallHandler<Q, A> next)
                {
                    // A trailer of the service's own, which must reach the browser in the trailer frame.
                    return next.startCall(new io.grpc.ForwardingServerCall.SimpleForwardingServerCall<>(call)
                    {
                        @Override
                        public void close(Status status, Metadata trailers)
                        {
                            trailers.put(CHECKSUM, "c0ffee");
                            super.close(status, trailers);
                        }
                    }, headers);
                }
            }))
            .build()
            .start();
        web = dev.sluice.testing.TestUpstream.start();
        sized = new org.eclipse.jetty.server.Server();
        org.eclipse.jetty.server.ServerConnector h2c = new org.eclipse.jetty.server.ServerConnector(sized,
            new org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory(new org.eclipse.jetty.server.HttpConfiguration()));
        h2c.setHost("127.0.0.1");
        sized.addConnector(h2c);
        sized.setHandler(new org.eclipse.jetty.server.Handler.Abstract()
        {
            @Override
            public boolean handle(org.eclipse.jetty.server.Request request, org.eclipse.jetty.server.Response response, org.eclipse.jetty.util.Callback callback)
                throws Exception
            {
                // The call read first, as a gRPC server does: an HTTP/2 stream ended with its request
                // unread is reset, which would cut the answer off as Sluice reads it.
                org.eclipse.jetty.io.Content.Source.asString(request, StandardCharsets.ISO_8859_1);
                byte[] message = SimpleResponse.newBuilder().setResponseMessage("sized").build().toByteArray();
                byte[] frame = ByteBuffer.allocate(5 + message.length).put((byte)0).putInt(message.length).put(message).array();
                response.getHeaders().put("Content-Type", "application/grpc+proto");
                response.getHeaders().put("Content-Length", frame.length);
                response.setTrailersSupplier(() -> org.eclipse.jetty.http.HttpFields.build().put("grpc-status", "0"));
                response.write(true, ByteBuffer.wrap(frame), callback);
                return true;
            }
        });
        sized.start();
        sluice = SluiceUnderTest.startAsLauncher("""
            upstream.web.url = %3$s
            route.web.path = /web.Service
            route.web.upstream = web
            upstream.sized.url = http://127.0.0.1:%4$d
            upstream.sized.http-version = 2
            route.sized.path = /sized.Service
            route.sized.upstream = sized
            upstream.grpc.url = http://127.0.0.1:%1$d
            upstream.grpc.http-version = 2
            consumer.web.api-key.main = sha256:%2$s
            route.simple.path = /grpc.testing.SimpleService
            route.simple.upstream = grpc
            route.simple.cors.origins = https://app.example.com
            route.keyed.path = /keyed.Service
            route.keyed.upstream = grpc
            route.keyed.auth = api-key
            """.formatted(upstream.getPort(), HexFormat.of().formatHex(ApiKeys.sha256(KEY)), web.url(),
            ((org.eclipse.jetty.server.ServerConnector)sized.getConnectors()[0]).getLocalPort()));
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    }

    @AfterAll
    static void stop() throws Exception
    {
        sluice.close();
        upstream.shutdownNow();
        web.close();
        sized.stop();
    }

    /** One length-prefixed message: flag 0, 4-byte big-endian length, the message. */
    private static byte[] frame(SimpleRequest request)
    {
        byte[] message = request.toByteArray();
        return ByteBuffer.allocate(5 + message.length).put((byte)0).putInt(message.length).put(message).array();
    }

    private static HttpResponse<byte[]> call(String path, String type, byte[] body, String... headers) throws Exception
    {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + sluice.port() + path))
            .timeout(Duration.ofSeconds(10))
            .header("Content-Type", type)
            .header("X-Grpc-Web", "1")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        for (int i = 0; i < headers.length; i += 2)
        {
            request.header(headers[i], headers[i + 1]);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /** The answer's frames: messages as SimpleResponses' texts, then the trailer frame's fields under "trailers". */
    private record Answer(List<String> messages, Map<String, String> trailers)
    {
    }

    private static Answer read(byte[] body) throws Exception
    {
        ByteBuffer in = ByteBuffer.wrap(body);
        List<String> messages = new ArrayList<>();
        Map<String, String> trailers = null;
        while (in.hasRemaining())
        {
            byte flag = in.get();
            byte[] payload = new byte[in.getInt()];
            in.get(payload);
            if ((flag & 0x80) != 0)
            {
                trailers = new LinkedHashMap<>();
                for (String line : new String(payload, StandardCharsets.ISO_8859_1).split("\r\n"))
                {
                    int colon = line.indexOf(':');
                    trailers.put(line.substring(0, colon), line.substring(colon + 1).trim());
                }
                assertTrue(!in.hasRemaining(), "the trailer frame is the last");
            }
            else
            {
                messages.add(SimpleResponse.parseFrom(payload).getResponseMessage());
            }
        }
        return new Answer(messages, trailers);
    }

    @Test
    void aBinaryCallGetsItsMessageAndTheTrailersAsTheLastFrame() throws Exception
    {
        HttpResponse<byte[]> response = call("/grpc.testing.SimpleService/UnaryRpc", "application/grpc-web+proto",
            frame(SimpleRequest.newBuilder().setRequestMessage("hello").build()));
        assertEquals(200, response.statusCode());
        assertEquals("application/grpc-web+proto", response.headers().firstValue("Content-Type").orElse(null));
        Answer answer = read(response.body());
        assertEquals(List.of("echo: hello"), answer.messages());
        assertEquals("0", answer.trailers().get("grpc-status"));
        assertEquals("c0ffee", answer.trailers().get("x-checksum"), "the service's own trailers too");
        assertTrue(response.headers().firstValue("Trailer").isEmpty() && response.headers().firstValue("grpc-status").isEmpty(), response.headers().toString());
    }

    @Test
    void aTextCallIsBase64BothWaysWithNoPaddingMidStream() throws Exception
    {
        byte[] body = Base64.getEncoder().encode(frame(SimpleRequest.newBuilder().setRequestMessage("4 messages").build()));
        HttpResponse<byte[]> response = call("/grpc.testing.SimpleService/ServerStreamingRpc", "application/grpc-web-text", body,
            "Accept", "application/grpc-web-text");
        assertEquals(200, response.statusCode());
        assertEquals("application/grpc-web-text", response.headers().firstValue("Content-Type").orElse(null), "the client's own type, the codec the service named");
        String text = new String(response.body(), StandardCharsets.US_ASCII);
        assertEquals(text.length() - (text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0), text.indexOf('=') < 0 ? text.length() : text.indexOf('='),
            "padding only at the very end: " + text);
        Answer answer = read(Base64.getDecoder().decode(text));
        assertEquals(List.of("4 messages #0", "4 messages #1", "4 messages #2", "4 messages #3"), answer.messages());
        assertEquals("0", answer.trailers().get("grpc-status"));
    }

    @Test
    void anAnswerWithADeclaredLengthStillGetsItsTrailerFrame() throws Exception
    {
        // The upstream's Content-Length counts its messages only; the trailer frame comes on top.
        for (String type : new String[] {"application/grpc-web+proto", "application/grpc-web-text+proto"})
        {
            byte[] body = frame(SimpleRequest.newBuilder().setRequestMessage("x").build());
            HttpResponse<byte[]> response = call("/sized.Service/Call", type, type.contains("text") ? Base64.getEncoder().encode(body) : body);
            assertEquals(200, response.statusCode());
            Answer answer = read(type.contains("text") ? Base64.getDecoder().decode(response.body()) : response.body());
            assertEquals(List.of("sized"), answer.messages(), type);
            assertEquals("0", answer.trailers().get("grpc-status"), type);
        }
    }

    @Test
    void aServicesErrorReachesTheBrowser() throws Exception
    {
        // grpc-java answers an error before any message as a trailers-only answer: the status in the headers.
        HttpResponse<byte[]> refused = call("/grpc.testing.SimpleService/UnaryRpc", "application/grpc-web+proto",
            frame(SimpleRequest.newBuilder().setRequestMessage("fail").build()));
        assertEquals(200, refused.statusCode());
        String status = refused.headers().firstValue("grpc-status").orElse(null);
        Answer answer = read(refused.body());
        if (status == null)
        {
            status = answer.trailers().get("grpc-status");
        }
        assertEquals("9", status, "FAILED_PRECONDITION");

        // After messages, the status is in the trailer frame.
        HttpResponse<byte[]> late = call("/grpc.testing.SimpleService/ServerStreamingRpc", "application/grpc-web+proto",
            frame(SimpleRequest.newBuilder().setRequestMessage("2 then fail").build()));
        Answer lateAnswer = read(late.body());
        assertEquals(2, lateAnswer.messages().size());
        assertEquals("10", lateAnswer.trailers().get("grpc-status"), "ABORTED");
        assertEquals("stopped after 2", java.net.URLDecoder.decode(lateAnswer.trailers().get("grpc-message"), StandardCharsets.UTF_8));
    }

    @Test
    void sluicesOwnRefusalsAreHeadersOnlyGrpcWebAnswers() throws Exception
    {
        HttpResponse<byte[]> unauthenticated = call("/keyed.Service/Call", "application/grpc-web+proto",
            frame(SimpleRequest.newBuilder().setRequestMessage("x").build()));
        assertEquals(200, unauthenticated.statusCode());
        assertEquals("16", unauthenticated.headers().firstValue("grpc-status").orElse(null), "UNAUTHENTICATED");
        assertEquals("application/grpc-web+proto", unauthenticated.headers().firstValue("Content-Type").orElse(null));
        assertEquals(0, unauthenticated.body().length);

        HttpResponse<byte[]> notBase64 = call("/grpc.testing.SimpleService/UnaryRpc", "application/grpc-web-text", "not base64!".getBytes(StandardCharsets.US_ASCII));
        assertEquals("3", notBase64.headers().firstValue("grpc-status").orElse(null), "INVALID_ARGUMENT");
        assertEquals("application/grpc-web-text+proto", notBase64.headers().firstValue("Content-Type").orElse(null));

        // A declared length over gRPC's 4 MiB message is refused before the body is read (sent
        // here without it: a client still sending would see its connection closed under it).
        dev.sluice.testing.RawHttp.Reply tooLarge = dev.sluice.testing.RawHttp.send(sluice.port(), "POST /grpc.testing.SimpleService/UnaryRpc HTTP/1.1",
            "Host: 127.0.0.1", "Content-Type: application/grpc-web+proto", "Content-Length: " + (GrpcWeb.MAX_REQUEST_BODY + 1), "Connection: close");
        assertEquals(200, tooLarge.status());
        assertEquals("8", tooLarge.header("grpc-status"), "RESOURCE_EXHAUSTED: over gRPC's 4 MiB message");
    }

    @Test
    void theAccessLogHasTheCallsStatus() throws Exception
    {
        try (LogCapture logs = LogCapture.start())
        {
            call("/grpc.testing.SimpleService/ServerStreamingRpc", "application/grpc-web+proto",
                frame(SimpleRequest.newBuilder().setRequestMessage("1 then fail").build()), "X-Request-ID", "web-call-1",
                // From a page: the CORS guard wraps the response, and the status is still found under the wrapper.
                "Origin", "https://app.example.com");
            var line = new ObjectMapper().readTree(logs.accessLine("web-call-1"));
            assertEquals("10", line.get("grpc_status").asText(), line.toString());
            assertEquals(200, line.get("status").asInt());
        }
    }

    @Test
    void aGrpcWebCallToAnHttp11UpstreamPassesUnchanged() throws Exception
    {
        // An upstream that is not HTTP/2 cannot be a gRPC service: it may speak gRPC-Web itself.
        byte[] body = frame(SimpleRequest.newBuilder().setRequestMessage("as sent").build());
        HttpResponse<byte[]> response;
        try (LogCapture logs = LogCapture.start())
        {
            response = call("/web.Service/Call", "application/grpc-web+proto", body);
            assertTrue(!logs.text().contains("over HTTP/1.1"), "no warning that gRPC goes over HTTP/1.1: this is gRPC-Web, " + logs.text());
        }
        assertEquals(200, response.statusCode());
        dev.sluice.testing.TestUpstream.Received received = web.take();
        assertEquals("application/grpc-web+proto", received.headers().get("Content-Type"));
        assertEquals(HexFormat.of().formatHex(body), HexFormat.of().formatHex(received.bodyStart()));
    }

    /** The service: unary echo, and a stream of N messages, optionally ending in an error. */
    private static final class Service extends SimpleServiceGrpc.SimpleServiceImplBase
    {
        @Override
        public void unaryRpc(SimpleRequest request, StreamObserver<SimpleResponse> answer)
        {
            if (request.getRequestMessage().equals("fail"))
            {
                answer.onError(Status.FAILED_PRECONDITION.withDescription("the service refused").asRuntimeException());
                return;
            }
            answer.onNext(SimpleResponse.newBuilder().setResponseMessage("echo: " + request.getRequestMessage()).build());
            answer.onCompleted();
        }

        @Override
        public void serverStreamingRpc(SimpleRequest request, StreamObserver<SimpleResponse> answer)
        {
            String text = request.getRequestMessage();
            int count = Integer.parseInt(text.split(" ")[0]);
            for (int i = 0; i < count; i++)
            {
                answer.onNext(SimpleResponse.newBuilder().setResponseMessage(text + " #" + i).build());
            }
            if (text.endsWith(" then fail"))
            {
                answer.onError(Status.ABORTED.withDescription("stopped after " + count).asRuntimeException());
                return;
            }
            answer.onCompleted();
        }
    }
}
