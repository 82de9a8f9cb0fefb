// The store contract in process, plus the local store's own bounds.
package dev.sluice.ratelimit;

import java.time.Duration;
import java.time.Instant;

import dev.sluice.testing.LogCapture;
import dev.sluice.testing.MutableClock;
import io.github.bucket4j.BucketConfiguration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LocalBucketStoreTest extends BucketStoreContract
{
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-28T10:00:00Z"));
    private LocalBucketStore store;

    @BeforeEach
    void open()
    {
        store = new LocalBucketStore(1000, LocalBucketStore.meter(clock));
    }

    @AfterEach
    void close()
    {
        store.close();
    }

    @Override
    BucketStore store()
    {
        return store;
    }

    @Override
    void pass(long millis)
    {
        clock.advance(Duration.ofMillis(millis));
    }

    @Test
    void anIdleBucketIsDroppedOnceItWouldBeFullAgain()
    {
        BucketConfiguration configuration = BucketConfiguration.builder().addLimit(Limit.parse("10/m").bandwidth()).build();
        store.take("idle", configuration);
        assertEquals(1, store.size());
        clock.advance(Duration.ofSeconds(59));
        assertEquals(1, store.size());
        clock.advance(Duration.ofSeconds(2));
        assertEquals(0, store.size());
    }

    @Test
    void aFloodOfDistinctKeysStaysWithinTheCapAndIsReportedOnce() throws Exception
    {
        BucketConfiguration configuration = BucketConfiguration.builder().addLimit(Limit.parse("10/h").bandwidth()).build();
        try (LogCapture log = LogCapture.start())
        {
            for (int i = 0; i < 20_000; i++)
            {
                store.take("random-key-" + i, configuration);
            }
            assertTrue(store.size() <= 1000, "size " + store.size());
            String text = log.text();
            assertEquals(1, text.split("its cap \\(ratelimit.local.max-keys\\)", -1).length - 1, text);
        }
    }
}
