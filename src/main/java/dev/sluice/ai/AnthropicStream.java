// Anthropic's streamed Messages events as OpenAI chat.completion.chunk events, translated as they arrive.
package dev.sluice.ai;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * {@code message_start} → the role chunk; {@code content_block_start} of a tool use → a tool-call
 * chunk with its id and name; {@code content_block_delta} → a content or tool-argument chunk, or
 * for thinking a {@code reasoning_content} chunk and the block's signature as a
 * {@code thinking_blocks} chunk (a redacted block whole, at its start); a server tool's call or
 * result → an {@code anthropic_blocks} chunk with the block whole at its end, each text block after
 * one → an {@code anthropic_blocks} chunk with an empty text block (where it starts) and its
 * {@code citations_delta}s → {@code citations} chunks, and when a cited text block ends, the web
 * pages it cites as an {@code annotations} chunk (OpenAI's {@code url_citation}s, placed in the
 * answer's text);
 * {@code message_delta} → the chunk with {@code finish_reason}; {@code message_stop} → the usage
 * chunk (when the client asked for it) and {@code [DONE]}; {@code ping} → nothing; {@code error}
 * → a failure the front handles. Deltas, nearly every event of a stream, are read with Jackson's
 * streaming parser and written from a prefix built once per stream; the rest go through the tree model.
 */
public final class AnthropicStream extends ChatStream
{
    private static final JsonFactory FACTORY = AnthropicTranslation.JSON.getFactory();
    private static final JsonStringEncoder ENCODER = JsonStringEncoder.getInstance();
    private static final byte[] DELTA_CONTENT = "{\"content\":\"".getBytes();
    private static final byte[] END_CHUNK = "\"},\"logprobs\":null,\"finish_reason\":null}]}\n\n".getBytes();
    private static final byte[] ARGUMENTS = "\",\"function\":{\"arguments\":\"".getBytes();
    private static final byte[] END_ARGUMENTS = "\"}}]},\"logprobs\":null,\"finish_reason\":null}]}\n\n".getBytes();

    private final long created;
    /** {@code data: {"id":...,"choices":[{"index":0,"delta":} — everything before a chunk's delta. */
    private byte[] prefix;
    private String id = "chatcmpl-sluice";
    private long inputTokens;
    private long cacheRead;
    private long cacheCreated;
    private long outputTokens;
    private boolean sawUsage;
    /** Claude's count of its server tools' use ({@code usage.server_tool_use}), for an Anthropic client and for pricing. */
    private JsonNode serverToolUse;
    /** Anthropic's content block index → OpenAI's tool call index. */
    private final Map<Integer, Integer> toolIndex = new HashMap<>();
    /** A server tool's block being read (its call's input comes in deltas), by content block index, and its input so far. */
    private final Map<Integer, ObjectNode> rawBlocks = new HashMap<>();
    private final Map<Integer, StringBuilder> rawInput = new HashMap<>();
    /** Whether a server tool's block has come: each text block after it is a block of its own (its citations are its own). */
    private boolean rich;
    /** The text sent so far, in chars: where a cited text block starts and ends in the chat form's one text. */
    private int textLength;
    /** The open text block's citations, and where in the text it started; as OpenAI's annotations when it ends. */
    private final List<JsonNode> citations = new ArrayList<>();
    private int citedFrom;
    /** Whether the open text block has sent text yet, and whether an earlier one did. */
    private boolean blockText;
    private boolean earlierText;

    /** The answer's signed thinking and the tool calls after it, for a client that will not send them back; null when not wanted. */
    private ThinkingReplay.Recorder thinking;

    // Fields of the delta being read.
    private String type;
    private int index;
    private String deltaType;
    private String deltaText;

    public AnthropicStream(boolean clientWantsUsage, boolean keepText, long created)
    {
        super(clientWantsUsage, keepText);
        this.created = created;
    }

    /** Records the answer's signed thinking and tool calls, for {@link ThinkingReplay}. */
    void recordThinking()
    {
        thinking = new ThinkingReplay.Recorder();
    }

    /** The blocks {@link #recordThinking} recorded, once the answer has ended; null when there is nothing to keep. */
    JsonNode thinking()
    {
        return thinking == null || !finished ? null : thinking.content();
    }

    @Override
    public void onEvent(String event, String data)
    {
        if (finished || error != null)
        {
            return;
        }
        if ("content_block_delta".equals(event) || (event == null && data.startsWith("{\"type\":\"content_block_delta\"")))
        {
            if (delta(data))
            {
                return;
            }
        }
        JsonNode node = json(data);
        if (node == null)
        {
            return;
        }
        String kind = event != null ? event : node.path("type").asText();
        switch (kind)
        {
            case "message_start" -> start(node.path("message"));
            case "content_block_start" -> blockStart(node);
            case "content_block_delta" -> deltaNode(node);
            case "content_block_stop" -> blockStop(node.path("index").asInt(0));
            case "message_delta" -> messageDelta(node);
            case "message_stop" -> stop();
            case "error" -> fail(node.path("error").path("type").asText("api_error"), node.path("error").path("message").asText("The provider failed."));
            default ->
            {
                // ping and event types added later carry nothing to translate.
            }
        }
    }

    private void fail(String type, String message)
    {
        errorType = type;
        error = message;
    }

    private void start(JsonNode message)
    {
        id = "chatcmpl-" + message.path("id").asText("sluice");
        model = message.path("model").asText(null);
        JsonNode usage = message.path("usage");
        inputTokens = Usage.tokens(usage.path("input_tokens"));
        cacheRead = Usage.tokens(usage.path("cache_read_input_tokens"));
        cacheCreated = Usage.tokens(usage.path("cache_creation_input_tokens"));
        outputTokens = Usage.tokens(usage.path("output_tokens"));
        sawUsage = usage.isObject();
        StringBuilder head = new StringBuilder(160);
        head.append("data: {\"id\":");
        head.append(quote(id)).append(",\"object\":\"chat.completion.chunk\",\"created\":").append(created).append(",\"model\":")
            .append(quote(model == null ? "" : model)).append(",\"system_fingerprint\":null,\"choices\":[{\"index\":0,\"delta\":");
        prefix = head.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        out.write(prefix);
        out.ascii("{\"role\":\"assistant\",\"content\":\"\"},\"logprobs\":null,\"finish_reason\":null}]}\n\n");
    }

    private static String quote(String text)
    {
        return "\"" + new String(ENCODER.quoteAsString(text)) + "\"";
    }

    private void ensureStarted()
    {
        if (prefix == null)
        {
            start(AnthropicTranslation.JSON.createObjectNode());
        }
    }

    /** The fast path for {@code content_block_delta}; false when the event needs the tree model. */
    private boolean delta(String data)
    {
        type = null;
        deltaType = null;
        deltaText = null;
        index = 0;
        try (JsonParser parser = FACTORY.createParser(data))
        {
            if (parser.nextToken() != JsonToken.START_OBJECT)
            {
                return false;
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME)
            {
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                switch (name)
                {
                    case "type" -> type = parser.getText();
                    case "index" -> index = parser.getIntValue();
                    case "delta" ->
                    {
                        if (value != JsonToken.START_OBJECT)
                        {
                            return false;
                        }
                        while (parser.nextToken() == JsonToken.FIELD_NAME)
                        {
                            String field = parser.currentName();
                            parser.nextToken();
                            switch (field)
                            {
                                case "type" -> deltaType = parser.getText();
                                case "text", "partial_json", "thinking", "signature" -> deltaText = parser.getText();
                                default -> parser.skipChildren();
                            }
                        }
                    }
                    default -> parser.skipChildren();
                }
            }
        }
        catch (IOException x)
        {
            return false;
        }
        if (!"content_block_delta".equals(type) || deltaType == null || "citations_delta".equals(deltaType))
        {
            return false;
        }
        emitDelta(index, deltaType, deltaText);
        return true;
    }

    private void deltaNode(JsonNode node)
    {
        JsonNode delta = node.path("delta");
        String kind = delta.path("type").asText();
        if ("citations_delta".equals(kind) && delta.path("citation").isObject())
        {
            // Which search result (or document) the text being written cites: an Anthropic client's text block gets it.
            ensureStarted();
            if (!rich && !blockText && earlierText)
            {
                // Citations of a document or search result the client gave: this text block and those after it are blocks of
                // their own, so the citations stay on the text they belong to.
                rich = true;
                rawChunk("{\"type\":\"text\",\"text\":\"\"}");
            }
            if (citations.isEmpty())
            {
                citedFrom = textLength;
            }
            citations.add(delta.get("citation"));
            out.write(prefix);
            out.ascii("{\"citations\":[");
            out.utf8(delta.get("citation").toString());
            out.ascii("]},\"logprobs\":null,\"finish_reason\":null}]}\n\n");
            return;
        }
        String field = switch (kind)
        {
            case "text_delta" -> "text";
            case "thinking_delta" -> "thinking";
            case "signature_delta" -> "signature";
            default -> "partial_json";
        };
        emitDelta(node.path("index").asInt(0), kind, delta.path(field).asText(null));
    }

    private void emitDelta(int block, String kind, String value)
    {
        ensureStarted();
        if ("text_delta".equals(kind) && value != null)
        {
            if (value.isEmpty())
            {
                return;
            }
            contentStarted = true;
            textLength += value.length();
            blockText = true;
            earlierText = true;
            if (text != null)
            {
                text.append(value);
            }
            out.write(prefix);
            out.write(DELTA_CONTENT);
            out.write(ENCODER.quoteAsUTF8(value));
            out.write(END_CHUNK);
        }
        else if ("input_json_delta".equals(kind) && value != null)
        {
            Integer tool = toolIndex.get(block);
            if (tool == null && rawInput.containsKey(block))
            {
                rawInput.get(block).append(value);
                return;
            }
            if (tool == null || value.isEmpty())
            {
                return;
            }
            if (thinking != null)
            {
                thinking.toolInput(block, value);
            }
            out.write(prefix);
            out.ascii("{\"tool_calls\":[{\"index\":" + tool);
            out.write(ARGUMENTS, 1, ARGUMENTS.length - 1);
            out.write(ENCODER.quoteAsUTF8(value));
            out.write(END_ARGUMENTS);
        }
        else if ("thinking_delta".equals(kind) && value != null && !value.isEmpty())
        {
            // The model is answering: reasoning is the start of its answer (and may run longer than the first-token timeout).
            contentStarted = true;
            if (thinking != null)
            {
                thinking.thinking(value);
            }
            out.write(prefix);
            out.ascii("{\"reasoning_content\":\"");
            out.write(ENCODER.quoteAsUTF8(value));
            out.write(END_CHUNK);
        }
        else if ("signature_delta".equals(kind) && value != null && !value.isEmpty())
        {
            if (thinking != null)
            {
                thinking.signature(value);
            }
            thinkingBlock("{\"type\":\"thinking\",\"thinking\":\"\",\"signature\":" + quote(value) + "}");
        }
    }

    /** A {@code thinking_blocks} chunk: the signature a thinking block ended with, or a redacted block. */
    private void thinkingBlock(String block)
    {
        contentStarted = true;
        out.write(prefix);
        out.ascii("{\"thinking_blocks\":[");
        out.utf8(block);
        out.ascii("]},\"logprobs\":null,\"finish_reason\":null}]}\n\n");
    }

    private void blockStart(JsonNode node)
    {
        ensureStarted();
        JsonNode block = node.path("content_block");
        String kind = block.path("type").asText();
        if ("tool_use".equals(kind))
        {
            int tool = toolIndex.size();
            toolIndex.put(node.path("index").asInt(0), tool);
            if (thinking != null)
            {
                thinking.toolUse(node.path("index").asInt(0), block.path("id").asText(""), block.path("name").asText(""));
            }
            contentStarted = true;
            out.write(prefix);
            out.ascii("{\"tool_calls\":[{\"index\":" + tool + ",\"id\":");
            out.utf8(quote(block.path("id").asText("")));
            out.ascii(",\"type\":\"function\",\"function\":{\"name\":");
            out.utf8(quote(block.path("name").asText("")));
            out.ascii(",\"arguments\":\"\"}}]},\"logprobs\":null,\"finish_reason\":null}]}\n\n");
        }
        else if ("text".equals(kind))
        {
            blockText = false;
            if (rich)
            {
                // A text block of its own among a server tool's blocks, to take its citations.
                rawChunk("{\"type\":\"text\",\"text\":\"\"}");
            }
            if (!block.path("text").asText("").isEmpty())
            {
                emitDelta(node.path("index").asInt(0), "text_delta", block.path("text").asText());
            }
        }
        else if (AnthropicTools.rawOnly(block) && block.isObject())
        {
            // A server tool's call or result: carried whole, once its input (a call's) has come in deltas.
            rich = true;
            contentStarted = true;
            rawBlocks.put(node.path("index").asInt(0), ((ObjectNode)block).deepCopy());
            rawInput.put(node.path("index").asInt(0), new StringBuilder());
        }
        else if ("thinking".equals(kind) && !block.path("thinking").asText("").isEmpty())
        {
            emitDelta(node.path("index").asInt(0), "thinking_delta", block.path("thinking").asText());
        }
        else if ("redacted_thinking".equals(kind))
        {
            if (thinking != null)
            {
                thinking.redacted(block.path("data").asText(""));
            }
            thinkingBlock("{\"type\":\"redacted_thinking\",\"data\":" + quote(block.path("data").asText("")) + "}");
        }
    }

    /** The end of a block: a server tool's block goes out whole, as an {@code anthropic_blocks} chunk. */
    private void blockStop(int index)
    {
        if (!citations.isEmpty())
        {
            // The cited text block ended: the pages it cites, as OpenAI's search models give them (url_citation annotations).
            ArrayNode annotations = AnthropicTranslation.JSON.createArrayNode();
            citations.forEach(citation -> AnthropicTools.urlCitation(citation, citedFrom, textLength, annotations));
            citations.clear();
            if (!annotations.isEmpty())
            {
                out.write(prefix);
                out.ascii("{\"annotations\":");
                out.utf8(annotations.toString());
                out.ascii("},\"logprobs\":null,\"finish_reason\":null}]}\n\n");
            }
        }
        ObjectNode block = rawBlocks.remove(index);
        StringBuilder input = rawInput.remove(index);
        if (block == null)
        {
            return;
        }
        if (input.length() > 0)
        {
            try
            {
                block.set("input", AnthropicTranslation.JSON.readTree(input.toString()));
            }
            catch (IOException x)
            {
                fail("api_error", "The provider sent a server tool call whose input is not JSON.");
                return;
            }
        }
        rawChunk(block.toString());
    }

    /** An {@code anthropic_blocks} chunk: one of Claude's blocks the chat form has no place for, as Claude gave it. */
    private void rawChunk(String block)
    {
        ensureStarted();
        out.write(prefix);
        out.ascii("{\"" + AnthropicTools.RAW_BLOCKS + "\":[");
        out.utf8(block);
        out.ascii("]},\"logprobs\":null,\"finish_reason\":null}]}\n\n");
    }

    private void messageDelta(JsonNode node)
    {
        ensureStarted();
        JsonNode usage = node.path("usage");
        if (usage.has("output_tokens"))
        {
            outputTokens = Usage.tokens(usage.path("output_tokens"), outputTokens);
            sawUsage = true;
        }
        if (usage.has("input_tokens"))
        {
            inputTokens = Usage.tokens(usage.path("input_tokens"), inputTokens);
        }
        if (usage.has("cache_read_input_tokens"))
        {
            cacheRead = Usage.tokens(usage.path("cache_read_input_tokens"), cacheRead);
        }
        if (usage.has("cache_creation_input_tokens"))
        {
            cacheCreated = Usage.tokens(usage.path("cache_creation_input_tokens"), cacheCreated);
        }
        if (usage.path("server_tool_use").isObject())
        {
            serverToolUse = usage.get("server_tool_use");
        }
        String stopReason = node.path("delta").path("stop_reason").asText(null);
        if (stopReason != null)
        {
            finishReason = ClaudeAnswers.finishReason(stopReason);
            out.write(prefix);
            out.ascii("{},\"logprobs\":null,\"finish_reason\":\"" + finishReason + "\"");
            JsonNode sequence = node.path("delta").path("stop_sequence");
            if (sequence.isTextual())
            {
                // Which stop sequence ended it, as ClaudeAnswers.stopSequence keeps it.
                out.ascii(",\"stop_sequence\":");
                out.utf8(quote(sequence.asText()));
            }
            String kept = ClaudeAnswers.keptStopReason(stopReason);
            if (kept != null)
            {
                out.ascii(",\"stop_reason\":\"" + kept + "\"");
            }
            out.ascii("}]");
            JsonNode container = node.path("delta").path("container");
            if (container.isObject())
            {
                // The code execution tool's container, as ClaudeAnswers.chatCompletion keeps it.
                out.ascii(",\"container\":");
                out.utf8(container.toString());
            }
            out.ascii("}\n\n");
        }
        this.usage = currentUsage();
    }

    private Usage currentUsage()
    {
        return sawUsage ? new Usage(inputTokens + cacheRead + cacheCreated, outputTokens, cacheRead, 0, false, cacheCreated,
            serverToolUse == null ? 0 : AnthropicTools.webSearches(serverToolUse)) : null;
    }

    private void stop()
    {
        ensureStarted();
        usage = currentUsage();
        if (clientWantsUsage && usage != null)
        {
            out.write(prefix, 0, prefix.length - ",\"system_fingerprint\":null,\"choices\":[{\"index\":0,\"delta\":".length());
            out.ascii(",\"system_fingerprint\":null,\"choices\":[],\"usage\":");
            ObjectNode node = ClaudeAnswers.usageNode(usage);
            if (serverToolUse != null)
            {
                AnthropicTools.serverToolUse(serverToolUse, node);
            }
            out.utf8(node.toString());
            out.ascii("}\n\n");
        }
        out.write(DONE);
        finished = true;
    }

    /** The usage so far, for a stream cut short: what message_start and the last message_delta said. */
    public Usage partialUsage()
    {
        return currentUsage();
    }
}
