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
