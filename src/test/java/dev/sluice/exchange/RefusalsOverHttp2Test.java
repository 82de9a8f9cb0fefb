// An HTTP/2 client still sending its body when Sluice refuses the request gets the refusal, not a stream reset.
package dev.sluice.exchange;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import dev.sluice.testing.SluiceUnderTest;
import dev.sluice.testing.TestUpstream;
import org.eclipse.jetty.client.AsyncRequestContent;
import org.eclipse.jetty.client.CompletableResponseListener;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.api.Session;
import org.eclipse.jetty.http2.api.Stream;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.client.transport.HttpClientTransportOverHTTP2;
import org.eclipse.jetty.http2.frames.DataFrame;
import org.eclipse.jetty.http2.frames.HeadersFrame;
import org.eclipse.jetty.http2.frames.ResetFrame;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A refusal decided on the headers (no route, no key, a guard), or a 502 for an upstream that is
 * down, goes out before the client has sent its body. Jetty then reset the HTTP/2 stream with {@code CANCEL}, and clients may drop an
 * answer reset that way: Jetty's client failed with "cancel_stream_error" and curl with "stream
 * was not closed cleanly", so a caller never saw its 401 or 415. These clients send their body
 * only once the answer is in, the order that lost it every time.
 */
class RefusalsOverHttp2Test
{
    private static TestUpstream upstream;
    private static SluiceUnderTest sluice;
    private static HTTP2Client frames;
    private static HttpClient h2;

    @BeforeAll
    static void start() throws Exception
    {
        upstream = TestUpstream.start();
        sluice = SluiceUnderTest.startAsLauncher("""
            server.h2c = true
            upstream.app.url = %s
            route.typed.path = /typed
            route.typed.upstream = app
            route.typed.guard.content-types = application/json
            consumer.alice.api-key.main = sha256:%s
            route.keyed.path = /keyed
            route.keyed.upstream = app
            route.keyed.auth = api-key
            route.open.path = /open
            route.open.upstream = app
            upstream.down.url = http://127.0.0.1:%d
            route.down.path = /down
            route.down.upstream = down
            """.formatted(upstream.url(), java.util.HexFormat.of().formatHex(dev.sluice.auth.ApiKeys.sha256("a-key-for-alice-0123456789")), dev.sluice.testing.Ports.closed()));
        frames = new HTTP2Client();
        frames.start();
        h2 = new HttpClient(new HttpClientTransportOverHTTP2(new HTTP2Client()));
        h2.start();
    }

    @AfterAll
    static void stop() throws Exception
    {
        h2.stop();
        frames.stop();
        sluice.close();
        upstream.close();
    }

    @ParameterizedTest
    @CsvSource({"/typed/x, text/plain, 415", "/keyed/x, application/json, 401", "/nowhere, application/json, 404",
        // Proxied, but the upstream is down: the 502 comes while the body is still to be sent.
        "/down/x, application/json, 502"})
    void aRefusalReachesAClientThatSendsItsBodyAfterTheAnswer(String path, String type, int status) throws Exception
    {
        AsyncRequestContent content = new AsyncRequestContent(type);
        Request request = h2.newRequest("http://127.0.0.1:" + sluice.port() + path).method("POST").body(content).timeout(10, TimeUnit.SECONDS)
            .onResponseSuccess(response ->
            {
                content.write(ByteBuffer.wrap("{\"sent\":\"after the answer\"}".getBytes(StandardCharsets.UTF_8)), Callback.NOOP);
                content.close();
            });
        ContentResponse response = new CompletableResponseListener(request).send().get(10, TimeUnit.SECONDS);
        assertEquals(HttpVersion.HTTP_2, response.getVersion());
        assertEquals(status, response.getStatus(), response.getContentAsString());
        assertTrue(response.getContentAsString().contains("\"status\":" + status), response.getContentAsString());

        // The connection goes on serving.
        ContentResponse next = h2.newRequest("http://127.0.0.1:" + sluice.port() + "/open/next").timeout(10, TimeUnit.SECONDS).send();
        assertEquals(200, next.getStatus());
        assertEquals("/open/next", upstream.take().target());
    }

    @Test
    void aLargeBodySentAfterTheAnswerIsReadToItsEndAndTheStreamClosesCleanly() throws Exception
    {
        // 3 MiB, past the 2 MiB Sluice once read at most (Tomcat's maxSwallowSize): time, not
        // size, now bounds what is read of a refused body, as in nginx.
        int length = 3 * 1024 * 1024;
        RawStream stream = RawStream.open("/typed/x", HttpFields.build().add("Content-Type", "text/plain").add("Content-Length", String.valueOf(length)));
        assertEquals(415, stream.status.get(5, TimeUnit.SECONDS));
        stream.stream.data(new DataFrame(stream.stream.getId(), ByteBuffer.wrap(new byte[length]), true), Callback.NOOP);
        stream.closed.get(10, TimeUnit.SECONDS);
        assertFalse(stream.reset.isDone(), "the stream was reset: " + stream.reset.getNow(null));
    }

    @Test
    void aBodyThatStopsComingIsWaitedForFiveSeconds() throws Exception
    {
        RawStream stream = RawStream.open("/typed/x", HttpFields.build().add("Content-Type", "text/plain"));
        stream.stream.data(new DataFrame(stream.stream.getId(), ByteBuffer.wrap(new byte[100]), false), Callback.NOOP);
        assertEquals(415, stream.status.get(5, TimeUnit.SECONDS));
        stream.reset.get(15, TimeUnit.SECONDS);
        long millis = stream.millis();
        assertTrue(millis >= 4900 && millis < 10_000, "the stream ended after " + millis + " ms");
    }

    /** One HTTP/2 stream opened by hand: headers sent, the body left to the test. */
    private record RawStream(Stream stream, CompletableFuture<Integer> status, CompletableFuture<Integer> reset, CompletableFuture<Void> closed, long start)
    {
        static RawStream open(String path, HttpFields.Mutable fields) throws Exception
        {
            Session session = frames.connect(new InetSocketAddress("127.0.0.1", sluice.port()), new Session.Listener() {}).get(5, TimeUnit.SECONDS);
            MetaData.Request headers = new MetaData.Request("POST", HttpURI.from("http://127.0.0.1:" + sluice.port() + path), HttpVersion.HTTP_2, fields);
            CompletableFuture<Integer> status = new CompletableFuture<>();
            CompletableFuture<Integer> reset = new CompletableFuture<>();
            CompletableFuture<Void> closed = new CompletableFuture<>();
            long start = System.nanoTime();
            Stream stream = session.newStream(new HeadersFrame(headers, null, false), new Stream.Listener()
            {
                @Override
                public void onHeaders(Stream stream, HeadersFrame frame)
                {
                    status.complete(((MetaData.Response)frame.getMetaData()).getStatus());
                    stream.demand();
                }

                @Override
                public void onDataAvailable(Stream stream)
                {
                    Stream.Data data = stream.readData();
                    boolean last = data != null && data.frame().isEndStream();
                    if (data != null)
                    {
                        data.release();
                    }
                    if (!last)
                    {
                        stream.demand();
                    }
                }

                @Override
                public void onReset(Stream stream, ResetFrame frame, Callback callback)
                {
                    reset.complete(frame.getError());
                    callback.succeeded();
                }

                @Override
                public void onClosed(Stream stream)
                {
                    closed.complete(null);
                }
            }).get(5, TimeUnit.SECONDS);
            return new RawStream(stream, status, reset, closed, start);
        }

        long millis()
        {
            return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        }
    }
}
