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
            public void open(String id, String name)
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
        assertEquals(List.of("open a f", "|", "args {\"x\":", "|", "args 1}", "|", "close", "open b g", "args {}", "|", "close"),
            play("{'index':0,'id':'a','function':{'name':'f','arguments':''}}",
                "{'index':0,'function':{'arguments':'{\\'x\\':'}}", "{'index':0,'function':{'arguments':'1}'}}",
                "{'index':1,'id':'b','function':{'name':'g','arguments':'{}'}}"));
    }

    @Test
    void aCallBegunBeforeTheLiveOneEndsIsHeldAndGoesWhole() throws Exception
    {
        assertEquals(List.of("open a f", "|", "|", "args {\"x\":", "|", "|", "args 1}", "|", "|", "|", "close", "open b g", "args {\"y\":2}", "close",
                "open c h", "args {}", "close"),
            play("{'index':0,'id':'a','function':{'name':'f','arguments':''}}", "{'index':1,'id':'b','function':{'name':'g','arguments':''}}",
                "{'index':0,'function':{'arguments':'{\\'x\\':'}}", "{'index':1,'function':{'arguments':'{\\'y\\':'}}",
                "{'index':0,'function':{'arguments':'1}'}}", "{'index':1,'function':{'arguments':'2}'}}",
                // Ollama's way: index 0 again, another id.
                "{'index':0,'id':'c','function':{'name':'h','arguments':'{}'}}"));
    }

    @Test
    void callsWithoutAnIndexAreToldApartByTheirIds() throws Exception
    {
        // Gemini's OpenAI form: each call whole, no index; a part without id or index continues the latest.
        assertEquals(List.of("open a f", "args {\"x\":1}", "|", "close", "open b g", "args {\"y\":", "|", "args 2}", "|", "close"),
            play("{'id':'a','function':{'name':'f','arguments':'{\\'x\\':1}'}}", "{'id':'b','function':{'name':'g','arguments':'{\\'y\\':'}}",
                "{'function':{'arguments':'2}'}}"));
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
