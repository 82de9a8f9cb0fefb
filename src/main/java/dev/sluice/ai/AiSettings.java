// The AI front's configuration: providers, model aliases and their targets, and who may use which.
package dev.sluice.ai;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Everything under {@code ai.*}, plus {@code route.<name>.ai.*} and {@code consumer.<id>.ai.models}.
 * Immutable; swapped with the rest of the configuration on reload.
 *
 * @param routeModels per AI route, the aliases it serves (empty: all)
 * @param consumerModels per consumer, the aliases it may use (absent: all the route serves)
 * @param maxRequestBody the largest request body read, in bytes
 * @param maxResponseBody the largest non-streamed provider answer read, in bytes
 * @param logBodies whether prompt and completion text go into the access log
 * @param governance token limits, budgets, the response cache, prompt guards, templates and queues
 */
public record AiSettings(
    Map<String, Provider> providers,
    Map<String, Model> models,
    Map<String, Set<String>> routeModels,
    Map<String, Set<String>> consumerModels,
    long maxRequestBody,
    long maxResponseBody,
    boolean logBodies,
    Cooldown cooldown,
    Governance governance)
{
    public static final AiSettings NONE = new AiSettings(Map.of(), Map.of(), Map.of(), Map.of(), 1 << 20, 8 << 20, false,
        new Cooldown(3, Duration.ofSeconds(30), Duration.ofSeconds(30)), Governance.NONE);

    public AiSettings
    {
        providers = Map.copyOf(providers);
        models = Map.copyOf(models);
        routeModels = Map.copyOf(routeModels);
        consumerModels = Map.copyOf(consumerModels);
    }

    /** Whether {@code route} may serve {@code alias} to {@code consumer} (null: no declared consumer). */
    public boolean allowed(String route, String consumer, String alias)
    {
        Set<String> forRoute = routeModels.getOrDefault(route, Set.of());
        if (!forRoute.isEmpty() && !forRoute.contains(alias))
        {
            return false;
        }
        Set<String> forConsumer = consumer == null ? null : consumerModels.get(consumer);
        return forConsumer == null || forConsumer.contains(alias);
    }

    public enum ProviderType
    {
        OPENAI, ANTHROPIC, OPENAI_COMPATIBLE;

        public String label()
        {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }
    }

    /**
     * One provider. {@code apiKey} is a secret: never logged, never in an error or admin view
     * ({@link #toString()} leaves it out).
     *
     * @param authHeader the header the key goes in: {@code Authorization} (as a bearer token),
     *        {@code x-api-key} (Anthropic) or e.g. {@code api-key} (Azure)
     * @param chatPath the path under the base URL for chat, {@code {model}} replaced by the target's model id
     * @param responsesPath the path under the base URL of OpenAI's Responses API, for targets asked through it
     * @param apiVersion added as {@code ?api-version=} when set (Azure style)
     * @param firstToken how long a stream may take to its first content token
     * @param idle the longest silence between two reads of an answer
     * @param total the longest a whole answer may take; zero for no limit
     * @param caFile PEM certificates to trust for this provider instead of the JDK's, or null
     */
    public record Provider(
        String name,
        ProviderType type,
        URI baseUrl,
        String apiKey,
        String authHeader,
        Map<String, String> headers,
        String chatPath,
        String responsesPath,
        String embeddingsPath,
        String apiVersion,
        String anthropicVersion,
        Duration connect,
        Duration firstToken,
        Duration idle,
        Duration total,
        java.nio.file.Path caFile,
        boolean autoPromptCache,
        boolean reasoningHistory,
        java.util.Set<String> dropFields)
    {
        public Provider
        {
            headers = Map.copyOf(headers);
            dropFields = java.util.Set.copyOf(dropFields);
        }

        @Override
        public String toString()
        {
            return "Provider[" + name + ", " + type.label() + ", " + baseUrl + "]";
        }
    }

    public enum Strategy
    {
        PRIORITY, WEIGHTED, LEAST_BUSY, LATENCY, COST
    }

    public enum Kind
    {
        CHAT, EMBEDDINGS
    }

    /**
     * What clients ask for by name.
     *
     * @param alias the name clients send as {@code model}, everywhere the model is named (lists, logs, metrics, allow lists)
     * @param maxAttempts how many targets one request may try
     * @param contextFallback the alias to try when the prompt is too long for this one, or null
     * @param dropUnsupported whether request fields a provider has no equivalent for are dropped instead of refused
     * @param key the model's part of its configuration keys ({@code ai.model.<key>.…}): the alias, unless
     *     {@code ai.model.<key>.name} gives a name a key cannot hold (gpt-5.5)
     */
    public record Model(String alias, Kind kind, List<Target> targets, Strategy strategy, int maxAttempts, String contextFallback,
        boolean dropUnsupported, String key)
    {
        public Model
        {
            targets = List.copyOf(targets);
        }

        public Model(String alias, Kind kind, List<Target> targets, Strategy strategy, int maxAttempts, String contextFallback, boolean dropUnsupported)
        {
            this(alias, kind, targets, strategy, maxAttempts, contextFallback, dropUnsupported, alias);
        }
    }

    /**
     * How a Claude model takes thinking. Claude 3.7 to 4.5 take a token budget
     * ({@code {"type": "enabled", "budget_tokens": n}}), and of them only Opus 4.5 an
     * {@code output_config.effort} ({@link #BUDGET_ONLY}: the others refuse one); 4.6 takes a
     * budget or adaptive thinking ({@link #ADAPTIVE}), and from Opus 4.7 on (Sonnet 5, Fable 5
     * and later) only adaptive thinking is taken ({@link #ADAPTIVE_ONLY}): a budget is refused
     * with 400 ("thinking.type.enabled is not supported for this model"), as are the sampling
     * parameters ({@code temperature}, {@code top_p}, {@code top_k}). Adaptive thinking is
     * steered by the effort: low, medium, high and max from 4.6 on, xhigh only from Opus 4.7 on.
     * {@link #BUDGET} is also the form of an id that names no Claude version: a budget for
     * reasoning, what the client sent passed as it came.
     */
    public enum ThinkingForm
    {
        BUDGET_ONLY, BUDGET, ADAPTIVE, ADAPTIVE_ONLY;

        /** Whether thinking goes as a token budget. */
        public boolean budget()
        {
            return this == BUDGET || this == BUDGET_ONLY;
        }

        private static final java.util.regex.Pattern FAMILY_VERSION =
            java.util.regex.Pattern.compile("(opus|sonnet|haiku|fable|mythos)[-_.]?(\\d{1,2})(?!\\d)(?:[-_.](\\d{1,2})(?!\\d))?");

        /**
         * The form a model id stands for, found by its family and version wherever they stand in
         * it ({@code claude-opus-4-8}, {@code claude-sonnet-4-5-20250929},
         * {@code us.anthropic.claude-opus-4-8-v1:0}); an id that shows neither (a deployment's own
         * name) keeps the budget, which every model before Opus 4.7 takes.
         */
        public static ThinkingForm of(String model)
        {
            java.util.regex.Matcher found = FAMILY_VERSION.matcher(model.toLowerCase(java.util.Locale.ROOT));
            if (!found.find())
            {
                return BUDGET;
            }
            int major = Integer.parseInt(found.group(2));
            int minor = found.group(3) == null ? 0 : Integer.parseInt(found.group(3));
            if (found.group(1).equals("fable") || found.group(1).equals("mythos") || major >= 5 || (major == 4 && minor >= 7))
            {
                return ADAPTIVE_ONLY;
            }
            if (major == 4 && minor == 6)
            {
                return ADAPTIVE;
            }
            return found.group(1).equals("opus") && major == 4 && minor == 5 ? BUDGET : BUDGET_ONLY;
        }
    }

    /**
     * Which {@code reasoning_effort} values an OpenAI model takes, in the order of {@link #LADDER};
     * empty for a model that does not reason (gpt-4o, gpt-4.1: OpenAI refuses the field), null
     * when not known ({@link #AS_SENT}: a deployment's own name, another provider's model).
     * OpenAI's ladders differ by model and refuse what they lack with 400 ("Unsupported value:
     * 'minimal' is not supported with the 'gpt-5.1' model"): gpt-5 takes minimal to high, gpt-5.1
     * none to high, gpt-5.2 and later none to xhigh, the o-series low to high. A model with
     * {@code none} on its ladder reasons only when asked (its default is none), and only then
     * takes a temperature or {@code top_p} other than 1; one without always reasons, and never
     * takes them.
     */
    public record Reasoning(List<String> efforts)
    {
        /** Every effort any model names, least first (max: Claude's and OpenAI's from gpt-5.6; ultra: OpenAI's from gpt-5.6). */
        public static final List<String> LADDER = List.of("none", "minimal", "low", "medium", "high", "xhigh", "max", "ultra");

        public static final Reasoning AS_SENT = new Reasoning(null);
        public static final Reasoning NOT_TAKEN = new Reasoning(List.of());

        private static final java.util.regex.Pattern DATED = java.util.regex.Pattern.compile("-\\d{4}-\\d{2}-\\d{2}$");
        private static final java.util.regex.Pattern O_SERIES = java.util.regex.Pattern.compile("o[1-9](-mini|-pro)?");
        private static final java.util.regex.Pattern GPT_5 =
            java.util.regex.Pattern.compile("gpt-5(?:\\.(\\d{1,2}))?(-mini|-nano|-pro|-codex|-codex-mini|-codex-max)?");

        /** Whether the model's ladder is known (else the client's effort and sampling go as sent). */
        public boolean known()
        {
            return efforts != null;
        }

        /** Whether the model takes an effort at all. */
        public boolean taken()
        {
            return efforts != null && !efforts.isEmpty();
        }

        /**
         * The effort the model takes nearest the one asked for, the greater of two as near (minimal
         * as low where there is none, none as the least there is); as asked when it is taken, not
         * on the ladder, or the ladder is not known.
         */
        public String fit(String effort)
        {
            int wanted = LADDER.indexOf(effort);
            if (!taken() || wanted < 0 || efforts.contains(effort))
            {
                return effort;
            }
            String nearest = effort;
            int distance = Integer.MAX_VALUE;
            for (String taken : efforts)
            {
                int away = Math.abs(LADDER.indexOf(taken) - wanted);
                if (away < distance || (away == distance && LADDER.indexOf(taken) > wanted))
                {
                    nearest = taken;
                    distance = away;
                }
            }
            return nearest;
        }

        /** Whether the model reasons at the given effort (already fitted; null: none asked for, the model's default). */
        public boolean reasons(String effort)
        {
            return taken() && !"none".equals(effort == null ? efforts.get(0) : effort);
        }

        /** An OpenAI model's id as its family reads: in lower case, without a router's prefix ({@code openai/}) or a snapshot's date. */
        public static String bareId(String model)
        {
            String id = model.toLowerCase(java.util.Locale.ROOT);
            return DATED.matcher(id.substring(id.lastIndexOf('/') + 1)).replaceFirst("");
        }

        /**
         * The ladder of an OpenAI model id, wherever it is served ({@code openai/gpt-5} through a
         * router, a dated snapshot such as {@code gpt-5-2025-08-07}); {@link #AS_SENT} for an id it
         * does not know, so that no model is held to a ladder that is not its own.
         */
        public static Reasoning of(String model)
        {
            String id = bareId(model);
            if (id.startsWith("gpt-4") || id.startsWith("gpt-3.5") || id.startsWith("chatgpt-"))
            {
                return NOT_TAKEN;
            }
            if (O_SERIES.matcher(id).matches())
            {
                // o1-mini took no effort at all; it is retired, and an effort to it goes as sent.
                return id.equals("o1-mini") ? AS_SENT : new Reasoning(List.of("low", "medium", "high"));
            }
            java.util.regex.Matcher gpt5 = GPT_5.matcher(id);
            if (!gpt5.matches())
            {
                return AS_SENT;
            }
            int minor = gpt5.group(1) == null ? 0 : Integer.parseInt(gpt5.group(1));
            String variant = gpt5.group(2) == null ? "" : gpt5.group(2);
            if (minor > 5)
            {
                // gpt-5.6 and later name max and ultra too (Codex 0.171's catalog); their ladders are not known here.
                return AS_SENT;
            }
            return new Reasoning(switch (variant)
            {
                case "-pro" -> minor == 0 ? List.of("high") : List.of("medium", "high", "xhigh");
                case "-codex", "-codex-mini" -> minor <= 1 ? List.of("low", "medium", "high") : List.of("low", "medium", "high", "xhigh");
                case "-codex-max" -> List.of("low", "medium", "high", "xhigh");
                default -> minor == 0 ? List.of("minimal", "low", "medium", "high")
                    : minor == 1 ? List.of("none", "low", "medium", "high") : List.of("none", "low", "medium", "high", "xhigh");
            });
        }
    }

    /**
     * One way to answer an alias: a provider and its model id, with prices in USD per million tokens.
     *
     * @param cacheWritePrice the price of prompt tokens written to the provider's cache
     * @param webSearchPrice the price of one search by Anthropic's web search tool, in USD
     * @param maxTokens the {@code max_tokens} sent to Anthropic when the client gives none
     * @param thinking how the model takes thinking, when its provider is Anthropic's
     * @param reasoning which reasoning efforts the model takes, when its provider is OpenAI-style
     * @param responses whether the model is asked through OpenAI's Responses API ({@link OpenAiResponses}) instead of chat completions
     * @param relay whether a Responses API client's request goes to the model as it came, through the provider's Responses API
     *        ({@link ResponsesRelay}), when nothing Sluice does to a prompt changed it
     */
    public record Target(String provider, String model, double inputPrice, double outputPrice, double cachedInputPrice, double cacheWritePrice,
        double webSearchPrice, int contextWindow, int maxTokens, int weight, ThinkingForm thinking, Reasoning reasoning, boolean responses,
        boolean relay)
    {
        /** A target asked through chat completions, whose reasoning ladder is its model id's. */
        public Target(String provider, String model, double inputPrice, double outputPrice, double cachedInputPrice, double cacheWritePrice,
            double webSearchPrice, int contextWindow, int maxTokens, int weight, ThinkingForm thinking)
        {
            this(provider, model, inputPrice, outputPrice, cachedInputPrice, cacheWritePrice, webSearchPrice, contextWindow, maxTokens, weight, thinking,
                Reasoning.of(model), false, false);
        }

        public String id()
        {
            return provider + "/" + model;
        }

        /** The cost of the given usage, in USD. */
        public double cost(Usage usage)
        {
            long cached = Math.min(usage.cachedTokens(), usage.promptTokens());
            long written = Math.min(usage.cacheWriteTokens(), usage.promptTokens() - cached);
            return ((usage.promptTokens() - cached - written) * inputPrice + cached * cachedInputPrice + written * cacheWritePrice
                + usage.completionTokens() * outputPrice) / 1_000_000.0 + usage.webSearches() * webSearchPrice;
        }
    }

    /** A target that failed {@code failures} times within {@code window} is left out for {@code duration}. */
    public record Cooldown(int failures, Duration window, Duration duration)
    {
    }
}
