// A WebSocket connection through Sluice once both ends have switched: the bytes of both directions relayed until either side ends.
package dev.sluice.proxy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.sluice.exchange.Exchange;
import dev.sluice.exchange.Exchanges;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpUpgradeHandler;
import jakarta.servlet.http.WebConnection;
import org.eclipse.jetty.client.HttpUpgrader;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.UpgradeProtocolHandler;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.AbstractConnection;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.IteratingCallback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Once the upstream has accepted a WebSocket upgrade ({@link WebSocketHandshake}), the two
 * connections are relayed into each other, byte for byte, without reading frames, and without a
 * thread held while they are quiet. The upstream's end is always a Jetty connection
 * ({@link Side}); the client's is one too where Sluice sees Jetty's server classes
 * ({@link JettyUpgrade}: a {@link Pump} each way), else the servlet API's upgraded streams
 * ({@link ClientSide}, Tomcat), with their non-blocking listeners.
 *
 * <p>The exchange is logged when the tunnel closes: status 101, the bytes relayed each way and
 * the whole connection's duration, as nginx logs a WebSocket.
 */
final class WebSocketTunnel
{
    private static final Logger LOG = LoggerFactory.getLogger(WebSocketTunnel.class);
    private static final int RELAY_BUFFER_BYTES = 16 * 1024;

    private WebSocketTunnel()
    {
    }

    /**
     * Whether the request asks to become a WebSocket (RFC 6455 §4.1): {@code GET} over HTTP/1.1
     * with {@code websocket} among its {@code Upgrade} tokens and {@code upgrade} among its
     * {@code Connection} tokens. HTTP/2's extended CONNECT (RFC 8441) is not offered, so browsers
     * open WebSockets to Sluice over HTTP/1.1. One with a body is not (nothing would tell its
     * last bytes from the first of the tunnel's); it goes on as a plain request.
     */
    static boolean requested(HttpServletRequest request)
    {
        return "GET".equals(request.getMethod()) && "HTTP/1.1".equals(request.getProtocol()) && !dev.sluice.http.RequestBodies.expected(request)
            && hasToken(request.getHeaders("Upgrade"), "websocket") && hasToken(request.getHeaders("Connection"), "upgrade");
    }

