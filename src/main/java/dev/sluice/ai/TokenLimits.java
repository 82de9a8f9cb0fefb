// Token and request limits of AI routes: a request reserves its estimate up front and settles its real usage at the end.
package dev.sluice.ai;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import dev.sluice.ratelimit.BucketStore;
import dev.sluice.ratelimit.Limit;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.BucketState;

/**
 * Each {@code ai.limit.<name>} that matches a request (route, alias, consumer, group) gives it a
 * token bucket and/or a request bucket per {@code by} value, in the rate limiter's store: in
 * process, or in Redis where every node takes from the same bucket atomically. Before the first
 * provider call the request takes its estimate from every token bucket at once (prompt counted
 * with the tokenizer, plus its {@code max_tokens} or the alias's largest default, capped at the
 * bucket's capacity) — all or nothing — and one from every request bucket; when the answer ends,
 * the difference to the real usage is given back or charged (into debt if need be). Admitted
 * tokens can so exceed a limit by at most what one request used beyond its reservation, however
 * many streams run at once and on however many nodes.
 *
 * <p>Bucket keys carry the limits' sizes: editing a limit starts fresh buckets.</p>
 */
final class TokenLimits
{
    private static final int MAX_KEY_VALUE = 64;

    private final Supplier<BucketStore> stores;
    /**
     * What is computed once per limit rather than per request, by the limit's identity (weak
     * keys): a reload makes new limits and so new plans.
     */
    private final com.github.benmanes.caffeine.cache.Cache<Governance.TokenLimit, Plan> plans =
        com.github.benmanes.caffeine.cache.Caffeine.newBuilder().weakKeys().build();

    /** A limit's bucket configurations, key prefixes and token capacity. */
    private record Plan(BucketConfiguration tokens, BucketConfiguration requests, String tokenPrefix, String requestPrefix, long capacity)
    {
        static Plan of(Governance.TokenLimit limit)
        {
            return new Plan(limit.tokens().isEmpty() ? null : configuration(limit.tokens()),
                limit.requests().isEmpty() ? null : configuration(limit.requests()),
                prefix(limit, "t", limit.tokens()), prefix(limit, "r", limit.requests()), TokenLimits.capacity(limit.tokens()));
        }
    }

    TokenLimits(Supplier<BucketStore> stores)
    {
        this.stores = stores;
    }

    /** Who asks for what: the keys limits match and count by. */
    record Asker(String route, String alias, String consumer, java.util.Set<String> groups, String fallbackKey)
    {
        /** Whose share of a provider queue the request counts in. */
        String queueKey()
        {
            return consumer != null ? "c:" + consumer : fallbackKey;
        }
    }

    /** One bucket a request took from, and what it took. */
    private record Hold(String key, BucketConfiguration configuration, Governance.Count count, long reserved, boolean tokens)
    {
    }

    /**
     * What a request holds; settle it exactly once.
     */
    static final class Reservation
    {
        static final Reservation NONE = new Reservation(null, List.of(), Map.of());

        private final BucketStore store;
        private final List<Hold> holds;
        final Map<String, String> headers;
        private final AtomicBoolean settled = new AtomicBoolean();

        private Reservation(BucketStore store, List<Hold> holds, Map<String, String> headers)
        {
            this.store = store;
            this.holds = holds;
            this.headers = headers;
        }

        /**
         * Gives back or charges the difference to the real usage; null usage (no answer) gives
         * every reserved token back. Request counts stay taken.
         */
        void settle(Usage usage)
        {
            if (holds.isEmpty() || !settled.compareAndSet(false, true))
            {
                return;
            }
            for (Hold hold : holds)
            {
                if (!hold.tokens())
                {
                    continue;
                }
                long used = usage == null ? 0 : switch (hold.count())
                {
                    case TOTAL -> usage.promptTokens() + usage.completionTokens();
                    case PROMPT -> usage.promptTokens();
                    case COMPLETION -> usage.completionTokens();
                };
                long delta = used - hold.reserved();
                if (delta == 0)
                {
                    continue;
                }
                try
                {
                    store.adjust(hold.key(), hold.configuration(), 0, delta);
                }
                catch (BucketStore.Unavailable x)
                {
                    AiFront.LOG.warn("Settling {} tokens of AI limit bucket {} failed: the store did not answer", delta, hold.key());
                }
            }
        }
    }

    /** A refusal: the error to answer and the headers to send with it. */
    record Refusal(AiErrors.Error error, Map<String, String> headers)
    {
    }

    /** Either a reservation or a refusal, never both. */
    record Outcome(Reservation reservation, Refusal refusal)
    {
    }

