// A target in a pool as currently configured, paired with its surviving runtime state.
package dev.sluice.upstream;

/**
 * Built per configuration; the {@link TargetState} is shared with the members of earlier and
 * later configurations that name the same target.
 */
public final class Member
{
    final Target target;
    final TargetState state;
    final int index;
    /** Smooth weighted round-robin's running weight, guarded by the balancer. */
    long current;

    Member(Target target, TargetState state, int index)
    {
        this.target = target;
        this.state = state;
        this.index = index;
    }

    /**
     * The target's weight now, in hundredths: its configured weight, or while it warms up after
     * joining or returning to the pool (slow start), from a tenth of it rising linearly to all of
     * it at the window's end, as Envoy's slow start with its default minimum.
     */
    long weight(long now, long slowStartNanos)
    {
        long full = target.weight() * 100L;
        long since = state.warmingSince;
        if (since == 0 || slowStartNanos == 0)
        {
            return full;
        }
        long elapsed = now - since;
        return elapsed >= slowStartNanos ? full : Math.max(full / 10, full * Math.max(elapsed, 0) / slowStartNanos);
    }

    /** Whether the target is still warming up now. */
    boolean warming(long now, long slowStartNanos)
    {
        long since = state.warmingSince;
        return slowStartNanos > 0 && since != 0 && now - since < slowStartNanos;
    }

    public Target target()
    {
        return target;
    }

    public TargetState state()
    {
        return state;
    }

    @Override
    public String toString()
    {
        return target.authority();
    }
}
