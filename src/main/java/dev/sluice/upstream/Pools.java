// Every upstream's pool, kept in step with the configuration, and their active health checks.
package dev.sluice.upstream;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the {@link Pool} per upstream. When the configuration changes, pools are rebuilt and each
 * target that is still configured keeps its {@link TargetState}, so a reload neither forgets
 * an ejection nor resets load counts of requests in flight.
 *
 * <p>Active health checks run on one scheduler thread; the checks themselves are asynchronous
 * HTTP requests through the {@link Prober}, so however many targets there are, checking holds
 * no thread while waiting. A target never has two checks running at once, and each interval is
 * jittered by up to a tenth so checks of many targets do not fire together.</p>
 */
public final class Pools implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(Pools.class);

    /**
     * Sends one health-check request ({@code GET} of the check's path, or gRPC's health check);
     * completes with the status (200 for a gRPC target that is SERVING), or exceptionally.
     */
    @FunctionalInterface
    public interface Prober
    {
        CompletableFuture<Integer> probe(Upstream upstream, Target target, PoolSettings.HealthCheck check);
    }

    private final Clock clock;
    private final PoolEvents events;
    private final Prober prober;
    private final Supplier<Map<String, Upstream>> configuration;
    private final ScheduledExecutorService scheduler;
    private final dev.sluice.http.OwnThreads threads;
    private final Map<String, TargetState> states = new ConcurrentHashMap<>();
    private volatile Map<String, Upstream> upstreams;
    private volatile Map<String, Pool> pools = Map.of();

    /**
     * @param configuration the current upstreams, polled every second so a reload reaches the checks without traffic
     */
    public Pools(Supplier<Map<String, Upstream>> configuration, Clock clock, Prober prober)
    {
        this(configuration, clock, prober, PoolEvents.NONE);
    }

    public Pools(Supplier<Map<String, Upstream>> configuration, Clock clock, Prober prober, PoolEvents events)
    {
        this.events = events;
        this.clock = clock;
        this.prober = prober;
        this.configuration = configuration;
        this.threads = new dev.sluice.http.OwnThreads("sluice-health");
        this.scheduler = threads.executor();
        update(configuration.get());
        scheduler.scheduleWithFixedDelay(() -> update(configuration.get()), 1, 1, TimeUnit.SECONDS);
    }

    /**
     * The pool of an upstream for a request holding the configuration snapshot {@code upstreams}.
     * Pools only move forward: a newer snapshot than the last one seen rebuilds them from the
     * current configuration; a request still holding an older one gets the current pool, or, if
     * its upstream was removed since, a throwaway pool of its own snapshot.
     */
    public Pool pool(Map<String, Upstream> upstreams, String name)
    {
        if (upstreams != this.upstreams)
        {
            update(configuration.get());
        }
        Pool pool = pools.get(name);
        if (pool == null && upstreams.containsKey(name))
        {
            return new Pool(upstreams.get(name), clock, authority -> new TargetState());
        }
        return pool;
    }

    public Pool pool(String name)
    {
        return pools.get(name);
    }

    private synchronized void update(Map<String, Upstream> latest)
    {
        if (latest == upstreams || latest.equals(upstreams))
        {
            upstreams = latest;
            return;
        }
        Map<String, Pool> rebuilt = new HashMap<>();
        Map<String, TargetState> kept = new HashMap<>();
        // A target added by a reload (a new instance, cold) warms up under slow start; at start none does.
        boolean reload = upstreams != null;
        java.time.Instant instant = clock.instant();
        long now = instant.getEpochSecond() * 1_000_000_000L + instant.getNano();
        for (Upstream upstream : latest.values())
        {
            Pool pool = new Pool(upstream, clock, authority ->
            {
                String key = upstream.name() + ' ' + authority;
                TargetState state = states.computeIfAbsent(key, k ->
                {
                    TargetState added = new TargetState();
                    added.warmingSince = reload ? Math.max(now, 1) : 0;
                    return added;
                });
                kept.put(key, state);
                return state;
            }, events);
            rebuilt.put(upstream.name(), pool);
        }
        states.keySet().retainAll(kept.keySet());
        upstreams = latest;
        pools = Map.copyOf(rebuilt);
        for (Pool pool : rebuilt.values())
        {
            PoolSettings.HealthCheck check = pool.upstream().pool().health();
            if (check != null)
            {
                for (Member member : pool.members())
                {
                    long first = ThreadLocalRandom.current().nextLong(Math.max(1, check.interval().toMillis()));
                    scheduler.schedule(() -> check(pool, member), first, TimeUnit.MILLISECONDS);
                }
            }
        }
    }

    private void check(Pool pool, Member member)
    {
        if (pools.get(pool.upstream().name()) != pool)
        {
            // Replaced by a reload; the new pool schedules its own checks.
            return;
        }
        PoolSettings.HealthCheck check = pool.upstream().pool().health();
        if (!member.state.checkRunning)
        {
            member.state.checkRunning = true;
            CompletableFuture<Integer> result;
            try
            {
                result = prober.probe(pool.upstream(), member.target, check);
            }
            catch (RuntimeException x)
            {
                result = CompletableFuture.failedFuture(x);
            }
            result.whenComplete((status, failure) ->
            {
                member.state.checkRunning = false;
                if (failure != null)
                {
                    pool.checked(member, false, describe(failure));
                }
                else
                {
                    pool.checked(member, check.statuses().contains(status), "status " + status);
                }
            });
        }
        long interval = check.interval().toMillis();
        long jitter = ThreadLocalRandom.current().nextLong(-interval / 10, interval / 10 + 1);
        try
        {
            scheduler.schedule(() -> check(pool, member), Math.max(1, interval + jitter), TimeUnit.MILLISECONDS);
        }
        catch (java.util.concurrent.RejectedExecutionException x)
        {
            LOG.debug("health checks stopped");
        }
    }

    /** A check that got an answer saying the target is not fit; its message, written by Sluice, says why. */
    public static final class CheckFailed extends Exception
    {
        public CheckFailed(String why)
        {
            super(why, null, false, false);
        }
    }

    private static String describe(Throwable failure)
    {
        Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        if (cause instanceof CheckFailed)
        {
            return cause.getMessage();
        }
        if (cause instanceof java.util.concurrent.TimeoutException)
        {
            return "timed out";
        }
        if (cause instanceof java.net.ConnectException)
        {
            return "connection refused";
        }
        if (cause instanceof java.io.EOFException || cause instanceof java.nio.channels.ClosedChannelException)
        {
            return "connection closed by the target";
        }
        return cause.getClass().getSimpleName();
    }

    /** Every target of every pool, by upstream name then configuration order. */
    public List<Pool.TargetView> view()
    {
        List<Pool.TargetView> views = new ArrayList<>();
        pools.values().stream()
            .sorted(java.util.Comparator.comparing(pool -> pool.upstream().name()))
            .forEach(pool -> views.addAll(pool.view()));
        return views;
    }

    @Override
    public void close()
    {
        // Waited for, so no health-check thread outlives the web application.
        threads.stop(java.time.Duration.ofSeconds(5));
    }
}
