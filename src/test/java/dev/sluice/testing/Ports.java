// Loopback ports for tests: one nothing listens on, for an upstream that is down, and one free to bind.
package dev.sluice.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

public final class Ports
{
    /** Sockets holding the ports handed out, bound and never connected, for as long as the tests run. */
    private static final List<Socket> HELD = new ArrayList<>();

    private Ports()
    {
    }

    /**
     * A loopback port nothing listens on: connections to it are refused. The port stays bound,
     * without listening, until the JVM ends, so no server started later (Sluice under test on
     * port 0) is given it. A port merely freed again was: a test's "down" upstream was then
     * Sluice itself, and a request looped (508) instead of failing (502).
     */
    public static synchronized int closed() throws IOException
    {
        Socket socket = new Socket();
        socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        HELD.add(socket);
        return socket.getLocalPort();
    }

    /** A loopback port free at the moment of asking, for a server a test binds to one port on several addresses. */
    public static int free() throws IOException
    {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            return socket.getLocalPort();
        }
    }
}
