// Decides whether one request may pass a route's limits, and what the RateLimit headers say.
package dev.sluice.ratelimit;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import dev.sluice.auth.Identity;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;

/**
 * No servlet types: the filter hands it the caller, it chooses the limits that apply (a
 * consumer's own, else its first group's, else the route's), builds the bucket key, takes one
 * token from the store and turns the answer into a {@link Decision}.
 *
 * <p>A bucket key names the route, the limits and the caller, e.g.
 * {@code orders|10;w=1;burst=20,1000;w=3600|c:alice}: changing a route's limits starts fresh
 * buckets rather than reusing ones made for other limits. Caller values longer than 64
 * characters (a header can hold kilobytes) are replaced by their SHA-256.</p>
 */
public final class RateLimiter
{
    private static final int MAX_KEY_VALUE = 64;

    /**
     * Who is asking.
     *
     * @param identity the authenticated identity, or null
     * @param clientAddress the address the exchange resolved (trusted proxies only)
     * @param headerValue the value of the policy's header, for {@link KeyType#HEADER}, or null
     */
    public record Caller(Identity identity, String clientAddress, String headerValue, String path)
    {
    }

    /**
     * @param headers the RateLimit-* headers to send, or null when the route hides them or the store failed
     * @param retryAfterSeconds for a refusal: when one token will be there, at least 1
     * @param storeFailed whether the store could not answer (the route's failure policy applies)
     */
    public record Decision(boolean allowed, Headers headers, long retryAfterSeconds, boolean storeFailed)
    {
    }

    /** The values of RateLimit-Limit, -Remaining, -Reset and -Policy; four fields rather than a map per request. */
    public record Headers(String limit, String remaining, String reset, String policy)
    {
        public static final String LIMIT = "RateLimit-Limit";
        public static final String REMAINING = "RateLimit-Remaining";
        public static final String RESET = "RateLimit-Reset";
        public static final String POLICY = "RateLimit-Policy";

        /** Hands each header to {@code set} (a response's setHeader), in the order above. */
        public void writeTo(java.util.function.BiConsumer<String, String> set)
        {
            set.accept(LIMIT, limit);
            set.accept(REMAINING, remaining);
            set.accept(RESET, reset);
            set.accept(POLICY, policy);
        }
    }

    /**
     * What is computed once per set of limits rather than per request. {@code identity} names
     * the buckets: the limits' windows, not their sizes, so an edit from 10/m to 20/m keeps each
     * caller's bucket (and what it used) while 10/m to 100/h starts new ones. {@code version}
     * orders configurations: a plan made later replaces the configuration of buckets made
     * earlier (a reload makes new plans), never the other way round. {@code route} and
     * {@code keyPrefix} ({@code route|identity|}) are those of the route the plan was first made
     * for, so the usual request builds its bucket key with one concatenation; a limits list
     * another route shares builds the prefix per request instead.
     */
    private record Plan(List<Limit> limits, BucketConfiguration configuration, String identity, String policyHeader, long version,
                        String route, String keyPrefix)
    {
        private static final java.util.concurrent.atomic.AtomicLong LAST_VERSION = new java.util.concurrent.atomic.AtomicLong();

        static Plan of(String route, List<Limit> limits)
        {
            var builder = BucketConfiguration.builder();
            limits.forEach(limit -> builder.addLimit(limit.bandwidth()));
            long now = System.currentTimeMillis();
            long version = LAST_VERSION.updateAndGet(last -> Math.max(last + 1, now));
            String identity = limits.stream().map(limit -> limit.period().toString()).collect(Collectors.joining(","));
            return new Plan(limits, builder.build(), identity, limits.stream().map(Limit::policy).collect(Collectors.joining(", ")), version,
                route, route + "|" + identity + "|");
        }

        String key(String route, String caller)
        {
            return (route.equals(this.route) ? keyPrefix : route + "|" + identity + "|").concat(caller);
        }
    }

    private final BucketStore store;
    /**
     * Plans by the limits list of a configuration snapshot, compared by identity (weak keys): a
     * reload parses new lists and so makes new, later-versioned plans, even when it restores
     * limits an earlier snapshot had.
     */
    private final com.github.benmanes.caffeine.cache.Cache<List<Limit>, Plan> plans =
        com.github.benmanes.caffeine.cache.Caffeine.newBuilder().weakKeys().build();

    public RateLimiter(BucketStore store)
    {
        this.store = store;
    }

    public BucketStore store()
    {
        return store;
    }

    /** Context attribute: a {@code Supplier<RateLimiter>} of the limiter in use, for the admin API. */
    public static final String ATTRIBUTE = RateLimiter.class.getName();

    /**
     * One limit of a caller's bucket as it stands.
     *
     * @param policy the limit in RateLimit-Policy form ({@code 10;w=60})
     * @param remaining tokens left now; the full capacity when the caller has no bucket yet
     */
    public record LimitState(String policy, long capacity, long remaining)
    {
    }

