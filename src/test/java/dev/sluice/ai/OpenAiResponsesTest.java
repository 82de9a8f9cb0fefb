// The chat form to OpenAI's Responses API and back: the fields a live test does not reach.
package dev.sluice.ai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OpenAiResponsesTest
{
    private static final ObjectMapper JSON = new ObjectMapper();

    private static ObjectNode chat(String json) throws Exception
    {
        return (ObjectNode)JSON.readTree(json.replace('\'', '"'));
    }

    @Test
    void documentsImagesStructuredOutputAndAChosenToolTakeTheResponsesApisForm() throws Exception
    {
        ObjectNode request = OpenAiResponses.request(chat("""
            {'model': 'gpt-5.3-codex', 'n': 1, 'verbosity': 'low', 'messages': [
              {'role': 'developer', 'content': 'Be exact.'},
              {'role': 'user', 'content': [{'type': 'file', 'file': {'filename': 'spec.pdf', 'file_data': 'data:application/pdf;base64,JVBE'}},
                                          {'type': 'image_url', 'image_url': {'url': 'data:image/png;base64,iVBO', 'detail': 'low'}},
                                          {'type': 'text', 'text': 'Summarise.'}]},
              {'role': 'assistant', 'content': '', 'tool_calls': [{'id': 'call_1', 'type': 'function', 'function': {'name': 'read', 'arguments': '{}'}}]},
              {'role': 'tool', 'tool_call_id': 'call_1', 'content': [{'type': 'text', 'text': 'one '}, {'type': 'text', 'text': 'two'}]}],
             'tools': [{'type': 'function', 'function': {'name': 'read', 'description': 'Reads', 'strict': true, 'parameters': {'type': 'object'}}}],
             'tool_choice': {'type': 'function', 'function': {'name': 'read'}},
             'response_format': {'type': 'json_schema', 'json_schema': {'name': 'summary', 'strict': true, 'schema': {'type': 'object'}}}}"""), false, false);
        JsonNode input = request.path("input");
        assertEquals("developer", input.path(0).path("role").asText());
        assertEquals("{\"type\":\"input_file\",\"filename\":\"spec.pdf\",\"file_data\":\"data:application/pdf;base64,JVBE\"}",
            input.path(1).path("content").path(0).toString());
        assertEquals("{\"type\":\"input_image\",\"image_url\":\"data:image/png;base64,iVBO\",\"detail\":\"low\"}", input.path(1).path("content").path(1).toString());
        assertEquals("function_call", input.path(2).path("type").asText(), "an empty assistant text is no message: " + input);
        assertEquals("one two", input.path(3).path("output").asText());
        assertEquals("{\"type\":\"function\",\"name\":\"read\"}", request.path("tool_choice").toString());
        assertTrue(request.path("tools").path(0).path("strict").asBoolean());
        assertEquals("{\"format\":{\"type\":\"json_schema\",\"name\":\"summary\",\"schema\":{\"type\":\"object\"},\"strict\":true},\"verbosity\":\"low\"}",
            request.path("text").toString());
        assertFalse(request.has("n") || request.has("include"), request.toString());
    }

    @Test
    void whatTheResponsesApiLacksIsRefusedNamingItOrDropped() throws Exception
    {
        String body = "{'model': 'gpt-5-pro', 'stop': 'END', 'messages': [{'role': 'user', 'content': 'Hi'}],"
            + " 'tools': [{'type': 'custom', 'custom': {'name': 'apply_patch'}}]}";
        Unsupported stop = assertThrows(Unsupported.class, () -> OpenAiResponses.request(chat(body), false, true));
        assertEquals("stop", stop.field());
        Unsupported tool = assertThrows(Unsupported.class, () -> OpenAiResponses.request(chat(body.replace("'stop': 'END', ", "")), false, true));
        assertEquals("tools[0].type", tool.field());
        ObjectNode dropped = OpenAiResponses.request(chat(body), true, true);
        assertFalse(dropped.has("stop") || dropped.has("tools"), dropped.toString());
        Unsupported audio = assertThrows(Unsupported.class, () -> OpenAiResponses.request(chat(
            "{'model': 'o3-pro', 'messages': [{'role': 'user', 'content': [{'type': 'input_audio', 'input_audio': {}}]}]}"), true, true));
        assertEquals("messages[0].content[0].type", audio.field(), "content it cannot carry is refused even when the alias drops fields");
        // Content that is neither text nor a list of parts is refused by name; it was a NullPointerException (a 500).
        for (String content : new String[] {"{'role': 'user', 'content': {'a': 1}}", "{'role': 'tool', 'tool_call_id': 'c', 'content': {'a': 1}}"})
        {
            Unsupported shape = assertThrows(Unsupported.class, () -> OpenAiResponses.request(chat(
                "{'model': 'o3', 'messages': [" + content + "]}"), true, true));
            assertEquals("messages[0].content", shape.field(), content);
        }
    }

    @Test
    void anAnswerComesBackInTheChatForm() throws Exception
    {
        ObjectNode refused = OpenAiResponses.chatCompletion(JSON.readTree("""
            {"id": "resp_9", "model": "gpt-5-pro", "status": "incomplete", "incomplete_details": {"reason": "content_filter"},
             "output": [{"type": "message", "content": [{"type": "refusal", "refusal": "No."}]}],
             "usage": {"input_tokens": 12, "output_tokens": 3, "output_tokens_details": {"reasoning_tokens": 1}}}"""), 7, null);
        JsonNode choice = refused.path("choices").path(0);
        assertEquals("content_filter", choice.path("finish_reason").asText());
        assertEquals("No.", choice.path("message").path("refusal").asText());
        assertTrue(choice.path("message").path("content").isNull(), refused.toString());
        assertEquals("chatcmpl-resp_9", refused.path("id").asText());
        assertEquals(15, refused.path("usage").path("total_tokens").asInt(), refused.toString());
        assertEquals(1, refused.path("usage").path("completion_tokens_details").path("reasoning_tokens").asInt());
    }
}
