// The AI keys: what a good configuration becomes, and what a bad one is refused with.
package dev.sluice.ai;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.sluice.config.ConfigException;
import dev.sluice.config.Settings;
import dev.sluice.config.SettingsParser;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AiSettingsParserTest
{
    private static Map<String, String> base()
    {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("route.ai.path", "/v1");
        properties.put("route.ai.ai", "on");
        properties.put("ai.provider.oa.type", "openai");
        properties.put("ai.provider.oa.api-key", "${OPENAI_API_KEY}");
        properties.put("ai.provider.local.type", "openai-compatible");
        properties.put("ai.provider.local.base-url", "http://127.0.0.1:11434/v1");
        properties.put("ai.model.fast.targets", "a, b");
        properties.put("ai.model.fast.target.a.provider", "oa");
        properties.put("ai.model.fast.target.a.model", "gpt-4o-mini");
        properties.put("ai.model.fast.target.a.input-price", "0.15");
        properties.put("ai.model.fast.target.b.provider", "local");
        properties.put("ai.model.fast.target.b.model", "llama3.1:8b");
        properties.put("ai.model.fast.strategy", "cost");
        return properties;
    }

    /** {@link #base} with an Anthropic provider, {@code an}, too. */
    private static Map<String, String> withAnthropic()
    {
        Map<String, String> properties = base();
        properties.put("ai.provider.an.type", "anthropic");
        properties.put("ai.provider.an.api-key", "sk-ant");
        return properties;
    }

    private static Settings parse(Map<String, String> properties) throws ConfigException
    {
        return SettingsParser.parse("test", properties, name -> name.equals("OPENAI_API_KEY") ? "sk-from-env" : null);
    }

    private static String refusal(Map<String, String> properties)
    {
        return assertThrows(ConfigException.class, () -> parse(properties)).getMessage();
    }

    @Test
    void aGoodConfigurationBecomesProvidersModelsAndAnAiRoute() throws Exception
    {
        Settings settings = parse(base());
        assertTrue(settings.routes().routes().get(0).ai());
        assertNull(settings.routes().routes().get(0).upstream());
        AiSettings ai = settings.ai();
        AiSettings.Provider openai = ai.providers().get("oa");
        assertEquals("https://api.openai.com/v1", openai.baseUrl().toString());
        assertEquals("sk-from-env", openai.apiKey());
        assertEquals("Authorization", openai.authHeader());
        assertTrue(!openai.toString().contains("sk-from-env"), "a provider's key never appears in its description");
        AiSettings.Model fast = ai.models().get("fast");
        assertEquals(AiSettings.Strategy.COST, fast.strategy());
        assertEquals("llama3.1:8b", fast.targets().get(1).model());
        assertEquals(0.15, fast.targets().get(0).inputPrice());
        assertEquals(0.15, fast.targets().get(0).cachedInputPrice(), "cached input costs the input price unless said otherwise");
        assertEquals(0.15, fast.targets().get(0).cacheWritePrice(), "OpenAI charges nothing extra for cache writes");
        assertEquals(2, fast.maxAttempts());
        assertEquals(1 << 20, ai.maxRequestBody());
    }

    /** Anthropic charges a cache write at 1.25 times the input price (its 5-minute entries): the default there, unless set. */
    @Test
    void cacheWritesCostWhatTheProviderCharges() throws Exception
    {
        Map<String, String> properties = withAnthropic();
        properties.put("ai.model.claude.target.s.provider", "an");
        properties.put("ai.model.claude.target.s.model", "claude-sonnet-4-5");
        properties.put("ai.model.claude.target.s.input-price", "3");
        assertEquals(3.75, parse(properties).ai().models().get("claude").targets().get(0).cacheWritePrice());
        properties.put("ai.model.claude.target.s.cache-write-price", "6");
        assertEquals(6, parse(properties).ai().models().get("claude").targets().get(0).cacheWritePrice(), "an hour's entries cost twice the input");
        properties.put("ai.model.claude.target.s.cache-write-price", "lots");
        assertTrue(refusal(properties).contains("ai.model.claude.target.s.cache-write-price"), refusal(properties));
    }

    @Test
    void webSearchesCostAnthropicsPricePerSearchOnPricedAnthropicTargets() throws Exception
    {
        Map<String, String> properties = withAnthropic();
        properties.put("ai.model.claude.target.s.provider", "an");
        properties.put("ai.model.claude.target.s.model", "claude-sonnet-4-5");
        assertEquals(0, parse(properties).ai().models().get("claude").targets().get(0).webSearchPrice(), "an unpriced target costs nothing");
        properties.put("ai.model.claude.target.s.input-price", "3");
        assertEquals(0.01, parse(properties).ai().models().get("claude").targets().get(0).webSearchPrice(), "$10 per 1,000 searches");
        properties.put("ai.model.claude.target.s.web-search-price", "0.02");
        assertEquals(0.02, parse(properties).ai().models().get("claude").targets().get(0).webSearchPrice());
        properties.put("ai.model.claude.target.s.web-search-price", "-1");
        assertTrue(refusal(properties).contains("Key 'ai.model.claude.target.s.web-search-price'") && refusal(properties).contains("per search"),
            refusal(properties));
        properties.remove("ai.model.claude.target.s.web-search-price");
        // A Responses client's web_search tool reaches OpenAI's own models as it came (ResponsesRelay), and OpenAI bills each search.
        assertEquals(0.01, parse(properties).ai().models().get("fast").targets().get(0).webSearchPrice(), "a priced OpenAI target");
        properties.put("ai.model.fast.target.a.web-search-price", "0.025");
        assertEquals(0.025, parse(properties).ai().models().get("fast").targets().get(0).webSearchPrice(), "gpt-4o's searches cost more");
        properties.put("ai.model.fast.target.b.web-search-price", "0.01");
        assertTrue(refusal(properties).contains("Key 'ai.model.fast.target.b.web-search-price'") && refusal(properties).contains("Responses API"),
            "an OpenAI-compatible server's model is asked through chat completions, which has no search of its own: " + refusal(properties));
        properties.remove("ai.model.fast.target.b.web-search-price");
        properties.put("ai.model.fast.target.a.api", "chat");
        assertTrue(refusal(properties).contains("Key 'ai.model.fast.target.a.web-search-price'"), refusal(properties));
    }

    @Test
    void automaticPromptCachingIsForAnthropicProviders() throws Exception
    {
        Map<String, String> properties = withAnthropic();
        properties.put("ai.provider.an.prompt-cache", "auto");
        assertTrue(parse(properties).ai().providers().get("an").autoPromptCache());
        assertFalse(parse(properties).ai().providers().get("oa").autoPromptCache(), "off unless said");
        properties.put("ai.provider.oa.prompt-cache", "auto");
        assertTrue(refusal(properties).contains("Key 'ai.provider.oa.prompt-cache'") && refusal(properties).contains("only Anthropic"), refusal(properties));
        properties.put("ai.provider.oa.prompt-cache", "sometimes");
        assertTrue(refusal(properties).contains("sometimes"), refusal(properties));
    }

    @Test
    void reasoningGoesBackToDeepSeekByDefaultAndToOtherCompatibleServersWhenSaid() throws Exception
    {
        Map<String, String> properties = base();
        properties.put("ai.provider.ds.type", "openai-compatible");
        properties.put("ai.provider.ds.base-url", "https://api.deepseek.com");
        assertTrue(parse(properties).ai().providers().get("ds").reasoningHistory(), "DeepSeek's thinking mode needs it");
        assertFalse(parse(properties).ai().providers().get("local").reasoningHistory(), "strict servers (Groq) refuse the field");
        assertFalse(parse(properties).ai().providers().get("oa").reasoningHistory());
        properties.put("ai.provider.local.reasoning-history", "on");
        properties.put("ai.provider.ds.reasoning-history", "off");
        assertTrue(parse(properties).ai().providers().get("local").reasoningHistory());
        assertFalse(parse(properties).ai().providers().get("ds").reasoningHistory());
        properties.put("ai.provider.oa.reasoning-history", "on");
        assertTrue(refusal(properties).contains("Key 'ai.provider.oa.reasoning-history'") && refusal(properties).contains("auto or off"), refusal(properties));
        properties.put("ai.provider.oa.reasoning-history", "yes");
        assertTrue(refusal(properties).contains("'yes'") || refusal(properties).contains("yes"), refusal(properties));
    }

    @Test
    void fieldsToDropAreTopLevelNamesButNeverTheModelOrMessages() throws Exception
    {
        Map<String, String> properties = base();
        properties.put("ai.provider.local.drop-fields", "prompt_cache_key, service_tier");
        assertEquals(java.util.Set.of("prompt_cache_key", "service_tier"), parse(properties).ai().providers().get("local").dropFields());
        assertEquals(java.util.Set.of(), parse(properties).ai().providers().get("oa").dropFields());
        for (String bad : new String[] {"messages", "model", "a.b", "stream"})
        {
            properties.put("ai.provider.local.drop-fields", "service_tier, " + bad);
            String refusal = refusal(properties);
            assertTrue(refusal.contains("Key 'ai.provider.local.drop-fields'") && refusal.contains(bad) && refusal.contains("not model, messages or stream"),
                refusal);
        }
    }

    /** Model names with a '.' or '/' (gpt-5.5, Qwen/Qwen3-Coder) cannot be keys: .name gives them, and everything else names the model by it. */
    @Test
    void aModelsNameMayBeOneNoKeyCanHold() throws Exception
    {
        Map<String, String> properties = base();
        properties.put("ai.model.codex.name", "gpt-5.5");
        properties.put("ai.model.codex.target.a.provider", "oa");
        properties.put("ai.model.codex.target.a.model", "gpt-5.5");
        properties.put("ai.model.codex.prepend", "[{\"role\": \"system\", \"content\": \"Be brief.\"}]");
        properties.put("ai.model.qwen.name", "Qwen/Qwen3-Coder-30B-A3B-Instruct");
        properties.put("ai.model.qwen.target.a.provider", "local");
        properties.put("ai.model.qwen.target.a.model", "qwen3-coder");
        properties.put("ai.model.fast.context-fallback", "gpt-5.5");
        properties.put("route.ai.ai.models", "gpt-5.5, fast, Qwen/Qwen3-Coder-30B-A3B-Instruct");
        properties.put("ai.limit.small.tokens", "1000/m");
        properties.put("ai.limit.small.models", "gpt-5.5");
        AiSettings ai = parse(properties).ai();
        assertEquals(java.util.Set.of("fast", "gpt-5.5", "Qwen/Qwen3-Coder-30B-A3B-Instruct"), ai.models().keySet());
        assertEquals("gpt-5.5", ai.models().get("gpt-5.5").alias());
        assertEquals("codex", ai.models().get("gpt-5.5").key());
        assertEquals("fast", ai.models().get("fast").key(), "a model without .name is known by its alias");
        assertTrue(ai.governance().modelDecorators().containsKey("gpt-5.5"), "its other keys are read under its alias");
        assertTrue(ai.allowed("ai", null, "gpt-5.5"));
        assertEquals("gpt-5.5", ai.models().get("fast").contextFallback());

        properties.put("route.ai.ai.models", "codex");
        String byKey = refusal(properties);
        assertTrue(byKey.contains("'route.ai.ai.models'") && byKey.contains("'codex' is named 'gpt-5.5'"), byKey);
        properties.put("route.ai.ai.models", "gpt-5.5");
        properties.put("ai.model.fast.context-fallback", "codex");
        String fallback = refusal(properties);
        assertTrue(fallback.contains("'ai.model.fast.context-fallback'") && fallback.contains("'codex' is named 'gpt-5.5'"), fallback);
        properties.remove("ai.model.fast.context-fallback");
        properties.put("ai.model.qwen.name", "fast");
        String twice = refusal(properties);
        assertTrue(twice.contains("'ai.model.qwen.name'") && twice.contains("fast") && twice.contains("ai.model.fast's alias"), twice);
        for (String bad : new String[] {"gpt 5", "/gpt-5", ".hidden", "a".repeat(129), "é"})
        {
            properties.put("ai.model.qwen.name", bad);
            String refusal = refusal(properties);
            assertTrue(refusal.contains("'ai.model.qwen.name'") && refusal.contains("1 to 128 letters"), refusal);
        }
        properties.remove("ai.model.qwen.name");
        properties.put("ai.model.gpt-5.5.target.a.provider", "oa");
        String dotted = refusal(properties);
        assertTrue(dotted.contains("ai.model.<alias>.name"), dotted);
    }

    /** A target's thinking form comes from its model id, or from the key for a deployment named otherwise. */
    @Test
    void aClaudeTargetsThinkingFormIsReadFromItsIdUnlessSaid() throws Exception
    {
        Map<String, String> properties = withAnthropic();
        properties.put("ai.model.opus.target.a.provider", "an");
        properties.put("ai.model.opus.target.a.model", "claude-opus-4-8");
        properties.put("ai.model.mine.target.a.provider", "an");
        properties.put("ai.model.mine.target.a.model", "prod-reasoner");
        properties.put("ai.model.mine.target.a.thinking", "adaptive");
        properties.put("ai.model.old.target.a.provider", "an");
        properties.put("ai.model.old.target.a.model", "claude-sonnet-4-5");
        AiSettings ai = parse(properties).ai();
        assertEquals(AiSettings.ThinkingForm.ADAPTIVE_ONLY, ai.models().get("opus").targets().get(0).thinking());
        assertEquals(AiSettings.ThinkingForm.ADAPTIVE, ai.models().get("mine").targets().get(0).thinking(), "adaptive, without xhigh it cannot know of");
        assertEquals(AiSettings.ThinkingForm.BUDGET_ONLY, ai.models().get("old").targets().get(0).thinking());
        properties.put("ai.model.opus.target.a.thinking", "budget");
        assertEquals(AiSettings.ThinkingForm.BUDGET, parse(properties).ai().models().get("opus").targets().get(0).thinking());
        properties.put("ai.model.opus.target.a.thinking", "enabled");
        String refused = refusal(properties);
        assertTrue(refused.contains("'ai.model.opus.target.a.thinking'") && refused.contains("enabled") && refused.contains("adaptive"), refused);
    }

    /** An OpenAI target's reasoning efforts come from its model id, or from the key for a deployment named otherwise. */
    @Test
    void anOpenAiTargetsReasoningEffortsAreReadFromItsIdUnlessSaid() throws Exception
    {
        Map<String, List<String>> ladders = new java.util.LinkedHashMap<>();
        ladders.put("gpt-5", List.of("minimal", "low", "medium", "high"));
        ladders.put("gpt-5-mini-2025-08-07", List.of("minimal", "low", "medium", "high"));
        ladders.put("openai/gpt-5-nano", List.of("minimal", "low", "medium", "high"));
        ladders.put("gpt-5-pro", List.of("high"));
        ladders.put("gpt-5-codex", List.of("low", "medium", "high"));
        ladders.put("gpt-5.1", List.of("none", "low", "medium", "high"));
        ladders.put("gpt-5.1-codex-max", List.of("low", "medium", "high", "xhigh"));
        ladders.put("gpt-5.2", List.of("none", "low", "medium", "high", "xhigh"));
        ladders.put("GPT-5.5", List.of("none", "low", "medium", "high", "xhigh"));
        ladders.put("gpt-5.4-mini", List.of("none", "low", "medium", "high", "xhigh"));
        ladders.put("gpt-5.2-pro", List.of("medium", "high", "xhigh"));
        ladders.put("gpt-5.3-codex", List.of("low", "medium", "high", "xhigh"));
        ladders.put("o3", List.of("low", "medium", "high"));
        ladders.put("o4-mini-2025-04-16", List.of("low", "medium", "high"));
        ladders.put("gpt-4o", List.of());
        ladders.put("gpt-4.1-mini", List.of());
        ladders.put("gpt-3.5-turbo", List.of());
        ladders.put("gpt-5-chat-latest", null);
        ladders.put("gpt-5.6", null);
        ladders.put("gpt-5.6-sol", null);
        ladders.put("gpt-6.2-sol", null);
        ladders.put("gpt-5.5-at-the-provider", null);
        ladders.put("gpt-oss-120b", null);
        ladders.put("o1-mini", null);
        ladders.put("deepseek-reasoner", null);
        ladders.forEach((model, ladder) -> assertEquals(ladder, AiSettings.Reasoning.of(model).efforts(), model));

        AiSettings.Reasoning five = AiSettings.Reasoning.of("gpt-5");
        assertEquals("high", five.fit("xhigh"));
        assertEquals("high", five.fit("max"));
        assertEquals("minimal", five.fit("none"));
        assertEquals("wild", five.fit("wild"), "not an effort: as sent, for the provider to refuse");
        assertTrue(five.reasons(null), "gpt-5 always reasons");
        AiSettings.Reasoning latest = AiSettings.Reasoning.of("gpt-5.5");
        assertEquals("low", latest.fit("minimal"), "the greater of two as near");
        assertEquals("xhigh", latest.fit("ultra"), "gpt-5.6's highest, to gpt-5.5");
        assertFalse(latest.reasons(null), "gpt-5.5 reasons only when asked");
        assertFalse(latest.reasons("none"));
        assertTrue(latest.reasons("low"));

        Map<String, String> properties = base();
        properties.put("ai.model.routed.target.a.provider", "local");
        properties.put("ai.model.routed.target.a.model", "openai/gpt-5");
        assertFalse(parse(properties).ai().models().get("routed").targets().get(0).reasoning().known(),
            "another server (a router) gets what the client sent, unless the key says");
        properties.put("ai.model.fast.target.a.model", "my-deployment");
        properties.put("ai.model.fast.target.a.reasoning-efforts", "high, none, low");
        assertEquals(List.of("none", "low", "high"), parse(properties).ai().models().get("fast").targets().get(0).reasoning().efforts());
        properties.put("ai.model.fast.target.a.reasoning-efforts", "not-taken");
        assertEquals(List.of(), parse(properties).ai().models().get("fast").targets().get(0).reasoning().efforts());
        properties.put("ai.model.fast.target.a.model", "gpt-5");
        properties.put("ai.model.fast.target.a.reasoning-efforts", "as-sent");
        assertFalse(parse(properties).ai().models().get("fast").targets().get(0).reasoning().known());
        properties.put("ai.model.fast.target.a.reasoning-efforts", "low, extreme");
        String refused = refusal(properties);
        assertTrue(refused.contains("'ai.model.fast.target.a.reasoning-efforts'") && refused.contains("low, extreme") && refused.contains("not-taken"),
            refused);

        Map<String, String> claude = withAnthropic();
        claude.put("ai.model.opus.target.a.provider", "an");
        claude.put("ai.model.opus.target.a.model", "claude-opus-4-8");
        claude.put("ai.model.opus.target.a.reasoning-efforts", "low, high");
        refused = refusal(claude);
        assertTrue(refused.contains("'ai.model.opus.target.a.reasoning-efforts'") && refused.contains(".thinking"), refused);
    }

    /** OpenAI's codex and pro models are asked through its Responses API, read from the id for an OpenAI provider or said by the key. */
    @Test
    void aTargetIsAskedThroughTheResponsesApiWhenOnlyThatServesIt() throws Exception
    {
        Map<String, String> properties = withAnthropic();
        properties.put("ai.model.coder.target.a.provider", "oa");
        properties.put("ai.model.coder.target.a.model", "gpt-5.3-codex");
        properties.put("ai.model.local.target.a.provider", "local");
        properties.put("ai.model.local.target.a.model", "gpt-5.3-codex");
        properties.put("ai.model.pro.target.a.provider", "oa");
        properties.put("ai.model.pro.target.a.model", "openai/o3-pro-2025-06-10");
        properties.put("ai.model.claude.target.a.provider", "an");
        properties.put("ai.model.claude.target.a.model", "claude-sonnet-4-5");
        AiSettings ai = parse(properties).ai();
        assertTrue(ai.models().get("coder").targets().get(0).responses());
        assertTrue(ai.models().get("pro").targets().get(0).responses());
        assertFalse(ai.models().get("local").targets().get(0).responses(), "another server's model of that name: its chat API, unless said");
        assertFalse(ai.models().get("fast").targets().get(0).responses(), "gpt-4o-mini: chat completions");
        assertTrue(ai.models().get("fast").targets().get(0).relay(), "but a Responses client's request goes to OpenAI's Responses API as it came");
        assertFalse(ai.models().get("local").targets().get(0).relay(), "another server: only when said to serve that API");
        assertFalse(ai.models().get("claude").targets().get(0).relay(), "Anthropic: never");
        assertEquals("/responses", ai.providers().get("oa").responsesPath());
        for (String model : new String[] {"gpt-5-codex", "gpt-5.1-codex-mini", "gpt-5.1-codex-max", "gpt-5-pro", "gpt-5.2-pro", "o1-pro", "codex-mini-latest",
            "o4-mini-deep-research"})
        {
            assertTrue(OpenAiResponses.only(model), model);
        }
        for (String model : new String[] {"gpt-5", "gpt-5.5", "gpt-5-mini", "o3", "gpt-4o", "codex-helper"})
        {
            assertFalse(OpenAiResponses.only(model), model);
        }

        properties.put("ai.model.local.target.a.api", "responses");
        properties.put("ai.model.coder.target.a.api", "chat");
        properties.put("ai.provider.local.responses-path", "/openai/v1/responses");
        ai = parse(properties).ai();
        assertTrue(ai.models().get("local").targets().get(0).responses());
        assertTrue(ai.models().get("local").targets().get(0).relay());
        assertFalse(ai.models().get("coder").targets().get(0).responses());
        assertFalse(ai.models().get("coder").targets().get(0).relay(), "api = chat: every client through chat completions");
        assertEquals("/openai/v1/responses", ai.providers().get("local").responsesPath());

        properties.put("ai.model.coder.target.a.api", "messages");
        String refused = refusal(properties);
        assertTrue(refused.contains("'ai.model.coder.target.a.api'") && refused.contains("messages") && refused.contains("responses"), refused);
        properties.remove("ai.model.coder.target.a.api");
        properties.put("ai.model.claude.target.a.provider", "an");
        properties.put("ai.model.claude.target.a.model", "claude-sonnet-4-5");
        properties.put("ai.model.claude.target.a.api", "responses");
        refused = refusal(properties);
        assertTrue(refused.contains("'ai.model.claude.target.a.api'") && refused.contains("Messages API"), refused);
        properties.remove("ai.model.claude.target.a.api");
        properties.put("ai.provider.an.responses-path", "/v1/responses");
        refused = refusal(properties);
        assertTrue(refused.contains("'ai.provider.an.responses-path'"), refused);
    }

    @Test
    void badValuesAreRefusedNamingKeyValueAndWhatIsAllowed()
    {
        Map<String, String> type = base();
        type.put("ai.provider.oa.type", "azure");
        assertTrue(refusal(type).contains("'ai.provider.oa.type'") && refusal(type).contains("azure") && refusal(type).contains("openai-compatible"),
            refusal(type));

        Map<String, String> provider = base();
        provider.put("ai.model.fast.target.b.provider", "nowhere");
        assertTrue(refusal(provider).contains("'ai.model.fast.target.b.provider'") && refusal(provider).contains("local, oa"), refusal(provider));

        Map<String, String> strategy = base();
        strategy.put("ai.model.fast.strategy", "fastest");
        assertTrue(refusal(strategy).contains("priority, weighted, least-busy, latency or cost"), refusal(strategy));

        Map<String, String> price = base();
        price.put("ai.model.fast.target.a.output-price", "cheap");
        assertTrue(refusal(price).contains("'ai.model.fast.target.a.output-price'") && refusal(price).contains("USD per million"), refusal(price));

        Map<String, String> key = base();
        key.put("ai.provider.oa.api-key", "");
        assertTrue(refusal(key).contains("'ai.provider.oa.api-key'"), refusal(key));

        Map<String, String> url = base();
        url.put("ai.provider.local.base-url", "ftp://host/v1");
        assertTrue(refusal(url).contains("'ai.provider.local.base-url'"), refusal(url));

        Map<String, String> upstream = base();
        upstream.put("route.ai.upstream", "api");
        assertTrue(refusal(upstream).contains("'route.ai.upstream'"), refusal(upstream));

        Map<String, String> aliases = base();
        aliases.put("route.ai.ai.models", "fast, slow");
        assertTrue(refusal(aliases).contains("'route.ai.ai.models'") && refusal(aliases).contains("slow"), refusal(aliases));

        Map<String, String> fallback = base();
        fallback.put("ai.model.fast.context-fallback", "fast");
        assertTrue(refusal(fallback).contains("'ai.model.fast.context-fallback'"), refusal(fallback));

        Map<String, String> embeddings = base();
        embeddings.put("ai.provider.an.type", "anthropic");
        embeddings.put("ai.provider.an.api-key", "k");
        embeddings.put("ai.model.e.type", "embeddings");
        embeddings.put("ai.model.e.target.x.provider", "an");
        embeddings.put("ai.model.e.target.x.model", "claude");
        assertTrue(refusal(embeddings).contains("Anthropic has no embeddings API"), refusal(embeddings));

        Map<String, String> typo = base();
        typo.put("ai.model.fast.target.a.input-prise", "1");
        assertTrue(refusal(typo).contains("input-prise"), refusal(typo));
    }
}
