// An upstream that answers every request with raw bytes a test chose, to misbehave in ways no real server library will.
package dev.sluice.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Reads each request's head and a body of declared length, looks up the path's script and
 * writes its bytes, then closes the connection: one exchange per connection.
 */
public final class ScriptedUpstream implements AutoCloseable
{
    private final ServerSocket server;
    private final Map<String, Supplier<byte[]>> scripts = new ConcurrentHashMap<>();
    private final Thread acceptor;

    public ScriptedUpstream() throws IOException
    {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        acceptor = new Thread(this::accept, "scripted-upstream");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public void script(String path, String response)
    {
        scripts.put(path, () -> response.getBytes(StandardCharsets.ISO_8859_1));
    }

    public void script(String path, Supplier<byte[]> response)
    {
        scripts.put(path, response);
    }

    public String url()
    {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    private void accept()
    {
        while (!server.isClosed())
        {
            try
            {
                Socket socket = server.accept();
                Thread handler = new Thread(() -> answer(socket), "scripted-upstream-exchange");
                handler.setDaemon(true);
                handler.start();
            }
            catch (IOException x)
            {
                return;
            }
        }
    }

    private void answer(Socket socket)
    {
        try (socket)
        {
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) >= 0)
            {
                head.write(b);
                byte[] bytes = head.toByteArray();
                int n = bytes.length;
                if (n >= 4 && bytes[n - 4] == '\r' && bytes[n - 3] == '\n' && bytes[n - 2] == '\r' && bytes[n - 1] == '\n')
                {
                    break;
                }
            }
            String headText = head.toString(StandardCharsets.ISO_8859_1);
            String requestLine = headText.split("\r\n", 2)[0];
            // A body with a length is read first, so closing never resets a sender still writing.
            for (String line : headText.split("\r\n"))
            {
                if (line.regionMatches(true, 0, "Content-Length:", 0, 15))
                {
                    in.readNBytes(Integer.parseInt(line.substring(15).trim()));
                }
            }
            String path = requestLine.split(" ")[1];
            Supplier<byte[]> script = scripts.getOrDefault(path, () -> "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            OutputStream out = socket.getOutputStream();
            out.write(script.get());
            out.flush();
        }
        catch (IOException | RuntimeException x)
        {
            // The proxy hung up first: fine for a misbehaving upstream.
        }
    }

    @Override
    public void close() throws IOException
    {
        server.close();
    }
}
