// gRPC-Web as a browser sends it: a page on another origin calling a gRPC service through Sluice, in headless Chromium.
package dev.sluice.proxy;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

import dev.sluice.testing.Chromium;
import dev.sluice.testing.SluiceUnderTest;
import dev.sluice.testing.TestUpstream;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.grpc.testing.protobuf.SimpleRequest;
import io.grpc.testing.protobuf.SimpleResponse;
import io.grpc.testing.protobuf.SimpleServiceGrpc;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the gRPC-Web libraries do in a browser, with fetch: a cross-origin POST with
 * {@code application/grpc-web+proto}, {@code X-Grpc-Web} and a key, which the browser preflights;
 * the answer's frames read from the body, and a refusal's {@code grpc-status} read from the
 * headers, which the page may only see when the route exposes them. The README's CORS advice
 * for gRPC-Web is what this route is configured with.
 */
class GrpcWebBrowserTest
{
    @Test
    void aPageOnAnotherOriginCallsTheServiceAndReadsARefusalsStatus() throws Exception
    {
        Server service = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(new SimpleServiceGrpc.SimpleServiceImplBase()
            {
                @Override
                public void unaryRpc(SimpleRequest request, StreamObserver<SimpleResponse> answer)
                {
                    answer.onNext(SimpleResponse.newBuilder().setResponseMessage("echo: " + request.getRequestMessage()).build());
                    answer.onCompleted();
                }
            })
            .build()
            .start();
        try (TestUpstream page = TestUpstream.start(new Handler.Abstract()
            {
                @Override
                public boolean handle(org.eclipse.jetty.server.Request request, org.eclipse.jetty.server.Response response,
                                      org.eclipse.jetty.util.Callback callback)
                {
                    response.getHeaders().put("Content-Type", "text/html");
                    Content.Sink.write(response, true, "<!doctype html><title>page</title><p>page", callback);
                    return true;
                }
            }))
        {
            String pageOrigin = "http://127.0.0.1:" + page.port();
            try (SluiceUnderTest sluice = SluiceUnderTest.startAsLauncher("""
                     upstream.grpc.url = http://127.0.0.1:%d
                     upstream.grpc.http-version = 2
                     consumer.web.api-key.k = demo:browser-grpc-key-0123456789
                     route.grpc.path = /grpc.testing.SimpleService
                     route.grpc.upstream = grpc
                     route.grpc.auth = api-key
                     route.grpc.cors.origins = %s
                     route.grpc.cors.headers = content-type, x-grpc-web, x-user-agent, grpc-timeout, apikey
                     route.grpc.cors.expose-headers = grpc-status, grpc-message
                     """.formatted(service.getPort(), pageOrigin));
                 Chromium browser = Chromium.start())
            {
                browser.open(pageOrigin + "/page.html");
                byte[] message = SimpleRequest.newBuilder().setRequestMessage("from the browser").build().toByteArray();
                byte[] frame = ByteBuffer.allocate(5 + message.length).put((byte)0).putInt(message.length).put(message).array();
                StringBuilder bytes = new StringBuilder();
                for (byte b : frame)
                {
                    bytes.append(bytes.length() == 0 ? "" : ",").append(b & 0xff);
                }
                String call = "fetch('http://localhost:" + sluice.port() + "/grpc.testing.SimpleService/UnaryRpc', {method: 'POST', "
                    + "headers: {'Content-Type': 'application/grpc-web+proto', 'X-Grpc-Web': '1', 'X-User-Agent': 'grpc-web-javascript/0.1'%s}, "
                    + "body: new Uint8Array([" + bytes + "])})"
                    + ".then(r => r.arrayBuffer().then(b => r.status + '|' + r.headers.get('grpc-status') + '|' "
                    + "+ Array.from(new Uint8Array(b)).map(x => x.toString(16).padStart(2, '0')).join('')), e => 'blocked ' + e.name)";

                String answered = browser.text(call.formatted(", apikey: 'browser-grpc-key-0123456789'"));
                String[] parts = answered.split("\\|", -1);
                assertEquals("200", parts[0], answered);
                ByteBuffer body = ByteBuffer.wrap(HexFormat.of().parseHex(parts[2]));
                assertEquals(0, body.get(), "a message frame first");
                byte[] reply = new byte[body.getInt()];
                body.get(reply);
                assertEquals("echo: from the browser", SimpleResponse.parseFrom(reply).getResponseMessage());
                assertEquals((byte)0x80, body.get(), "then the trailer frame");
                byte[] trailers = new byte[body.getInt()];
                body.get(trailers);
                assertTrue(new String(trailers, StandardCharsets.ISO_8859_1).contains("grpc-status:0"), answered);

                String refused = browser.text(call.formatted(""));
                assertEquals("200|16|", refused, "UNAUTHENTICATED, readable by the page through the exposed header");
            }
        }
        finally
        {
            service.shutdownNow();
        }
    }
}
