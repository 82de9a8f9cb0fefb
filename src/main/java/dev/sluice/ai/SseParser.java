// Server-sent events from bytes as they arrive: events split across reads, several per read, CRLF, comments.
package dev.sluice.ai;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * An incremental parser of the {@code text/event-stream} format (WHATWG HTML §9.2.6). Feed it the
 * bytes of each read; it calls the listener once per complete event, in order. Lines end with LF,
 * CRLF or a lone CR (a CR at the end of one read and an LF at the start of the next are one line
 * end). Lines starting with {@code :} are comments; {@code id} and {@code retry} are ignored;
 * several {@code data} lines are joined with LF. One event may be at most {@code maxEventBytes},
 * so a provider cannot make Sluice buffer without end.
 */
public final class SseParser
{
    /** Receives each complete event; {@code event} is null when the event had no {@code event:} line. */
    public interface Listener
    {
        void onEvent(String event, String data);
    }

    /** An event larger than allowed. */
    public static final class TooLarge extends RuntimeException
    {
        TooLarge(int max)
        {
            super("server-sent event larger than " + max + " bytes", null, false, false);
        }
    }

    private static final byte[] DATA = "data".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] EVENT = "event".getBytes(StandardCharsets.US_ASCII);

    private final Listener listener;
    private final int maxEventBytes;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);
    private final StringBuilder data = new StringBuilder(256);
    private String event;
    private boolean hasData;
    private boolean lastWasCr;
    private int eventBytes;

    public SseParser(Listener listener, int maxEventBytes)
    {
        this.listener = listener;
        this.maxEventBytes = maxEventBytes;
    }

    public void feed(ByteBuffer buffer)
    {
        if (buffer.hasArray())
        {
            int start = buffer.arrayOffset() + buffer.position();
            feed(buffer.array(), start, buffer.remaining());
            buffer.position(buffer.limit());
            return;
        }
        byte[] copy = new byte[buffer.remaining()];
        buffer.get(copy);
        feed(copy, 0, copy.length);
    }

    public void feed(byte[] bytes, int offset, int length)
    {
        int end = offset + length;
        int lineStart = offset;
        for (int i = offset; i < end; i++)
        {
            byte b = bytes[i];
            if (b == '\n' || b == '\r')
            {
                if (b == '\n' && lastWasCr && i == lineStart && line.size() == 0)
                {
                    // The LF of a CRLF whose CR ended the previous line.
                    lastWasCr = false;
                    lineStart = i + 1;
                    continue;
                }
                lastWasCr = b == '\r';
                if (line.size() == 0)
                {
                    // The whole line is in this read (the usual case): no copy.
                    line(bytes, lineStart, i - lineStart);
                }
                else
                {
                    line.write(bytes, lineStart, i - lineStart);
                    byte[] joined = line.toByteArray();
                    line.reset();
                    line(joined, 0, joined.length);
                }
                lineStart = i + 1;
            }
            else if (lastWasCr && i == lineStart)
            {
                lastWasCr = false;
            }
        }
        if (lineStart < end)
        {
            line.write(bytes, lineStart, end - lineStart);
            lastWasCr = false;
        }
        if (line.size() + eventBytes > maxEventBytes)
        {
            throw new TooLarge(maxEventBytes);
        }
    }

    private static boolean named(byte[] bytes, int offset, int length, byte[] name)
    {
        if (length != name.length)
        {
            return false;
        }
        for (int i = 0; i < length; i++)
        {
            if (bytes[offset + i] != name[i])
            {
                return false;
            }
        }
        return true;
    }

    private void line(byte[] bytes, int offset, int length)
    {
        if (length == 0)
        {
            dispatch();
            return;
        }
        eventBytes += length;
        if (eventBytes > maxEventBytes)
        {
            throw new TooLarge(maxEventBytes);
        }
        if (bytes[offset] == ':')
        {
            return;
        }
        int colon = -1;
        for (int i = offset; i < offset + length; i++)
        {
            if (bytes[i] == ':')
            {
                colon = i - offset;
                break;
            }
        }
        int nameLength = colon < 0 ? length : colon;
        int valueStart = colon < 0 ? length : colon + 1;
        if (valueStart < length && bytes[offset + valueStart] == ' ')
        {
            valueStart++;
        }
        if (named(bytes, offset, nameLength, DATA))
        {
            if (hasData)
            {
                data.append('\n');
            }
            data.append(new String(bytes, offset + valueStart, length - valueStart, StandardCharsets.UTF_8));
            hasData = true;
        }
        else if (named(bytes, offset, nameLength, EVENT))
        {
            event = new String(bytes, offset + valueStart, length - valueStart, StandardCharsets.UTF_8);
        }
        // id, retry and unknown fields carry nothing Sluice uses.
    }

    private void dispatch()
    {
        if (hasData)
        {
            String name = event;
            String text = data.toString();
            data.setLength(0);
            hasData = false;
            event = null;
            eventBytes = 0;
            listener.onEvent(name, text);
            return;
        }
        event = null;
        eventBytes = 0;
    }
}
