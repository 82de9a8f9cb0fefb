// One provider's streamed chat answer, event by event, as OpenAI chunks for the client.
package dev.sluice.ai;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Receives a provider's server-sent events (from {@link SseParser}) and writes what the client gets
 * into {@link #out()}: OpenAI {@code chat.completion.chunk} events and the final {@code [DONE]}.
 * The AI front drains {@code out} after each read and flushes it at once. It also keeps what the
 * front needs to decide and record: whether content has started (after which there is no
 * falling back), whether the stream ended properly, the usage and the answering model.
 */
public abstract class ChatStream implements SseParser.Listener
{
    static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);

    protected final Bytes out = new Bytes(1024);
    protected final boolean clientWantsUsage;
    protected final StringBuilder text;
    protected boolean contentStarted;
    protected boolean finished;
    protected String error;
    protected String errorType;
    protected String model;
    protected String finishReason;
    protected Usage usage;

    /**
     * @param keepText whether to keep the answer's text (to count its tokens when the provider
     *        gives no usage, or to log it)
     */
    protected ChatStream(boolean clientWantsUsage, boolean keepText)
    {
        this.clientWantsUsage = clientWantsUsage;
        this.text = keepText ? new StringBuilder() : null;
    }

    public Bytes out()
    {
        return out;
    }

    /** Whether a content token (text, a tool call or reasoning) has been produced: from then on the answer is the client's. */
    public boolean contentStarted()
    {
        return contentStarted;
    }

    /**
     * The provider's response ended cleanly (its body complete, not cut). A stream whose format has no end of its own
     * beyond the body's may now be finished; by default it is not.
     */
    public void ended()
    {
    }

    /** Whether the provider ended the stream properly. */
    public boolean finished()
    {
        return finished;
    }

    /** The provider's error event's message, or null. */
    public String error()
    {
        return error;
    }

    public String errorType()
    {
        return errorType;
    }

    public String model()
    {
        return model;
    }

    public String finishReason()
    {
        return finishReason;
    }

    /** The provider's usage, or null when it gave none (so far). */
    public Usage usage()
    {
        return usage;
    }

    /** The answer's text so far, when kept. */
    public String text()
    {
        return text == null ? "" : text.toString();
    }

    /** A provider event's JSON while the stream goes on; null once it has ended or failed, or when the event is not JSON (which fails it). */
    protected final com.fasterxml.jackson.databind.JsonNode live(String data)
    {
        return finished || error != null ? null : json(data);
    }

    /** A provider event's JSON; null when it is not JSON, which fails the stream. */
    protected final com.fasterxml.jackson.databind.JsonNode json(String data)
    {
        try
        {
            return AnthropicTranslation.JSON.readTree(data);
        }
        catch (java.io.IOException x)
        {
            errorType = "api_error";
            error = "The provider sent an event that is not JSON.";
            return null;
        }
    }

    /** A growable byte array: what is written to the client next. */
    public static final class Bytes
    {
        private byte[] bytes;
        private int length;

        Bytes(int capacity)
        {
            bytes = new byte[capacity];
        }

        public void write(byte[] data)
        {
            write(data, 0, data.length);
        }

        public void write(byte[] data, int offset, int count)
        {
            ensure(count);
            System.arraycopy(data, offset, bytes, length, count);
            length += count;
        }

        public void write(Bytes other)
        {
            write(other.bytes, 0, other.length);
        }

        public void ascii(String text)
        {
            int count = text.length();
            ensure(count);
            for (int i = 0; i < count; i++)
            {
                bytes[length++] = (byte)text.charAt(i);
            }
        }

        public void utf8(String text)
        {
            write(text.getBytes(StandardCharsets.UTF_8));
        }

        private void ensure(int count)
        {
            if (length + count > bytes.length)
            {
                bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + count));
            }
        }

        public byte[] array()
        {
            return bytes;
        }

        public int length()
        {
            return length;
        }

        public void clear()
        {
            length = 0;
        }

        @Override
        public String toString()
        {
            return new String(bytes, 0, length, StandardCharsets.UTF_8);
        }
    }
}
