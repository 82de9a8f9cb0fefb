// Where buckets live: in this process, or in Redis shared by every node.
package dev.sluice.ratelimit;

import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.BucketState;
import io.github.bucket4j.ConsumptionProbe;

/**
 * One interface, two small back-ends ({@link LocalBucketStore}, {@link RedisBucketStore}), and one
 * contract test suite run against both.
 */
public interface BucketStore extends AutoCloseable
{
    /**
     * What taking one token said, and the bucket's state after it (for the headers).
     */
    record Taken(ConsumptionProbe probe, BucketState state)
    {
    }

    /** The store could not answer in time; the route's failure policy decides. */
    final class Unavailable extends Exception
    {
        private static final long serialVersionUID = 1L;

        public Unavailable(String message, Throwable cause)
        {
            super(message, cause, false, false);
        }
    }

    /**
     * Takes one token from the bucket under {@code key}, creating it with {@code configuration}
     * when it does not exist (or has expired).
     */
    Taken take(String key, BucketConfiguration configuration) throws Unavailable;

    @Override
    void close();
}
