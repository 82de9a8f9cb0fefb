// A custom tool's input read out of whatever arguments a model wrote for it, and the function it is offered as.
package dev.sluice.ai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CustomToolsTest
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PATCH = "*** Begin Patch\n*** Add File: \"a b\".txt\n+{\"json\": \"inside\"}\n*** End Patch\n";

    @Test
    void theInputIsTheTextTheModelMeantWhateverShapeItCameIn()
    {
        assertEquals(PATCH, CustomTools.input(CustomTools.arguments(PATCH)), "the round trip keeps quotes, braces and newlines");
        assertEquals(PATCH, CustomTools.input(JSON.createObjectNode().put("patch", PATCH).toString()), "the one text field, by another name");
        assertEquals(PATCH, CustomTools.input(JSON.getNodeFactory().textNode(PATCH).toString()), "a JSON string");
        assertEquals(PATCH, CustomTools.input(PATCH), "the text bare, as the tool's description asks");
        String two = "{\"path\": \"a.txt\", \"content\": \"hi\"}";
        assertEquals(two, CustomTools.input(two), "arguments that are not one text stay as they came");
        assertEquals("", CustomTools.input(""));
        assertEquals("{\"input\": \"*** Begin", CustomTools.input("{\"input\": \"*** Begin"), "cut-short arguments stay as they came");
    }

    @Test
    void theToolIsOfferedAsAFunctionOfOneStringWithItsGrammar() throws Exception
    {
        JsonNode tool = JSON.readTree("""
            {"type": "custom", "name": "apply_patch", "description": "Edit files.",
             "format": {"type": "grammar", "syntax": "lark", "definition": "start: begin_patch hunk+ end_patch"}}""");
        JsonNode function = CustomTools.function(tool);
        assertEquals("function", function.path("type").asText());
        assertEquals("apply_patch", function.path("function").path("name").asText());
        assertTrue(function.path("function").path("description").asText().startsWith("Edit files.\n\n"));
        JsonNode parameters = function.path("function").path("parameters");
        assertEquals("[\"input\"]", parameters.path("required").toString());
        assertFalse(parameters.path("additionalProperties").asBoolean(true));
        assertTrue(parameters.path("properties").path("input").path("description").asText().endsWith("lark grammar:\nstart: begin_patch hunk+ end_patch"));

        JsonNode plain = CustomTools.function(JSON.readTree("{\"type\": \"custom\", \"name\": \"note\", \"format\": {\"type\": \"text\"}}"));
        assertFalse(plain.path("function").path("parameters").path("properties").path("input").path("description").asText().contains("grammar"));
        String huge = "x".repeat(20_000);
        JsonNode cut = CustomTools.function(JSON.createObjectNode().put("name", "big").set("format",
            JSON.createObjectNode().put("type", "grammar").put("syntax", "regex").put("definition", huge)));
        assertTrue(cut.path("function").path("parameters").path("properties").path("input").path("description").asText().length() < 8_300,
            "a client's grammar is not sent to the provider without bound");
    }
}
