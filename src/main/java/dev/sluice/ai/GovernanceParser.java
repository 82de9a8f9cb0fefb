// Reads the AI governance keys (limits, budgets, cache, guards, templates, decorators, queues) into Governance.
package dev.sluice.ai;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.sluice.config.ConfigReader;
import dev.sluice.config.ConfiguredRegex;
import dev.sluice.config.SettingsParser;
import dev.sluice.ratelimit.Limit;
import dev.sluice.route.Route;
import dev.sluice.route.RouteTable;

/**
 * Each key is documented in {@code conf/sluice.properties}; every problem names the key, the
 * value and what is allowed, and refuses the configuration like every other parser's.
 */
final class GovernanceParser
{
    private static final Pattern BUDGET = Pattern.compile("(\\d{1,9}(?:\\.\\d{1,6})?)\\s*USD\\s*/\\s*(day|month)", Pattern.CASE_INSENSITIVE);
    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant");
    /** Built-in redaction patterns: e-mail addresses and payment card numbers (13 to 19 digits, spaces or dashes between). */
    static final Map<String, ConfiguredRegex> BUILT_IN_REDACTIONS = Map.of(
        "email", ConfiguredRegex.compile("[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,253}\\.[A-Za-z]{2,24}", false),
        "card", ConfiguredRegex.compile("\\b\\d(?:[ -]?\\d){12,18}\\b", false));

    private GovernanceParser()
    {
    }

    static Governance parse(ConfigReader reader, RouteTable routes, Set<String> consumers, Map<String, AiSettings.Model> models,
        Map<String, AiSettings.Provider> providers, boolean redis)
    {
        Set<String> aiRoutes = new HashSet<>();
        for (Route route : routes.routes())
        {
            if (route.ai())
            {
                aiRoutes.add(route.name());
            }
        }
        List<Governance.TokenLimit> limits = new ArrayList<>();
        for (String name : reader.names("ai.limit."))
        {
            Governance.TokenLimit limit = limit(reader, name, aiRoutes, consumers, models);
            if (limit != null)
            {
                limits.add(limit);
            }
        }
        String failure = reader.choice("ai.limit.on-store-failure", "allow", List.of("allow", "deny"));
        Governance.Budgets budgets = budgets(reader, consumers, redis);
        Governance.CacheSpec cache = cache(reader, routes);
        Map<String, Governance.PromptGuard> guards = new LinkedHashMap<>();
        Map<String, Governance.Decorator> routeDecorators = new LinkedHashMap<>();
        for (Route route : routes.routes())
        {
            String prefix = "route." + route.name() + ".ai.";
            boolean any = !reader.keysUnder(prefix + "guard.").isEmpty() || reader.isSet(prefix + "redact") || !reader.keysUnder(prefix + "redact.").isEmpty()
                || reader.isSet(prefix + "prepend") || reader.isSet(prefix + "append");
            if (!route.ai())
            {
                if (any)
                {
                    reader.problem("Keys under '" + prefix + "guard', '" + prefix + "redact', '" + prefix + "prepend' and '" + prefix
                        + "append' are set on a route that is not an AI route; allowed: only with route." + route.name() + ".ai = on.");
                }
                continue;
            }
            guards.put(route.name(), guard(reader, prefix));
            Governance.Decorator decorator = decorator(reader, prefix);
            if (decorator != null)
            {
                routeDecorators.put(route.name(), decorator);
            }
        }
        Map<String, Governance.Decorator> modelDecorators = new LinkedHashMap<>();
        for (AiSettings.Model model : models.values())
        {
            Governance.Decorator decorator = decorator(reader, "ai.model." + model.key() + ".");
            if (decorator != null)
            {
                modelDecorators.put(model.alias(), decorator);
            }
        }
        Map<String, ArrayNode> templates = new TreeMap<>();
        for (String name : reader.keysUnder("ai.template."))
        {
            if (!SettingsParser.NAME.matcher(name).matches())
            {
                reader.problem("Template name '" + name + "' in key 'ai.template." + name + "' is not allowed; allowed: letters, digits, '-' and '_'.");
                continue;
            }
            ArrayNode messages = messages(reader, "ai.template." + name);
            if (messages != null)
            {
                templates.put(name, messages);
            }
        }
        Map<String, Governance.QueueSpec> queues = new LinkedHashMap<>();
        for (String provider : providers.keySet())
        {
            String prefix = "ai.provider." + provider + ".";
            if (!reader.isSet(prefix + "max-in-flight"))
            {
                if (reader.isSet(prefix + "queue") || reader.isSet(prefix + "queue-timeout") || reader.isSet(prefix + "queue-per-consumer"))
                {
                    reader.problem("Key '" + prefix + "queue' (and queue-timeout, queue-per-consumer) needs '" + prefix
                        + "max-in-flight'; allowed: set max-in-flight to cap the provider's requests in flight.");
                }
                continue;
            }
            int inFlight = reader.integer(prefix + "max-in-flight", 8, 1, 100_000);
            int queue = reader.integer(prefix + "queue", 100, 0, 1_000_000);
            int perConsumer = reader.integer(prefix + "queue-per-consumer", Math.max(1, queue / 2), 1, Math.max(1, queue));
            Duration timeout = reader.positiveDuration(prefix + "queue-timeout", Duration.ofSeconds(30));
            queues.put(provider, new Governance.QueueSpec(inFlight, queue, perConsumer, timeout));
        }
        Duration batchWindow = reader.duration("ai.embeddings.batch-window", Duration.ZERO);
        if (batchWindow.isNegative() || batchWindow.compareTo(Duration.ofSeconds(1)) > 0)
        {
            reader.invalid("ai.embeddings.batch-window", batchWindow.toMillis() + "ms", "0 (no batching) up to 1s, such as 5ms");
            batchWindow = Duration.ZERO;
        }
        int batchMax = reader.integer("ai.embeddings.batch-max", 64, 1, 2048);
        return new Governance(limits, failure.equals("allow"), budgets, cache, guards, templates, routeDecorators, modelDecorators, queues,
            batchWindow, batchMax);
    }

