// An upstream written against raw sockets, one thread per connection: for connection-level behaviour no server library offers.
package dev.sluice.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Accepts connections on a loopback port and hands each to {@link Connection#serve} on a thread
 * of its own, counting them; the socket is closed when {@code serve} returns. What the test's
 * upstream does with a connection (keep it, close it after a while, answer one request and
 * then not another) is the test's to write, with {@link #readHead} and {@link #contentLength}.
 */
public final class SocketUpstream implements AutoCloseable
{
    /** What the upstream does with one connection. */
    public interface Connection
    {
        void serve(Socket socket) throws IOException;
    }

    private final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    private final AtomicInteger connections = new AtomicInteger();

    public SocketUpstream(String name, Connection connection) throws IOException
    {
        Thread acceptor = new Thread(() ->
        {
            while (!server.isClosed())
            {
                try
                {
                    Socket socket = server.accept();
                    connections.incrementAndGet();
                    Thread handler = new Thread(() -> serve(connection, socket), name + "-connection");
                    handler.setDaemon(true);
                    handler.start();
                }
                catch (IOException x)
                {
                    return;
                }
            }
        }, name);
        acceptor.setDaemon(true);
        acceptor.start();
    }

    private static void serve(Connection connection, Socket socket)
    {
        try (socket)
        {
            connection.serve(socket);
        }
        catch (IOException x)
        {
            // The client went away first.
        }
    }

    public String url()
    {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    /** Connections accepted so far. */
    public int connections()
    {
        return connections.get();
    }

    /** A request's head up to its blank line, or what came before the connection ended ("" if nothing). */
    public static String readHead(InputStream in) throws IOException
    {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0)
        {
            head.write(b);
            if (head.size() >= 4 && head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n"))
            {
                break;
            }
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    /** The head's Content-Length, 0 without one. */
    public static int contentLength(String head)
    {
        for (String line : head.split("\r\n"))
        {
            if (line.regionMatches(true, 0, "Content-Length:", 0, 15))
            {
                return Integer.parseInt(line.substring(15).trim());
            }
        }
        return 0;
    }

    @Override
    public void close() throws IOException
    {
        server.close();
    }
}
