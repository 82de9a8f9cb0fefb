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
    private final java.util.Set<String> beforeBody = ConcurrentHashMap.newKeySet();
    private final java.util.Set<String> keptOpen = ConcurrentHashMap.newKeySet();
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

    /**
     * Answers {@code path} on the request's head alone and closes without reading the body, as
     * Go's servers do with a large body their handler did not read (half a second after the
     * answer, as they do).
     */
    public void scriptBeforeBody(String path, String response)
    {
        script(path, response);
        beforeBody.add(path);
    }

    /**
     * Answers {@code path} on the request's head alone and then neither reads the body nor
     * closes, for 20 s: an upstream that has said its last word but leaves the connection open.
     */
    public void scriptBeforeBodyKeptOpen(String path, String response)
    {
        script(path, response);
        beforeBody.add(path);
        keptOpen.add(path);
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
            String path = requestLine.split(" ")[1];
            // A body with a length is read first, so closing never resets a sender still writing.
            for (String line : beforeBody.contains(path) ? new String[0] : headText.split("\r\n"))
            {
                if (line.regionMatches(true, 0, "Content-Length:", 0, 15))
                {
                    in.readNBytes(Integer.parseInt(line.substring(15).trim()));
                }
            }
            Supplier<byte[]> script = scripts.getOrDefault(path, () -> "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            OutputStream out = socket.getOutputStream();
            out.write(script.get());
            out.flush();
            if (keptOpen.contains(path))
            {
                Thread.sleep(20_000);
            }
            else if (beforeBody.contains(path))
            {
                // Go's way: end the answer, then wait (its rstAvoidanceDelay) before the close
                // that resets the connection, so the proxy has read the answer by then.
                socket.shutdownOutput();
                Thread.sleep(500);
            }
        }
        catch (InterruptedException x)
        {
            Thread.currentThread().interrupt();
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
