// Orders a model's targets for one request by its strategy, leaving cooling-down targets for last.
package dev.sluice.ai;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * Keeps, per target ({@code provider/model}), what the strategies need: requests in flight, an
 * EWMA of time to first token and of time per output token, and recent failures. A target that
 * failed {@code cooldown.failures} times within {@code cooldown.window}, or answered with a
 * {@code Retry-After}, is cooling down: it is tried only after every other target, and returns by
 * itself when its time is up. Like the upstream pool's balancers in spirit (least-busy is
 * least-request, weighted is random by weight), but over model targets whose cost and latency
 * differ by orders of magnitude, so it is its own small class rather than a reuse of {@code Balancer}.
 */
public final class TargetRouter
{
    /** The EWMA's weight of a new sample. */
    private static final double ALPHA = 0.3;
    /** Output tokens assumed when a request does not say how many it wants, for latency and cost estimates. */
    static final int ASSUMED_OUTPUT = 256;

    private final Map<String, Stats> stats = new ConcurrentHashMap<>();
    private final LongSupplier nanoTime;

    public TargetRouter(LongSupplier nanoTime)
    {
        this.nanoTime = nanoTime;
    }

    /** What the router knows about one target. */
    static final class Stats
    {
        final AtomicInteger inFlight = new AtomicInteger();
        volatile double ttftNanos = -1;
        volatile double nanosPerToken = -1;
        final Deque<Long> failures = new ArrayDeque<>();
        volatile long coolUntil;
        volatile boolean cooling;
    }

    Stats stats(AiSettings.Target target)
    {
        Stats found = stats.get(target.id());
        return found != null ? found : stats.computeIfAbsent(target.id(), id -> new Stats());
    }

    /**
     * The targets in the order to try them.
     *
     * @param promptTokens the estimated prompt size (used by {@code cost}; 0 when not counted)
     * @param outputTokens the output the request allows, or 0 when it does not say
     */
    public List<AiSettings.Target> order(AiSettings.Model model, long promptTokens, long outputTokens)
    {
        List<AiSettings.Target> candidates = new ArrayList<>(model.targets());
        long output = outputTokens > 0 ? outputTokens : ASSUMED_OUTPUT;
        switch (model.strategy())
        {
            case PRIORITY ->
            {
                // as configured
            }
            case WEIGHTED -> candidates = weighted(candidates);
            case LEAST_BUSY -> candidates.sort(Comparator.comparingInt(target -> stats(target).inFlight.get()));
            case LATENCY -> candidates.sort(Comparator.comparingDouble(target -> expectedNanos(target, output)));
            case COST ->
            {
                // A target whose context window the prompt does not fit cannot answer at all.
                candidates.removeIf(target -> target.contextWindow() > 0 && promptTokens + Math.min(output, ASSUMED_OUTPUT) > target.contextWindow());
                candidates.sort(Comparator.comparingDouble(target -> promptTokens * target.inputPrice() + output * target.outputPrice()));
            }
        }
        long now = nanoTime.getAsLong();
        List<AiSettings.Target> ready = new ArrayList<>(candidates.size());
        List<AiSettings.Target> cooling = new ArrayList<>();
        for (AiSettings.Target target : candidates)
        {
            Stats stats = stats(target);
            if (stats.cooling && now - stats.coolUntil < 0)
            {
                cooling.add(target);
            }
            else
            {
                stats.cooling = false;
                ready.add(target);
            }
        }
        ready.addAll(cooling);
        return ready;
    }

    /** Unknown latency counts as zero, so a new target gets traffic and a measurement. */
    private double expectedNanos(AiSettings.Target target, long output)
    {
        Stats stats = stats(target);
        return Math.max(0, stats.ttftNanos) + Math.max(0, stats.nanosPerToken) * output;
    }