    /**
     * Takes what the request needs from every limit that applies.
     *
     * @param prompt the counted prompt tokens
     * @param completion the completion tokens to hold (its max_tokens or the alias's default)
     */
    Outcome reserve(Governance governance, Asker asker, long prompt, long completion)
    {
        if (governance.limits().isEmpty())
        {
            return new Outcome(Reservation.NONE, null);
        }
        BucketStore store = stores.get();
        List<Hold> holds = new ArrayList<>();
        Map<String, String> headers = new LinkedHashMap<>();
        long[] tightestTokens = null;
        long[] tightestRequests = null;
        for (Governance.TokenLimit limit : governance.limits())
        {
            String scope = scope(limit, asker);
            if (scope == null)
            {
                continue;
            }
            Plan plan = plans.get(limit, Plan::of);
            try
            {
                if (plan.tokens() != null)
                {
                    BucketConfiguration configuration = plan.tokens();
                    long capacity = plan.capacity();
                    long wanted = switch (limit.count())
                    {
                        case TOTAL -> prompt + completion;
                        case PROMPT -> prompt;
                        case COMPLETION -> completion;
                    };
                    long fixed = limit.count() == Governance.Count.COMPLETION ? 0 : prompt;
                    if (fixed > capacity)
                    {
                        release(store, holds);
                        return new Outcome(null, new Refusal(new AiErrors.Error(429, "tokens", "Request too large for limit '" + limit.name()
                            + "': its prompt is about " + fixed + " tokens, the limit holds " + capacity + ". Send a shorter prompt.", null,
                            "rate_limit_exceeded", 0), Map.of()));
                    }
                    long reserve = Math.min(wanted, capacity);
                    String key = key(plan.tokenPrefix(), scope);
                    BucketStore.Taken taken = store.take(key, configuration, 0, reserve);
                    long[] state = tightest(taken.state(), limit.tokens());
                    if (!taken.probe().isConsumed())
                    {
                        release(store, holds);
                        long waitNanos = taken.probe().getNanosToWaitForRefill();
                        return new Outcome(null, refusal(limit, "tokens", reserve, state, waitNanos));
                    }
                    holds.add(new Hold(key, configuration, limit.count(), reserve, true));
                    tightestTokens = tighter(tightestTokens, state);
                }
                if (plan.requests() != null)
                {
                    BucketConfiguration configuration = plan.requests();
                    String key = key(plan.requestPrefix(), scope);
                    BucketStore.Taken taken = store.take(key, configuration, 0, 1);
                    long[] state = tightest(taken.state(), limit.requests());
                    if (!taken.probe().isConsumed())
                    {
                        release(store, holds);
                        return new Outcome(null, refusal(limit, "requests", 1, state, taken.probe().getNanosToWaitForRefill()));
                    }
                    holds.add(new Hold(key, configuration, limit.count(), 1, false));
                    tightestRequests = tighter(tightestRequests, state);
                }
            }
            catch (BucketStore.Unavailable x)
            {
                release(store, holds);
                if (governance.limitsFailOpen())
                {
                    return new Outcome(Reservation.NONE, null);
                }
                return new Outcome(null, new Refusal(new AiErrors.Error(503, "api_error", "The token limit store cannot be reached; try again shortly.",
                    null, "limit_store_unavailable", 1), Map.of()));
            }
        }
        headers(headers, "tokens", tightestTokens);
        headers(headers, "requests", tightestRequests);
        return new Outcome(new Reservation(store, holds, headers), null);
    }

    private static void release(BucketStore store, List<Hold> holds)
    {
        for (Hold hold : holds)
        {
            try
            {
                store.adjust(hold.key(), hold.configuration(), 0, -hold.reserved());
            }
            catch (BucketStore.Unavailable x)
            {
                AiFront.LOG.debug("Releasing AI limit bucket {} failed: the store did not answer", hold.key());
            }
        }
    }

    private static Refusal refusal(Governance.TokenLimit limit, String what, long asked, long[] state, long waitNanos)
    {
        long seconds = Math.max(1, (waitNanos + TimeUnit.SECONDS.toNanos(1) - 1) / TimeUnit.SECONDS.toNanos(1));
        Map<String, String> headers = new LinkedHashMap<>();
        headers(headers, what, state);
        headers.put("retry-after-ms", Long.toString(Math.max(1, TimeUnit.NANOSECONDS.toMillis(waitNanos))));
        String message = "Rate limit reached for " + what + " (limit '" + limit.name() + "'): limit " + state[1] + ", remaining " + state[0]
            + ", requested " + asked + ". Please try again in " + duration(waitNanos) + ".";
        return new Refusal(new AiErrors.Error(429, what, message, null, "rate_limit_exceeded", seconds), headers);
    }

