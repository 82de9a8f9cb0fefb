// A loopback upstream for pool tests: names itself, counts requests, and can be slowed, failed, stopped and restarted.
package dev.sluice.testing;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;

/**
 * Answers every path with its own name in the body and in {@code X-Served-By}, except
 * {@code /health}, which answers {@link #healthStatus}. Restarts on the same port, so a stopped
 * target can come back as it would after a crash.
 */
public final class PoolTarget implements AutoCloseable
{
    public final String name;
    private final int port;
    private final Server server;
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger healthChecks = new AtomicInteger();
    private final List<String> bodies = new CopyOnWriteArrayList<>();
    public volatile int status = 200;
    public volatile int healthStatus = 200;
    public volatile long delayMillis;

    private PoolTarget(String name, int port) throws Exception
    {
        this.name = name;
        this.port = port;
        this.server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract()
        {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception
            {
                if (request.getHttpURI().getPath().equals("/health"))
                {
                    healthChecks.incrementAndGet();
                    response.setStatus(healthStatus);
                    Content.Sink.write(response, true, name, callback);
                    return true;
                }
                TestUpstream.Received received = TestUpstream.record(request);
                requests.incrementAndGet();
                if (received.bodyBytes() > 0)
                {
                    bodies.add(received.body());
                }
                if (delayMillis > 0)
                {
                    Thread.sleep(delayMillis);
                }
                response.setStatus(status);
                response.getHeaders().put("X-Served-By", name);
                Content.Sink.write(response, true, name, callback);
                return true;
            }
        });
        server.start();
    }

    public static PoolTarget start(String name) throws Exception
    {
        return new PoolTarget(name, freePort());
    }

    /** A port nothing listens on (at the moment of asking). */
    public static int freePort() throws Exception
    {
        try (ServerSocket socket = new ServerSocket(0))
        {
            return socket.getLocalPort();
        }
    }

    public String url()
    {
        return "http://127.0.0.1:" + port;
    }

    public String authority()
    {
        return "127.0.0.1:" + port;
    }

    /** Requests other than health checks. */
    public int requests()
    {
        return requests.get();
    }

    public int healthChecks()
    {
        return healthChecks.get();
    }

    public List<String> bodies()
    {
        return bodies;
    }

    public void reset()
    {
        requests.set(0);
        bodies.clear();
    }

    public void stop() throws Exception
    {
        server.stop();
    }

    public void restart() throws Exception
    {
        server.start();
    }

    public static String served(byte[] body)
    {
        return new String(body, StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws Exception
    {
        server.stop();
    }
}