    private static List<AiSettings.Target> weighted(List<AiSettings.Target> targets)
    {
        List<AiSettings.Target> left = new ArrayList<>(targets);
        List<AiSettings.Target> ordered = new ArrayList<>(targets.size());
        ThreadLocalRandom random = ThreadLocalRandom.current();
        while (!left.isEmpty())
        {
            int total = 0;
            for (AiSettings.Target target : left)
            {
                total += target.weight();
            }
            int pick = random.nextInt(total);
            for (int i = 0; i < left.size(); i++)
            {
                pick -= left.get(i).weight();
                if (pick < 0)
                {
                    ordered.add(left.remove(i));
                    break;
                }
            }
        }
        return ordered;
    }

    public boolean cooling(AiSettings.Target target)
    {
        Stats stats = stats(target);
        return stats.cooling && nanoTime.getAsLong() - stats.coolUntil < 0;
    }

    void started(AiSettings.Target target)
    {
        stats(target).inFlight.incrementAndGet();
    }

    void ended(AiSettings.Target target)
    {
        stats(target).inFlight.decrementAndGet();
    }

    /** A successful answer: its time to first token and time per output token feed the EWMAs. */
    void succeeded(AiSettings.Target target, long ttftNanos, long generationNanos, long outputTokens)
    {
        Stats stats = stats(target);
        synchronized (stats)
        {
            stats.failures.clear();
            if (ttftNanos >= 0)
            {
                stats.ttftNanos = stats.ttftNanos < 0 ? ttftNanos : stats.ttftNanos + ALPHA * (ttftNanos - stats.ttftNanos);
            }
            if (outputTokens > 1 && generationNanos > 0)
            {
                double perToken = (double)generationNanos / outputTokens;
                stats.nanosPerToken = stats.nanosPerToken < 0 ? perToken : stats.nanosPerToken + ALPHA * (perToken - stats.nanosPerToken);
            }
        }
    }

    /**
     * A failed attempt. Cools the target down when it failed often enough within the window, or
     * at once for as long as the provider's {@code Retry-After} says.
     *
     * @param retryAfterNanos the provider's Retry-After, or 0
     */
    void failed(AiSettings.Target target, AiSettings.Cooldown cooldown, long retryAfterNanos)
    {
        Stats stats = stats(target);
        long now = nanoTime.getAsLong();
        synchronized (stats)
        {
            stats.failures.addLast(now);
            long windowStart = now - cooldown.window().toNanos();
            while (!stats.failures.isEmpty() && stats.failures.peekFirst() - windowStart < 0)
            {
                stats.failures.removeFirst();
            }
            long until = Long.MIN_VALUE;
            if (stats.failures.size() >= cooldown.failures())
            {
                until = now + cooldown.duration().toNanos();
                stats.failures.clear();
            }
            if (retryAfterNanos > 0)
            {
                until = until == Long.MIN_VALUE ? now + retryAfterNanos : Math.max(until, now + retryAfterNanos);
            }
            if (until != Long.MIN_VALUE)
            {
                stats.coolUntil = stats.cooling && stats.coolUntil - until > 0 ? stats.coolUntil : until;
                stats.cooling = true;
            }
        }
    }

    /** For the admin view: per target id, requests in flight, EWMA time to first token and per token, and whether it is cooling down. */
    public Map<String, Object> describe()
    {
        Map<String, Object> view = new java.util.TreeMap<>();
        long now = nanoTime.getAsLong();
        stats.forEach((id, stats) ->
        {
            Map<String, Object> target = new java.util.LinkedHashMap<>();
            target.put("in_flight", stats.inFlight.get());
            target.put("ttft_ms", stats.ttftNanos < 0 ? null : Math.round(stats.ttftNanos / 1e3) / 1e3);
            target.put("ms_per_token", stats.nanosPerToken < 0 ? null : Math.round(stats.nanosPerToken / 1e3) / 1e3);
            target.put("cooling_down", stats.cooling && now - stats.coolUntil < 0);
            view.put(id, target);
        });
        return view;
    }
}
