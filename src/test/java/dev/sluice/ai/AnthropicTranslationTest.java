// OpenAI <-> Anthropic translation, case by case, without a servlet container.
package dev.sluice.ai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AnthropicTranslationTest
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AiSettings.Target TARGET = new AiSettings.Target("an", "claude-x", 3, 15, 0.3, 3.75, 0.01, 200_000, 1024, 1, AiSettings.ThinkingForm.BUDGET);

    private static JsonNode translate(String openai) throws Exception
    {
        return AnthropicTranslation.request(JSON.readTree(openai.replace('\'', '"')), TARGET, false);
    }

    /** OpenAI-form clients written for Claude mark cache breakpoints on parts, as Anthropic's API reads them. */
    @Test
    void cacheBreakpointsOnPartsAndToolsAreKept() throws Exception
    {
        JsonNode out = translate("{'messages':[{'role':'system','content':[{'type':'text','text':'Rules.','cache_control':{'type':'ephemeral'}}]},"
            + "{'role':'user','content':[{'type':'text','text':'Hi','cache_control':{'type':'ephemeral'}}]}],"
            + "'tools':[{'type':'function','function':{'name':'f','parameters':{'type':'object'}},'cache_control':{'type':'ephemeral'}}]}");
        assertEquals("ephemeral", out.path("system").path(0).path("cache_control").path("type").asText(), out.toString());
        assertEquals("Rules.", out.path("system").path(0).path("text").asText());
        assertEquals("ephemeral", out.path("messages").path(0).path("content").path(0).path("cache_control").path("type").asText(), out.toString());
        assertEquals("ephemeral", out.path("tools").path(0).path("cache_control").path("type").asText(), out.toString());
        assertEquals("Rules.", translate("{'messages':[{'role':'system','content':'Rules.'},{'role':'user','content':'Hi'}]}").path("system").asText(),
            "a system prompt without marks stays a string");
    }

    @Test
    void systemAndDeveloperMessagesBecomeTheSystemPrompt() throws Exception
    {
        JsonNode out = translate("{'model':'a','messages':[{'role':'system','content':'Be brief.'},{'role':'developer','content':[{'type':'text','text':'Use French.'}]},"
            + "{'role':'user','content':'Hi'}]}");
        assertEquals("Be brief.\n\nUse French.", out.path("system").asText());
        assertEquals(1, out.path("messages").size());
        assertEquals("user", out.path("messages").path(0).path("role").asText());
        assertEquals("[{\"type\":\"text\",\"text\":\"Hi\"}]", out.path("messages").path(0).path("content").toString());
        assertEquals("claude-x", out.path("model").asText());
    }

    @Test
    void textAndImagePartsBecomeContentBlocks() throws Exception
    {
        JsonNode out = translate("{'messages':[{'role':'user','content':[{'type':'text','text':'What is this?'},"
            + "{'type':'image_url','image_url':{'url':'data:image/png;base64,iVBORw0K'}},{'type':'image_url','image_url':{'url':'https://example.com/cat.jpg'}}]}]}");
        JsonNode content = out.path("messages").path(0).path("content");
        assertEquals("text", content.path(0).path("type").asText());
        assertEquals("{\"type\":\"image\",\"source\":{\"type\":\"base64\",\"media_type\":\"image/png\",\"data\":\"iVBORw0K\"}}", content.path(1).toString());
        assertEquals("{\"type\":\"image\",\"source\":{\"type\":\"url\",\"url\":\"https://example.com/cat.jpg\"}}", content.path(2).toString());
    }

    @Test
    void toolsAndToolChoiceTranslate() throws Exception
    {
        String tools = ",'tools':[{'type':'function','function':{'name':'get_weather','description':'Weather','parameters':{'type':'object','properties':{'city':{'type':'string'}}}}}]";
        JsonNode out = translate("{'messages':[{'role':'user','content':'Hi'}]" + tools + ",'tool_choice':'required'}");
        assertEquals("get_weather", out.path("tools").path(0).path("name").asText());
        assertEquals("Weather", out.path("tools").path(0).path("description").asText());
        assertEquals("string", out.path("tools").path(0).path("input_schema").path("properties").path("city").path("type").asText());
        assertEquals("{\"type\":\"any\"}", out.path("tool_choice").toString());
        assertEquals("{\"type\":\"auto\"}", translate("{'messages':[{'role':'user','content':'Hi'}]" + tools + ",'tool_choice':'auto'}").path("tool_choice").toString());
        assertEquals("{\"type\":\"none\"}", translate("{'messages':[{'role':'user','content':'Hi'}]" + tools + ",'tool_choice':'none'}").path("tool_choice").toString());
        assertEquals("{\"type\":\"tool\",\"name\":\"get_weather\"}", translate("{'messages':[{'role':'user','content':'Hi'}]" + tools
            + ",'tool_choice':{'type':'function','function':{'name':'get_weather'}}}").path("tool_choice").toString());
        assertEquals("{\"type\":\"auto\",\"disable_parallel_tool_use\":true}", translate("{'messages':[{'role':'user','content':'Hi'}]" + tools
            + ",'parallel_tool_calls':false}").path("tool_choice").toString());
    }

    @Test
    void assistantToolCallsAndToolResultsBecomeToolUseAndToolResultBlocks() throws Exception
    {
        JsonNode out = translate("{'messages':[{'role':'user','content':'Weather in Paris and Rome?'},"
            + "{'role':'assistant','content':null,'tool_calls':[{'id':'call_1','type':'function','function':{'name':'get_weather','arguments':'{\\'city\\':\\'Paris\\'}'}},"
            + "{'id':'call_2','type':'function','function':{'name':'get_weather','arguments':'{\\'city\\':\\'Rome\\'}'}}]},"
            + "{'role':'tool','tool_call_id':'call_1','content':'18C'},{'role':'tool','tool_call_id':'call_2','content':'24C'},"
            + "{'role':'user','content':'Thanks'}]}");
        JsonNode messages = out.path("messages");
        assertEquals(3, messages.size(), "tool results and the next user message are one user turn: " + messages);
        JsonNode uses = messages.path(1).path("content");
        assertEquals("assistant", messages.path(1).path("role").asText());
        assertEquals("{\"type\":\"tool_use\",\"id\":\"call_1\",\"name\":\"get_weather\",\"input\":{\"city\":\"Paris\"}}", uses.path(0).toString());
        assertEquals("Rome", uses.path(1).path("input").path("city").asText());
        JsonNode results = messages.path(2).path("content");
        assertEquals("{\"type\":\"tool_result\",\"tool_use_id\":\"call_1\",\"content\":\"18C\"}", results.path(0).toString());
        assertEquals("call_2", results.path(1).path("tool_use_id").asText());
        assertEquals("Thanks", results.path(2).path("text").asText());
    }

    /**
     * An OpenAI-form client written for Claude (as for LiteLLM) asks for thinking and sends an
     * answer's message back as it came: Claude gets the setting, and the signed blocks first in the
     * assistant turn; an unsigned one (another provider's reasoning) Claude would refuse.
     */
    @Test
    void thinkingIsAskedForAndSignedBlocksGoBackFirst() throws Exception
    {
        JsonNode out = translate("{'thinking':{'type':'enabled','budget_tokens':1024},'top_k':5,'output_config':{'effort':'high'},'messages':[{'role':'user','content':'Run it'},"
            + "{'role':'assistant','content':null,'reasoning_content':'hmm','thinking_blocks':[{'type':'thinking','thinking':'hmm','signature':'sig'},"
            + "{'type':'redacted_thinking','data':'EmwK'},{'type':'thinking','thinking':'unsigned','signature':''}],"
            + "'tool_calls':[{'id':'call_1','type':'function','function':{'name':'f','arguments':'{}'}}]},"
            + "{'role':'tool','tool_call_id':'call_1','content':'ok'}]}");
        assertEquals("{\"type\":\"enabled\",\"budget_tokens\":1024}", out.path("thinking").toString());
        assertEquals(5, out.path("top_k").asInt());
        assertEquals("high", out.path("output_config").path("effort").asText());
        JsonNode turn = out.path("messages").path(1).path("content");
        assertEquals("[{\"type\":\"thinking\",\"thinking\":\"hmm\",\"signature\":\"sig\"},{\"type\":\"redacted_thinking\",\"data\":\"EmwK\"},"
            + "{\"type\":\"tool_use\",\"id\":\"call_1\",\"name\":\"f\",\"input\":{}}]", turn.toString());
        Unsupported wrong = assertThrows(Unsupported.class, () -> translate("{'thinking':'on','messages':[{'role':'user','content':'Hi'}]}"));
        assertEquals("thinking", wrong.field());
    }

    /** Codex and the Responses API ask for reasoning by effort: Claude thinks with LiteLLM's budgets, within the answer's limit. */
    @Test
    void reasoningEffortBecomesAThinkingBudgetWhereClaudeAllowsOne() throws Exception
    {
        String hi = "'messages':[{'role':'user','content':'Hi'}]";
        assertEquals("{\"type\":\"enabled\",\"budget_tokens\":2048}", translate("{'reasoning_effort':'medium','max_tokens':8000," + hi + "}")
            .path("thinking").toString());
        assertEquals(4999, translate("{'reasoning_effort':'xhigh','max_completion_tokens':5000," + hi + "}").path("thinking").path("budget_tokens").asInt(),
            "within the answer's limit");
        assertEquals(1024, translate("{'reasoning_effort':'low','max_tokens':5000," + hi + "}").path("thinking").path("budget_tokens").asInt());
        // Without: no thinking asked, too small a limit (also the target's default, 1,024 here), and what Claude refuses with thinking.
        for (String without : new String[] {"'reasoning_effort':'minimal','max_tokens':8000", "'reasoning_effort':'high','max_tokens':1000",
            "'reasoning_effort':'high'",
            "'reasoning_effort':'high','max_tokens':8000,'temperature':0.2", "'reasoning_effort':'high','max_tokens':8000,'top_k':5",
            "'reasoning_effort':'high','max_tokens':8000,'tools':[{'type':'function','function':{'name':'f'}}],'tool_choice':'required'"})
        {
            assertFalse(translate("{" + without + "," + hi + "}").has("thinking"), without);
        }
        assertEquals(1500, translate("{'reasoning_effort':'high','max_tokens':8000,'thinking':{'type':'enabled','budget_tokens':1500}," + hi + "}")
            .path("thinking").path("budget_tokens").asInt(), "the client's own thinking wins");
        assertEquals("reasoning_effort", assertThrows(Unsupported.class, () -> translate("{'reasoning_effort':'extreme'," + hi + "}")).field());
    }

    /**
     * From Opus 4.7 on Claude takes only adaptive thinking (a budget is a 400: "thinking.type.enabled
     * is not supported for this model"), and before 4.6 only a budget: each model id gets its form,
     * the effort steering adaptive thinking as {@code output_config.effort}, its text summarized.
     */
    @Test
    void reasoningEffortTakesTheThinkingFormTheModelTakes() throws Exception
    {
        for (String id : new String[] {"claude-opus-4-8", "claude-opus-4-7-20260416", "claude-sonnet-5", "claude-fable-5", "claude-opus-4.8",
            "us.anthropic.claude-opus-4-8-v1:0", "claude-opus-4-8@20260601", "claude-haiku-5-5"})
        {
            assertEquals(AiSettings.ThinkingForm.ADAPTIVE_ONLY, AiSettings.ThinkingForm.of(id), id);
        }
        assertEquals(AiSettings.ThinkingForm.ADAPTIVE, AiSettings.ThinkingForm.of("claude-sonnet-4-6"));
        for (String id : new String[] {"claude-sonnet-4-5-20250929", "claude-opus-4-20250514", "claude-opus-4-1-20250805", "claude-haiku-4-5"})
        {
            assertEquals(AiSettings.ThinkingForm.BUDGET_ONLY, AiSettings.ThinkingForm.of(id), id);
        }
        for (String id : new String[] {"claude-opus-4-5", "claude-3-7-sonnet-20250219", "my-deployment", "claude-x"})
        {
            assertEquals(AiSettings.ThinkingForm.BUDGET, AiSettings.ThinkingForm.of(id), id);
        }

        String hi = "'messages':[{'role':'user','content':'Hi'}]";
        AiSettings.Target opus = new AiSettings.Target("an", "claude-opus-4-8", 5, 25, 0.5, 6.25, 0.01, 200_000, 4096, 1,
            AiSettings.ThinkingForm.ADAPTIVE_ONLY);
        AiSettings.Target sonnet = new AiSettings.Target("an", "claude-sonnet-4-6", 3, 15, 0.3, 3.75, 0.01, 200_000, 4096, 1,
            AiSettings.ThinkingForm.ADAPTIVE);
        JsonNode high = AnthropicTranslation.request(JSON.readTree(("{'reasoning_effort':'high'," + hi + "}").replace('\'', '"')), opus, false);
        assertEquals("{\"type\":\"adaptive\",\"display\":\"summarized\"}", high.path("thinking").toString());
        assertEquals("{\"effort\":\"high\"}", high.path("output_config").toString());
        assertEquals("xhigh", AnthropicTranslation.request(JSON.readTree(("{'reasoning_effort':'xhigh'," + hi + "}").replace('\'', '"')), opus, false)
            .path("output_config").path("effort").asText());
        assertEquals("max", AnthropicTranslation.request(JSON.readTree(("{'reasoning_effort':'xhigh'," + hi + "}").replace('\'', '"')), sonnet, false)
            .path("output_config").path("effort").asText(), "4.6 has no xhigh: its highest");
        // OpenAI's efforts above xhigh (gpt-5.6 on), which Codex sends for such a model name: Claude's highest.
        for (String above : new String[] {"max", "ultra"})
        {
            assertEquals("max", AnthropicTranslation.request(JSON.readTree(("{'reasoning_effort':'" + above + "'," + hi + "}").replace('\'', '"')), opus,
                false).path("output_config").path("effort").asText(), above);
        }
        JsonNode own = AnthropicTranslation.request(JSON.readTree(("{'reasoning_effort':'low','output_config':{'effort':'medium'}," + hi + "}")
            .replace('\'', '"')), opus, false);
        assertEquals("medium", own.path("output_config").path("effort").asText(), "the client's own effort wins");
        assertEquals("adaptive", own.path("thinking").path("type").asText());
        for (String without : new String[] {"'reasoning_effort':'none'", "'reasoning_effort':'minimal'", "'reasoning_effort':'high','temperature':0.2"})
        {
            JsonNode none = AnthropicTranslation.request(JSON.readTree(("{" + without + "," + hi + "}").replace('\'', '"')), sonnet, false);
            assertFalse(none.has("thinking") || none.has("output_config"), without + ": " + none);
        }
    }

    /**
     * Claude Code asks for thinking in the form of the model name it was given; an alias can send
     * it to a Claude of another generation, which would refuse that form with 400. It goes in the
     * target's form, and the client's request, which every target tried shares, is left as it was.
     */
    @Test
    void aClientsOwnThinkingTakesTheTargetsForm() throws Exception
    {
        AiSettings.Target opus = new AiSettings.Target("an", "claude-opus-4-8", 5, 25, 0.5, 6.25, 0.01, 200_000, 4096, 1,
            AiSettings.ThinkingForm.ADAPTIVE_ONLY);
        AiSettings.Target sonnet45 = new AiSettings.Target("an", "claude-sonnet-4-5", 3, 15, 0.3, 3.75, 0.01, 200_000, 4096, 1,
            AiSettings.ThinkingForm.BUDGET_ONLY);
        String hi = "'messages':[{'role':'user','content':'Hi'}],'max_tokens':32000";
        JsonNode budget = JSON.readTree(("{'thinking':{'type':'enabled','budget_tokens':2048},'output_config':{'format':{'type':'json_schema'}}," + hi + "}")
            .replace('\'', '"'));
        String before = budget.toString();
        JsonNode adaptive = AnthropicTranslation.request(budget, opus, false);
        assertEquals("{\"type\":\"adaptive\",\"display\":\"summarized\"}", adaptive.path("thinking").toString());
        assertEquals("{\"format\":{\"type\":\"json_schema\"},\"effort\":\"medium\"}", adaptive.path("output_config").toString());
        assertEquals(before, budget.toString(), "the client's request is not changed");
        assertEquals("enabled", AnthropicTranslation.request(budget, sonnet45, false).path("thinking").path("type").asText(), "as it came where taken");
        assertFalse(AnthropicTranslation.request(JSON.readTree(("{'thinking':{'type':'enabled','budget_tokens':31999}," + hi + "}").replace('\'', '"')),
            opus, false).has("output_config"), "a large budget: Claude's default effort, high");

        JsonNode claudeCode = JSON.readTree(("{'thinking':{'type':'adaptive'},'output_config':{'effort':'low'}," + hi + "}").replace('\'', '"'));
        JsonNode older = AnthropicTranslation.request(claudeCode, sonnet45, false);
        assertEquals("{\"type\":\"enabled\",\"budget_tokens\":1024}", older.path("thinking").toString());
        assertFalse(older.has("output_config"), "Sonnet 4.5 refuses an effort: the budget says it");
        assertEquals(4096, AnthropicTranslation.request(JSON.readTree(("{'thinking':{'type':'adaptive'}," + hi + "}").replace('\'', '"')), sonnet45, false)
            .path("thinking").path("budget_tokens").asInt());
        assertEquals("{\"type\":\"adaptive\"}", AnthropicTranslation.request(claudeCode, opus, false).path("thinking").toString(), "as it came where taken");
        JsonNode effortOnly = JSON.readTree(("{'output_config':{'effort':'low'}," + hi + "}").replace('\'', '"'));
        assertFalse(AnthropicTranslation.request(effortOnly, sonnet45, false).has("output_config"), "Sonnet 4.5 takes no effort");
        assertEquals("low", AnthropicTranslation.request(effortOnly, TARGET, false).path("output_config").path("effort").asText(),
            "a model Sluice cannot tell gets it as it came");
    }

    /**
     * From Opus 4.7 on (Sonnet 5, Fable 5) Claude refuses any sampling parameter with 400
     * ("`temperature` is deprecated for this model"): refused naming it, so that another target
     * may take the request, and left out where the alias drops what has no equivalent.
     */
    @Test
    void theNewestClaudeTakesNoSamplingParameters() throws Exception
    {
        AiSettings.Target opus = new AiSettings.Target("an", "claude-opus-4-8", 5, 25, 0.5, 6.25, 0.01, 200_000, 4096, 1,
            AiSettings.ThinkingForm.ADAPTIVE_ONLY);
        String hi = "'messages':[{'role':'user','content':'Hi'}]";
        for (String field : new String[] {"temperature", "top_p", "top_k"})
        {
            JsonNode request = JSON.readTree(("{'" + field + "':0.5,'reasoning_effort':'low'," + hi + "}").replace('\'', '"'));
            Unsupported refused = assertThrows(Unsupported.class, () -> AnthropicTranslation.request(request, opus, false));
            assertEquals(field, refused.field());
            assertTrue(refused.getMessage().contains("claude-opus-4-8"), refused.getMessage());
            JsonNode dropped = AnthropicTranslation.request(request, opus, true);
            assertFalse(dropped.has(field), dropped.toString());
            assertEquals("adaptive", dropped.path("thinking").path("type").asText(), "without it, nothing stands in thinking's way");
        }
        assertEquals(0.5, translate("{'temperature':0.5," + hi + "}").path("temperature").asDouble(), "older models still take it");
    }

    /**
     * Claude refuses thinking when the turn a request continues does not start with its thinking
     * (Vercel's AI SDK sends no thinking_blocks back), and thinking blocks ending a request
     * without thinking: answered without thinking, and without those blocks, instead of a 400.
     */
    @Test
    void thinkingGoesOnlyWhereClaudeTakesIt() throws Exception
    {
        String call = "{'role':'assistant','content':null,%s'tool_calls':[{'id':'c1','type':'function','function':{'name':'f','arguments':'{}'}}]},"
            + "{'role':'tool','tool_call_id':'c1','content':'ok'}";
        String signed = "'thinking_blocks':[{'type':'thinking','thinking':'hmm','signature':'sig'}],";
        String loop = "{'max_tokens':8000,%s,'messages':[{'role':'user','content':'Run it'}," + call + "]}";
        assertFalse(translate(loop.formatted("'reasoning_effort':'medium'", "")).has("thinking"), "the AI SDK's second step");
        assertTrue(translate(loop.formatted("'reasoning_effort':'medium'", signed)).has("thinking"), "the turn's thinking sent back");
        JsonNode edits = translate(loop.formatted("'thinking':{'type':'enabled','budget_tokens':2048},'context_management':{'edits':["
            + "{'type':'clear_thinking_20251015','keep':'all'},{'type':'clear_tool_uses_20250919'}]}", ""));
        assertFalse(edits.has("thinking"), edits.toString());
        assertEquals("[{\"type\":\"clear_tool_uses_20250919\"}]", edits.path("context_management").path("edits").toString(), "clearing thinking needs thinking");
        assertTrue(translate("{'max_tokens':8000,'reasoning_effort':'medium','messages':[{'role':'user','content':'Hi'},"
            + "{'role':'assistant','content':'Hello'},{'role':'user','content':'And?'}]}").has("thinking"), "an earlier turn without tools asks nothing");
        JsonNode prefill = translate("{'messages':[{'role':'user','content':'Hi'},{'role':'assistant','content':'Well,',"
            + signed.substring(0, signed.length() - 1) + "}]}");
        assertEquals("[{\"type\":\"text\",\"text\":\"Well,\"}]", prefill.path("messages").path(1).path("content").toString(),
            "no thinking in a last assistant turn without thinking");
    }

    /** prompt-cache = auto: breakpoints where Claude Code puts them, for clients that mark nothing (OpenAI caches without marks). */
    @Test
    void automaticCacheBreakpointsMarkTheSystemPromptAndTheLastTurn() throws Exception
    {
        ObjectNode request = (ObjectNode)translate("{'messages':[{'role':'system','content':'Rules.'},{'role':'user','content':'Run it'},"
            + "{'role':'assistant','content':null,'tool_calls':[{'id':'c1','type':'function','function':{'name':'f','arguments':'{}'}}]},"
            + "{'role':'tool','tool_call_id':'c1','content':'ok'}]}");
        AnthropicTranslation.cacheBreakpoints(request);
        assertEquals("[{\"type\":\"text\",\"text\":\"Rules.\",\"cache_control\":{\"type\":\"ephemeral\"}}]", request.path("system").toString());
        JsonNode last = request.path("messages").path(2).path("content").path(0);
        assertEquals("tool_result", last.path("type").asText(), request.toString());
        assertEquals("ephemeral", last.path("cache_control").path("type").asText(), request.toString());
        assertFalse(request.path("messages").path(0).path("content").path(0).has("cache_control"), "two breakpoints, not one per turn");

        ObjectNode marked = (ObjectNode)translate("{'messages':[{'role':'system','content':[{'type':'text','text':'Rules.'}]},"
            + "{'role':'user','content':[{'type':'text','text':'Hi','cache_control':{'type':'ephemeral','ttl':'1h'}}]},{'role':'user','content':'And?'}]}");
        String before = marked.toString();
        AnthropicTranslation.cacheBreakpoints(marked);
        assertEquals(before, marked.toString(), "a client's own marks are left as they are");
    }

    @Test
    void samplingStopAndMaxTokensTranslate() throws Exception
    {
        JsonNode out = translate("{'messages':[{'role':'user','content':'Hi'}],'temperature':0.3,'top_p':0.9,'stop':['END','STOP'],'max_tokens':77,'user':'u-1','stream':true,"
            + "'stream_options':{'include_usage':true},'n':1}");
        assertEquals(0.3, out.path("temperature").asDouble());
        assertEquals(0.9, out.path("top_p").asDouble());
        assertEquals("[\"END\",\"STOP\"]", out.path("stop_sequences").toString());
        assertEquals(77, out.path("max_tokens").asInt());
        assertEquals("u-1", out.path("metadata").path("user_id").asText());
        assertTrue(out.path("stream").asBoolean());
        assertFalse(out.has("stream_options"));
        assertEquals("[\"END\"]", translate("{'messages':[{'role':'user','content':'Hi'}],'stop':'END'}").path("stop_sequences").toString());
        assertEquals(55, translate("{'messages':[{'role':'user','content':'Hi'}],'max_tokens':77,'max_completion_tokens':55}").path("max_tokens").asInt(),
            "max_completion_tokens wins");
        assertEquals(1024, translate("{'messages':[{'role':'user','content':'Hi'}]}").path("max_tokens").asInt(), "the target's default");
    }

    /**
     * An OpenAI client's JSON Schema format (the chat form's response_format, which a Responses
     * client's text.format becomes) goes to Claude as its structured output, in the dialect
     * Claude's structured outputs take: objects closed, constraints it has none of moved into the
     * description, as Anthropic's SDKs move them.
     */
    @Test
    void aJsonSchemaFormatGoesToClaudeAsStructuredOutput() throws Exception
    {
        JsonNode out = translate("""
            {'messages':[{'role':'user','content':'Ada, 36, ada@example.com'}],
             'response_format':{'type':'json_schema','json_schema':{'name':'person','strict':true,'description':'A person named in the text.',
               'schema':{'$schema':'http://json-schema.org/draft-07/schema#','type':'object',
                 'properties':{'name':{'type':'string','minLength':1},'age':{'type':'integer','minimum':0,'description':'Years.'},
                   'email':{'type':'string','format':'email'},'phone':{'type':'string','format':'phone'},
                   'tags':{'type':'array','items':{'type':'string','enum':['a','b']},'minItems':2},
                   'home':{'oneOf':[{'type':'null'},{'$ref':'#/$defs/place','description':'dropped beside a $ref'}]}},
                 'required':['name','age','email','phone','tags','home'],
                 '$defs':{'place':{'properties':{'city':{'type':'string','default':'Paris'}},'additionalProperties':true}}}}}}""");
        assertFalse(out.has("response_format"), out.toString());
        assertEquals(canonical(JSON.readTree("""
            {"type": "json_schema", "schema": {"type": "object", "description": "A person named in the text.",
             "properties": {"name": {"type": "string", "description": "{minLength: 1}"},
               "age": {"type": "integer", "description": "Years.\\n\\n{minimum: 0}"},
               "email": {"type": "string", "format": "email"}, "phone": {"type": "string", "description": "{format: \\"phone\\"}"},
               "tags": {"type": "array", "items": {"type": "string", "enum": ["a", "b"]}, "description": "{minItems: 2}"},
               "home": {"anyOf": [{"type": "null"}, {"$ref": "#/$defs/place"}]}},
             "additionalProperties": false, "required": ["name", "age", "email", "phone", "tags", "home"],
             "$defs": {"place": {"type": "object", "properties": {"city": {"type": "string", "description": "{default: \\"Paris\\"}"}},
               "additionalProperties": false}}}}""")), canonical(out.path("output_config").path("format")));

        // The client's request is left as it came: every target of the alias is tried from it.
        JsonNode asSent = JSON.readTree("{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"response_format\":{\"type\":\"json_schema\","
            + "\"json_schema\":{\"name\":\"n\",\"schema\":{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\",\"minimum\":1}}}}}}");
        String before = asSent.toString();
        AnthropicTranslation.request(asSent, TARGET, false);
        assertEquals(before, asSent.toString());

        // Beside a reasoning effort, in the same output_config.
        JsonNode both = translate("{'messages':[{'role':'user','content':'Hi'}],'reasoning_effort':'low',"
            + "'response_format':{'type':'json_schema','json_schema':{'name':'n','schema':{'type':'object','properties':{}}}}}");
        assertEquals("json_schema", both.path("output_config").path("format").path("type").asText(), both.toString());
        // A client's own output_config.format (written for Claude) is not replaced.
        JsonNode own = translate("{'messages':[{'role':'user','content':'Hi'}],'output_config':{'format':{'type':'json_schema','schema':{'type':'string'}}},"
            + "'response_format':{'type':'json_schema','json_schema':{'name':'n','schema':{'type':'object'}}}}");
        assertEquals("{\"type\":\"string\"}", own.path("output_config").path("format").path("schema").toString());
        // Plain text asks for nothing; a schema that is not one is refused by name.
        assertFalse(translate("{'messages':[{'role':'user','content':'Hi'}],'response_format':{'type':'text'}}").has("output_config"));
        assertEquals("response_format.json_schema.schema", assertThrows(Unsupported.class,
            () -> translate("{'messages':[{'role':'user','content':'Hi'}],'response_format':{'type':'json_schema','json_schema':{'name':'n'}}}")).field());
        assertEquals("response_format.type", assertThrows(Unsupported.class,
            () -> translate("{'messages':[{'role':'user','content':'Hi'}],'response_format':{'type':'yaml'}}")).field());
        // JSON mode, which Claude has no equivalent of, is dropped where the model drops what it cannot do.
        JsonNode dropped = AnthropicTranslation.request(JSON.readTree("{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],"
            + "\"response_format\":{\"type\":\"json_object\"}}"), TARGET, true);
        assertFalse(dropped.has("output_config") || dropped.has("response_format"), dropped.toString());
    }

    /** The same JSON with its objects' fields in name order, to compare without depending on the order they were written in. */
    private static String canonical(JsonNode node) throws Exception
    {
        ObjectMapper sorted = new ObjectMapper().configure(com.fasterxml.jackson.databind.SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);
        return sorted.writeValueAsString(sorted.treeToValue(node, Object.class));
    }

    @Test
    void aFieldWithoutEquivalentIsRefusedByNameUnlessTheModelDropsIt() throws Exception
    {
        Unsupported format = assertThrows(Unsupported.class, () -> translate("{'messages':[{'role':'user','content':'Hi'}],'response_format':{'type':'json_object'}}"));
        assertEquals("response_format", format.field());
        assertEquals("logit_bias", assertThrows(Unsupported.class, () -> translate("{'messages':[{'role':'user','content':'Hi'}],'logit_bias':{'1':2}}")).field());
        assertEquals("n", assertThrows(Unsupported.class, () -> translate("{'messages':[{'role':'user','content':'Hi'}],'n':3}")).field());
        assertEquals("messages[0].content[0].type", assertThrows(Unsupported.class,
            () -> translate("{'messages':[{'role':'user','content':[{'type':'input_audio','input_audio':{}}]}]}")).field());
        assertEquals("messages[0].name", assertThrows(Unsupported.class, () -> translate("{'messages':[{'role':'user','content':'Hi','name':'bob'}]}")).field());
        JsonNode dropped = AnthropicTranslation.request(JSON.readTree("{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\",\"name\":\"bob\"}],\"seed\":4}"), TARGET, true);
        assertFalse(dropped.has("seed"));
        assertEquals("Hi", dropped.path("messages").path(0).path("content").path(0).path("text").asText());
        // Null or default-valued fields ask for nothing.
        translate("{'messages':[{'role':'user','content':'Hi'}],'response_format':null,'presence_penalty':0,'logprobs':false}");
        // OpenAI's prompt-cache routing hint, which Codex sends every turn, asks for nothing an answer shows.
        assertFalse(translate("{'messages':[{'role':'user','content':'Hi'}],'prompt_cache_key':'thread-1'}").has("prompt_cache_key"));
        // The gpt-5 models' length hint, which Codex sends for them (text.verbosity): Claude has none, and any length is an answer.
        assertFalse(translate("{'messages':[{'role':'user','content':'Hi'}],'verbosity':'low'}").has("verbosity"));
        // Processing hints (a tier, a predicted output, stored completions' tags) ask for nothing Claude would answer differently.
        JsonNode hinted = translate("{'messages':[{'role':'user','content':'Hi'}],'service_tier':'flex','prediction':{'type':'content','content':'x'},"
            + "'metadata':{'team':'a'}}");
        assertFalse(hinted.has("service_tier") || hinted.has("prediction") || hinted.has("metadata"), hinted.toString());
        // OpenAI's successor to user tells Claude the end user the same way.
        assertEquals("end-user-7", translate("{'messages':[{'role':'user','content':'Hi'}],'safety_identifier':'end-user-7'}")
            .path("metadata").path("user_id").asText());
    }

    @Test
    void stopReasonsBecomeFinishReasons()
    {
        assertEquals("stop", ClaudeAnswers.finishReason("end_turn"));
        assertEquals("stop", ClaudeAnswers.finishReason("stop_sequence"));
        assertEquals("length", ClaudeAnswers.finishReason("max_tokens"));
        assertEquals("tool_calls", ClaudeAnswers.finishReason("tool_use"));
        assertEquals("content_filter", ClaudeAnswers.finishReason("refusal"), "not passed through raw, as Kong does");
        assertEquals(null, ClaudeAnswers.finishReason(null));
    }

    @Test
    void anAnswerBecomesAChatCompletionWithUsageCountedTheOpenAiWay() throws Exception
    {
        JsonNode answer = JSON.readTree(("{'id':'msg_1','type':'message','role':'assistant','model':'claude-x-1','content':[{'type':'thinking','thinking':'hmm'},"
            + "{'type':'text','text':'Checking.'},{'type':'tool_use','id':'toolu_1','name':'get_weather','input':{'city':'Paris'}}],"
            + "'stop_reason':'tool_use','usage':{'input_tokens':100,'output_tokens':20,'cache_read_input_tokens':50,'cache_creation_input_tokens':10}}").replace('\'', '"'));
        JsonNode out = ClaudeAnswers.chatCompletion(answer, 1234);
        assertEquals("chatcmpl-msg_1", out.path("id").asText());
        assertEquals("chat.completion", out.path("object").asText());
        assertEquals(1234, out.path("created").asLong());
        assertEquals("claude-x-1", out.path("model").asText());
        JsonNode message = out.path("choices").path(0).path("message");
        assertEquals("Checking.", message.path("content").asText(), "thinking is not part of the answer");
        assertEquals("hmm", message.path("reasoning_content").asText(), "but comes as reasoning, as LiteLLM gives it");
        assertEquals("[{\"type\":\"thinking\",\"thinking\":\"hmm\",\"signature\":\"\"}]", message.path("thinking_blocks").toString());
        assertEquals("{\"id\":\"toolu_1\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}}",
            message.path("tool_calls").path(0).toString());
        assertEquals("tool_calls", out.path("choices").path(0).path("finish_reason").asText());
        JsonNode usage = out.path("usage");
        assertEquals(160, usage.path("prompt_tokens").asInt(), "input + cache read + cache creation");
        assertEquals(20, usage.path("completion_tokens").asInt());
        assertEquals(180, usage.path("total_tokens").asInt());
        assertEquals(10, usage.path("cache_creation_input_tokens").asInt(), "cache writes, as LiteLLM reports them");
        JsonNode forAnthropicClient = AnthropicAnswers.usage(usage);
        assertEquals("{\"input_tokens\":100,\"output_tokens\":20,\"cache_read_input_tokens\":50,\"cache_creation_input_tokens\":10}",
            forAnthropicClient.toString(), "an Anthropic client gets Claude's own figures back");
        assertEquals(50, usage.path("prompt_tokens_details").path("cached_tokens").asInt());
    }

    /** For another provider, Anthropic's own tools are refused, or left out with the choice that named one. */
    @Test
    void anthropicsOwnToolsAreLeftOutForOtherProvidersWithTheChoiceNamingOne() throws Exception
    {
        String body = "{\"tools\":[{\"type\":\"web_search_20250305\",\"name\":\"web_search\"},"
            + "{\"type\":\"function\",\"function\":{\"name\":\"f\",\"parameters\":{}}}],"
            + "\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"web_search\"}}}";
        Unsupported refused = org.junit.jupiter.api.Assertions.assertThrows(Unsupported.class,
            () -> AnthropicTools.forOtherProviders((com.fasterxml.jackson.databind.node.ObjectNode)JSON.readTree(body), false));
        assertTrue(refused.getMessage().contains("web_search_20250305"), refused.getMessage());
        com.fasterxml.jackson.databind.node.ObjectNode dropped = (com.fasterxml.jackson.databind.node.ObjectNode)JSON.readTree(body);
        AnthropicTools.forOtherProviders(dropped, true);
        assertEquals("[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"parameters\":{}}}]", dropped.path("tools").toString());
        assertFalse(dropped.has("tool_choice"), "a choice of the tool left out would be refused: " + dropped);
    }

    @Test
    void costUsesThePriceTableWithCachedTokensAtTheirOwnPrice()
    {
        Usage usage = new Usage(1_000_000, 100_000, 400_000, 0, false);
        assertEquals((600_000 * 3 + 400_000 * 0.3 + 100_000 * 15) / 1e6, TARGET.cost(usage), 1e-12);
        Usage written = new Usage(1_000_000, 100_000, 400_000, 0, false, 200_000);
        assertEquals((400_000 * 3 + 400_000 * 0.3 + 200_000 * 3.75 + 100_000 * 15) / 1e6, TARGET.cost(written), 1e-12, "cache writes at their own price");
        Usage searched = ClaudeAnswers.usage(JSON.createObjectNode().put("input_tokens", 1_000_000).put("output_tokens", 100_000)
            .set("server_tool_use", JSON.createObjectNode().put("web_search_requests", 3)));
        assertEquals(3, searched.webSearches());
        assertEquals((1_000_000 * 3 + 100_000 * 15) / 1e6 + 3 * 0.01, TARGET.cost(searched), 1e-12, "each web search at its own price");
    }

    @Test
    void providerErrorsMapToOpenAiErrorsWithSensibleStatuses() throws Exception
    {
        AiErrors.Error overloaded = AiErrors.fromProvider(529, JSON.readTree("{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}"), 0);
        assertEquals(503, overloaded.status());
        assertEquals(1, overloaded.retryAfterSeconds());
        AiErrors.Error limited = AiErrors.fromProvider(429, null, 12);
        assertEquals(429, limited.status());
        assertEquals(12, limited.retryAfterSeconds());
        AiErrors.Error key = AiErrors.fromProvider(401, JSON.readTree("{\"error\":{\"message\":\"Incorrect API key provided: sk-abc***xyz\"}}"), 0);
        assertEquals(502, key.status());
        assertFalse(key.message().contains("sk-"), key.message());
        AiErrors.Error invalid = AiErrors.fromProvider(400, JSON.readTree("{\"error\":{\"type\":\"invalid_request_error\",\"message\":\"max_tokens: too big\"}}"), 0);
        assertEquals(400, invalid.status());
        assertEquals("max_tokens: too big", invalid.message());
        assertEquals(502, AiErrors.fromProvider(500, null, 0).status());
        JsonNode body = JSON.readTree(new String(invalid.body(), java.nio.charset.StandardCharsets.UTF_8));
        assertTrue(body.path("error").has("param") && body.path("error").has("code"), body.toString());
        assertTrue(AiErrors.contextExceeded(400, JSON.readTree("{\"error\":{\"type\":\"invalid_request_error\",\"message\":\"prompt is too long: 210000 tokens > 200000 maximum\"}}")));
        assertTrue(AiErrors.contextExceeded(400, JSON.readTree("{\"error\":{\"code\":\"context_length_exceeded\",\"message\":\"x\"}}")));
        assertFalse(AiErrors.contextExceeded(400, JSON.readTree("{\"error\":{\"message\":\"bad temperature\"}}")));
    }
}
