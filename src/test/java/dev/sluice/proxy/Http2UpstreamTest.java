// Any API behind an HTTP/2-only upstream: HTTP/1.1 clients' requests go on over h2c, trailers come back.
package dev.sluice.proxy;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import dev.sluice.testing.RawHttp;
import dev.sluice.testing.SluiceUnderTest;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A Jetty server that speaks only cleartext HTTP/2 (prior knowledge), as many gRPC and internal
 * HTTP/2 services do, behind an upstream with {@code http-version = 2}; the clients speak HTTP/1.1.
 */
class Http2UpstreamTest
{
    /** What the upstream received: protocol, method and the TE field, one entry per request. */
    private static final BlockingQueue<String> RECEIVED = new LinkedBlockingQueue<>();
    private static Server upstream;
    private static SluiceUnderTest sluice;

    @BeforeAll
    static void start() throws Exception
    {
        upstream = new Server();
        ServerConnector h2c = new ServerConnector(upstream, new HTTP2CServerConnectionFactory(new HttpConfiguration()));
        h2c.setHost("127.0.0.1");
        upstream.addConnector(h2c);
        upstream.setHandler(new Handler.Abstract()
        {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception
            {
                String body = Content.Source.asString(request, StandardCharsets.UTF_8);
                RECEIVED.add(request.getConnectionMetaData().getProtocol() + " " + request.getMethod() + " te=" + request.getHeaders().get("TE"));
                if (Request.getPathInContext(request).equals("/trailers"))
                {
                    HttpFields.Mutable trailers = HttpFields.build();
                    response.setTrailersSupplier(() -> trailers);
                    Content.Sink.write(response, false, "part one, ", Callback.from(() ->
                    {
                        trailers.put("X-Checksum", "sha256=abc123");
                        Content.Sink.write(response, true, "part two", callback);
                    }, callback::failed));
                    return true;
                }
                response.getHeaders().put("Content-Type", "text/plain");
                Content.Sink.write(response, true, request.getMethod() + " " + body, callback);
                return true;
            }
        });
        upstream.start();
        sluice = SluiceUnderTest.startAsLauncher("""
            upstream.h2.url = http://127.0.0.1:%d
            upstream.h2.http-version = 2
            route.h2.path = /h2
            route.h2.upstream = h2
            route.h2.strip-prefix = true
            upstream.eleven.url = http://127.0.0.1:%1$d
            route.eleven.path = /eleven
            route.eleven.upstream = eleven
            route.eleven.strip-prefix = true
            """.formatted(h2c.getLocalPort()));
    }

    @AfterAll
    static void stop() throws Exception
    {
        sluice.close();
        upstream.stop();
    }

    @Test
    void anHttp11RequestWithABodyGoesOnOverHttp2() throws Exception
    {
        RECEIVED.clear();
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(sluice.uri("/h2/echo"))
            .POST(HttpRequest.BodyPublishers.ofString("hello over two")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        assertEquals("POST hello over two", response.body());
        assertEquals("HTTP/2.0 POST te=null", RECEIVED.poll(5, TimeUnit.SECONDS), "no TE: the client did not say it takes trailers");
    }

    @Test
    void theUpstreamsTrailersReachAnHttp11ClientThatTakesThem() throws Exception
    {
        RECEIVED.clear();
        RawHttp.Reply reply = RawHttp.send(sluice.port(), "GET /h2/trailers HTTP/1.1", "Host: localhost", "TE: trailers", "Connection: close");
        assertEquals(200, reply.status(), reply.head());
        assertEquals("chunked", reply.header("Transfer-Encoding"));
        assertTrue(reply.body().contains("part one, ") && reply.body().contains("part two"), reply.body());
        String trailers = reply.body().substring(reply.body().lastIndexOf("\r\n0\r\n") + 5).toLowerCase(java.util.Locale.ROOT);
        assertTrue(trailers.contains("x-checksum: sha256=abc123\r\n"), "the trailer after the last chunk:\n" + reply.body());
        assertEquals("HTTP/2.0 GET te=trailers", RECEIVED.poll(5, TimeUnit.SECONDS));
    }

    @Test
    void withoutHttpVersion2TheSameUpstreamIsAFailedAttempt() throws Exception
    {
        // The h2c-only server cannot read an HTTP/1.1 request: what an upstream without
        // http-version = 2 meets, answered as any broken upstream is.
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(sluice.uri("/eleven/echo")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(502, response.statusCode(), response.body());
        assertNotNull(response.headers().firstValue("Content-Type").filter(type -> type.startsWith("application/problem+json")).orElse(null));
    }
}
