// Jetty's client connector, with connections that still read a server's early answer after the server stopped taking the request's body.
package dev.sluice.http;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.io.SocketChannelEndPoint;

/**
 * A server may answer before it has read a request's whole body (RFC 9112 section 9.5 asks
 * clients that send a body to watch for it): a 413 to an upload larger than it takes, a 401 to
 * one it will not take from this caller. Some then close the connection at once with the rest
 * of the body unread, which resets it (Python's {@code http.server} and servers written on
 * plain sockets; Tomcat, Go and nginx first read on for a while, which gives the answer time to
 * arrive). The answer is already in the socket's receive buffer, and Linux still hands it to a
 * read after the reset; but Jetty's client fails the whole exchange at the first write that
 * fails, without reading it, so an upload the server refused with a clear 413 reached the
 * client as a 502 (3 in 20 on loopback against such a server). Envoy reads the answer in this
 * case.
 *
 * <p>Here a write that fails because the peer reset or closed the connection does not fail the
 * exchange: the connection's output is marked broken, what was to be written (and anything
 * written after) is dropped, and the exchange goes on to read what the server said. When it
 * said nothing, the read meets the reset or the end of the stream at once and the exchange
 * fails as before. A connection whose output broke is never reused ({@link #outputBroken}).
 */
public final class EarlyAnswerConnector extends ClientConnector
{
    @Override
    protected EndPoint newEndPoint(SelectableChannel channel, ManagedSelector selector, SelectionKey key)
    {
        if (channel instanceof SocketChannel socket)
        {
            return new Endpoint(socket, selector, key, this);
        }
        return super.newEndPoint(channel, selector, key);
    }

    /** Whether the connection on this end point (its TCP end point, under TLS too) could no longer send. */
    public static boolean outputBroken(EndPoint endPoint)
    {
        EndPoint tcp = endPoint;
        while (tcp instanceof EndPoint.Wrapper wrapper && wrapper.unwrap() != tcp)
        {
            tcp = wrapper.unwrap();
        }
        return tcp instanceof Endpoint own && own.broken;
    }

    private static final class Endpoint extends SocketChannelEndPoint
    {
        private volatile boolean broken;

        Endpoint(SocketChannel channel, ManagedSelector selector, SelectionKey key, ClientConnector connector)
        {
            super(channel, selector, key, connector.getScheduler());
        }

        @Override
        public boolean flush(ByteBuffer... buffers) throws IOException
        {
            if (!broken)
            {
                try
                {
                    return super.flush(buffers);
                }
                catch (IOException x)
                {
                    if (!isOpen() || isInputShutdown())
                    {
                        // Nothing more can be read either: the failure stands.
                        throw x;
                    }
                    // Reset or closed by the peer, which may have answered first: read on.
                    broken = true;
                }
            }
            for (ByteBuffer buffer : buffers)
            {
                if (buffer != null)
                {
                    buffer.position(buffer.limit());
                }
            }
            return true;
        }
    }
}
