// A real WebSocket server (Jetty's) as an upstream: echoes what it is sent and records the upgrade requests it accepted.
package dev.sluice.testing;

import java.nio.ByteBuffer;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;

/**
 * Paths under {@code /ws/}: {@code /ws/echo} echoes text and binary messages, {@code /ws/greet}
 * sends "hello" as soon as it is open (bytes right behind the 101), {@code /ws/bye} closes with
 * 1000 after the first message, {@code /ws/forbidden} refuses the upgrade with a 403.
 */
public final class WebSocketUpstream implements AutoCloseable
{
    private final Server server;
    private final ServerConnector connector;
    private final BlockingQueue<HttpFields> upgrades = new LinkedBlockingQueue<>();
    private final boolean tls;

    private WebSocketUpstream(org.eclipse.jetty.util.ssl.SslContextFactory.Server tls) throws Exception
    {
        this.tls = tls != null;
        server = new Server();
        connector = tls == null ? new ServerConnector(server) : new ServerConnector(server, tls);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        ContextHandler context = new ContextHandler("/");
        WebSocketUpgradeHandler websockets = WebSocketUpgradeHandler.from(server, context, container ->
        {
            container.setMaxBinaryMessageSize(8 * 1024 * 1024);
            container.addMapping("/ws/*", (request, response, callback) ->
            {
                String path = request.getHttpURI().getPath();
                if (path.endsWith("/forbidden"))
                {
                    Response.writeError(request, response, callback, 403, "not for you");
                    return null;
                }
                upgrades.add(HttpFields.build(request.getHeaders()));
                return new Endpoint(path.endsWith("/greet"), path.endsWith("/bye"));
            });
        });
        context.setHandler(websockets);
        server.setHandler(context);
        server.start();
    }

    public static WebSocketUpstream start() throws Exception
    {
        return new WebSocketUpstream(null);
    }

    /** Over TLS ({@code wss} behind Sluice). */
    public static WebSocketUpstream start(org.eclipse.jetty.util.ssl.SslContextFactory.Server tls) throws Exception
    {
        return new WebSocketUpstream(tls);
    }

    public String url()
    {
        return (tls ? "https" : "http") + "://127.0.0.1:" + connector.getLocalPort();
    }

    /** The fields of the upgrade request with this {@code X-Request-ID} the server accepted. */
    public HttpFields upgrade(String requestId) throws InterruptedException
    {
        HttpFields fields = upgradeIfAny(requestId, TimeUnit.SECONDS.toMillis(5));
        if (fields == null)
        {
            throw new AssertionError("no upgrade request " + requestId + " reached the WebSocket server");
        }
        return fields;
    }

    /** As {@link #upgrade}, or null when no such request came within the time given. */
    public HttpFields upgradeIfAny(String requestId, long millis) throws InterruptedException
    {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (System.nanoTime() < deadline)
        {
            HttpFields fields = upgrades.poll(100, TimeUnit.MILLISECONDS);
            if (fields != null && requestId.equals(fields.get("X-Request-ID")))
            {
                return fields;
            }
        }
        return null;
    }

    @Override
    public void close() throws Exception
    {
        server.stop();
    }

    /** One connection's endpoint. */
    public static final class Endpoint implements Session.Listener.AutoDemanding
    {
        private final boolean greet;
        private final boolean bye;
        private Session session;

        Endpoint(boolean greet, boolean bye)
        {
            this.greet = greet;
            this.bye = bye;
        }

        @Override
        public void onWebSocketOpen(Session session)
        {
            this.session = session;
            if (greet)
            {
                session.sendText("hello", Callback.NOOP);
            }
        }

        @Override
        public void onWebSocketText(String message)
        {
            if (bye)
            {
                session.close(1000, "bye", Callback.NOOP);
                return;
            }
            session.sendText(message, Callback.NOOP);
        }

        @Override
        public void onWebSocketBinary(ByteBuffer payload, Callback callback)
        {
            ByteBuffer copy = ByteBuffer.allocate(payload.remaining());
            copy.put(payload).flip();
            callback.succeed();
            session.sendBinary(copy, Callback.NOOP);
        }
    }
}
