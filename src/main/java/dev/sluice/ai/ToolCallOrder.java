// A chat stream's tool-call deltas, in whatever order a provider sends them, as one call at a time for a form that streams calls in turn.
package dev.sluice.ai;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * Anthropic's stream (a block's start, deltas, stop) and the Responses API's (an item added, deltas, done) carry one tool
 * call at a time; the chat form names each delta's call by its {@code index}, and providers do not all finish one call
 * before the next: OpenAI does, vLLM, Qwen's servers and others interleave several calls' arguments, and Ollama sends
 * several calls all at index 0, told apart by their ids. So one call streams as it comes (the live one); a call that
 * begins meanwhile is held, its parts kept, and takes the live one's place, its parts so far at once, when the live
 * call's arguments are a whole JSON value (nothing valid can follow), as they are before OpenAI's next call begins.
 * What is still held goes whole, in order, when the calls end: something other than a call comes, or the stream ends
 * ({@link #flush}). A call opens only with its name (some servers send the id first). No delta is ever given to a call already closed: a part for a call
 * closed because its arguments were whole could only make them invalid JSON, and is left out.
 */
final class ToolCallOrder
{
    /** What a translation does with a call: open it, give it part of its arguments, close it. */
    interface Sink
    {
        /** @param extra what the provider attached to the call ({@code extra_content}), or null */
        void open(String id, String name, JsonNode extra);

        void arguments(String part);

        void close();
    }

    private static final class Call
    {
        final String id;
        JsonNode extra;
        final StringBuilder name = new StringBuilder();
        final StringBuilder arguments = new StringBuilder();

        Call(String id)
        {
            this.id = id;
        }
    }

    /** The call each chat index names now (the latest at that index, when a provider reuses one for several calls). */
    private final Map<Integer, Call> byIndex = new HashMap<>();
    private final List<Call> held = new ArrayList<>();
    private Call live;
    /** Calls begun so far, and the index the latest part named. */
    private int calls;
    private int lastIndex = Integer.MIN_VALUE;

    /** One entry of a chunk's {@code delta.tool_calls}. */
    void delta(JsonNode delta, Sink sink)
    {
        String id = delta.path("id").isTextual() && !delta.path("id").asText().isEmpty() ? delta.path("id").asText() : null;
        int index;
        if (delta.path("index").isIntegralNumber())
        {
            index = delta.path("index").asInt();
        }
        else
        {
            // No index (Gemini's OpenAI form sends each call whole without one): a part without an id, or with the
            // latest call's, continues that call; another id begins a call, under a key no provider's index has.
            Call last = byIndex.get(lastIndex);
            index = last != null && (id == null || id.equals(last.id)) ? lastIndex : Integer.MIN_VALUE + calls;
        }
        lastIndex = index;
        JsonNode function = delta.path("function");
        String name = function.path("name").isTextual() ? function.path("name").asText() : "";
        String arguments = AnswerForms.arguments(function);
        Call call = byIndex.get(index);
        if (call == null || id != null && call.id != null && !id.equals(call.id))
        {
            call = new Call(id != null ? id : "call_" + calls);
            calls++;
            byIndex.put(index, call);
            held.add(call);
        }
        if (call.extra == null && delta.path("extra_content").isObject())
        {
            call.extra = delta.get("extra_content");
        }
        // The live call's block was opened with its name; a held call's name goes whole.
        call.name.append(name);
        call.arguments.append(arguments);
        if (call == live && !arguments.isEmpty())
        {
            sink.arguments(arguments);
        }
        promote(sink);
    }

    /**
     * Opens the first held call in the live one's place once the live call's arguments are whole (or there is none) and
     * the held call's name has come whole: its arguments have begun, or a later call has (providers send a call's name
     * before its arguments, but not all in one piece).
     */
    private void promote(Sink sink)
    {
        while (!held.isEmpty() && (live == null || whole(live.arguments)))
        {
            Call next = held.get(0);
            if (next.name.isEmpty() || next.arguments.isEmpty() && held.size() == 1)
            {
                return;
            }
            if (live != null)
            {
                sink.close();
            }
            held.remove(0);
            live = next;
            sink.open(next.id, next.name.toString(), next.extra);
            if (!next.arguments.isEmpty())
            {
                sink.arguments(next.arguments.toString());
            }
        }
    }

    /** The calls end: the live one is closed and the held ones go whole, in the order they began. */
    void flush(Sink sink)
    {
        if (live != null)
        {
            sink.close();
            live = null;
        }
        for (Call call : held)
        {
            sink.open(call.id, call.name.toString(), call.extra);
            if (!call.arguments.isEmpty())
            {
                sink.arguments(call.arguments.toString());
            }
            sink.close();
        }
        held.clear();
        byIndex.clear();
    }

    /** Whether a call is under way (live or held). */
    boolean open()
    {
        return live != null || !held.isEmpty();
    }

    /** Whether arguments are one whole JSON object (or array), which nothing valid can follow. */
    static boolean whole(CharSequence arguments)
    {
        int last = arguments.length() - 1;
        while (last >= 0 && Character.isWhitespace(arguments.charAt(last)))
        {
            last--;
        }
        if (last < 0 || arguments.charAt(last) != '}' && arguments.charAt(last) != ']')
        {
            // Arguments are an object: only a closing brace can end them, so most parts are settled without parsing.
            return false;
        }
        try (JsonParser parser = AnthropicTranslation.JSON.createParser(arguments.toString()))
        {
            if (parser.nextToken() == null)
            {
                return false;
            }
            parser.skipChildren();
            return parser.nextToken() == null;
        }
        catch (java.io.IOException notYet)
        {
            return false;
        }
    }
}
