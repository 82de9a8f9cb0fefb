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
 * several calls all at index 0, told apart by their ids. So the first call streams as it comes (the live one). A new call
 * takes its place once the live call's arguments are a whole JSON value (nothing valid can follow), as with OpenAI;
 * otherwise it is held, with every later one, and goes whole, in order, when the calls end: something other than a
 * call comes, or the stream ends ({@link #flush}). No delta is ever given to a call already closed: a part for a call
 * closed because its arguments were whole could only make them invalid JSON, and is left out.
 */
final class ToolCallOrder
{
    /** What a translation does with a call: open it, give it part of its arguments, close it. */
    interface Sink
    {
        void open(String id, String name);

        void arguments(String part);

        void close();
    }

    private static final class Call
    {
        final String id;
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
            call.name.append(name);
            call.arguments.append(arguments);
            if (held.isEmpty() && (live == null || whole(live.arguments)))
            {
                if (live != null)
                {
                    sink.close();
                }
                live = call;
                sink.open(call.id, call.name.toString());
                if (!arguments.isEmpty())
                {
                    sink.arguments(arguments);
                }
            }
            else
            {
                held.add(call);
            }
            return;
        }
        // A held call's name goes whole; the live call's block was opened with what had come of it.
        call.name.append(name);
        call.arguments.append(arguments);
        if (call == live && !arguments.isEmpty())
        {
            sink.arguments(arguments);
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
            sink.open(call.id, call.name.toString());
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

    /** Whether arguments are one whole JSON value, which nothing valid can follow. */
    static boolean whole(CharSequence arguments)
    {
        if (arguments.isEmpty())
        {
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