    /** OpenAI's header set for one kind: limit, remaining and the time until the bucket is full again. */
    private static void headers(Map<String, String> headers, String what, long[] state)
    {
        if (state != null)
        {
            headers.put("x-ratelimit-limit-" + what, Long.toString(state[1]));
            headers.put("x-ratelimit-remaining-" + what, Long.toString(Math.max(0, state[0])));
            headers.put("x-ratelimit-reset-" + what, duration(state[2]));
        }
    }

    /** The bandwidth with the least left: {remaining, capacity, nanos until full}. */
    private static long[] tightest(BucketState state, List<Limit> limits)
    {
        Bandwidth[] bandwidths = state.getConfiguration().getBandwidths();
        long[] best = null;
        for (int i = 0; i < bandwidths.length; i++)
        {
            long remaining = state.getCurrentSize(i);
            Bandwidth bandwidth = bandwidths[i];
            long missing = Math.max(0, bandwidth.getCapacity() - Math.max(0, remaining));
            long nanos = bandwidth.isRefillIntervally() ? (missing == 0 ? 0 : bandwidth.getRefillPeriodNanos())
                : (long)((double)missing * bandwidth.getRefillPeriodNanos() / bandwidth.getRefillTokens());
            if (best == null || remaining < best[0])
            {
                best = new long[] {remaining, bandwidth.getCapacity(), nanos};
            }
        }
        return best;
    }

    private static long[] tighter(long[] a, long[] b)
    {
        return a == null || (b != null && b[0] < a[0]) ? b : a;
    }

    /** A duration the way OpenAI writes it in its reset headers: {@code 20ms}, {@code 1s}, {@code 6m0s}, {@code 1h2m3s}. */
    static String duration(long nanos)
    {
        long millis = TimeUnit.NANOSECONDS.toMillis(Math.max(0, nanos));
        if (millis < 1000)
        {
            return millis + "ms";
        }
        long seconds = (millis + 999) / 1000;
        long hours = seconds / 3600;
        long minutes = seconds % 3600 / 60;
        long rest = seconds % 60;
        return hours > 0 ? hours + "h" + minutes + "m" + rest + "s" : minutes > 0 ? minutes + "m" + rest + "s" : rest + "s";
    }

    private static long capacity(List<Limit> limits)
    {
        long capacity = Long.MAX_VALUE;
        for (Limit limit : limits)
        {
            capacity = Math.min(capacity, limit.burst());
        }
        return capacity;
    }

    private static BucketConfiguration configuration(List<Limit> limits)
    {
        var builder = BucketConfiguration.builder();
        for (Limit limit : limits)
        {
            builder.addLimit(limit.bandwidth());
        }
        return builder.build();
    }

    /** The value the limit counts this request under, or null when the limit does not apply. */
    static String scope(Governance.TokenLimit limit, Asker asker)
    {
        if ((!limit.routes().isEmpty() && !limit.routes().contains(asker.route()))
            || (!limit.models().isEmpty() && !limit.models().contains(asker.alias()))
            || (!limit.consumers().isEmpty() && (asker.consumer() == null || !limit.consumers().contains(asker.consumer()))))
        {
            return null;
        }
        String group = null;
        if (!limit.groups().isEmpty() || limit.by() == Governance.Scope.GROUP)
        {
            for (String candidate : new java.util.TreeSet<>(asker.groups()))
            {
                if (limit.groups().isEmpty() || limit.groups().contains(candidate))
                {
                    group = candidate;
                    break;
                }
            }
            if (group == null)
            {
                return null;
            }
        }
        return switch (limit.by())
        {
            case CONSUMER -> asker.consumer() != null ? "c:" + asker.consumer() : "k:" + asker.fallbackKey();
            case GROUP -> "g:" + group;
            case ROUTE -> "r:" + asker.route();
            case MODEL -> "m:" + asker.alias();
            case GLOBAL -> "*";
        };
    }

    private static String prefix(Governance.TokenLimit limit, String kind, List<Limit> limits)
    {
        StringBuilder sizes = new StringBuilder();
        for (Limit each : limits)
        {
            sizes.append(each.policy()).append(',');
        }
        return "ai|" + limit.name() + "|" + kind + "|" + sizes + "|";
    }

    private static String key(String prefix, String scope)
    {
        return prefix.concat(scope.length() > MAX_KEY_VALUE ? sha256(scope) : scope);
    }

    private static String sha256(String text)
    {
        try
        {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        }
        catch (NoSuchAlgorithmException x)
        {
            throw new IllegalStateException(x);
        }
    }
}
