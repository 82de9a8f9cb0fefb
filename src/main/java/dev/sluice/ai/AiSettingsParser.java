// Reads ai.*, route.<name>.ai.models and consumer.<id>.ai.models into AiSettings.
package dev.sluice.ai;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import dev.sluice.config.ConfigReader;
import dev.sluice.config.SettingsParser;
import dev.sluice.route.Route;
import dev.sluice.route.RouteTable;

/**
 * Parses the AI front's keys, each documented in {@code conf/sluice.properties}. Problems are
 * recorded on the reader like every other parser's, naming the key, the value and what is allowed.
 */
public final class AiSettingsParser
{
    private static final int MAX_TARGETS = 16;
    /** What a client may send as {@code model}, such as gpt-5.5, Qwen/Qwen3-Coder-30B or claude-sonnet-4@20250514. */
    private static final java.util.regex.Pattern MODEL_NAME = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,127}");

    private AiSettingsParser()
    {
    }

    public static AiSettings parse(ConfigReader reader, RouteTable routes, Set<String> consumers, boolean redis)
    {
        long maxRequestBody = reader.size("ai.max-request-body", 1 << 20, 64L << 20);
        long maxResponseBody = reader.size("ai.max-response-body", 8 << 20, 256L << 20);
        boolean logBodies = reader.bool("ai.log.bodies", false);
        AiSettings.Cooldown cooldown = new AiSettings.Cooldown(
            reader.integer("ai.cooldown.failures", 3, 1, 1000),
            reader.positiveDuration("ai.cooldown.window", Duration.ofSeconds(30)),
            reader.positiveDuration("ai.cooldown.duration", Duration.ofSeconds(30)));

        Map<String, AiSettings.Provider> providers = new TreeMap<>();
        for (String name : reader.names("ai.provider."))
        {
            AiSettings.Provider provider = provider(reader, name);
            if (provider != null)
            {
                providers.put(name, provider);
            }
        }
        // Keyed by the name clients send: the alias, or its .name when the name cannot be a key.
        Map<String, AiSettings.Model> models = new TreeMap<>();
        for (String alias : reader.names("ai.model."))
        {
            AiSettings.Model model = model(reader, alias, providers);
            if (model == null)
            {
                continue;
            }
            AiSettings.Model other = models.get(model.alias());
            if (other != null)
            {
                reader.invalid("ai.model." + alias + ".name", model.alias(), "a name no other model has: it is also ai.model." + other.key()
                    + (other.key().equals(other.alias()) ? "'s alias" : ".name"));
                continue;
            }
            models.put(model.alias(), model);
        }
        for (AiSettings.Model model : models.values())
        {
            String fallback = model.contextFallback();
            if (fallback != null && (!models.containsKey(fallback) || fallback.equals(model.alias()) || models.get(fallback).kind() != model.kind()))
            {
                reader.invalid("ai.model." + model.key() + ".context-fallback", fallback,
                    "another configured model of the same type (" + model.kind().name().toLowerCase(Locale.ROOT) + "), by the name clients send"
                        + named(fallback, models));
            }
        }

        Map<String, Set<String>> routeModels = new LinkedHashMap<>();
        for (Route route : routes.routes())
        {
            String key = "route." + route.name() + ".ai.models";
            List<String> aliases = reader.list(key);
            if (!route.ai() && !aliases.isEmpty())
            {
                reader.problem("Key '" + key + "' is set on a route that is not an AI route; allowed: only with route." + route.name() + ".ai = on.");
                continue;
            }
            if (route.ai())
            {
                routeModels.put(route.name(), aliases(reader, key, aliases, models));
            }
        }
        Map<String, Set<String>> consumerModels = new LinkedHashMap<>();
        for (String consumer : consumers)
        {
            String key = "consumer." + consumer + ".ai.models";
            if (reader.isSet(key))
            {
                consumerModels.put(consumer, aliases(reader, key, reader.list(key), models));
            }
        }
        Governance governance = GovernanceParser.parse(reader, routes, consumers, models, providers, redis);
        return new AiSettings(providers, models, routeModels, consumerModels, maxRequestBody, maxResponseBody, logBodies, cooldown, governance);
    }

    private static Set<String> aliases(ConfigReader reader, String key, List<String> aliases, Map<String, AiSettings.Model> models)
    {
        Set<String> known = new LinkedHashSet<>();
        for (String alias : aliases)
        {
            if (models.containsKey(alias))
            {
                known.add(alias);
            }
            else
            {
                reader.invalid(key, alias, models.isEmpty() ? "aliases of ai.model.<alias> (none is configured)"
                    : "the names clients send for the configured models: " + String.join(", ", models.keySet()) + named(alias, models));
            }
        }
        return known;
    }

    /** A hint when a reference names a model by its key and the model has a .name: references use the name. */
    private static String named(String reference, Map<String, AiSettings.Model> models)
    {
        for (AiSettings.Model model : models.values())
        {
            if (model.key().equals(reference) && !model.alias().equals(reference))
            {
                return " ('" + reference + "' is named '" + model.alias() + "': refer to it by that name)";
            }
        }
        return "";
    }

    private static AiSettings.Provider provider(ConfigReader reader, String name)
    {
        String prefix = "ai.provider." + name + ".";
        if (!SettingsParser.NAME.matcher(name).matches() || name.contains("/"))
        {
            reader.problem("Provider name '" + name + "' is not allowed; allowed: letters, digits, '-' and '_'.");
            return null;
        }
        String typeText = reader.required(prefix + "type", "openai, anthropic or openai-compatible");
        AiSettings.ProviderType type = null;
        if (typeText != null)
        {
            for (AiSettings.ProviderType candidate : AiSettings.ProviderType.values())
            {
                if (candidate.label().equals(typeText.toLowerCase(Locale.ROOT)))
                {
                    type = candidate;
                }
            }
            if (type == null)
            {
                reader.invalid(prefix + "type", typeText, "openai, anthropic or openai-compatible");
            }
        }
        String defaultBase = type == AiSettings.ProviderType.OPENAI ? "https://api.openai.com/v1"
            : type == AiSettings.ProviderType.ANTHROPIC ? "https://api.anthropic.com" : null;
        String baseText = defaultBase == null ? reader.required(prefix + "base-url", "the provider's base URL, such as http://127.0.0.1:8000/v1")
            : reader.string(prefix + "base-url", defaultBase);
        URI base = null;
        if (baseText != null)
        {
            try
            {
                base = URI.create(baseText.endsWith("/") ? baseText.substring(0, baseText.length() - 1) : baseText);
                if (!("http".equals(base.getScheme()) || "https".equals(base.getScheme())) || base.getHost() == null
                    || base.getRawQuery() != null || base.getRawFragment() != null || base.getRawUserInfo() != null || !ConfigReader.portInRange(base))
                {
                    reader.invalid(prefix + "base-url", baseText, "an http:// or https:// URL with a host and no query, fragment or user-info");
                    base = null;
                }
            }
            catch (IllegalArgumentException x)
            {
                reader.invalid(prefix + "base-url", baseText, "an http:// or https:// URL");
            }
        }
        String apiKey = reader.optional(prefix + "api-key").orElse(null);
        if (apiKey == null && (type == AiSettings.ProviderType.OPENAI || type == AiSettings.ProviderType.ANTHROPIC) && !reader.isUnresolved(prefix + "api-key"))
        {
            reader.problem("Key '" + prefix + "api-key' is required for a provider of type " + type.label()
                + "; allowed: the provider's API key, best as ${ENV_VARIABLE} so it stays out of the file.");
        }
        boolean anthropic = type == AiSettings.ProviderType.ANTHROPIC;
        String authHeader = reader.string(prefix + "auth-header", anthropic ? "x-api-key" : "Authorization");
        if (!SettingsParser.TOKEN.matcher(authHeader).matches())
        {
            reader.invalid(prefix + "auth-header", authHeader, "a header name such as Authorization, x-api-key or api-key");
        }
        Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (String header : reader.keysUnder(prefix + "header."))
        {
            String value = reader.optional(prefix + "header." + header).orElse("");
            if (!SettingsParser.TOKEN.matcher(header).matches() || !value.chars().allMatch(c -> c >= 0x20 && c < 0x7f))
            {
                reader.problem("Key '" + prefix + "header." + header + "' is not a valid header; allowed: a header name and a visible ASCII value.");
            }
            else
            {
                headers.put(header, value);
            }
        }
        String chatPath = path(reader, prefix + "chat-path", anthropic ? "/v1/messages" : "/chat/completions");
        String responsesPath = path(reader, prefix + "responses-path", "/responses");
        if (anthropic && reader.isSet(prefix + "responses-path"))
        {
            reader.invalid(prefix + "responses-path", responsesPath, "no value for a provider of type anthropic: only OpenAI-style providers have a"
                + " Responses API");
        }
        String embeddingsPath = path(reader, prefix + "embeddings-path", "/embeddings");
        String apiVersion = reader.optional(prefix + "api-version").orElse(null);
        String anthropicVersion = reader.string(prefix + "anthropic-version", "2023-06-01");
        Duration connect = reader.positiveDuration(prefix + "connect-timeout", Duration.ofSeconds(5));
        Duration firstToken = reader.positiveDuration(prefix + "first-token-timeout", Duration.ofSeconds(60));
        Duration idle = reader.positiveDuration(prefix + "idle-timeout", Duration.ofSeconds(60));
        Duration total = reader.duration(prefix + "timeout", Duration.ofMinutes(10));
        java.nio.file.Path caFile = null;
        String ca = reader.optional(prefix + "ca-file").orElse(null);
        if (ca != null)
        {
            try
            {
                dev.sluice.upstream.UpstreamTls.trustStore(java.nio.file.Path.of(ca));
                caFile = java.nio.file.Path.of(ca);
            }
            catch (Exception x)
            {
                reader.invalid(prefix + "ca-file", ca, "a readable PEM file with the CA certificates to trust for this provider");
            }
        }
        String promptCache = reader.choice(prefix + "prompt-cache", "off", List.of("auto", "off"));
        if ("auto".equals(promptCache) && !anthropic)
        {
            reader.invalid(prefix + "prompt-cache", promptCache, "off for a provider of type " + (type == null ? "other than anthropic" : type.label())
                + ": only Anthropic caches prompts by marks; OpenAI's cache needs none");
        }
        // Earlier answers' reasoning sent back as the assistant message's reasoning_content: DeepSeek's thinking mode refuses
        // a tool-using turn without it, while strict servers (Groq) refuse the field.
        String history = reader.choice(prefix + "reasoning-history", "auto", List.of("auto", "on", "off"));
        if ("on".equals(history) && type != null && type != AiSettings.ProviderType.OPENAI_COMPATIBLE)
        {
            reader.invalid(prefix + "reasoning-history", history, "auto or off for a provider of type " + type.label()
                + ": only an OpenAI-compatible server takes reasoning back as reasoning_content");
        }
        // Top-level fields a strict server refuses ("property 'prompt_cache_key' is unsupported"), left out of every chat request.
        java.util.Set<String> dropFields = new java.util.TreeSet<>();
        for (String field : reader.list(prefix + "drop-fields"))
        {
            if (!field.matches("[A-Za-z0-9_]{1,64}") || List.of("model", "messages", "stream").contains(field))
            {
                reader.invalid(prefix + "drop-fields", field, "names of top-level request fields, such as prompt_cache_key, service_tier or"
                    + " stream_options (then a stream's usage is estimated); not model, messages or stream");
            }
            else
            {
                dropFields.add(field);
            }
        }
        if (type == null || base == null)
        {
            return null;
        }
        boolean reasoningHistory = type == AiSettings.ProviderType.OPENAI_COMPATIBLE
            && ("on".equals(history) || "auto".equals(history) && "api.deepseek.com".equalsIgnoreCase(base.getHost()));
        return new AiSettings.Provider(name, type, base, apiKey, authHeader, headers, chatPath, responsesPath, embeddingsPath, apiVersion, anthropicVersion,
            connect, firstToken, idle, total, caFile, "auto".equals(promptCache), reasoningHistory, dropFields);
    }

    private static String path(ConfigReader reader, String key, String defaultValue)
    {
        String value = reader.string(key, defaultValue);
        if (!value.startsWith("/") || value.contains("?") || value.contains("#") || value.contains(".."))
        {
            reader.invalid(key, value, "a path starting with / (may contain {model}), without query or '..'");
            return defaultValue;
        }
        return value;
    }

    private static AiSettings.Model model(ConfigReader reader, String alias, Map<String, AiSettings.Provider> providers)
    {
        String prefix = "ai.model." + alias + ".";
        if (!SettingsParser.NAME.matcher(alias.replace(':', '-')).matches())
        {
            reader.problem("Model alias '" + alias + "' is not allowed; allowed: letters, digits, '-', '_' and ':' (a '.' would split the key:"
                + " give the model any alias and the name clients send as ai.model.<alias>.name).");
            return null;
        }
        AiSettings.Kind kind = reader.choice(prefix + "type", AiSettings.Kind.CHAT, AiSettings.Kind.class);
        AiSettings.Strategy strategy = reader.choice(prefix + "strategy", AiSettings.Strategy.PRIORITY, AiSettings.Strategy.class);
        List<String> names = reader.list(prefix + "targets");
        if (names.isEmpty())
        {
            names = new ArrayList<>(reader.names(prefix + "target."));
        }
        if (names.isEmpty())
        {
            // ai.model.gpt-5.5.target… reads as the alias gpt-5 with keys under "5.": a version number split by the key's dots.
            String split = reader.keysUnder(prefix).stream().filter(key -> Character.isDigit(key.charAt(0))).findFirst().orElse(null);
            reader.problem("Model '" + alias + "' has no target; allowed: " + prefix + "target.<name>.provider and .model for at least one."
                + (split == null ? "" : " A model name with a '.' cannot be an alias (key '" + prefix + split + "'): give the model an alias"
                    + " without one and the name clients send as ai.model.<alias>.name."));
            return null;
        }
        if (names.size() > MAX_TARGETS)
        {
            reader.invalid(prefix + "targets", String.join(",", names), "at most " + MAX_TARGETS + " targets");
            return null;
        }
        List<AiSettings.Target> targets = new ArrayList<>();
        for (String name : names)
        {
            String targetPrefix = prefix + "target." + name + ".";
            String provider = reader.required(targetPrefix + "provider", "the name of a configured ai.provider.<name>");
            String model = reader.required(targetPrefix + "model", "the provider's model id, such as gpt-4o-mini or claude-sonnet-4-5");
            double input = price(reader, targetPrefix + "input-price");
            double output = price(reader, targetPrefix + "output-price");
            double cached = reader.isSet(targetPrefix + "cached-input-price") ? price(reader, targetPrefix + "cached-input-price") : input;
            // Anthropic charges a write to its prompt cache at 1.25 times the input price (5-minute entries; 2 times for an hour).
            boolean anthropic = provider != null && providers.containsKey(provider) && providers.get(provider).type() == AiSettings.ProviderType.ANTHROPIC;
            double written = reader.isSet(targetPrefix + "cache-write-price") ? price(reader, targetPrefix + "cache-write-price")
                : anthropic ? input * 1.25 : input;
            // The API the model is asked through: OpenAI serves its codex and pro models only through the Responses API.
            String api = reader.choice(targetPrefix + "api", "auto", List.of("auto", "chat", "responses"));
            AiSettings.ProviderType known = provider != null && providers.containsKey(provider) ? providers.get(provider).type() : null;
            // A Responses client's request goes as it came to a model served through the Responses API: OpenAI's own API serves
            // every chat model so, another server only when it is said to.
            boolean relay = known != null && known != AiSettings.ProviderType.ANTHROPIC
                && (api.equals("responses") || (api.equals("auto") && known == AiSettings.ProviderType.OPENAI));
            double searched = webSearchPrice(reader, targetPrefix + "web-search-price", anthropic || relay, input > 0 || output > 0);
            int context = reader.integer(targetPrefix + "context-window", 0, 0, 100_000_000);
            int maxTokens = reader.integer(targetPrefix + "max-tokens", 4096, 1, 10_000_000);
            int weight = reader.integer(targetPrefix + "weight", 1, 1, 1000);
            // Read from the model's id unless set: a deployment named otherwise (a Bedrock profile, a gateway's alias) says which.
            String thinkingForm = reader.choice(targetPrefix + "thinking", "auto", List.of("auto", "budget", "adaptive"));
            String efforts = reader.optional(targetPrefix + "reasoning-efforts").orElse("auto").strip();
            if (provider != null && !providers.containsKey(provider))
            {
                if (!reader.names("ai.provider.").contains(provider))
                {
                    reader.invalid(targetPrefix + "provider", provider, providers.isEmpty() ? "the name of a configured ai.provider.<name> (none is configured)"
                        : "one of the configured providers " + String.join(", ", providers.keySet()));
                }
                continue;
            }
            if (provider == null || model == null)
            {
                continue;
            }
            if (kind == AiSettings.Kind.EMBEDDINGS && providers.get(provider).type() == AiSettings.ProviderType.ANTHROPIC)
            {
                reader.invalid(targetPrefix + "provider", provider, "a provider of type openai or openai-compatible: Anthropic has no embeddings API");
                continue;
            }
            AiSettings.ThinkingForm thinking = switch (thinkingForm)
            {
                // What the client sends beside the budget goes as it came: the key cannot say whether the model takes an effort.
                case "budget" -> AiSettings.ThinkingForm.BUDGET;
                case "adaptive" -> AiSettings.ThinkingForm.of(model) == AiSettings.ThinkingForm.ADAPTIVE_ONLY ? AiSettings.ThinkingForm.ADAPTIVE_ONLY
                    : AiSettings.ThinkingForm.ADAPTIVE;
                default -> AiSettings.ThinkingForm.of(model);
            };
            AiSettings.Reasoning reasoning = reasoning(reader, targetPrefix + "reasoning-efforts", efforts, model, providers.get(provider).type());
            if (reasoning == null)
            {
                continue;
            }
            AiSettings.ProviderType type = providers.get(provider).type();
            if (type == AiSettings.ProviderType.ANTHROPIC && api.equals("responses"))
            {
                reader.invalid(targetPrefix + "api", api, "auto or chat for a target of an Anthropic provider, which is asked through its Messages API");
                continue;
            }
            boolean responses = api.equals("responses") || (api.equals("auto") && type == AiSettings.ProviderType.OPENAI && OpenAiResponses.only(model));
            targets.add(new AiSettings.Target(provider, model, input, output, cached, written, searched, context, maxTokens, weight, thinking, reasoning,
                responses, relay));
        }
        int maxAttempts = reader.integer(prefix + "max-attempts", Math.max(1, Math.min(names.size(), 3)), 1, MAX_TARGETS);
        String contextFallback = reader.optional(prefix + "context-fallback").orElse(null);
        boolean drop = reader.bool(prefix + "drop-unsupported", false);
        if (targets.size() != names.size())
        {
            return null;
        }
        String name = reader.optional(prefix + "name").orElse(alias);
        if (!MODEL_NAME.matcher(name).matches())
        {
            reader.invalid(prefix + "name", name, "1 to 128 letters, digits and '-', '_', '.', ':', '/', '@', '+', starting with a letter or digit");
            return null;
        }
        return new AiSettings.Model(name, kind, targets, strategy, maxAttempts, contextFallback, drop, alias);
    }

    /**
     * The price of a web search: set, or Anthropic's $10 per 1,000 searches on an Anthropic target
     * whose tokens are priced (an unpriced target costs nothing, as before). Only Claude searches
     * through Sluice (its server tool), so another provider's target is refused one.
     */
    /**
     * The reasoning efforts a target takes: read from its model id ({@code auto}) for OpenAI's own API, as the client sends
     * them ({@code as-sent}, and {@code auto} for any other server: a router such as OpenRouter takes an OpenAI model's id
     * and normalizes requests across its models itself), none ({@code not-taken}: a model that does not reason) or a list such as
     * {@code none, low, medium, high}; null when the value is refused.
     */
    private static AiSettings.Reasoning reasoning(ConfigReader reader, String key, String value, String model, AiSettings.ProviderType type)
    {
        String allowed = "auto, as-sent, not-taken, or a comma-separated list of " + String.join(", ", AiSettings.Reasoning.LADDER);
        if (type == AiSettings.ProviderType.ANTHROPIC && !value.equals("auto"))
        {
            reader.invalid(key, value, "auto: an Anthropic target's thinking is set by .thinking");
            return null;
        }
        switch (value)
        {
            case "auto":
                return type == AiSettings.ProviderType.OPENAI ? AiSettings.Reasoning.of(model) : AiSettings.Reasoning.AS_SENT;
            case "as-sent":
                return AiSettings.Reasoning.AS_SENT;
            case "not-taken":
                return AiSettings.Reasoning.NOT_TAKEN;
            default:
                List<String> listed = new ArrayList<>();
                for (String effort : value.split(","))
                {
                    listed.add(effort.strip());
                }
                if (!AiSettings.Reasoning.LADDER.containsAll(listed))
                {
                    reader.invalid(key, value, allowed);
                    return null;
                }
                return new AiSettings.Reasoning(AiSettings.Reasoning.LADDER.stream().filter(listed::contains).toList());
        }
    }

    private static double webSearchPrice(ConfigReader reader, String key, boolean searches, boolean priced)
    {
        if (!reader.isSet(key))
        {
            // Anthropic's $10 per 1,000 searches, and OpenAI's for its reasoning models (its others' cost more: set the key).
            return searches && priced ? 0.01 : 0;
        }
        if (!searches)
        {
            reader.invalid(key, reader.optional(key).orElse(""), "a target of an anthropic provider, or one asked through the Responses API"
                + " (of a provider of type openai, or with api = responses): only Claude's and OpenAI's web search tools are billed per search");
            return 0;
        }
        return price(reader, key, 1_000, "a price in USD per search, such as 0.01");
    }

    private static double price(ConfigReader reader, String key)
    {
        return price(reader, key, 1_000_000, "a price in USD per million tokens, such as 0.15 or 2.5");
    }

    /** A non-negative price below {@code below}, 0 when unset; a bad one is reported with {@code allowed}. */
    private static double price(ConfigReader reader, String key, double below, String allowed)
    {
        String text = reader.optional(key).orElse("0");
        try
        {
            double value = Double.parseDouble(text);
            if (value >= 0 && value < below && Double.isFinite(value))
            {
                return value;
            }
        }
        catch (NumberFormatException ignored)
        {
            // reported below
        }
        reader.invalid(key, text, allowed);
        return 0;
    }
}
