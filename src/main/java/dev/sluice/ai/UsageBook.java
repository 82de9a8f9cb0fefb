// Tokens, cost and requests added up per consumer and per alias since start, for GET /-/admin/ai/usage.
package dev.sluice.ai;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/**
 * In memory, per node. Consumer keys are declared consumer ids or token subjects; past
 * {@link #MAX_CONSUMERS} distinct ones, the rest add up under {@code other}, so a flood of token
 * subjects cannot grow it without bound.
 */
public final class UsageBook
{
    static final int MAX_CONSUMERS = 10_000;
    private final Map<String, Map<String, Totals>> byConsumer = new ConcurrentHashMap<>();
    private final Map<String, Totals> byAlias = new ConcurrentHashMap<>();

    /** Running sums for one key. */
    static final class Totals
    {
        final LongAdder requests = new LongAdder();
        final LongAdder prompt = new LongAdder();
        final LongAdder completion = new LongAdder();
        final LongAdder cached = new LongAdder();
        final LongAdder estimated = new LongAdder();
        final DoubleAdder cost = new DoubleAdder();

        void add(Usage usage, double costUsd)
        {
            requests.increment();
            if (usage != null)
            {
                prompt.add(usage.promptTokens());
                completion.add(usage.completionTokens());
                cached.add(usage.cachedTokens());
                if (usage.estimated())
                {
                    estimated.increment();
                }
            }
            cost.add(costUsd);
        }

        Map<String, Object> view()
        {
            Map<String, Object> view = new LinkedHashMap<>();
            view.put("requests", requests.sum());
            view.put("prompt_tokens", prompt.sum());
            view.put("completion_tokens", completion.sum());
            view.put("cached_tokens", cached.sum());
            view.put("estimated_requests", estimated.sum());
            view.put("cost_usd", Math.round(cost.sum() * 1e6) / 1e6);
            return view;
        }
    }

    /** @param consumer the consumer id or token subject, or null for a public route */
    public void add(String consumer, String alias, Usage usage, double cost)
    {
        String key = consumer == null ? "anonymous" : consumer;
        if (!byConsumer.containsKey(key) && byConsumer.size() >= MAX_CONSUMERS)
        {
            key = "other";
        }
        byConsumer.computeIfAbsent(key, k -> new ConcurrentHashMap<>()).computeIfAbsent(alias, a -> new Totals()).add(usage, cost);
        byAlias.computeIfAbsent(alias, a -> new Totals()).add(usage, cost);
    }

    /** {@code {"aliases": {alias: totals}, "consumers": {id: {alias: totals}}}}, keys sorted. */
    public Map<String, Object> view()
    {
        Map<String, Object> aliases = new TreeMap<>();
        byAlias.forEach((alias, totals) -> aliases.put(alias, totals.view()));
        Map<String, Object> consumers = new TreeMap<>();
        byConsumer.forEach((consumer, perAlias) ->
        {
            Map<String, Object> view = new TreeMap<>();
            perAlias.forEach((alias, totals) -> view.put(alias, totals.view()));
            consumers.put(consumer, view);
        });
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("aliases", aliases);
        view.put("consumers", consumers);
        return view;
    }
}
