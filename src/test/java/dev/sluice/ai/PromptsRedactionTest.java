// Redaction against the blocks kept whole for Claude: the words it replaces never reach Claude inside them.
package dev.sluice.ai;

import java.util.List;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PromptsRedactionTest
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Governance.PromptGuard GUARD = new Governance.PromptGuard(List.of(), List.of(),
        List.of(new Governance.Rule("email", dev.sluice.config.ConfiguredRegex.compile("[\\w.]+@[\\w.]+", false))), true, 100, 0, 100_000);

    /** A tool's search results kept whole (anthropic_content) go as the redacted text when redaction changes the tool message. */
    @Test
    void aToolResultKeptWholeGoesAsItsRedactedText() throws Exception
    {
        ObjectNode body = (ObjectNode)JSON.readTree("""
            {"messages": [{"role": "tool", "tool_call_id": "t", "content": "KB\\nmail jane@example.com",
              "anthropic_content": [{"type": "search_result", "source": "kb", "title": "KB", "content": [{"type": "text", "text": "mail jane@example.com"}]}]},
             {"role": "tool", "tool_call_id": "u", "content": "nothing here",
              "anthropic_content": [{"type": "search_result", "source": "kb", "title": "KB", "content": [{"type": "text", "text": "nothing here"}]}]}]}""");
        Prompts.Checked checked = Prompts.guard(body, GUARD);
        assertEquals(1, checked.redactions());
        assertFalse(body.toString().contains("jane@example.com"), body.toString());
        assertTrue(body.path("messages").path(1).has(AnthropicTools.RAW_CONTENT), "kept where nothing was redacted");
    }
}
