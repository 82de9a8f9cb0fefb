// The AI front's governance settings: token limits, budgets, the response cache, prompt guards, templates and queues.
package dev.sluice.ai;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.sluice.ratelimit.Limit;

/**
 * Everything under {@code ai.limit.*}, {@code ai.budget.*}, {@code ai.cache.*},
 * {@code ai.template.*}, {@code ai.provider.<p>.max-in-flight|queue|queue-timeout} and
 * {@code route.<r>.ai.guard|redact|prepend|append|cache}; parsed by {@link GovernanceParser}.
 * Immutable, swapped with the rest of the configuration on reload.
 *
 * @param limitsFailOpen whether a request passes when the limit store cannot answer
 * @param batchWindow how long an embeddings request waits for others to merge with; zero for no batching
 * @param batchMax the most inputs one merged embeddings call carries
 */
public record Governance(
    List<TokenLimit> limits,
    boolean limitsFailOpen,
    Budgets budgets,
    CacheSpec cache,
    Map<String, PromptGuard> guards,
    Map<String, ArrayNode> templates,
    Map<String, Decorator> routeDecorators,
    Map<String, Decorator> modelDecorators,
    Map<String, QueueSpec> queues,
    Duration batchWindow,
    int batchMax)
{
    public static final Governance NONE = new Governance(List.of(), true, Budgets.NONE, CacheSpec.OFF, Map.of(), Map.of(), Map.of(), Map.of(), Map.of(),
        Duration.ZERO, 64);

    public Governance
    {
        limits = List.copyOf(limits);
        guards = Map.copyOf(guards);
        templates = Map.copyOf(templates);
        routeDecorators = Map.copyOf(routeDecorators);
        modelDecorators = Map.copyOf(modelDecorators);
        queues = Map.copyOf(queues);
    }

    /** What a token limit counts. */
    public enum Count
    {
        TOTAL, PROMPT, COMPLETION
    }

    /** Whose requests share one bucket of a limit. */
    public enum Scope
    {
        CONSUMER, GROUP, ROUTE, MODEL, GLOBAL
    }

    /**
     * One named limit, {@code ai.limit.<name>.*}: it applies to requests matching every non-empty
     * filter, and each distinct {@code by} value gets its own buckets.
     *
     * @param tokens token limits (empty: none), in the {@code 10000/m} form of request limits
     * @param requests request limits (empty: none)
     */
    public record TokenLimit(String name, List<Limit> tokens, List<Limit> requests, Count count, Scope by, Set<String> routes, Set<String> models,
        Set<String> consumers, Set<String> groups)
    {
        public TokenLimit
        {
            tokens = List.copyOf(tokens);
            requests = List.copyOf(requests);
            routes = Set.copyOf(routes);
            models = Set.copyOf(models);
            consumers = Set.copyOf(consumers);
            groups = Set.copyOf(groups);
        }
    }

    public enum Period
    {
        DAY, MONTH
    }

    /** A spending limit in nano-USD (billionths of a dollar) per calendar day or month, UTC. */
    public record Budget(long nanoUsd, Period period)
    {
    }

    /**
     * @param status 429 or 402 for a request over budget
     * @param file where budgets are kept without Redis (written atomically)
     * @param redis whether budgets are kept in the rate-limit Redis
     */
    public record Budgets(Map<String, Budget> consumers, Map<String, Budget> groups, int status, Path file, boolean redis)
    {
        public static final Budgets NONE = new Budgets(Map.of(), Map.of(), 429, null, false);

        public Budgets
        {
            consumers = Map.copyOf(consumers);
            groups = Map.copyOf(groups);
        }

        public boolean any()
        {
            return !consumers.isEmpty() || !groups.isEmpty();
        }
    }

    /**
     * The AI response cache.
     *
     * @param routes the AI routes whose answers are cached
     * @param maxEntries the heap tier's size in entries
     * @param offHeapBytes the off-heap tier's size, 0 for none
     * @param diskDirectory where a persistent disk tier lives (kept across restarts), or null for none
     * @param diskBytes the disk tier's size
     * @param shared whether consumers share entries (default: each consumer has its own)
     * @param ignoreSystem whether system (and developer) messages are left out of the key
     * @param storeTruncated whether an answer cut by {@code max_tokens} ({@code finish_reason: length}) is stored
     */
    public record CacheSpec(Set<String> routes, Duration ttl, long maxEntries, long offHeapBytes, Path diskDirectory, long diskBytes,
        long maxEntryBytes, boolean shared, boolean ignoreSystem, boolean storeTruncated)
    {
        public static final CacheSpec OFF = new CacheSpec(Set.of(), Duration.ofHours(1), 10_000, 0, null, 0, 1 << 20, false, false, false);

        public CacheSpec
        {
            routes = Set.copyOf(routes);
        }
    }

    /** A named pattern of a prompt guard or redaction. */
    public record Rule(String name, dev.sluice.config.ConfiguredRegex pattern)
    {
    }

    /**
     * A route's prompt guard.
     *
     * @param allRoles whether every message is checked, not only the user's
     * @param maxMessages the most messages a request may carry
     * @param maxPromptTokens the most prompt tokens (counted), 0 for no limit
     * @param maxMessageChars the longest single message, in characters
     */
    public record PromptGuard(List<Rule> allow, List<Rule> deny, List<Rule> redact, boolean allRoles, int maxMessages, long maxPromptTokens,
        int maxMessageChars)
    {
        public PromptGuard
        {
            allow = List.copyOf(allow);
            deny = List.copyOf(deny);
            redact = List.copyOf(redact);
        }
    }

    /** Messages put before and after the client's, per route or alias. */
    public record Decorator(ArrayNode prepend, ArrayNode append)
    {
    }

    /**
     * A provider's admission: at most {@code maxInFlight} requests at once, the rest waiting in a
     * queue of at most {@code queue} (one consumer at most {@code perConsumer} of it) for at most
     * {@code timeout}.
     */
    public record QueueSpec(int maxInFlight, int queue, int perConsumer, Duration timeout)
    {
    }
}