    private static Governance.TokenLimit limit(ConfigReader reader, String name, Set<String> aiRoutes, Set<String> consumers,
        Map<String, AiSettings.Model> models)
    {
        String prefix = "ai.limit." + name + ".";
        if (!SettingsParser.NAME.matcher(name).matches())
        {
            reader.problem("Limit name '" + name + "' is not allowed; allowed: letters, digits, '-' and '_'.");
            return null;
        }
        List<Limit> tokens = limits(reader, prefix + "tokens");
        List<Limit> requests = limits(reader, prefix + "requests");
        if (tokens.isEmpty() && requests.isEmpty())
        {
            reader.problem("Limit '" + name + "' limits nothing; allowed: " + prefix + "tokens (such as 10000/m) and/or " + prefix
                + "requests (such as 60/m).");
            return null;
        }
        Governance.Count count = reader.choice(prefix + "count", Governance.Count.TOTAL, Governance.Count.class);
        Governance.Scope by = reader.choice(prefix + "by", Governance.Scope.CONSUMER, Governance.Scope.class);
        Set<String> routes = known(reader, prefix + "routes", aiRoutes, "AI routes");
        Set<String> aliases = known(reader, prefix + "models", models.keySet(), "models (by the name clients send)");
        Set<String> who = known(reader, prefix + "consumers", consumers, "consumers");
        Set<String> groups = Set.copyOf(reader.list(prefix + "groups"));
        return new Governance.TokenLimit(name, tokens, requests, count, by, routes, aliases, who, groups);
    }

    private static List<Limit> limits(ConfigReader reader, String key)
    {
        String text = reader.optional(key).orElse(null);
        if (text == null)
        {
            return List.of();
        }
        try
        {
            return Limit.parseList(text);
        }
        catch (IllegalArgumentException x)
        {
            reader.invalid(key, text, Limit.ALLOWED);
            return List.of();
        }
    }

    private static Set<String> known(ConfigReader reader, String key, Set<String> known, String what)
    {
        Set<String> names = new java.util.LinkedHashSet<>();
        for (String name : reader.list(key))
        {
            if (known.contains(name))
            {
                names.add(name);
            }
            else
            {
                reader.invalid(key, name, known.isEmpty() ? what + " (none is configured)"
                    : "one of the configured " + what + " " + String.join(", ", new java.util.TreeSet<>(known)));
            }
        }
        return names;
    }

