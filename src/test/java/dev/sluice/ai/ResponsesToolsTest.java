// Namespaced functions under names providers take, and the way back to their namespace and name.
package dev.sluice.ai;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ResponsesToolsTest
{
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void namespacedNamesFitWhatProvidersTakeAndLeadBack()
    {
        ResponsesTools tools = new ResponsesTools();
        assertEquals("mcp__demo__lookup", tools.chatName("mcp__demo", "lookup"));
        assertEquals("plain", tools.chatName(null, "plain"));
        String namespace = "mcp__a_server_with_a_rather_long_name_for_its_tools";
        String one = tools.chatName(namespace, "search_every_issue_in_the_tracker");
        String two = tools.chatName(namespace, "search_every_issue_in_the_tracker_again");
        assertTrue(one.length() <= 64 && two.length() <= 64, one + " " + two);
        assertNotEquals(one, two, "names cut to fit stay apart");
        assertArrayEquals(new String[] {namespace, "search_every_issue_in_the_tracker"}, tools.namespaced(one));
        assertEquals(one, tools.chatName(namespace, "search_every_issue_in_the_tracker"), "the same function, the same name");
        assertNull(tools.namespaced("plain"));
    }

    @Test
    void onlyASearchTheClientRunsCrossesAndItsCallsComeBackAsSearchCalls() throws Exception
    {
        ResponsesTools tools = new ResponsesTools();
        List<String> dropped = new ArrayList<>();
        ObjectNode out = JSON.createObjectNode();
        tools.offer(JSON.readTree("""
            {"tools": [{"type": "tool_search", "execution": "server"}, {"type": "function", "name": "f", "parameters": {"type": "object"}}]}"""),
            out, dropped);
        assertEquals(List.of("tool_search"), dropped, "a search OpenAI runs has no one to run it here");
        assertEquals(1, out.path("tools").size());
        assertEquals("function_call", tools.item("x", "call_1", "tool_search", "{}", "completed").path("type").asText());

        ResponsesTools client = new ResponsesTools();
        client.offer(JSON.readTree("{\"tools\": [{\"type\": \"tool_search\", \"execution\": \"client\"}]}"), JSON.createObjectNode(), dropped);
        JsonNode call = client.item("x", "call_1", "tool_search", "{\"query\": \"github\"}", "completed");
        assertEquals("tool_search_call", call.path("type").asText());
        assertEquals("github", call.path("arguments").path("query").asText());
        assertEquals("{}", client.item("x", "call_2", "tool_search", "{\"query\": \"git", "incomplete").path("arguments").toString(),
            "arguments cut short are an empty object, never text");
    }
}
