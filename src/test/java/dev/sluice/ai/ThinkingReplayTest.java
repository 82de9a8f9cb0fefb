// Claude's kept thinking goes back only to the consumer it answered, before exactly the calls it led to.
package dev.sluice.ai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class ThinkingReplayTest
{
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String text) throws Exception
    {
        return JSON.readTree(text.replace('\'', '"'));
    }

    private static JsonNode answer() throws Exception
    {
        return json("[{'type':'thinking','thinking':'Check both.','signature':'sig-1'},{'type':'text','text':'Checking.'},"
            + "{'type':'tool_use','id':'toolu_a','name':'weather','input':{'city':'Paris','units':'c'}},"
            + "{'type':'redacted_thinking','data':'opaque'},{'type':'tool_use','id':'toolu_b','name':'time','input':{}}]");
    }

    /** An Anthropic request's messages with the assistant turn as a chat client sends it back: text and calls, no thinking. */
    private static JsonNode turns(String paris) throws Exception
    {
        return json("[{'role':'user','content':[{'type':'text','text':'Weather and time?'}]},"
            + "{'role':'assistant','content':[{'type':'text','text':'Checking.'},"
            + "{'type':'tool_use','id':'toolu_a','name':'weather','input':{'units':'c','city':'" + paris + "'}},"
            + "{'type':'tool_use','id':'toolu_b','name':'time','input':{}}]},"
            + "{'role':'user','content':[{'type':'tool_result','tool_use_id':'toolu_a','content':'Sunny'}]}]");
    }

    @Test
    void theConsumerItAnsweredGetsItBackFirstInItsTurnWithItsArgumentsInAnyOrder() throws Exception
    {
        ThinkingReplay replay = new ThinkingReplay();
        replay.keep("alice", answer());
        JsonNode messages = turns("Paris");
        replay.restore("alice", messages);
        assertEquals(json("[{'type':'thinking','thinking':'Check both.','signature':'sig-1'},{'type':'redacted_thinking','data':'opaque'}]"),
            JSON.createArrayNode().add(messages.path(1).path("content").get(0)).add(messages.path(1).path("content").get(1)));
        assertEquals(5, messages.path(1).path("content").size());

        JsonNode bobs = turns("Paris");
        replay.restore("bob", bobs);
        assertEquals(turns("Paris"), bobs, "another consumer's request is left as it is, whatever ids it sends");
        JsonNode changed = turns("Lyon");
        replay.restore("alice", changed);
        assertEquals(turns("Lyon"), changed, "calls other than those the thinking led to get none");
    }

    @Test
    void aStreamsThinkingIsKeptOnlyWhenSignedAndFollowedByWholeCalls()
    {
        ThinkingReplay.Recorder recorder = new ThinkingReplay.Recorder();
        recorder.toolUse(0, "toolu_0", "early");
        recorder.thinking("Check ");
        recorder.thinking("both.");
        recorder.signature("sig-1");
        recorder.toolUse(2, "toolu_a", "weather");
        recorder.toolInput(2, "{\"city\":");
        recorder.toolInput(2, "\"Paris\"}");
        assertEquals("[{\"type\":\"thinking\",\"thinking\":\"Check both.\",\"signature\":\"sig-1\"},"
            + "{\"type\":\"tool_use\",\"id\":\"toolu_a\",\"name\":\"weather\",\"input\":{\"city\":\"Paris\"}}]", recorder.content().toString());

        ThinkingReplay.Recorder unsigned = new ThinkingReplay.Recorder();
        unsigned.thinking("Hmm.");
        unsigned.toolUse(1, "toolu_a", "weather");
        assertNull(unsigned.content());
        ThinkingReplay.Recorder cut = new ThinkingReplay.Recorder();
        cut.redacted("opaque");
        cut.toolUse(1, "toolu_a", "weather");
        cut.toolInput(1, "{\"city\":");
        assertNull(cut.content(), "a call whose input never ended");
    }
}