    /** The limits that apply to this caller on this route and what is left of each, taking nothing. */
    public List<LimitState> peek(String route, RateLimitPolicy policy, Caller caller) throws BucketStore.Unavailable
    {
        List<Limit> limits = limitsFor(policy, caller.identity());
        if (limits.isEmpty())
        {
            return List.of();
        }
        Plan plan = plans.get(limits, list -> Plan.of(route, list));
        long[] remaining = store.peek(plan.key(route, keyValue(policy, caller)));
        List<LimitState> states = new java.util.ArrayList<>();
        for (int i = 0; i < limits.size(); i++)
        {
            Limit limit = limits.get(i);
            states.add(new LimitState(limit.policy(), limit.burst(), remaining == null || i >= remaining.length ? limit.burst() : remaining[i]));
        }
        return states;
    }

    public Decision decide(String route, RateLimitPolicy policy, Caller caller)
    {
        List<Limit> limits = limitsFor(policy, caller.identity());
        if (limits.isEmpty())
        {
            return new Decision(true, null, 0, false);
        }
        Plan plan = plans.get(limits, list -> Plan.of(route, list));
        String key = plan.key(route, keyValue(policy, caller));
        BucketStore.Taken taken;
        try
        {
            taken = store.take(key, plan.configuration(), plan.version());
        }
        catch (BucketStore.Unavailable x)
        {
            return new Decision(policy.failOpen(), null, 1, true);
        }
        ConsumptionProbe probe = taken.probe();
        long retryAfter = probe.isConsumed() ? 0 : Math.max(1, (probe.getNanosToWaitForRefill() + TimeUnit.SECONDS.toNanos(1) - 1) / TimeUnit.SECONDS.toNanos(1));
        Headers headers = policy.headers() || !probe.isConsumed() ? headers(plan, taken, retryAfter) : null;
        return new Decision(probe.isConsumed(), headers, retryAfter, false);
    }

    static List<Limit> limitsFor(RateLimitPolicy policy, Identity identity)
    {
        if (identity != null && identity.consumer() != null)
        {
            List<Limit> own = policy.consumerLimits().get(identity.consumer().id());
            if (own != null)
            {
                return own;
            }
        }
        if (identity != null && !policy.groupLimits().isEmpty())
        {
            for (Map.Entry<String, List<Limit>> group : policy.groupLimits().entrySet())
            {
                if (identity.groups().contains(group.getKey()))
                {
                    return group.getValue();
                }
            }
        }
        return policy.limits();
    }

    static String keyValue(RateLimitPolicy policy, Caller caller)
    {
        Identity identity = caller.identity();
        String value = switch (policy.key())
        {
            // The anonymous consumer stands for many callers: each is counted by address.
            case CONSUMER -> identity != null && !identity.anonymous() && identity.key() != null ? "c:" + identity.key() : ip(caller);
            // Namespaced like Identity.key(): a token subject never shares a consumer's key label.
            case CREDENTIAL -> identity != null && identity.credential() != null
                ? "k:" + (identity.consumer() != null ? Identity.CONSUMERS + ":" + identity.consumer().id() : identity.namespace()) + "/" + identity.credential()
                : ip(caller);
            case IP -> ip(caller);
            case HEADER -> caller.headerValue() != null ? "h:" + caller.headerValue() : ip(caller);
            case ROUTE -> "route";
            case PATH -> "p:" + caller.path();
        };
        if (value.length() > MAX_KEY_VALUE)
        {
            value = value.substring(0, 2) + "sha256:" + java.util.HexFormat.of().formatHex(sha256(value));
        }
        return value;
    }

    private static String ip(Caller caller)
    {
        return "ip:" + caller.clientAddress();
    }

    private static byte[] sha256(String text)
    {
        try
        {
            return java.security.MessageDigest.getInstance("SHA-256").digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        catch (java.security.NoSuchAlgorithmException x)
        {
            throw new IllegalStateException(x);
        }
    }

    /**
     * The most restrictive limit is the one with the fewest tokens left; Limit, Remaining and
     * Reset describe it, Policy lists them all.
     */
    private static Headers headers(Plan plan, BucketStore.Taken taken, long retryAfter)
    {
        List<Limit> limits = plan.limits();
        int tightest = 0;
        long fewest = Long.MAX_VALUE;
        for (int i = 0; i < limits.size(); i++)
        {
            long size = taken.state().getCurrentSize(i);
            if (size < fewest)
            {
                fewest = size;
                tightest = i;
            }
        }
        Limit limit = limits.get(tightest);
        long reset = Math.max(retryAfter, limit.secondsToFull(Math.max(0, fewest)));
        return new Headers(Long.toString(limit.burst()), Long.toString(Math.max(0, taken.probe().getRemainingTokens())), Long.toString(reset), plan.policyHeader());
    }
}
