// Anthropic's stream events translated into OpenAI chunks, one by one.
package dev.sluice.ai;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AnthropicStreamTest
{
    private static final ObjectMapper JSON = new ObjectMapper();

    static final String[][] TEXT_STREAM = {
        {"message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"model\":\"claude-x\",\"usage\":{\"input_tokens\":25,\"cache_read_input_tokens\":5,\"output_tokens\":1}}}"},
        {"content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"},
        {"ping", "{\"type\":\"ping\"}"},
        {"content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hello\"}}"},
        {"content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\" \\\"world\\\"\\n\"}}"},
        {"content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}"},
        {"message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"max_tokens\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":12}}"},
        {"message_stop", "{\"type\":\"message_stop\"}"},
    };

    private static List<JsonNode> chunks(ChatStream stream) throws Exception
    {
        List<JsonNode> chunks = new ArrayList<>();
        for (String event : stream.out().toString().split("\n\n"))
        {
            assertTrue(event.startsWith("data: "), event);
            String data = event.substring(6);
            chunks.add(data.equals("[DONE]") ? null : JSON.readTree(data));
        }
        return chunks;
    }

    @Test
    void aTextStreamBecomesRoleContentFinishUsageAndDone() throws Exception
    {
        AnthropicStream stream = new AnthropicStream(true, true, 1700);
        for (String[] event : TEXT_STREAM)
        {
            stream.onEvent(event[0], event[1]);
        }
        List<JsonNode> chunks = chunks(stream);
        assertEquals(6, chunks.size(), stream.out().toString());
        JsonNode role = chunks.get(0);
        assertEquals("chatcmpl-msg_1", role.path("id").asText());
        assertEquals("chat.completion.chunk", role.path("object").asText());
        assertEquals(1700, role.path("created").asLong());
        assertEquals("claude-x", role.path("model").asText());
        assertEquals("assistant", role.path("choices").path(0).path("delta").path("role").asText());
        assertEquals("Hello", chunks.get(1).path("choices").path(0).path("delta").path("content").asText());
        assertEquals(" \"world\"\n", chunks.get(2).path("choices").path(0).path("delta").path("content").asText(), "escaped properly");
        assertTrue(chunks.get(2).path("choices").path(0).path("finish_reason").isNull());
        assertEquals("length", chunks.get(3).path("choices").path(0).path("finish_reason").asText());
        JsonNode usage = chunks.get(4).path("usage");
        assertEquals(0, chunks.get(4).path("choices").size());
        assertEquals(30, usage.path("prompt_tokens").asInt());
        assertEquals(12, usage.path("completion_tokens").asInt());
        assertEquals(5, usage.path("prompt_tokens_details").path("cached_tokens").asInt());
        assertNull(chunks.get(5), "[DONE]");
        assertTrue(stream.finished());
        assertEquals("Hello \"world\"\n", stream.text());
        assertEquals(new Usage(30, 12, 5, 0, false), stream.usage());
    }

    /**
     * A web search's blocks, which the chat form has no place for, come whole once each ends
     * (the call's input read from its deltas); each text block after them opens with an empty
     * text block of its own, and its citations come as chunks of their own.
     */
    @Test
    void aWebSearchsBlocksComeWholeAndCitationsByThemselves() throws Exception
    {
        AnthropicStream stream = new AnthropicStream(true, true, 1);
        String[][] events = {
            {"message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"model\":\"claude-x\",\"usage\":{\"input_tokens\":2,\"output_tokens\":1}}}"},
            {"content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"},
            {"content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Searching.\"}}"},
            {"content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}"},
            {"content_block_start", "{\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"server_tool_use\",\"id\":\"srvtoolu_1\",\"name\":\"web_search\",\"input\":{}}}"},
            {"content_block_delta", "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"query\\\":\"}}"},
            {"content_block_delta", "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"\\\"sluice\\\"}\"}}"},
            {"content_block_stop", "{\"type\":\"content_block_stop\",\"index\":1}"},
            {"content_block_start", "{\"type\":\"content_block_start\",\"index\":2,\"content_block\":{\"type\":\"web_search_tool_result\",\"tool_use_id\":\"srvtoolu_1\","
                + "\"content\":[{\"type\":\"web_search_result\",\"url\":\"https://s.example\",\"title\":\"S\",\"encrypted_content\":\"Enc==\"}]}}"},
            {"content_block_stop", "{\"type\":\"content_block_stop\",\"index\":2}"},
            {"content_block_start", "{\"type\":\"content_block_start\",\"index\":3,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"},
            {"content_block_delta", "{\"type\":\"content_block_delta\",\"index\":3,\"delta\":{\"type\":\"citations_delta\",\"citation\":{\"type\":\"web_search_result_location\","
                + "\"url\":\"https://s.example\",\"encrypted_index\":\"Idx==\",\"cited_text\":\"S is\"}}}"},
            {"content_block_delta", "{\"type\":\"content_block_delta\",\"index\":3,\"delta\":{\"type\":\"text_delta\",\"text\":\"S is a proxy\"}}"},
            {"content_block_stop", "{\"type\":\"content_block_stop\",\"index\":3}"},
            {"message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":9,\"server_tool_use\":{\"web_search_requests\":1}}}"},
            {"message_stop", "{\"type\":\"message_stop\"}"},
        };
        for (String[] event : events)
        {
            stream.onEvent(event[0], event[1]);
        }
        List<JsonNode> deltas = chunks(stream).stream().filter(chunk -> chunk != null && !chunk.path("choices").isEmpty())
            .map(chunk -> chunk.path("choices").path(0).path("delta")).toList();
        assertEquals("Searching.", deltas.get(1).path("content").asText(), deltas.toString());
        assertEquals(JSON.readTree("[{\"type\":\"server_tool_use\",\"id\":\"srvtoolu_1\",\"name\":\"web_search\",\"input\":{\"query\":\"sluice\"}}]"),
            deltas.get(2).path("anthropic_blocks"));
        assertEquals("Enc==", deltas.get(3).path("anthropic_blocks").path(0).path("content").path(0).path("encrypted_content").asText(), deltas.toString());
        assertEquals(JSON.readTree("[{\"type\":\"text\",\"text\":\"\"}]"), deltas.get(4).path("anthropic_blocks"));
        assertEquals("Idx==", deltas.get(5).path("citations").path(0).path("encrypted_index").asText(), deltas.toString());
        assertEquals("S is a proxy", deltas.get(6).path("content").asText());
        assertEquals("Searching.S is a proxy", stream.text());
        assertEquals(1, stream.usage().webSearches());
        JsonNode usage = chunks(stream).get(chunks(stream).size() - 2).path("usage");
        assertEquals(1, usage.path("server_tool_use").path("web_search_requests").asInt(), usage.toString());
    }

    /** Claude's thinking, as an OpenAI-form client gets it (LiteLLM's form): reasoning_content, then the signed block. */
    @Test
    void thinkingBecomesReasoningContentAndTheSignatureAThinkingBlock() throws Exception
    {
        AnthropicStream stream = new AnthropicStream(false, true, 1);
        String[][] events = {
            {"message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"model\":\"claude-x\",\"usage\":{\"input_tokens\":2,\"output_tokens\":1}}}"},
            {"content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\",\"signature\":\"\"}}"},
            {"content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"thinking_delta\",\"thinking\":\"Let me \\\"think\\\".\"}}"},
            {"content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"signature_delta\",\"signature\":\"EqQB==\"}}"},
            {"content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}"},
            {"content_block_start", "{\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"redacted_thinking\",\"data\":\"EmwKAhgB\"}}"},
            {"content_block_stop", "{\"type\":\"content_block_stop\",\"index\":1}"},
            {"content_block_start", "{\"type\":\"content_block_start\",\"index\":2,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"},
            {"content_block_delta", "{\"type\":\"content_block_delta\",\"index\":2,\"delta\":{\"type\":\"text_delta\",\"text\":\"Done.\"}}"},
            {"message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":9}}"},
            {"message_stop", "{\"type\":\"message_stop\"}"},
        };
        stream.onEvent(events[0][0], events[0][1]);
        stream.onEvent(events[1][0], events[1][1]);
        assertFalse(stream.contentStarted());
        for (int i = 2; i < events.length; i++)
        {
            stream.onEvent(events[i][0], events[i][1]);
            if (i == 2)
            {
                assertTrue(stream.contentStarted(), "thinking is the start of the answer");
            }
        }
        List<JsonNode> chunks = chunks(stream);
        assertEquals("Let me \"think\".", chunks.get(1).path("choices").path(0).path("delta").path("reasoning_content").asText(), stream.out().toString());
        assertEquals("{\"type\":\"thinking\",\"thinking\":\"\",\"signature\":\"EqQB==\"}", chunks.get(2).path("choices").path(0).path("delta").path("thinking_blocks").path(0).toString());
        assertEquals("{\"type\":\"redacted_thinking\",\"data\":\"EmwKAhgB\"}", chunks.get(3).path("choices").path(0).path("delta").path("thinking_blocks").path(0).toString());
        assertEquals("Done.", chunks.get(4).path("choices").path(0).path("delta").path("content").asText());
        assertEquals("Done.", stream.text(), "reasoning is not the answer's text");

        // The same chunks assembled (the AI cache stores a stream that way) give the blocks back whole.
        JsonNode message = AnswerForms.assemble(chunks.subList(0, chunks.size() - 1), stream.usage()).path("choices").path(0).path("message");
        assertEquals("Let me \"think\".", message.path("reasoning_content").asText(), message.toString());
        assertEquals("[{\"type\":\"thinking\",\"thinking\":\"Let me \\\"think\\\".\",\"signature\":\"EqQB==\"},{\"type\":\"redacted_thinking\",\"data\":\"EmwKAhgB\"}]",
            message.path("thinking_blocks").toString());
    }

    @Test
    void withoutTheClientAskingThereIsNoUsageChunkButTheUsageIsKnown() throws Exception
    {
        AnthropicStream stream = new AnthropicStream(false, false, 1);
        for (String[] event : TEXT_STREAM)
        {
            stream.onEvent(event[0], event[1]);
        }
        List<JsonNode> chunks = chunks(stream);
        assertEquals(5, chunks.size());
        assertFalse(stream.out().toString().contains("\"usage\""));
        assertEquals(12, stream.usage().completionTokens());
    }

    @Test
    void toolUseBecomesToolCallChunksWithArgumentDeltas() throws Exception
    {
        AnthropicStream stream = new AnthropicStream(false, true, 1);
        stream.onEvent("message_start", TEXT_STREAM[0][1]);
        assertFalse(stream.contentStarted(), "the role chunk is not content");
        stream.onEvent("content_block_start", "{\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_9\",\"name\":\"get_weather\",\"input\":{}}}");
        assertTrue(stream.contentStarted(), "a tool call is content");
        stream.onEvent("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"city\\\": \\\"Par\"}}");
        stream.onEvent("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"is\\\"}\"}}");
        stream.onEvent("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\"},\"usage\":{\"output_tokens\":9}}");
        stream.onEvent("message_stop", "{\"type\":\"message_stop\"}");
        List<JsonNode> chunks = chunks(stream);
        JsonNode start = chunks.get(1).path("choices").path(0).path("delta").path("tool_calls").path(0);
        assertEquals(0, start.path("index").asInt());
        assertEquals("toolu_9", start.path("id").asText());
        assertEquals("function", start.path("type").asText());
        assertEquals("get_weather", start.path("function").path("name").asText());
        String arguments = chunks.get(2).path("choices").path(0).path("delta").path("tool_calls").path(0).path("function").path("arguments").asText()
            + chunks.get(3).path("choices").path(0).path("delta").path("tool_calls").path(0).path("function").path("arguments").asText();
        assertEquals("Paris", JSON.readTree(arguments).path("city").asText());
        assertEquals("tool_calls", chunks.get(4).path("choices").path(0).path("finish_reason").asText());
    }

    @Test
    void anErrorEventIsAFailureNotOutput()
    {
        AnthropicStream stream = new AnthropicStream(false, true, 1);
        stream.onEvent("message_start", TEXT_STREAM[0][1]);
        int before = stream.out().length();
        stream.onEvent("error", "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}");
        assertEquals("overloaded_error", stream.errorType());
        assertEquals("Overloaded", stream.error());
        assertEquals(before, stream.out().length());
        assertFalse(stream.finished());
    }

    @Test
    void eventsWithoutAnEventLineAreRecognisedByTheirType() throws Exception
    {
        AnthropicStream stream = new AnthropicStream(false, true, 1);
        for (String[] event : TEXT_STREAM)
        {
            stream.onEvent(null, event[1]);
        }
        assertTrue(stream.finished());
        assertEquals("Hello \"world\"\n", stream.text());
    }

    @Test
    void anOpenAiStreamPassesThroughAndDropsTheUsageChunkOnlyWhenNotAskedFor()
    {
        String head = "{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-x\",\"choices\":[{\"index\":0,\"delta\":";
        String[] events = {head + "{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}", head + "{\"content\":\"Hi\"},\"finish_reason\":null}]}",
            head + "{},\"finish_reason\":\"stop\"}]}", "{\"id\":\"c\",\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":1,\"total_tokens\":10}}", "[DONE]"};
        OpenAiStream quiet = new OpenAiStream(false, true);
        OpenAiStream asked = new OpenAiStream(true, true);
        for (String event : events)
        {
            quiet.onEvent(null, event);
            asked.onEvent(null, event);
        }
        assertFalse(quiet.out().toString().contains("usage"));
        assertTrue(asked.out().toString().contains("\"usage\":{\"prompt_tokens\":9"));
        assertEquals(new Usage(9, 1, 0, 0, false), quiet.usage());
        assertEquals("gpt-x", quiet.model());
        assertEquals("stop", quiet.finishReason());
        assertTrue(quiet.finished() && quiet.contentStarted());
        assertTrue(quiet.out().toString().endsWith("data: [DONE]\n\n"));
    }

    /**
     * A reasoning model thinks before its first content token, for as long as a minute: its
     * reasoning starts the answer (the client sees it as it comes, and the first-token timeout
     * does not take the thinking for a silent provider).
     */
    @Test
    void reasoningStartsAnOpenAiStylesAnswer()
    {
        String head = "{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"model\":\"r\",\"choices\":[{\"index\":0,\"delta\":";
        for (String field : new String[] {"reasoning_content", "reasoning"})
        {
            OpenAiStream stream = new OpenAiStream(false, true);
            stream.onEvent(null, head + "{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}");
            stream.onEvent(null, head + "{\"" + field + "\":\"\"},\"finish_reason\":null}]}");
            assertFalse(stream.contentStarted(), field + ": nothing yet");
            stream.onEvent(null, head + "{\"" + field + "\":\"Let me think.\"},\"finish_reason\":null}]}");
            assertTrue(stream.contentStarted(), field);
            assertEquals("", stream.text(), "reasoning is not the answer's text");
        }
    }
}
