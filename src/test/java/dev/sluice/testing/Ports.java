// Loopback ports for tests: one nothing listens on, for an upstream that is down.
package dev.sluice.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;

public final class Ports
{
    private Ports()
    {
    }

    /** A loopback port nothing listens on at the moment of asking: connections to it are refused. */
    public static int closed() throws IOException
    {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            return socket.getLocalPort();
        }
    }
}
