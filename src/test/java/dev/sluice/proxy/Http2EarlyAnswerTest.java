// An HTTP/2 upstream that answers before it has read the request body and resets the stream with NO_ERROR: the client gets that answer.
package dev.sluice.proxy;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import dev.sluice.testing.SluiceUnderTest;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.ErrorCode;
import org.eclipse.jetty.http2.api.Stream;
import org.eclipse.jetty.http2.api.server.ServerSessionListener;
import org.eclipse.jetty.http2.frames.DataFrame;
import org.eclipse.jetty.http2.frames.HeadersFrame;
import org.eclipse.jetty.http2.frames.ResetFrame;
import org.eclipse.jetty.http2.server.RawHTTP2ServerConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * RFC 9113 section 8.1: a server may answer before the request is complete and then reset the
 * stream with NO_ERROR, asking the client to stop sending; the client must not discard the answer.
 * gRPC servers and Envoy do this with an early 413 or 401 to a large upload.
 */
class Http2EarlyAnswerTest
{
    @Test
    void anEarlyAnswerFollowedByAResetWithNoErrorReachesTheClient() throws Exception
    {
        Server upstream = new Server();
        ServerConnector connector = new ServerConnector(upstream, new RawHTTP2ServerConnectionFactory(new HttpConfiguration(), new ServerSessionListener()
        {
            @Override
            public Stream.Listener onNewStream(Stream stream, HeadersFrame frame)
            {
                MetaData.Response head = new MetaData.Response(413, null, HttpVersion.HTTP_2, HttpFields.build().put("content-type", "text/plain"));
                stream.headers(new HeadersFrame(stream.getId(), head, null, false), Callback.from(() ->
                    stream.data(new DataFrame(stream.getId(), ByteBuffer.wrap("too large".getBytes(StandardCharsets.UTF_8)), true), Callback.from(() ->
                        stream.reset(new ResetFrame(stream.getId(), ErrorCode.NO_ERROR.code), Callback.NOOP)))));
                return null;
            }
        }, "h2c"));
        connector.setHost("127.0.0.1");
        upstream.addConnector(connector);
        upstream.start();
        try (SluiceUnderTest sluice = SluiceUnderTest.start("""
            upstream.h2.url = http://127.0.0.1:%d
            upstream.h2.http-version = 2
            route.h2.path = /h2
            route.h2.upstream = h2
            route.h2.strip-prefix = true
            """.formatted(connector.getLocalPort())))
        {
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            for (int size : new int[] {1000, 200_000, 4_000_000})
            {
                // With a length (kept for a resend up to 64 KiB, streamed beyond), then chunked (streamed).
                for (boolean chunked : new boolean[] {false, true})
                {
                    byte[] body = new byte[size];
                    HttpRequest.BodyPublisher publisher = chunked
                        ? HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(body))
                        : HttpRequest.BodyPublishers.ofByteArray(body);
                    HttpResponse<String> answer = http.send(HttpRequest.newBuilder(sluice.uri("/h2/upload")).POST(publisher).build(),
                        HttpResponse.BodyHandlers.ofString());
                    assertEquals(413, answer.statusCode(), size + " bytes, chunked " + chunked + ": " + answer.body());
                    assertEquals("too large", answer.body());
                }
            }
        }
        finally
        {
            upstream.stop();
        }
    }
}
