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
 * their own). Such an exchange never ended: no access-log line, counted in flight for good, its
 * request and response held. And the failed write was taken for the target's failure: a few
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
}
