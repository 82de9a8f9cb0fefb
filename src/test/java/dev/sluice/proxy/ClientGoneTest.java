// A client that goes away in the middle of a proxied answer: the exchange ends, is logged as the client's, and no target is blamed.
package dev.sluice.proxy;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.testing.LogCapture;
import dev.sluice.testing.SluiceUnderTest;
import dev.sluice.testing.TestUpstream;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Clients drop downloads all the time (a closed tab, a lost mobile connection, a timeout of
 * their own, an HTTP/2 stream cancelled). Such an exchange never ended: no access-log line,
 * counted in flight for good, its state held until Sluice stopped (Jetty aborts the response and
 * tells no AsyncListener). And the failed write was taken for the target's failure: a few
 * dropped downloads in a row ejected a healthy target.
 */
class ClientGoneTest
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int PIECE = 64 * 1024;

    /** Answers 5 MB in 64 KB pieces, 10 ms apart. */
    private static TestUpstream download() throws Exception
    {
        return TestUpstream.start(new Handler.Abstract()
        {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception
            {
                response.getHeaders().put("Content-Length", 80L * PIECE);
                try (OutputStream out = Content.Sink.asOutputStream(response))
                {
                    byte[] piece = new byte[PIECE];
                    for (int i = 0; i < 80; i++)
                    {
                        out.write(piece);
                        out.flush();
                        Thread.sleep(10);
                    }
                }
                catch (java.io.IOException gone)
                {
                    // Sluice closed the connection: the download was dropped.
                }
                callback.succeeded();
                return true;
            }
        });
    }

    @Test
    void aDroppedDownloadEndsAsTheClientsAndLeavesTheTargetsHealthy() throws Exception
    {
        HttpClient client = new HttpClient();
        client.start();
        try (TestUpstream one = download();
             TestUpstream two = download();
             SluiceUnderTest sluice = SluiceUnderTest.startAsLauncher("""
                 server.h2c = true
                 upstream.files.targets = %s, %s
                 upstream.files.outlier.consecutive-failures = 2
                 route.files.path = /files
                 route.files.upstream = files
                 admin.token = demo:admin-token-for-the-test
                 """.formatted(one.url(), two.url()));
             LogCapture logs = LogCapture.start())
        {
            for (int i = 0; i < 6; i++)
            {
                try (Socket socket = new Socket())
                {
                    socket.connect(new InetSocketAddress("127.0.0.1", sluice.port()), 5000);
                    socket.getOutputStream().write(("GET /files/big HTTP/1.1\r\nHost: localhost\r\nX-Request-ID: dropped-" + i + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                    InputStream in = socket.getInputStream();
                    byte[] some = new byte[100_000];
                    int read = 0;
                    while (read < some.length)
                    {
                        read += in.read(some, read, some.length - read);
                    }
                    // Gone, as curl --max-time goes: closed in the middle of the body.
                }
            }
            for (int i = 0; i < 6; i++)
            {
                JsonNode line = JSON.readTree(logs.accessLine("dropped-" + i));
                assertEquals("client_aborted", line.get("outcome").asText(), line.toString());
            }
            ContentResponse metrics = client.newRequest(sluice.uri("/-/metrics")).headers(h -> h.put("Authorization", "Bearer admin-token-for-the-test")).send();
            assertEquals(0, dev.sluice.testing.PrometheusText.parse(metrics.getContentAsString(), false).value("sluice_requests_in_flight"));
            ContentResponse upstreams = client.newRequest(sluice.uri("/-/admin/upstreams")).headers(h -> h.put("Authorization", "Bearer admin-token-for-the-test"))
                .send();
            for (JsonNode target : JSON.readTree(upstreams.getContentAsString()).get("targets"))
            {
                assertEquals("healthy", target.get("state").asText(), target.toString());
            }
        }
        finally
        {
            client.stop();
        }
    }

    @Test
    void anHttp2StreamResetInTheMiddleOfAnAnswerEndsTheExchange() throws Exception
    {
        org.eclipse.jetty.http2.client.HTTP2Client frames = new org.eclipse.jetty.http2.client.HTTP2Client();
        frames.start();
        try (TestUpstream one = download();
             SluiceUnderTest sluice = SluiceUnderTest.startAsLauncher("""
                 server.h2c = true
                 upstream.files.url = %s
                 route.files.path = /files
                 route.files.upstream = files
                 """.formatted(one.url()));
             LogCapture logs = LogCapture.start())
        {
            org.eclipse.jetty.http2.api.Session session = frames.connect(new InetSocketAddress("127.0.0.1", sluice.port()),
                new org.eclipse.jetty.http2.api.Session.Listener() {}).get(5, java.util.concurrent.TimeUnit.SECONDS);
            for (int i = 0; i < 3; i++)
            {
                org.eclipse.jetty.http.MetaData.Request request = new org.eclipse.jetty.http.MetaData.Request("GET",
                    org.eclipse.jetty.http.HttpURI.from("http://127.0.0.1:" + sluice.port() + "/files/big"), org.eclipse.jetty.http.HttpVersion.HTTP_2,
                    org.eclipse.jetty.http.HttpFields.build().add("X-Request-ID", "reset-" + i));
                java.util.concurrent.CompletableFuture<Void> some = new java.util.concurrent.CompletableFuture<>();
                java.util.concurrent.atomic.AtomicLong received = new java.util.concurrent.atomic.AtomicLong();
                org.eclipse.jetty.http2.api.Stream stream = session.newStream(new org.eclipse.jetty.http2.frames.HeadersFrame(request, null, true),
                    new org.eclipse.jetty.http2.api.Stream.Listener()
                    {
                        @Override
                        public void onHeaders(org.eclipse.jetty.http2.api.Stream stream, org.eclipse.jetty.http2.frames.HeadersFrame frame)
                        {
                            stream.demand();
                        }

                        @Override
                        public void onDataAvailable(org.eclipse.jetty.http2.api.Stream stream)
                        {
                            org.eclipse.jetty.http2.api.Stream.Data data = stream.readData();
                            if (data != null)
                            {
                                if (received.addAndGet(data.frame().remaining()) > 100_000)
                                {
                                    some.complete(null);
                                }
                                data.release();
                            }
                            stream.demand();
                        }
                    }).get(5, java.util.concurrent.TimeUnit.SECONDS);
                some.get(10, java.util.concurrent.TimeUnit.SECONDS);
                // The client cancels the download: a browser leaving the page does this.
                stream.reset(new org.eclipse.jetty.http2.frames.ResetFrame(stream.getId(), org.eclipse.jetty.http2.ErrorCode.CANCEL_STREAM_ERROR.code),
                    Callback.NOOP);
            }
            for (int i = 0; i < 3; i++)
            {
                JsonNode line = JSON.readTree(logs.accessLine("reset-" + i));
                assertEquals("client_aborted", line.get("outcome").asText(), line.toString());
            }
            session.close(0, null, Callback.NOOP);
        }
        finally
        {
            frames.stop();
        }
    }
}
