// The Anthropic Messages API's answers on their way out: JSON answers and errors translated when flushed, streams event by event.
package dev.sluice.ai;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;

/**
 * Translates what the front writes. JSON (an answer or an error) is held until the front
 * flushes or finishes and then written translated, with its own length; an event stream is
 * translated frame by frame as it is written.
 */
final class AnthropicInboundResponse extends HttpServletResponseWrapper
{
    private final HttpServletResponse wrapped;
    private final ByteArrayOutputStream held = new ByteArrayOutputStream(1024);
    private final ByteArrayOutputStream frames = new ByteArrayOutputStream(512);
    private final StreamState state = new StreamState();
    private boolean finished;
    private final ServletOutputStream stream = new ServletOutputStream()
    {
        @Override
        public boolean isReady()
        {
            return true;
        }

        @Override
        public void setWriteListener(WriteListener listener)
        {
            throw new IllegalStateException("blocking writes only");
        }

        @Override
        public void write(int b) throws IOException
        {
            write(new byte[] {(byte)b}, 0, 1);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException
        {
            if (streaming())
            {
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
            if (streaming())
            {
                wrapped.getOutputStream().flush();
            }
        }
    };

    AnthropicInboundResponse(HttpServletResponse response)
    {
        super(response);
        this.wrapped = response;
    }

    private boolean streaming()
    {
        String type = wrapped.getContentType();
        return type != null && type.startsWith("text/event-stream");
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
    }

    @Override
    public void setContentLengthLong(long length)
    {
        // As above.
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
        if (streaming())
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
        if (finished || streaming())
        {
            return;
        }
        finished = true;
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
            if (parsed != null && parsed.path("error").isObject())
            {
                out = AnthropicTranslation.JSON.writeValueAsBytes(AnthropicInbound.error(wrapped.getStatus(), parsed.path("error").path("message").asText("")));
            }
            else if (parsed != null && "chat.completion".equals(parsed.path("object").asText()))
            {
                out = AnthropicTranslation.JSON.writeValueAsBytes(AnthropicInbound.message(parsed));
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

    /** Where a translated stream is: the blocks opened so far, the stop reason and usage once known. */
    static final class StreamState
    {
        private boolean started;
        private boolean stopped;
        private int block = -1;
        private String blockType;
        private String stopReason;
        private JsonNode usage;

        void translate(String frame, ByteArrayOutputStream out) throws IOException
        {
            if (!frame.startsWith("data: ") || stopped)
            {
                return;
            }
            String data = frame.substring(6);
            if (data.equals("[DONE]"))
            {
                stop(out);
                return;
            }
            JsonNode chunk = AnthropicTranslation.JSON.readTree(data);
            if (chunk.path("error").isObject())
            {
                JsonNode error = chunk.path("error");
                ObjectNode event = AnthropicTranslation.JSON.createObjectNode();
                event.put("type", "error");
                event.putObject("error").put("type", "overloaded_error".equals(error.path("type").asText()) ? "overloaded_error" : "api_error")
                    .put("message", error.path("message").asText(""));
                emit(out, "error", event);
                stopped = true;
                return;
            }
            if (!started)
            {
                started = true;
                ObjectNode event = AnthropicTranslation.JSON.createObjectNode();
                event.put("type", "message_start");
                ObjectNode message = event.putObject("message");
                String id = chunk.path("id").asText("");
                message.put("id", id.startsWith("msg_") ? id : "msg_" + id);
                message.put("type", "message");
                message.put("role", "assistant");
                message.put("model", chunk.path("model").asText(""));
                message.putArray("content");
                message.putNull("stop_reason");
                message.putNull("stop_sequence");
                message.putObject("usage").put("input_tokens", 0).put("output_tokens", 0);
                emit(out, "message_start", event);
            }
            if (chunk.path("usage").isObject())
            {
                usage = chunk.get("usage");
            }
            JsonNode choice = chunk.path("choices").path(0);
            JsonNode delta = choice.path("delta");
            if (delta.path("content").isTextual() && !delta.path("content").asText().isEmpty())
            {
                open(out, "text", null);
                ObjectNode event = AnthropicTranslation.JSON.createObjectNode();
                event.put("type", "content_block_delta");
                event.put("index", block);
                event.putObject("delta").put("type", "text_delta").put("text", delta.path("content").asText());
                emit(out, "content_block_delta", event);
            }
            for (JsonNode call : delta.path("tool_calls"))
            {
                if (call.path("id").isTextual())
                {
                    open(out, "tool_use", call);
                }
                String arguments = call.path("function").path("arguments").asText("");
                if (!arguments.isEmpty() && "tool_use".equals(blockType))
                {
                    ObjectNode event = AnthropicTranslation.JSON.createObjectNode();
                    event.put("type", "content_block_delta");
                    event.put("index", block);
                    event.putObject("delta").put("type", "input_json_delta").put("partial_json", arguments);
                    emit(out, "content_block_delta", event);
                }
            }
            if (choice.path("finish_reason").isTextual())
            {
                stopReason = AnthropicInbound.stopReason(choice.path("finish_reason").asText());
            }
        }

        private void open(ByteArrayOutputStream out, String type, JsonNode call)
        {
            if (type.equals(blockType) && call == null)
            {
                return;
            }
            close(out);
            block++;
            blockType = type;
            ObjectNode event = AnthropicTranslation.JSON.createObjectNode();
            event.put("type", "content_block_start");
            event.put("index", block);
            ObjectNode content = event.putObject("content_block");
            content.put("type", type);
            if (call == null)
            {
                content.put("text", "");
            }
            else
            {
                content.put("id", call.path("id").asText());
                content.put("name", call.path("function").path("name").asText());
                content.putObject("input");
            }
            emit(out, "content_block_start", event);
        }

        private void close(ByteArrayOutputStream out)
        {
            if (blockType != null)
            {
                ObjectNode event = AnthropicTranslation.JSON.createObjectNode();
                event.put("type", "content_block_stop");
                event.put("index", block);
                emit(out, "content_block_stop", event);
                blockType = null;
            }
        }

        private void stop(ByteArrayOutputStream out)
        {
            close(out);
            ObjectNode event = AnthropicTranslation.JSON.createObjectNode();
            event.put("type", "message_delta");
            event.putObject("delta").put("stop_reason", stopReason == null ? "end_turn" : stopReason).putNull("stop_sequence");
            event.set("usage", AnthropicInbound.usage(usage == null ? AnthropicTranslation.JSON.createObjectNode() : usage));
            emit(out, "message_delta", event);
            emit(out, "message_stop", AnthropicTranslation.JSON.createObjectNode().put("type", "message_stop"));
            stopped = true;
        }

        private static void emit(ByteArrayOutputStream out, String name, ObjectNode event)
        {
            out.writeBytes(("event: " + name + "\ndata: " + event + "\n\n").getBytes(StandardCharsets.UTF_8));
        }
    }
}
