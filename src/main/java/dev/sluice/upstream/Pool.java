// One upstream's targets at run time: which may take a request, which one does, what happened.
package dev.sluice.upstream;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The decision logic of load balancing, zone preference, outlier ejection and health, with an
 * injectable clock and no I/O; the proxy servlet calls {@link #choose} before each attempt and
 * {@link #finished} after it, the {@link HealthChecker} calls {@link #checked}.
 *
 * <p>A target may take a request when its weight is above zero, active checks (if any) say it
 * is healthy, and it is not ejected. An ejected target whose ejection time has passed is
 * half-open: exactly one request at a time probes it; success returns it to the pool, failure
 * ejects it again for twice as long (capped). So no target stays out for ever without an
 * operator. Passive ejection never takes out more than {@code max-ejection-percent} of the pool.</p>
 */
public final class Pool
{
    private static final Logger LOG = LoggerFactory.getLogger(Pool.class);

    private final Upstream upstream;
    private final PoolSettings settings;
    private final List<Member> members;
    private final Balancer balancer;
    private final RetryBudget budget;
    private final Clock clock;
    private final PoolEvents events;
    /** How many targets with weight above zero are in Sluice's own zone (0 when zone-agnostic). */
    private final int localTargets;
    /** The members by their sticky cookie values, or null when the upstream has no sticky cookie. */
    private final Sticky.Targets sticky;
    /** {@code slow-start} in nanoseconds; 0 when off. */
    private final long slowStartNanos;

    /**
     * @param states the runtime state per target authority, reused across reloads; missing ones are created
     */
    public Pool(Upstream upstream, Clock clock, Function<String, TargetState> states)
    {
        this(upstream, clock, states, PoolEvents.NONE);
    }

    public Pool(Upstream upstream, Clock clock, Function<String, TargetState> states, PoolEvents events)
    {
        this.upstream = upstream;
        this.events = events;
        this.settings = upstream.pool();
        this.clock = clock;
        List<Member> list = new ArrayList<>();
        for (Target target : upstream.targets())
        {
            list.add(new Member(target, states.apply(target.authority()), list.size()));
        }
        this.members = List.copyOf(list);
        this.slowStartNanos = settings.slowStart().toNanos();
        this.balancer = Balancer.of(settings.balance(), members, slowStartNanos);
        this.localTargets = (int)members.stream()
            .filter(member -> settings.zone() != null && settings.zone().equals(member.target.zone()) && member.target.weight() > 0)
            .count();
        this.budget = new RetryBudget(clock, settings.retryBudgetPercent(), settings.retryMinPerSecond());
        this.sticky = upstream.sticky() == null ? null : new Sticky.Targets(members);
    }

    public Upstream upstream()
    {
        return upstream;
    }

    public List<Member> members()
    {
        return members;
    }

    /** The sticky cookie value that names this member, or null when the upstream has no sticky cookie. */
    public String stickyId(Member member)
    {
        return sticky == null ? null : sticky.id(member);
    }

    /**
     * Picks a target for an attempt and counts it in flight, or returns null when no target
     * other than those already tried may take a request.
     *
     * @param hashKey what consistent hashing hashes (ignored by the other algorithms)
     * @param tried targets this request already tried
     */
    public Member choose(String hashKey, Collection<Member> tried)
    {
        return choose(hashKey, tried, null);
    }

    /**
     * As {@link #choose(String, Collection)}, but first the target a sticky cookie names, when
     * this upstream has one and that target is available and not yet tried: even at weight 0
     * (draining keeps sessions) and outside Sluice's zone.
     *
     * @param stickyId the client's sticky cookie value, or null
     */
    public Member choose(String hashKey, Collection<Member> tried, String stickyId)
    {
        long now = nanos();
        if (stickyId != null && sticky != null)
        {
            Member pinned = sticky.named(stickyId);
            if (pinned != null && pinned.state.available(now) && !tried.contains(pinned) && claim(pinned, now))
            {
                pinned.state.inFlight.incrementAndGet();
                return pinned;
            }
        }
        List<Member> available = new ArrayList<>(members.size());
        for (Member member : members)
        {
            if (member.target.weight() > 0 && member.state.available(now) && !tried.contains(member))
            {
                available.add(member);
            }
        }
        warmingOut(available, now);
        while (!available.isEmpty())
        {
            Member chosen = balancer.choose(preferredZone(available), hashKey, now);
            if (claim(chosen, now))
            {
                chosen.state.inFlight.incrementAndGet();
                return chosen;
            }
            // Another request took the half-open probe slot in the meantime.
            available.remove(chosen);
        }
        return null;
    }

    /**
     * Slow start for balancers that do not weigh by turns (least-in-flight, latency): a warming
     * target stays a candidate for only its share of picks (a tenth of them at first, all at the
     * window's end), unless nothing else is left. Round-robin lowers its weight instead.
     */
    private void warmingOut(List<Member> available, long now)
    {
        long window = slowStartNanos;
        if (window == 0 || settings.balance() == PoolSettings.Balance.ROUND_ROBIN || available.size() < 2)
        {
            return;
        }
        java.util.concurrent.ThreadLocalRandom random = null;
        for (int i = available.size() - 1; i >= 0 && available.size() > 1; i--)
        {
            Member member = available.get(i);
            long full = member.target.weight() * 100L;
            long weight = member.weight(now, window);
            if (weight < full)
            {
                random = random == null ? java.util.concurrent.ThreadLocalRandom.current() : random;
                if (random.nextLong(full) >= weight)
                {
                    available.remove(i);
                }
            }
        }
    }

    /**
     * The available targets of Sluice's own zone. When too few of that zone's targets are
     * available, every available target; when all of them are busy, the other zones' targets.
     */
    private List<Member> preferredZone(List<Member> available)
    {
        String zone = settings.zone();
        if (zone == null)
        {
            return available;
        }
        List<Member> local = new ArrayList<>(available.size());
        boolean allBusy = true;
        for (Member member : available)
        {
            if (zone.equals(member.target.zone()))
            {
                local.add(member);
                allBusy &= settings.zoneMaxInFlight() > 0 && member.state.inFlight.get() >= settings.zoneMaxInFlight();
            }
        }
        if (local.isEmpty() || local.size() * 100 < settings.zoneMinAvailablePercent() * localTargets)
        {
            return available;
        }
        if (allBusy && local.size() < available.size())
        {
            List<Member> remote = new ArrayList<>(available);
            remote.removeAll(local);
            return remote;
        }
        return local;
    }

    private boolean claim(Member member, long now)
    {
        TargetState state = member.state;
        if (!state.ejected)
        {
            return true;
        }
        synchronized (this)
        {
            if (state.ejected && now >= state.ejectedUntil && !state.probing)
            {
                state.probing = true;
                return true;
            }
            return !state.ejected;
        }
    }

    /** Takes a retry from this upstream's budget. */
    public boolean tryRetry()
    {
        return budget.tryRetry();
    }

    /** Counts a request (not a retry) towards the retry budget. */
    public void requested()
    {
        budget.request();
    }

    /**
     * Counts an open tunnel (a WebSocket, its handshake already {@link #finished}) as in flight on
     * its target until the returned action runs, once: balancing by what is in flight then spreads
     * long-lived connections, as Envoy counts upgraded streams as active requests.
     */
    public Runnable hold(Member member)
    {
        member.state.inFlight.incrementAndGet();
        return member.state.inFlight::decrementAndGet;
    }

    /** How an attempt ended, for passive health. */
    public enum Result
    {
        /** The upstream answered with a status not counted as failure. */
        SUCCESS,
        /** Connect failure, reset, timeout, or a status counted as failure. */
        FAILURE,
        /** Ended for a reason that says nothing about the target (the client went away). */
        NEUTRAL
    }

    /** Whether an upstream status counts against the target. */
    public boolean failureStatus(int status)
    {
        return settings.outliers().statuses().contains(status);
    }

    /**
     * Ends an attempt begun by {@link #choose}.
     *
     * @param latencyNanos time to the response headers, or -1 when there were none
     */
    public void finished(Member member, Result result, long latencyNanos)
    {
        TargetState state = member.state;
        state.inFlight.decrementAndGet();
        long now = nanos();
        if (latencyNanos >= 0)
        {
            state.observe(latencyNanos, now);
        }
        if (result == Result.FAILURE)
        {
            failed(member, now);
        }
        else if (result == Result.SUCCESS && (state.consecutiveFailures > 0 || state.probing))
        {
            synchronized (this)
            {
                state.consecutiveFailures = 0;
                if (state.probing)
                {
                    state.probing = false;
                    state.ejected = false;
                    state.returnedAt = now;
                    state.warmingSince = Math.max(now, 1);
                    LOG.info("Upstream '{}' target {} is back in the pool: a probe request succeeded", upstream.name(), member);
                }
            }
        }
        else if (result == Result.NEUTRAL && state.probing)
        {
            synchronized (this)
            {
                // The probe proved nothing; let the next request probe.
                state.probing = false;
            }
        }
    }

    private synchronized void failed(Member member, long now)
    {
        TargetState state = member.state;
        PoolSettings.Outliers outliers = settings.outliers();
        if (state.probing)
        {
            state.probing = false;
            eject(member, now, "its probe request failed");
            return;
        }
        if (state.ejected || outliers.consecutiveFailures() == 0)
        {
            return;
        }
        state.consecutiveFailures++;
        if (state.consecutiveFailures < outliers.consecutiveFailures())
        {
            return;
        }
        int ejected = 0;
        for (Member other : members)
        {
            ejected += other.state.ejected ? 1 : 0;
        }
        if ((ejected + 1) * 100 > outliers.maxEjectionPercent() * members.size())
        {
            if (state.consecutiveFailures == outliers.consecutiveFailures())
            {
                LOG.warn("Upstream '{}' target {} failed {} times in a row but stays in the pool: {} of {} targets are already ejected (max-ejection-percent = {})",
                    upstream.name(), member, state.consecutiveFailures, ejected, members.size(), outliers.maxEjectionPercent());
            }
            return;
        }
        eject(member, now, state.consecutiveFailures + " consecutive failures");
    }

    private void eject(Member member, long now, String why)
    {
        TargetState state = member.state;
        PoolSettings.Outliers outliers = settings.outliers();
        long base = outliers.ejectionTime().toNanos();
        if (state.returnedAt != 0 && state.ejections > 0)
        {
            // Time spent healthy forgives earlier ejections, one per ejection-time.
            state.ejections = (int)Math.max(0, state.ejections - (now - state.returnedAt) / base);
        }
        state.ejections++;
        long length = base << Math.min(state.ejections - 1, 30);
        length = Math.min(length <= 0 ? Long.MAX_VALUE : length, outliers.maxEjectionTime().toNanos());
        state.ejected = true;
        state.ejectedUntil = now + length;
        state.consecutiveFailures = 0;
        LOG.warn("Upstream '{}' target {} ejected for {} ms: {}", upstream.name(), member, length / 1_000_000, why);
        events.ejected(upstream.name(), member.target.authority());
    }

    /** Records an active health-check result; {@code reason} describes a failure for the log. */
    public synchronized void checked(Member member, boolean healthy, String reason)
    {
        TargetState state = member.state;
        PoolSettings.HealthCheck check = settings.health();
        events.checked(upstream.name(), member.target.authority(), healthy);
        if (healthy)
        {
            state.activeFailures = 0;
            state.activeSuccesses++;
            if (!state.activeHealthy && state.activeSuccesses >= check.healthyThreshold())
            {
                state.activeHealthy = true;
                state.warmingSince = Math.max(nanos(), 1);
                LOG.info("Upstream '{}' target {} is healthy: {} health checks passed", upstream.name(), member, state.activeSuccesses);
            }
        }
        else
        {
            state.activeSuccesses = 0;
            state.activeFailures++;
            if (state.activeHealthy && state.activeFailures >= check.unhealthyThreshold())
            {
                state.activeHealthy = false;
                LOG.warn("Upstream '{}' target {} is unhealthy: {} health checks failed (last: {})", upstream.name(), member,
                    state.activeFailures, reason);
            }
        }
    }

    /**
     * When a client refused for want of a target should try again: when the first ejection
     * ends, else after one health-check interval; at least one second.
     */
    public Duration retryAfter()
    {
        long now = nanos();
        long soonest = Long.MAX_VALUE;
        for (Member member : members)
        {
            if (member.state.ejected && member.state.activeHealthy)
            {
                soonest = Math.min(soonest, Math.max(0, member.state.ejectedUntil - now));
            }
        }
        if (soonest == Long.MAX_VALUE)
        {
            soonest = settings.health() != null ? settings.health().interval().toNanos() : 1_000_000_000L;
        }
        return Duration.ofSeconds(Math.max(1, (soonest + 999_999_999L) / 1_000_000_000L));
    }

    /** One target's state for the admin and metrics endpoints. */
    public record TargetView(String upstream, String target, String zone, int weight, String state, boolean healthy,
                             Instant ejectedUntil, int inFlight, double latencyMillis)
    {
    }

    public List<TargetView> view()
    {
        long now = nanos();
        Instant instant = clock.instant();
        List<TargetView> views = new ArrayList<>();
        for (Member member : members)
        {
            TargetState state = member.state;
            String label;
            if (member.target.weight() == 0)
            {
                label = "drained";
            }
            else if (!state.activeHealthy)
            {
                label = "unhealthy";
            }
            else if (state.ejected)
            {
                label = now >= state.ejectedUntil ? "probing" : "ejected";
            }
            else
            {
                label = member.warming(now, slowStartNanos) ? "warming" : "healthy";
            }
            Instant until = state.ejected ? instant.plusNanos(state.ejectedUntil - now) : null;
            views.add(new TargetView(upstream.name(), member.target.authority(), member.target.zone(), member.target.weight(),
                label, state.activeHealthy, until, state.inFlight.get(), state.ewma(now) / 1e6));
        }
        return views;
    }

    private long nanos()
    {
        Instant now = clock.instant();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    /** For tests and views: the members by authority. */
    Map<String, Member> byAuthority()
    {
        Map<String, Member> map = new java.util.LinkedHashMap<>();
        members.forEach(member -> map.put(member.target.authority(), member));
        return map;
    }
}
