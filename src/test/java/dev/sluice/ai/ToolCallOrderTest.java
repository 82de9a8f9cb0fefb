// ToolCallOrder: calls OpenAI streams one after another stay live; interleaved or index-reusing calls never lose a part.
package dev.sluice.ai;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ToolCallOrderTest
{
    /** What a translation was told, in order, with each delta fed in between ("|"). */
    private static List<String> play(String... deltas) throws Exception
    {
        List<String> told = new ArrayList<>();
        ToolCallOrder order = new ToolCallOrder();
        ToolCallOrder.Sink sink = new ToolCallOrder.Sink()
        {
            @Override
            public void open(String id, String name, com.fasterxml.jackson.databind.JsonNode extra)
            {
                told.add("open " + id + " " + name);
            }

            @Override
            public void arguments(String part)
            {
                told.add("args " + part);
            }

            @Override
            public void close()
            {
                told.add("close");
            }
        };
        for (String delta : deltas)
        {
            JsonNode node = AnthropicTranslation.JSON.readTree(delta.replace('\'', '"'));
            order.delta(node, sink);
            told.add("|");
        }
        order.flush(sink);
        return told;
    }

    @Test
    void callsOneAfterAnotherStreamAsTheyCome() throws Exception
    {
        // A call opens when its arguments begin (its name has come whole by then).
        assertEquals(List.of("|", "open a f", "args {\"x\":", "|", "args 1}", "|", "close", "open b g", "args {}", "|", "close"),
            play("{'index':0,'id':'a','function':{'name':'f','arguments':''}}",
                "{'index':0,'function':{'arguments':'{\\'x\\':'}}", "{'index':0,'function':{'arguments':'1}'}}",
                "{'index':1,'id':'b','function':{'name':'g','arguments':'{}'}}"));
    }

    @Test
    void aCallBegunBeforeTheLiveOneEndsIsHeldUntilTheLiveOnesArgumentsAreWhole() throws Exception
    {
        assertEquals(List.of("|", "open a f", "|", "args {\"x\":", "|", "|", "args 1}", "close", "open b g", "args {\"y\":", "|", "args 2}", "|",
                "close", "open c h", "args {}", "|", "close"),
            play("{'index':0,'id':'a','function':{'name':'f','arguments':''}}", "{'index':1,'id':'b','function':{'name':'g','arguments':''}}",
                "{'index':0,'function':{'arguments':'{\\'x\\':'}}", "{'index':1,'function':{'arguments':'{\\'y\\':'}}",
                "{'index':0,'function':{'arguments':'1}'}}", "{'index':1,'function':{'arguments':'2}'}}",
                // Ollama's way: index 0 again, another id.
                "{'index':0,'id':'c','function':{'name':'h','arguments':'{}'}}"));
    }

    @Test
    void aCallOpensOnlyWithItsWholeName() throws Exception
    {
        // The id first, then the name in two pieces, then the arguments.
        assertEquals(List.of("|", "|", "|", "open a get_weather", "args {}", "|", "close"),
            play("{'index':0,'id':'a','type':'function'}", "{'index':0,'function':{'name':'get_'}}", "{'index':0,'function':{'name':'weather'}}",
                "{'index':0,'function':{'arguments':'{}'}}"));
    }

    @Test
    void callsWithoutAnIndexAreToldApartByTheirIds() throws Exception
    {
        // Gemini's OpenAI form: each call whole, no index; a part without id or index continues the latest.
        assertEquals(List.of("open a f", "args {\"x\":1}", "|", "close", "open b g", "args {\"y\":", "|", "args 2}", "|", "close"),
            play("{'id':'a','function':{'name':'f','arguments':'{\\'x\\':1}'}}", "{'id':'b','function':{'name':'g','arguments':'{\\'y\\':'}}",
                "{'function':{'arguments':'2}'}}"));
    }

    /**
     * Calls streamed the ways providers do: interleaved by index, the id repeated or not (vLLM, Qwen's servers); each
     * whole at index 0 with its own id (Ollama); without an index, one after another (Gemini). Whatever the order, a
     * translation is never given arguments outside an open call or asked to open one inside another, and each call
     * arrives with all its arguments.
     */
    @Test
    void callsInAnyOrderKeepTheSinksProtocolAndArriveWhole() throws Exception
    {
        java.util.Random random = new java.util.Random(20261207);
        for (int round = 0; round < 3000; round++)
        {
            int style = round % 3;
            int count = 1 + random.nextInt(3);
            java.util.Map<String, String> expected = new java.util.LinkedHashMap<>();
            List<List<String>> pieces = new ArrayList<>();
            for (int call = 0; call < count; call++)
            {
                String arguments = "{\"k\":" + round + ",\"v\":\"" + "x}{".repeat(random.nextInt(3)) + call + "\"}";
                expected.put("id" + call, arguments);
                List<String> cut = new ArrayList<>();
                int at = 0;
                while (at < arguments.length())
                {
                    int next = style == 1 ? arguments.length() : Math.min(arguments.length(), at + 1 + random.nextInt(12));
                    cut.add(arguments.substring(at, next));
                    at = next;
                }
                pieces.add(cut);
            }
            List<String> deltas = new ArrayList<>();
            int[] sent = new int[count];
            int begun = 0;
            while (deltas.size() < pieces.stream().mapToInt(List::size).sum())
            {
                // Interleaved: any begun call or the next; otherwise the calls one after another.
                int call = style == 0 ? random.nextInt(Math.min(count, begun + 1)) : begun > 0 && sent[begun - 1] < pieces.get(begun - 1).size() ? begun - 1 : begun;
                if (sent[call] == pieces.get(call).size())
                {
                    continue;
                }
                begun = Math.max(begun, call + 1);
                boolean first = sent[call] == 0;
                String index = style == 0 ? "\"index\":" + call + "," : style == 1 ? "\"index\":0," : "";
                String id = first || style == 0 && random.nextBoolean() ? "\"id\":\"id" + call + "\"," : "";
                deltas.add("{" + index + id + "\"function\":{" + (first ? "\"name\":\"f\"," : "") + "\"arguments\":"
                    + AnthropicTranslation.JSON.writeValueAsString(pieces.get(call).get(sent[call]++)) + "}}");
            }
            java.util.Map<String, StringBuilder> given = new java.util.LinkedHashMap<>();
            String[] open = {null};
            ToolCallOrder.Sink sink = new ToolCallOrder.Sink()
            {
                @Override
                public void open(String id, String name, com.fasterxml.jackson.databind.JsonNode extra)
                {
                    assertEquals(null, open[0], "opened inside another: " + deltas);
                    assertEquals(null, given.put(id, new StringBuilder()), "opened twice: " + deltas);
                    open[0] = id;
                }

                @Override
                public void arguments(String part)
                {
                    assertTrue(open[0] != null, "arguments outside a call: " + deltas);
                    given.get(open[0]).append(part);
                }

                @Override
                public void close()
                {
                    assertTrue(open[0] != null, "closed none: " + deltas);
                    open[0] = null;
                }
            };
            ToolCallOrder order = new ToolCallOrder();
            for (String delta : deltas)
            {
                order.delta(AnthropicTranslation.JSON.readTree(delta), sink);
            }
            order.flush(sink);
            assertEquals(null, open[0], "left open");
            java.util.Map<String, String> arrived = new java.util.LinkedHashMap<>();
            given.forEach((id, arguments) -> arrived.put(id, arguments.toString()));
            assertEquals(expected, arrived, deltas.toString());
        }
    }

    /** A part for a call closed because its arguments were whole could only make them invalid JSON: it is left out. */
    @Test
    void aPartAfterAClosedCallsWholeArgumentsIsLeftOut() throws Exception
    {
        assertEquals(List.of("open a f", "args {}", "|", "close", "open b g", "args {}", "|", "|", "close"),
            play("{'index':0,'id':'a','function':{'name':'f','arguments':'{}'}}", "{'index':1,'id':'b','function':{'name':'g','arguments':'{}'}}",
                "{'index':0,'function':{'arguments':'}'}}"));
    }

    @Test
    void wholeArgumentsAreOneCompleteJsonValue()
    {
        assertTrue(ToolCallOrder.whole("{}"));
        assertTrue(ToolCallOrder.whole(" {\"a\": [1, {\"b\": \"}\"}]} "));
        assertFalse(ToolCallOrder.whole(""));
        assertFalse(ToolCallOrder.whole("{\"a\": 1"));
        assertFalse(ToolCallOrder.whole("{\"a\": \"}"));
        assertFalse(ToolCallOrder.whole("{} {"));
    }
}
