// Answers of the AI front in another API's form on their way out: JSON answers and errors translated when flushed, streams event by event.
package dev.sluice.ai;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;

/**
 * Translates what the front writes, which is always OpenAI's chat form, into the form of the API
 * the client called (Anthropic's Messages API, OpenAI's Responses API). JSON (an answer or an
 * error) is held until the front flushes or finishes and then written translated, with its own
 * length; an event stream is translated frame by frame as it is written.
 */
final class InboundResponse extends HttpServletResponseWrapper
{
    /** One API's translation of the front's answers. */
    interface Dialect
    {
        /** The body to write for a JSON answer or error of this status; null to write it as it is. */
        JsonNode json(int status, JsonNode parsed);

        /** A translator for one answer's event stream. */
        Events events();
    }

    /**
     * Translates one stream's frames ({@code data: …} without the blank line) as they come: each
     * chunk of the front's chat stream, then its {@code [DONE]}; nothing after the end.
     */
    abstract static class Events
    {
        private boolean ended;

        final void translate(String frame, ByteArrayOutputStream out) throws IOException
        {
            if (!frame.startsWith("data: ") || ended)
            {
                return;
            }
            String data = frame.substring(6);
            if (data.equals("[DONE]"))
            {
                ended = true;
                done(out);
                return;
            }
            ended = chunk(AnthropicTranslation.JSON.readTree(data), out);
        }

        /** Translates one chunk; returns whether it ended the stream (an error chunk does). */
        abstract boolean chunk(JsonNode chunk, ByteArrayOutputStream out) throws IOException;

        /** The stream's end. */
        abstract void done(ByteArrayOutputStream out);

        static void emit(ByteArrayOutputStream out, String name, ObjectNode event)
        {
            out.writeBytes(("event: " + name + "\ndata: " + event + "\n\n").getBytes(StandardCharsets.UTF_8));
        }
    }

    private final HttpServletResponse wrapped;
    private final Dialect dialect;

    /** Whether the client called OpenAI's Responses API, whose reasoning items carry what the model needs back. */
    boolean responsesApi()
    {
        return dialect instanceof ResponsesAnswers;
    }
    /** Whether what the front writes from now on is already in the client's form (a relayed answer, {@link ResponsesRelay}). */
    private boolean verbatim;
    /** The tools the translation left out ({@code X-Sluice-AI-Dropped-Tools}), said when a translated answer goes out; a relayed one left none out. */
    private String dropped;
    private final ByteArrayOutputStream held = new ByteArrayOutputStream(1024);
    private final ByteArrayOutputStream frames = new ByteArrayOutputStream(512);
    private final Events state;
    private boolean finished;
    private final ServletOutputStream stream = new FrontStream()
    {
        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException
        {
            if (verbatim)
            {
                wrapped.getOutputStream().write(bytes, offset, length);
            }
            else if (streaming())
            {
                release();
                frames.write(bytes, offset, length);
                translateFrames();
            }
            else
            {
                held.write(bytes, offset, length);
            }
        }

        @Override
        public void flush() throws IOException
        {
            if (verbatim || streaming())
            {
                wrapped.getOutputStream().flush();
            }
        }
    };

    InboundResponse(HttpServletResponse response, Dialect dialect)
    {
        super(response);
        this.wrapped = response;
        this.dialect = dialect;
        this.state = dialect.events();
    }

    /**
     * What the front writes from now on is the provider's answer in the client's own form, relayed
     * ({@link ResponsesRelay}): written as it comes, with its own length.
     */
    void verbatim()
    {
        verbatim = true;
        dropped = null;
    }

    @Override
    public void setHeader(String name, String value)
    {
        if (AiFront.DROPPED_TOOLS_HEADER.equalsIgnoreCase(name) && !verbatim)
        {
            dropped = value;
            return;
        }
        super.setHeader(name, value);
    }

    @Override
    public String getHeader(String name)
    {
        return AiFront.DROPPED_TOOLS_HEADER.equalsIgnoreCase(name) && dropped != null ? dropped : super.getHeader(name);
    }

    /** Says which tools the translation left out, before a translated answer's first byte. */
    private void release()
    {
        if (dropped != null)
        {
            wrapped.setHeader(AiFront.DROPPED_TOOLS_HEADER, dropped);
            dropped = null;
        }
    }

    private boolean streaming()
    {
        String type = wrapped.getContentType();
        return type != null && type.startsWith("text/event-stream");
    }

    Dialect dialect()
    {
        return dialect;
    }

    @Override
    public ServletOutputStream getOutputStream()
    {
        return stream;
    }

    @Override
    public void setContentLength(int length)
    {
        // The translated body has its own length, set when it is written.
        if (verbatim)
        {
            wrapped.setContentLength(length);
        }
    }

    @Override
    public void setContentLengthLong(long length)
    {
        // As above.
        if (verbatim)
        {
            wrapped.setContentLengthLong(length);
        }
    }

    @Override
    public boolean isCommitted()
    {
        return finished || wrapped.isCommitted();
    }

    @Override
    public void resetBuffer()
    {
        held.reset();
        wrapped.resetBuffer();
    }

    @Override
    public void flushBuffer() throws IOException
    {
        if (verbatim || streaming())
        {
            wrapped.flushBuffer();
        }
        else
        {
            finish();
        }
    }

    /** Writes the held JSON, translated; nothing when the answer was a stream or is written already. */
    void finish() throws IOException
    {
        if (finished || streaming() || verbatim)
        {
            return;
        }
        finished = true;
        release();
        byte[] body = held.toByteArray();
        byte[] out = body;
        if (body.length > 0)
        {
            JsonNode parsed;
            try
            {
                parsed = AnthropicTranslation.JSON.readTree(body);
            }
            catch (IOException x)
            {
                parsed = null;
            }
            JsonNode translated = parsed == null ? null : dialect.json(wrapped.getStatus(), parsed);
            if (translated != null)
            {
                out = AnthropicTranslation.JSON.writeValueAsBytes(translated);
            }
        }
        wrapped.setContentLength(out.length);
        wrapped.getOutputStream().write(out);
        wrapped.flushBuffer();
    }

    private void translateFrames() throws IOException
    {
        byte[] all = frames.toByteArray();
        int start = 0;
        ByteArrayOutputStream out = new ByteArrayOutputStream(all.length * 2);
        for (int i = 0; i + 1 < all.length; i++)
        {
            if (all[i] == '\n' && all[i + 1] == '\n')
            {
                String frame = new String(all, start, i - start, StandardCharsets.UTF_8);
                state.translate(frame, out);
                start = i + 2;
                i++;
            }
        }
        frames.reset();
        frames.write(all, start, all.length - start);
        if (out.size() > 0)
        {
            out.writeTo(wrapped.getOutputStream());
        }
    }
}
