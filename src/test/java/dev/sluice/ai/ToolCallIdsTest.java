// ToolCallIds: a call's extra_content rides in its id and comes back whole; ids of any other shape are taken as they are.
package dev.sluice.ai;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ToolCallIdsTest
{
    @Test
    void extraContentRidesInTheIdAndComesBack() throws Exception
    {
        JsonNode extra = AnthropicTranslation.JSON.readTree("{\"google\":{\"thought_signature\":\"CiQB+/x==\"}}");
        String outward = ToolCallIds.outward("call_1", extra);
        assertTrue(outward.matches("sxc_[A-Za-z0-9_-]+"), "only characters any client keeps in an id, and Anthropic allows: " + outward);
        assertEquals("call_1", ToolCallIds.id(outward));
        assertEquals(extra, ToolCallIds.extra(outward));
    }

    @Test
    void aCallWithoutExtraContentKeepsItsIdAndOtherIdsAreTakenAsTheyAre() throws Exception
    {
        assertEquals("call_1", ToolCallIds.outward("call_1", null));
        assertEquals("call_1", ToolCallIds.outward("call_1", AnthropicTranslation.JSON.readTree("{}")));
        for (String id : new String[] {"toolu_01A", "sxc_", "sxc_not*base64", "sxc_" + java.util.Base64.getUrlEncoder().encodeToString("[1]".getBytes()),
            "sxc_" + java.util.Base64.getUrlEncoder().encodeToString("{\"id\":5,\"extra_content\":{}}".getBytes())})
        {
            assertEquals(id, ToolCallIds.id(id));
            assertNull(ToolCallIds.extra(id));
        }
    }
}
