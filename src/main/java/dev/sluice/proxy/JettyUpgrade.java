// Switches a WebSocket's client connection to the tunnel at Jetty's own level, where Sluice's classes see Jetty's server classes.
package dev.sluice.proxy;

import java.util.concurrent.Executor;

import jakarta.servlet.http.HttpServletRequest;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.HttpStream;
import org.eclipse.jetty.server.Request;

/**
 * Jetty 12's servlet upgrade ({@link HttpServletRequest#upgrade}) ends the upgraded input at once
 * for a request that declared no {@code Content-Length}: it recorded the end of the (empty) body
 * when it parsed the head, and the upgraded stream reads that end first. Browsers send their
 * WebSocket handshakes without one, so every browser's tunnel closed right after its 101 (the
 * JDK's client sends {@code Content-Length: 0} and did not show it). Jetty's own WebSockets do
 * not use that path: they name the connection to switch to in a request attribute, and Jetty
 * switches once the 101 is written. Sluice does the same where it can: in its launcher and in an
 * embedded Jetty, whose class loader shows it Jetty's server classes. A WAR in a standalone
 * Jetty cannot see them and takes the servlet path (README says what that means).
 *
 * <p>{@link Visible#check()} says whether {@link #prepare} may be called at all: loading this
 * class needs Jetty's server classes.</p>
 */
final class JettyUpgrade
{
    private JettyUpgrade()
    {
    }

    /**
     * Whether Jetty's server classes are visible to Sluice's class loader. Kept out of this class:
     * checking its other method's types would load them, and fail where they are missing.
     */
    static final class Visible
    {
        private Visible()
        {
        }

        static boolean check()
        {
            try
            {
                Class.forName("org.eclipse.jetty.server.HttpStream", false, Visible.class.getClassLoader());
                Class.forName("org.eclipse.jetty.ee10.servlet.ServletContextRequest", false, Visible.class.getClassLoader());
                return true;
            }
            catch (ClassNotFoundException | LinkageError x)
            {
                return false;
            }
        }
    }

    /**
     * Names the tunnel's client end as the connection Jetty switches to after the 101; false,
     * having done nothing, when the request is not Jetty's own over HTTP/1.1.
     */
    static boolean prepare(HttpServletRequest request, WebSocketTunnel.Link link, Executor executor)
    {
        ServletContextRequest servletRequest;
        try
        {
            servletRequest = ServletContextRequest.getServletContextRequest(request);
        }
        catch (IllegalStateException notJettys)
        {
            // Jetty's classes are visible, but another container runs Sluice (an embedded Tomcat beside them).
            return false;
        }
        if (servletRequest == null)
        {
            return false;
        }
        Request channelRequest = Request.unWrap(servletRequest);
        if (channelRequest.getConnectionMetaData().getHttpVersion() != HttpVersion.HTTP_1_1)
        {
            return false;
        }
        EndPoint endPoint = channelRequest.getConnectionMetaData().getConnection().getEndPoint();
        // A stopping server ends its connections' idle time at once: that end is Sluice stopping, not a timeout.
        org.eclipse.jetty.server.Connector connector = channelRequest.getConnectionMetaData().getConnector();
        java.util.function.BooleanSupplier stopping = connector::isShutdown;
        channelRequest.setAttribute(HttpStream.UPGRADE_CONNECTION_ATTRIBUTE, link.clientSide(endPoint, executor, stopping));
        return true;
    }
}