    private static boolean hasToken(java.util.Enumeration<String> values, String token)
    {
        while (values != null && values.hasMoreElements())
        {
            for (String part : values.nextElement().split(","))
            {
                String trimmed = part.trim();
                // Upgrade tokens may carry a version ("websocket/13" is not RFC 6455's, but harmless).
                int slash = trimmed.indexOf('/');
                if ((slash < 0 ? trimmed : trimmed.substring(0, slash)).equalsIgnoreCase(token))
                {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Takes an upstream's {@code 101} only for requests that asked for it through a
     * {@link WebSocketHandshake.Listener}; Jetty's handler takes any 101 that names {@code websocket} or {@code h2c}.
     */
    static final class UpgradeHandler extends UpgradeProtocolHandler
    {
        @Override
        protected boolean acceptHeaders(Request request, Response response)
        {
            return request.getAttributes().get(HttpUpgrader.Factory.class.getName()) instanceof WebSocketHandshake.Listener;
        }
    }

    /**
     * One end of a tunnel at Jetty's I/O level: the upstream's connection once it switched (always),
     * and the client's when Sluice runs on Jetty's own classes ({@link JettyUpgrade}). Jetty calls
     * {@link #onFillable} when it has bytes; whichever relay reads this end is told. Until the
     * relays start nothing is read; bytes that came with the upstream's 101 wait in {@link #early}.
     * Non-blocking: the relays only fill, write without waiting and return, so Jetty runs them on
     * the thread that saw the bytes instead of handing each read to its pool (a 1 KiB echo round
     * trip through Sluice 0.84x the time, 11 of 12 paired rounds; docs/PERFORMANCE.md).
     */
    static final class Side extends AbstractConnection.NonBlocking implements Connection.UpgradeTo
    {
        private final boolean upstream;
        private volatile ByteBuffer early;
        private volatile Link link;
        private volatile Runnable fillable;

        Side(EndPoint endPoint, Executor executor, boolean upstream)
        {
            super(endPoint, executor);
            this.upstream = upstream;
        }

        @Override
        public void onUpgradeTo(ByteBuffer buffer)
        {
            if (BufferUtil.hasContent(buffer))
            {
                // A heap copy: the relay may write it to a servlet stream, which takes arrays.
                byte[] bytes = new byte[buffer.remaining()];
                buffer.get(bytes);
                early = ByteBuffer.wrap(bytes);
            }
        }

        /** What came with the 101 and has not been relayed yet, taken once. */
        ByteBuffer takeEarly()
        {
            ByteBuffer first = early;
            early = null;
            return first;
        }

        @Override
        public void onOpen()
        {
            super.onOpen();
            Link relay = link;
            if (!upstream && relay != null)
            {
                // Jetty switched the client's connection to this one: the 101 is out.
                relay.startCore(this);
            }
        }

        @Override
        public void onFillable()
        {
            Runnable reader = fillable;
            if (reader != null)
            {
                reader.run();
            }
        }

        @Override
        public void onFillInterestedFailed(Throwable cause)
        {
            Link relay = link;
            if (relay != null)
            {
                relay.end(upstream ? Exchange.Outcome.UPSTREAM_FAILED : Exchange.Outcome.CLIENT_ABORTED, cause);
            }
            else
            {
                super.onFillInterestedFailed(cause);
            }
        }

        @Override
        public boolean onIdleExpired(TimeoutException timeout)
        {
            Link relay = link;
            if (relay != null)
            {
                // Quiet for the route's idle timeout (nginx's proxy_read_timeout for WebSockets),
                // which both ends have: logged as that timeout whichever end noticed first.
                relay.end(relay.stopping.getAsBoolean() ? Exchange.Outcome.STOPPING : Exchange.Outcome.UPSTREAM_TIMEOUT, timeout);
            }
            return true;
        }

        @Override
        public void onClose(Throwable cause)
        {
            super.onClose(cause);
            Link relay = link;
            if (relay != null)
            {
                relay.end(cause == null ? Exchange.Outcome.OK : upstream ? Exchange.Outcome.UPSTREAM_FAILED : Exchange.Outcome.CLIENT_ABORTED, cause);
            }
        }
    }

    /**
     * Bytes from one end's connection to the other's endpoint, a buffer at a time, each write
     * finished before the next fill: a slow reader on one side slows the other, nothing piles up.
     */
    private static final class Pump extends IteratingCallback
    {
        private final Side from;
        private final EndPoint to;
        private final Link link;
        private final ByteBuffer buffer = BufferUtil.allocate(RELAY_BUFFER_BYTES);

        Pump(Side from, EndPoint to, Link link)
        {
            this.from = from;
            this.to = to;
            this.link = link;
        }

        @Override
        protected Action process() throws Exception
        {
            if (link.closed.get())
            {
                return Action.SUCCEEDED;
            }
            ByteBuffer first = from.takeEarly();
            if (first != null)
            {
                count(first.remaining());
                to.write(this, first);
                return Action.SCHEDULED;
            }
            BufferUtil.clear(buffer);
            int filled = from.getEndPoint().fill(buffer);
            if (filled > 0)
            {
                count(filled);
                to.write(this, buffer);
                return Action.SCHEDULED;
            }
            if (filled == 0)
            {
                from.fillInterested();
                return Action.IDLE;
            }
            // This side closed its connection, and everything it sent is through.
            return Action.SUCCEEDED;
        }

        private void count(int bytes)
        {
            if (from.upstream)
            {
                link.exchange.addBytesOut(bytes);
            }
            else
            {
                link.exchange.addBytesIn(bytes);
            }
        }

        @Override
        protected void onCompleteSuccess()
        {
            link.end(Exchange.Outcome.OK, null);
        }

        @Override
        protected void onCompleteFailure(Throwable cause)
        {
            // Whichever end broke: the one written to if its endpoint is closed, else the one read from.
            boolean upstreamBroke = to.isOpen() ? from.upstream : !from.upstream;
            link.end(upstreamBroke ? Exchange.Outcome.UPSTREAM_FAILED : Exchange.Outcome.CLIENT_ABORTED, cause);
        }

        @Override
        public InvocationType getInvocationType()
        {
            return InvocationType.NON_BLOCKING;
        }
    }

    /**
     * The servlet side of the tunnel; the container makes it and calls {@link #init} once the
     * client has the 101. Public, with a public constructor, because containers instantiate it.
     */
    public static final class ClientSide implements HttpUpgradeHandler
    {
        private volatile Link link;

        public ClientSide()
        {
        }

        void link(Link link)
        {
            this.link = link;
        }

        @Override
        public void init(WebConnection connection)
        {
            Link relay = link;
            if (relay == null)
            {
                // Not linked: nothing to relay to.
                try
                {
                    connection.close();
                }
                catch (Exception ignored)
                {
                    // Closing anyway.
                }
                return;
            }
            relay.start(connection);
        }

        @Override
        public void destroy()
        {
            Link relay = link;
            if (relay != null)
            {
                relay.end(Exchange.Outcome.OK, null);
            }
        }
    }

    /**
     * One open tunnel: the two relays, the exchange it logs when it ends, and the set of open
     * tunnels it leaves then (closed all at once when Sluice stops).
     */
    static final class Link
    {
        private final Side upstream;
        final Exchange exchange;
        private final Exchanges exchanges;
        private final Set<Link> open;
        private final Runnable released;
        final AtomicBoolean closed = new AtomicBoolean();
        private volatile WebConnection client;
        private volatile Side clientEnd;
        /** Whether the server the client end belongs to is stopping (Jetty's level only). */
        private volatile java.util.function.BooleanSupplier stopping = () -> false;
        private ServletInputStream in;
        private ServletOutputStream out;

        Link(Side upstream, Exchange exchange, Exchanges exchanges, Set<Link> open, Runnable released)
        {
            this.released = released;
            this.upstream = upstream;
            this.exchange = exchange;
            this.exchanges = exchanges;
            this.open = open;
            open.add(this);
            upstream.link = this;
        }

        static Set<Link> newOpenSet()
        {
            return ConcurrentHashMap.newKeySet();
        }

        /** The client's end at Jetty's level, which Jetty switches the connection to once the 101 is written. */
        Side clientSide(EndPoint endPoint, Executor executor, java.util.function.BooleanSupplier stopping)
        {
            Side side = new Side(endPoint, executor, false);
            side.link = this;
            this.stopping = stopping;
            return side;
        }

        /** Both ends are Jetty connections: a pump each way. */
        void startCore(Side side)
        {
            clientEnd = side;
            if (closed.get())
            {
                side.getEndPoint().close();
                return;
            }
            // The client's connection is quiet as long as the upstream's may be.
            side.getEndPoint().setIdleTimeout(upstream.getEndPoint().getIdleTimeout());
            Pump up = new Pump(side, upstream.getEndPoint(), this);
            Pump toClient = new Pump(upstream, side.getEndPoint(), this);
            side.fillable = up::iterate;
            upstream.fillable = toClient::iterate;
            up.iterate();
            toClient.iterate();
        }

        /** The client's end through the servlet API's upgraded streams (Tomcat, a WAR in Jetty). */
        void start(WebConnection connection)
        {
            client = connection;
            if (closed.get())
            {
                closeClient();
                return;
            }
            try
            {
                in = connection.getInputStream();
                out = connection.getOutputStream();
                // Made here, not with the link: at Jetty's level the pumps carry the bytes instead.
                Down down = new Down();
                upstream.fillable = down::iterate;
                // The container calls onWritePossible once at first, which starts the downward relay.
                out.setWriteListener(down);
                in.setReadListener(new Up());
            }
            catch (IOException | RuntimeException x)
            {
                end(Exchange.Outcome.CLIENT_ABORTED, x);
            }
        }

        /** Ends both sides and logs the exchange, once; the first outcome recorded stays. */
        void end(Exchange.Outcome outcome, Throwable cause)
        {
            if (!closed.compareAndSet(false, true))
            {
                return;
            }
            open.remove(this);
            released.run();
            if (outcome != Exchange.Outcome.OK)
            {
                exchange.outcome(outcome);
                LOG.debug("{} WebSocket tunnel ended: {} {}", exchange.id(), outcome.label(), cause == null ? "" : cause.toString());
            }
            upstream.getEndPoint().close();
            Side core = clientEnd;
            if (core != null)
            {
                core.getEndPoint().close();
            }
            closeClient();
            if (exchanges != null)
            {
                exchanges.close(exchange, 101);
            }
        }

        /** Ends a link whose client side never came (the container would not upgrade): no log line, the exchange is answered otherwise. */
        void abandon()
        {
            if (closed.compareAndSet(false, true))
            {
                open.remove(this);
                released.run();
                upstream.getEndPoint().close();
            }
        }

        private void closeClient()
        {
            WebConnection connection = client;
            if (connection != null)
            {
                try
                {
                    connection.close();
                }
                catch (Exception ignored)
                {
                    // The client's connection may be gone already.
                }
            }
        }

        /** Client to upstream: read what the container has, write it to the upstream, wait for the write, again. */
        private final class Up extends IteratingCallback implements ReadListener
        {
            private final byte[] bytes = new byte[RELAY_BUFFER_BYTES];

            @Override
            protected Action process() throws Exception
            {
                if (closed.get())
                {
                    return Action.SUCCEEDED;
                }
                if (!in.isReady())
                {
                    // The container calls onDataAvailable when more comes.
                    return Action.IDLE;
                }
                int read = in.read(bytes);
                if (read < 0)
                {
                    return Action.SUCCEEDED;
                }
                if (read == 0)
                {
                    return Action.IDLE;
                }
                exchange.addBytesIn(read);
                upstream.getEndPoint().write(this, ByteBuffer.wrap(bytes, 0, read));
                return Action.SCHEDULED;
            }

            @Override
            protected void onCompleteSuccess()
            {
                // The client closed its side: the upstream's connection goes too (WebSocket has its own close handshake).
                end(Exchange.Outcome.OK, null);
            }

            @Override
            protected void onCompleteFailure(Throwable cause)
            {
                end(Exchange.Outcome.UPSTREAM_FAILED, cause);
            }

            @Override
            public void onDataAvailable()
            {
                iterate();
            }

            @Override
            public void onAllDataRead()
            {
                iterate();
            }

            @Override
            public void onError(Throwable failure)
            {
                end(UpstreamFailure.isTimeout(failure) ? Exchange.Outcome.OK : Exchange.Outcome.CLIENT_ABORTED, failure);
            }

            @Override
            public InvocationType getInvocationType()
            {
                return InvocationType.NON_BLOCKING;
            }
        }

        /** Upstream to client: fill from the upstream, write and flush to the client when it can take it, again. */
        private final class Down extends IteratingCallback implements WriteListener
        {
            private final ByteBuffer buffer = BufferUtil.allocate(RELAY_BUFFER_BYTES);
            private boolean unflushed;

            @Override
            protected Action process() throws Exception
            {
                while (true)
                {
                    if (closed.get())
                    {
                        return Action.SUCCEEDED;
                    }
                    if (!out.isReady())
                    {
                        // The container calls onWritePossible when the last write is through.
                        return Action.IDLE;
                    }
                    ByteBuffer first = upstream.takeEarly();
                    if (first != null)
                    {
                        write(first);
                        continue;
                    }
                    if (unflushed)
                    {
                        unflushed = false;
                        out.flush();
                        continue;
                    }
                    int filled = upstream.getEndPoint().fill(buffer);
                    if (filled > 0)
                    {
                        write(buffer);
                        BufferUtil.clear(buffer);
                        continue;
                    }
                    if (filled == 0)
                    {
                        upstream.fillInterested();
                        return Action.IDLE;
                    }
                    // The upstream closed its connection; everything it sent is through.
                    return Action.SUCCEEDED;
                }
            }

            private void write(ByteBuffer bytes) throws IOException
            {
                int length = bytes.remaining();
                out.write(bytes.array(), bytes.arrayOffset() + bytes.position(), length);
                exchange.addBytesOut(length);
                unflushed = true;
            }

            @Override
            protected void onCompleteSuccess()
            {
                end(Exchange.Outcome.OK, null);
            }

            @Override
            protected void onCompleteFailure(Throwable cause)
            {
                end(Exchange.Outcome.CLIENT_ABORTED, cause);
            }

            @Override
            public void onWritePossible()
            {
                iterate();
            }

            @Override
            public void onError(Throwable failure)
            {
                end(Exchange.Outcome.CLIENT_ABORTED, failure);
            }

            @Override
            public InvocationType getInvocationType()
            {
                return InvocationType.NON_BLOCKING;
            }
        }
    }

    /** Whether the upstream's 101 names {@code websocket} in its {@code Upgrade} field (RFC 6455 §4.1 requires it). */
    static boolean switchedToWebSocket(Response response)
    {
        String upgrade = response.getHeaders().get(HttpHeader.UPGRADE);
        return upgrade != null && upgrade.toLowerCase(Locale.ROOT).contains("websocket");
    }
}
