// A real Jetty server on a loopback port that plays the upstream and records what it received.
package dev.sluice.testing;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;

import static org.junit.jupiter.api.Assertions.assertNotNull;

public final class TestUpstream implements AutoCloseable
{
    /**
     * What the upstream saw: the raw request target as it arrived, every header, the body size
     * and its first 64 KiB.
     */
    public record Received(String method, String target, HttpFields headers, long bodyBytes, byte[] bodyStart)
    {
        public String body()
        {
            return new String(bodyStart, StandardCharsets.UTF_8);
        }
    }

    private final Server server;
    private final BlockingQueue<Received> received;

    private TestUpstream(Server server, BlockingQueue<Received> received)
    {
        this.server = server;
        this.received = received;
    }

    /** Records each request, reads its body, and answers 200 "upstream ok". */
    public static TestUpstream start() throws Exception
    {
        BlockingQueue<Received> received = new LinkedBlockingQueue<>();
        return start(received, new Handler.Abstract()
        {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception
            {
                received.add(record(request));
                response.getHeaders().put("X-Upstream", "test");
                Content.Sink.write(response, true, "upstream ok", callback);
                return true;
            }
        });
    }

    /** Runs the given handler; {@link #record} is there for handlers that want to record too. */
    public static TestUpstream start(Handler handler) throws Exception
    {
        return start(new LinkedBlockingQueue<>(), handler);
    }

    private static TestUpstream start(BlockingQueue<Received> received, Handler handler) throws Exception
    {
        Server server = new Server();
        // Heads as large as Sluice may send: server.max-request-header-size goes up to 1 MiB.
        org.eclipse.jetty.server.HttpConfiguration http = new org.eclipse.jetty.server.HttpConfiguration();
        http.setRequestHeaderSize(2 * 1024 * 1024);
        // And answers with heads as large as proxy.max-response-header-size lets in.
        http.setMaxResponseHeaderSize(32 * 1024 * 1024);
        // Takes an encoded '/' as data, as the back-ends of routes with allow-encoded-slashes do.
        http.setUriCompliance(org.eclipse.jetty.http.UriCompliance.DEFAULT.with("upstream", org.eclipse.jetty.http.UriCompliance.Violation.AMBIGUOUS_PATH_SEPARATOR));
        ServerConnector connector = new ServerConnector(server, new org.eclipse.jetty.server.HttpConnectionFactory(http));
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        server.setHandler(handler);
        server.start();
        return new TestUpstream(server, received);
    }

    /** Reads the whole body (blocking: fine on a test server's thread) and describes the request. */
    public static Received record(Request request) throws Exception
    {
        long total = 0;
        ByteBuffer start = ByteBuffer.allocate(65536);
        byte[] buffer = new byte[65536];
        try (InputStream in = Content.Source.asInputStream(request))
        {
            int read;
            while ((read = in.read(buffer)) >= 0)
            {
                total += read;
                start.put(buffer, 0, Math.min(read, start.remaining()));
            }
        }
        byte[] bodyStart = new byte[start.position()];
        start.flip().get(bodyStart);
        return new Received(request.getMethod(), request.getHttpURI().getPathQuery(), HttpFields.build(request.getHeaders()).asImmutable(), total, bodyStart);
    }

    /** Records a request a custom handler received, for {@link #take}. */
    public void offer(Received request)
    {
        received.add(request);
    }

    public Received take() throws InterruptedException
    {
        Received request = received.poll(10, TimeUnit.SECONDS);
        assertNotNull(request, "the upstream received no request");
        return request;
    }

    /** The next request if one arrives within the wait, else null. */
    public Received poll(long millis) throws InterruptedException
    {
        return received.poll(millis, TimeUnit.MILLISECONDS);
    }

    public int port()
    {
        return ((ServerConnector)server.getConnectors()[0]).getLocalPort();
    }

    public String url()
    {
        return "http://127.0.0.1:" + port();
    }

    @Override
    public void close() throws Exception
    {
        server.stop();
    }
}
