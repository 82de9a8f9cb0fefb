// Buckets in this process: bounded in number, dropped once idle long enough to be full again.
package dev.sluice.ratelimit;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.TimeMeter;
import io.github.bucket4j.VerboseResult;
import io.github.bucket4j.local.LocalBucket;
import io.github.bucket4j.ConsumptionProbe;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bucket4j's lock-free local buckets in a Caffeine cache. Memory is bounded twice over:
 * <ul>
 * <li>a bucket untouched for as long as it takes to refill completely is dropped, since a new
 * one would be identical;</li>
 * <li>at most {@code maxKeys} buckets exist. Past that, Caffeine evicts the least valuable
 * (rarely used) ones, so a flood of distinct keys (random API keys, spoofed addresses from a
 * trusted range) cannot exhaust the heap. An evicted key starts again with a full bucket: a
 * flood can make quiet keys a little more lenient, never stricter. The first time the cap is
 * reached is logged.</li>
 * </ul>
 */
public final class LocalBucketStore implements BucketStore
{
    private static final Logger LOG = LoggerFactory.getLogger(LocalBucketStore.class);

    private final Cache<String, Entry> buckets;
    private final TimeMeter clock;
    private final int maxKeys;
    private final AtomicBoolean capReported = new AtomicBoolean();

    /** A bucket and the configuration version it was made or last reconfigured with; they live and go together. */
    private static final class Entry
    {
        final LocalBucket bucket;
        volatile long version;

        Entry(LocalBucket bucket, long version)
        {
            this.bucket = bucket;
            this.version = version;
        }
    }

    public LocalBucketStore(int maxKeys, TimeMeter clock)
    {
        this.clock = clock;
        this.maxKeys = maxKeys;
        this.buckets = Caffeine.newBuilder()
            .maximumSize(maxKeys)
            .ticker(clock::currentTimeNanos)
            .expireAfter(Expiry.accessing((String key, Entry entry) -> fullRefill(entry.bucket)))
            .build();
    }

    /** The longest any of the bucket's limits takes to refill from empty. */
    private static Duration fullRefill(LocalBucket bucket)
    {
        long nanos = 0;
        for (Bandwidth bandwidth : bucket.getConfiguration().getBandwidths())
        {
            double periods = Math.ceil((double)bandwidth.getCapacity() / bandwidth.getRefillTokens());
            nanos = Math.max(nanos, (long)(periods * bandwidth.getRefillPeriodNanos()));
        }
        return Duration.ofNanos(nanos);
    }

    @Override
    public Taken take(String key, BucketConfiguration configuration)
    {
        return take(key, configuration, 0);
    }

    @Override
    public Taken take(String key, BucketConfiguration configuration, long version)
    {
        return take(key, configuration, version, 1);
    }

    @Override
    public Taken take(String key, BucketConfiguration configuration, long version, long tokens)
    {
        VerboseResult<ConsumptionProbe> result = entry(key, configuration, version).bucket.asVerbose().tryConsumeAndReturnRemaining(tokens);
        return new Taken(result.getValue(), result.getState());
    }

    @Override
    public void adjust(String key, BucketConfiguration configuration, long version, long delta)
    {
        LocalBucket bucket = entry(key, configuration, version).bucket;
        if (delta > 0)
        {
            bucket.consumeIgnoringRateLimits(delta);
        }
        else if (delta < 0)
        {
            bucket.addTokens(-delta);
        }
    }

    private Entry entry(String key, BucketConfiguration configuration, long version)
    {
        Entry entry = buckets.get(key, ignored ->
        {
            if (buckets.estimatedSize() >= maxKeys && capReported.compareAndSet(false, true))
            {
                LOG.warn("Rate limiting holds {} local buckets, its cap (ratelimit.local.max-keys); rarely used keys are now evicted and start again full", maxKeys);
            }
            var builder = Bucket.builder().withCustomTimePrecision(clock);
            for (Bandwidth bandwidth : configuration.getBandwidths())
            {
                builder.addLimit(bandwidth);
            }
            return new Entry(builder.build(), version);
        });
        // Only a newer configuration takes the lock: the usual request reads one volatile field.
        if (version > entry.version)
        {
            synchronized (entry)
            {
                if (version > entry.version)
                {
                    if (!entry.bucket.getConfiguration().equals(configuration))
                    {
                        entry.bucket.replaceConfiguration(configuration, io.github.bucket4j.TokensInheritanceStrategy.ADDITIVE);
                    }
                    entry.version = version;
                }
            }
        }
        return entry;
    }

    @Override
    public long[] peek(String key)
    {
        // Quietly: looking must not keep a bucket alive.
        Entry entry = buckets.policy().getIfPresentQuietly(key);
        return entry == null ? null : BucketStore.remaining(entry.bucket.asVerbose().getAvailableTokens().getState());
    }

    long size()
    {
        buckets.cleanUp();
        return buckets.estimatedSize();
    }

    @Override
    public void close()
    {
        buckets.invalidateAll();
    }

    /** Nanoseconds from a {@link java.time.Clock}, so tests can move time by hand. */
    public static TimeMeter meter(java.time.Clock clock)
    {
        return new TimeMeter()
        {
            @Override
            public long currentTimeNanos()
            {
                java.time.Instant now = clock.instant();
                return TimeUnit.SECONDS.toNanos(now.getEpochSecond()) + now.getNano();
            }

            @Override
            public boolean isWallClockBased()
            {
                return true;
            }
        };
    }
}