    private static Governance.Budgets budgets(ConfigReader reader, Set<String> consumers, boolean redis)
    {
        Map<String, Governance.Budget> byConsumer = new TreeMap<>();
        for (String id : reader.keysUnder("ai.budget.consumer."))
        {
            if (!consumers.contains(id))
            {
                reader.invalid("ai.budget.consumer." + id, id, "the id of a configured consumer.<id>");
                continue;
            }
            Governance.Budget budget = budget(reader, "ai.budget.consumer." + id);
            if (budget != null)
            {
                byConsumer.put(id, budget);
            }
        }
        Map<String, Governance.Budget> byGroup = new TreeMap<>();
        for (String group : reader.keysUnder("ai.budget.group."))
        {
            Governance.Budget budget = budget(reader, "ai.budget.group." + group);
            if (budget != null)
            {
                byGroup.put(group, budget);
            }
        }
        int status = reader.integer("ai.budget.status", 429, 402, 429);
        if (status != 402 && status != 429)
        {
            reader.invalid("ai.budget.status", Integer.toString(status), "429 or 402");
        }
        Path file = reader.optional("ai.budget.file").map(Path::of).orElse(null);
        boolean any = !byConsumer.isEmpty() || !byGroup.isEmpty();
        if (any && !redis && file == null)
        {
            reader.problem("Key 'ai.budget.file' is required when budgets are set and ratelimit.store is local; allowed: a file path where "
                + "spending is kept across restarts (written atomically), or ratelimit.store = redis to keep it in Redis.");
        }
        return new Governance.Budgets(byConsumer, byGroup, status, file, redis);
    }

    private static Governance.Budget budget(ConfigReader reader, String key)
    {
        String text = reader.optional(key).orElse("");
        Matcher matcher = BUDGET.matcher(text.trim());
        if (!matcher.matches())
        {
            reader.invalid(key, text, "an amount per day or month such as 25 USD/month or 1.50 USD/day");
            return null;
        }
        long nanos = new BigDecimal(matcher.group(1)).movePointRight(9).longValueExact();
        if (nanos <= 0)
        {
            reader.invalid(key, text, "an amount above zero");
            return null;
        }
        return new Governance.Budget(nanos, matcher.group(2).equalsIgnoreCase("day") ? Governance.Period.DAY : Governance.Period.MONTH);
    }

    private static Governance.CacheSpec cache(ConfigReader reader, RouteTable routes)
    {
        Set<String> cached = new HashSet<>();
        for (Route route : routes.routes())
        {
            String key = "route." + route.name() + ".ai.cache";
            if (reader.isSet(key))
            {
                String value = reader.choice(key, "off", List.of("on", "off", "true", "false"));
                boolean on = value.equals("on") || value.equals("true");
                if (on && !route.ai())
                {
                    reader.problem("Key '" + key + "' is set on a route that is not an AI route; allowed: only with route." + route.name() + ".ai = on.");
                }
                else if (on)
                {
                    cached.add(route.name());
                }
            }
        }
        Duration ttl = reader.positiveDuration("ai.cache.ttl", Duration.ofHours(1));
        long entries = reader.integer("ai.cache.max-entries", 10_000, 1, 10_000_000);
        long offHeap = reader.size("ai.cache.off-heap", 0, 1L << 40);
        if (offHeap > 0 && offHeap < 1 << 20)
        {
            reader.invalid("ai.cache.off-heap", Long.toString(offHeap), "0 (none) or at least 1MB");
        }
        String directory = reader.optional("ai.cache.disk.directory").orElse(null);
        long diskBytes = reader.size("ai.cache.disk.size", 1L << 30, 1L << 50);
        Path disk = null;
        if (directory != null)
        {
            disk = Path.of(directory);
            if (java.nio.file.Files.exists(disk) && (!java.nio.file.Files.isDirectory(disk) || !java.nio.file.Files.isWritable(disk)))
            {
                reader.invalid("ai.cache.disk.directory", directory, "a writable directory (created if missing)");
            }
            if (diskBytes < 1 << 20)
            {
                reader.invalid("ai.cache.disk.size", Long.toString(diskBytes), "at least 1MB");
            }
        }
        long entryBytes = reader.size("ai.cache.max-entry-size", 1 << 20, 64L << 20);
        boolean shared = reader.bool("ai.cache.shared", false);
        boolean ignoreSystem = reader.bool("ai.cache.ignore-system", false);
        boolean truncated = reader.bool("ai.cache.store-truncated", false);
        return new Governance.CacheSpec(cached, ttl, entries, offHeap, disk, diskBytes, entryBytes, shared, ignoreSystem, truncated);
    }

