// Counts tokens with a real tokenizer (jtokkit's o200k_base) when a provider gives no usage.
package dev.sluice.ai;

import com.fasterxml.jackson.databind.JsonNode;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;

/**
 * OpenAI's current models tokenize with o200k_base; other providers' tokenizers differ by some
 * per cent, which is why a count from here is marked estimated. The encoding's tables load on
 * first use, not at start.
 */
public final class TokenCounter
{
    /** Per message, the tokens of its role and separators (OpenAI's published rule of thumb). */
    private static final int PER_MESSAGE = 3;
    /** The tokens that prime the reply. */
    private static final int PER_REPLY = 3;

    private static final class Holder
    {
        static final Encoding ENCODING = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.O200K_BASE);
    }

    private TokenCounter()
    {
    }

    /** Text longer than this is counted from its first this many characters, scaled: tokenizing takes time in proportion. */
    static final int SAMPLE = 256 * 1024;

    public static long count(String text)
    {
        if (text == null || text.isEmpty())
        {
            return 0;
        }
        if (text.length() <= SAMPLE)
        {
            return Holder.ENCODING.countTokens(text);
        }
        // A long answer cut short without usage (a client that left a long stream) cost seconds of a request thread's CPU.
        int end = Character.isHighSurrogate(text.charAt(SAMPLE - 1)) ? SAMPLE - 1 : SAMPLE;
        return Math.round((double)Holder.ENCODING.countTokens(text.substring(0, end)) * text.length() / end);
    }

    /** The prompt of a chat request: every message's text, tool call arguments and tool definitions. */
    public static long prompt(JsonNode request)
    {
        long tokens = PER_REPLY;
        for (JsonNode message : request.path("messages"))
        {
            tokens += PER_MESSAGE;
            JsonNode content = message.path("content");
            if (content.isTextual())
            {
                tokens += count(content.asText());
            }
            else
            {
                for (JsonNode part : content)
                {
                    tokens += count(part.path("text").asText(""));
                }
            }
            for (JsonNode call : message.path("tool_calls"))
            {
                tokens += count(call.path("function").path("name").asText("")) + count(call.path("function").path("arguments").asText(""));
            }
        }
        JsonNode tools = request.path("tools");
        if (!tools.isMissingNode() && !tools.isNull())
        {
            tokens += count(tools.toString());
        }
        return tokens;
    }

    /** The input of an embeddings request: a string or an array of strings (token arrays count one each). */
    public static long embeddingInput(JsonNode request)
    {
        JsonNode input = request.path("input");
        if (input.isTextual())
        {
            return count(input.asText());
        }
        long tokens = 0;
        for (JsonNode item : input)
        {
            tokens += item.isTextual() ? count(item.asText()) : item.isArray() ? item.size() : 1;
        }
        return tokens;
    }
}
