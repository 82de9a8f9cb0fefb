// The PROXY protocol in front of the launcher's connectors: required, and believed only from the listed load balancers.
package dev.sluice.launcher;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.sluice.exchange.Cidr;
import org.eclipse.jetty.io.AbstractConnection;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.ProxyConnectionFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code server.proxy-protocol.from}: behind a TCP load balancer (AWS NLB, HAProxy in TCP mode,
 * a Kubernetes service with the PROXY protocol) every connection starts with a PROXY header
 * (version 1 or 2) naming the client, which then is the client's address for everything Sluice
 * does with it: the access log, limits by address, guards, {@code X-Forwarded-For}.
 *
 * <p>Jetty's factory takes the header when it is there and passes a connection without one on
 * as it is; here the header is required, and a connection from an address the setting does not
 * list is closed before a byte is read, as nginx believes a PROXY header only from
 * {@code set_real_ip_from}. Otherwise anyone who can reach the port could name any address.</p>
 */
final class ProxyProtocolFront extends ProxyConnectionFactory
{
    private static final Logger LOG = LoggerFactory.getLogger(ProxyProtocolFront.class);

    private final List<Cidr> from;
    private final AtomicBoolean reported = new AtomicBoolean();

    /**
     * @param next the protocol of the factory that reads what follows the header
     * @param from the load balancers' addresses
     */
    ProxyProtocolFront(String next, List<Cidr> from)
    {
        super(next);
        this.from = List.copyOf(from);
    }

    @Override
    public Connection newConnection(Connector connector, EndPoint endPoint)
    {
        if (!listed(endPoint.getRemoteSocketAddress()))
        {
            // Once at warn (a load balancer left out is a configuration fault), then quietly: scanners would fill the log.
            if (reported.compareAndSet(false, true))
            {
                LOG.warn("Connection from {} closed: server.proxy-protocol.from does not list it (logged once)", endPoint.getRemoteSocketAddress());
            }
            else
            {
                LOG.debug("Connection from {} closed: not a listed load balancer", endPoint.getRemoteSocketAddress());
            }
            return new Closed(endPoint, connector);
        }
        return super.newConnection(connector, endPoint);
    }

    /** What is not a PROXY header: closed, not read as a request. */
    @Override
    protected void nextProtocol(Connector connector, EndPoint endPoint, ByteBuffer buffer)
    {
        LOG.debug("Connection from {} closed: it did not start with a PROXY header", endPoint.getRemoteSocketAddress());
        endPoint.close();
    }

    private boolean listed(SocketAddress address)
    {
        if (!(address instanceof InetSocketAddress inet) || inet.getAddress() == null)
        {
            return false;
        }
        byte[] bytes = inet.getAddress().getAddress();
        for (Cidr block : from)
        {
            if (block.contains(bytes))
            {
                return true;
            }
        }
        return false;
    }

    /** A connection closed as soon as it opens. */
    private static final class Closed extends AbstractConnection
    {
        Closed(EndPoint endPoint, Connector connector)
        {
            super(endPoint, connector.getExecutor());
        }

        @Override
        public void onOpen()
        {
            super.onOpen();
            getEndPoint().close();
        }

        @Override
        public void onFillable()
        {
            getEndPoint().close();
        }
    }
}
