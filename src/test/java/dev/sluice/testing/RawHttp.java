// Sends bytes exactly as written over a socket: for requests real clients refuse to make.
package dev.sluice.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

public final class RawHttp
{
    private RawHttp()
    {
    }

    /** The response, parsed just enough for assertions. */
    public record Reply(int status, String head, String body)
    {
        public String header(String name)
        {
            for (String line : head.split("\r\n"))
            {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name))
                {
                    return line.substring(colon + 1).trim();
                }
            }
            return null;
        }
    }

    private static Reply parse(String text)
    {
        int end = text.indexOf("\r\n\r\n");
        if (end < 0 || end < 12)
        {
            return null;
        }
        String head = text.substring(0, end);
        return new Reply(Integer.parseInt(head.substring(9, 12)), head, text.substring(end + 4));
    }

    /**
     * Sends the request text (lines joined with CRLF, blank line added) and reads until the server
     * closes; the request should say {@code Connection: close}.
     */
    public static Reply send(int port, String... lines) throws IOException
    {
        String request = String.join("\r\n", lines) + "\r\n\r\n";
        try (Socket socket = new Socket("127.0.0.1", port))
        {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            return read(socket.getInputStream());
        }
    }

    /**
     * Sends a request head (ending in its blank line), then {@code piece} every {@code everyMillis}
     * ms, {@code times} times, as a client whose body trickles; returns the answer, which the
     * server may give while the body still comes.
     */
    public static Reply trickle(int port, String head, String piece, long everyMillis, int times) throws IOException
    {
        try (Socket socket = new Socket("127.0.0.1", port))
        {
            socket.setSoTimeout(15_000);
            java.io.OutputStream out = socket.getOutputStream();
            out.write(head.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            Thread writer = new Thread(() ->
            {
                try
                {
                    for (int i = 0; i < times; i++)
                    {
                        Thread.sleep(everyMillis);
                        out.write(piece.getBytes(StandardCharsets.ISO_8859_1));
                        out.flush();
                    }
                }
                catch (Exception x)
                {
                    // The server closed the connection, or the answer came.
                }
            });
            writer.setDaemon(true);
            writer.start();
            try
            {
                return read(socket.getInputStream());
            }
            finally
            {
                writer.interrupt();
            }
        }
    }

    /**
     * Reads one response: to the end of its sized or chunked body, else until the server closes.
     * The bytes of a response after it on the same connection may be read and lost.
     */
    public static Reply read(InputStream in) throws IOException
    {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        int read;
        while ((read = in.read(buffer)) >= 0)
        {
            out.write(buffer, 0, read);
            Reply reply = parse(out.toString(StandardCharsets.ISO_8859_1));
            String length = reply == null ? null : reply.header("Content-Length");
            // Stop at the end of a sized body: some servers keep the connection open anyway.
            if (length != null)
            {
                int missing = Integer.parseInt(length) - reply.body().length();
                if (missing <= 0)
                {
                    return reply;
                }
                // The rest in one go: parsing again after every read is quadratic in a large body.
                out.write(in.readNBytes(missing));
                return parse(out.toString(StandardCharsets.ISO_8859_1));
            }
            if (reply != null && "chunked".equalsIgnoreCase(reply.header("Transfer-Encoding")) && reply.body().endsWith("0\r\n\r\n"))
            {
                return reply;
            }
        }
        Reply reply = parse(out.toString(StandardCharsets.ISO_8859_1));
        return reply != null ? reply : new Reply(-1, out.toString(StandardCharsets.ISO_8859_1), "");
    }
}
