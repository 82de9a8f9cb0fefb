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
     * when it does not exist (or has expired). An existing bucket made from an older
     * configuration ({@code version} higher than the one it was made with) takes the new one
     * and keeps what was used (Bucket4j's {@code ADDITIVE}: 5 of 5 used, now 8, leaves 3), so
     * editing a limit neither hands every caller a full bucket nor takes what is left; an
     * older version never replaces a newer one.
     */
    default Taken take(String key, BucketConfiguration configuration, long version) throws Unavailable
    {
        return take(key, configuration, version, 1);
    }

    /**
     * Takes {@code tokens} at once, or none: {@link #take(String, BucketConfiguration, long)} for
     * requests that cost more than one (an AI request's estimated tokens).
     */
    Taken take(String key, BucketConfiguration configuration, long version, long tokens) throws Unavailable;

    /**
     * Settles an earlier take: a positive {@code delta} takes that many more even past empty (the
     * bucket goes into debt, refused until it refills), a negative one gives tokens back (never
     * above capacity). Creates the bucket like a take when it has expired meanwhile.
     */
    void adjust(String key, BucketConfiguration configuration, long version, long delta) throws Unavailable;

    /**
     * The tokens left in each limit of the bucket under {@code key} (refilled to now), without
     * taking any and without creating the bucket; null when no such bucket exists (a caller
     * who has not been counted yet, or whose bucket refilled and expired).
     */
    long[] peek(String key) throws Unavailable;

    /** The tokens left per bandwidth of a bucket's state. */
    static long[] remaining(BucketState state)
    {
        long[] remaining = new long[state.getConfiguration().getBandwidths().length];
        for (int i = 0; i < remaining.length; i++)
        {
            remaining[i] = Math.max(0, state.getCurrentSize(i));
        }
        return remaining;
    }

    /** {@link #take(String, BucketConfiguration, long)} for configurations that never change. */
    default Taken take(String key, BucketConfiguration configuration) throws Unavailable
    {
        return take(key, configuration, 0);
    }

    @Override
    void close();
}
