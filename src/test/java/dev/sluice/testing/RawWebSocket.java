// A WebSocket client written out by hand, so a test decides every byte of the handshake (browsers send no Content-Length; Java's client does).
package dev.sluice.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Sends the handshake a browser sends (no {@code Content-Length}), then text frames masked as
 * RFC 6455 §5.3 requires, and reads unmasked text frames back. Enough for tests; not a client.
 */
public final class RawWebSocket implements AutoCloseable
{
    private final Socket socket;
    private final InputStream in;
    private final String head;

    private RawWebSocket(Socket socket, String head) throws IOException
    {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.head = head;
    }

    /** Opens a connection and sends the upgrade request for {@code path}; {@link #head()} is the answer's head. */
    public static RawWebSocket open(int port, String path) throws IOException
    {
        return open(port, path, null);
    }

    /**
     * The same, with a first text message written in the same packet as the handshake, before
     * any answer (nothing in RFC 6455 stops an eager client).
     */
    public static RawWebSocket open(int port, String path, String firstText) throws IOException
    {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        socket.setSoTimeout(10_000);
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        request.writeBytes(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
            + "Origin: http://127.0.0.1\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
        if (firstText != null)
        {
            request.writeBytes(textFrame(firstText));
        }
        socket.getOutputStream().write(request.toByteArray());
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n"))
        {
            int b = in.read();
            if (b < 0)
            {
                break;
            }
            head.write(b);
        }
        return new RawWebSocket(socket, head.toString(StandardCharsets.ISO_8859_1));
    }

    /** The answer's status line and fields. */
    public String head()
    {
        return head;
    }

    public int status()
    {
        return Integer.parseInt(head.substring(9, 12));
    }

    /** The rest of a refusal's body, up to the connection's end or the length it declares. */
    public String body() throws IOException
    {
        int length = -1;
        for (String line : head.split("\r\n"))
        {
            if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:"))
            {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        return new String(length < 0 ? in.readAllBytes() : in.readNBytes(length), StandardCharsets.UTF_8);
    }

    public void sendText(String text) throws IOException
    {
        socket.getOutputStream().write(textFrame(text));
    }

    private static byte[] textFrame(String text)
    {
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        if (payload.length > 125)
        {
            throw new IllegalArgumentException("short messages only");
        }
        byte[] mask = new byte[4];
        ThreadLocalRandom.current().nextBytes(mask);
        byte[] frame = new byte[6 + payload.length];
        frame[0] = (byte)0x81;
        frame[1] = (byte)(0x80 | payload.length);
        System.arraycopy(mask, 0, frame, 2, 4);
        for (int i = 0; i < payload.length; i++)
        {
            frame[6 + i] = (byte)(payload[i] ^ mask[i % 4]);
        }
        return frame;
    }

    /** The next text frame's payload (short frames, unmasked, as servers send them). */
    public String readText() throws IOException
    {
        int first = in.read();
        int second = in.read();
        if (first < 0 || second < 0)
        {
            throw new IOException("the connection ended");
        }
        if ((first & 0x0F) != 0x1 || (second & 0x7F) > 125)
        {
            throw new IOException("not a short text frame: " + Integer.toHexString(first) + " " + Integer.toHexString(second));
        }
        return new String(in.readNBytes(second & 0x7F), StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws IOException
    {
        socket.close();
    }
}