    private static Governance.PromptGuard guard(ConfigReader reader, String prefix)
    {
        List<Governance.Rule> allow = rules(reader, prefix + "guard.allow.");
        List<Governance.Rule> deny = rules(reader, prefix + "guard.deny.");
        List<Governance.Rule> redact = new ArrayList<>();
        for (String name : reader.list(prefix + "redact"))
        {
            ConfiguredRegex builtIn = BUILT_IN_REDACTIONS.get(name);
            if (builtIn == null)
            {
                reader.invalid(prefix + "redact", name, "built-in patterns email and card (add your own as " + prefix + "redact.<name> = <regex>)");
            }
            else
            {
                redact.add(new Governance.Rule(name, builtIn));
            }
        }
        redact.addAll(rules(reader, prefix + "redact."));
        String roles = reader.choice(prefix + "guard.roles", "user", List.of("user", "all"));
        int maxMessages = reader.integer(prefix + "guard.max-messages", 1000, 1, 100_000);
        long maxPromptTokens = reader.integer(prefix + "guard.max-prompt-tokens", 0, 0, Integer.MAX_VALUE);
        int maxMessageChars = (int)reader.size(prefix + "guard.max-message-size", 1 << 20, 64L << 20);
        return new Governance.PromptGuard(allow, deny, redact, roles.equals("all"), maxMessages, maxPromptTokens, maxMessageChars);
    }

    private static List<Governance.Rule> rules(ConfigReader reader, String prefix)
    {
        List<Governance.Rule> rules = new ArrayList<>();
        for (String name : reader.keysUnder(prefix))
        {
            String text = reader.optional(prefix + name).orElse("");
            if (!SettingsParser.NAME.matcher(name).matches())
            {
                reader.problem("Rule name '" + name + "' in key '" + prefix + name + "' is not allowed; allowed: letters, digits, '-' and '_'.");
                continue;
            }
            try
            {
                rules.add(new Governance.Rule(name, ConfiguredRegex.compile(text, true)));
            }
            catch (PatternSyntaxException x)
            {
                reader.invalid(prefix + name, text, "a Java regular expression (" + x.getDescription() + " at index " + x.getIndex() + ")");
            }
        }
        return rules;
    }

    private static Governance.Decorator decorator(ConfigReader reader, String prefix)
    {
        ArrayNode prepend = reader.isSet(prefix + "prepend") ? messages(reader, prefix + "prepend") : null;
        ArrayNode append = reader.isSet(prefix + "append") ? messages(reader, prefix + "append") : null;
        if (prepend == null && append == null)
        {
            return null;
        }
        ArrayNode empty = AnthropicTranslation.JSON.createArrayNode();
        return new Governance.Decorator(prepend != null ? prepend : empty, append != null ? append : empty);
    }

    /** A JSON array of {@code {"role", "content"}} messages with text content. */
    private static ArrayNode messages(ConfigReader reader, String key)
    {
        String text = reader.optional(key).orElse("");
        String allowed = "a JSON array of messages such as [{\"role\":\"system\",\"content\":\"Answer in English.\"}], roles "
            + String.join(", ", new java.util.TreeSet<>(ROLES)) + ", content a string";
        JsonNode parsed;
        try
        {
            parsed = AnthropicTranslation.JSON.readTree(text);
        }
        catch (java.io.IOException x)
        {
            reader.invalid(key, text, allowed);
            return null;
        }
        if (!(parsed instanceof ArrayNode array) || array.isEmpty())
        {
            reader.invalid(key, text, allowed);
            return null;
        }
        for (JsonNode message : array)
        {
            if (!message.isObject() || !ROLES.contains(message.path("role").asText()) || !message.path("content").isTextual() || message.size() != 2)
            {
                reader.invalid(key, text, allowed);
                return null;
            }
        }
        return array;
    }
}
