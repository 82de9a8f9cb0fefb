// What pools tell observers (metrics) about targets: ejections and health-check results.
package dev.sluice.upstream;

/**
 * Called on the thread that made the decision, under the pool's lock: implementations only
 * count, they never block.
 */
public interface PoolEvents
{
    PoolEvents NONE = new PoolEvents()
    {
    };

    /** A target was taken out of its pool by outlier detection (passive health). */
    default void ejected(String upstream, String target)
    {
    }

    /** An active health check of a target passed or failed. */
    default void checked(String upstream, String target, boolean healthy)
    {
    }
}
