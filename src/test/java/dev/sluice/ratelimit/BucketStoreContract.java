// What every bucket store must do, run against the local one and against a real Redis.
package dev.sluice.ratelimit;

import java.util.List;

import io.github.bucket4j.BucketConfiguration;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

abstract class BucketStoreContract
{
    abstract BucketStore store();

    /** Lets time pass for the store's buckets. */
    abstract void pass(long millis) throws Exception;

    private static BucketConfiguration configuration(String limits)
    {
        var builder = BucketConfiguration.builder();
        Limit.parseList(limits).forEach(limit -> builder.addLimit(limit.bandwidth()));
        return builder.build();
    }

    @Test
    void theBucketHoldsExactlyItsBurstThenRefusesWithTheTimeToWait() throws Exception
    {
        BucketConfiguration configuration = configuration("10/m burst 5");
        for (int i = 0; i < 5; i++)
        {
            BucketStore.Taken taken = store().take("exact", configuration);
            assertTrue(taken.probe().isConsumed(), "token " + i);
            assertEquals(4 - i, taken.probe().getRemainingTokens());
        }
        BucketStore.Taken refused = store().take("exact", configuration);
        assertFalse(refused.probe().isConsumed());
        // 10 per minute: one token every 6 s.
        long wait = refused.probe().getNanosToWaitForRefill();
        assertTrue(wait > 4_000_000_000L && wait <= 6_000_000_000L, "wait " + wait);
    }

    @Test
    void aNewerConfigurationTakesOverTheBucketAndKeepsWhatWasUsed() throws Exception
    {
        BucketConfiguration small = configuration("5/h");
        BucketConfiguration large = configuration("8/h");
        for (int i = 0; i < 5; i++)
        {
            assertTrue(store().take("edited", small, 1).probe().isConsumed());
        }
        assertFalse(store().take("edited", small, 1).probe().isConsumed());
        // 8/h from 5 used: three more, not a fresh eight.
        for (int i = 0; i < 3; i++)
        {
            assertTrue(store().take("edited", large, 2).probe().isConsumed(), "token " + i);
        }
        assertFalse(store().take("edited", large, 2).probe().isConsumed());
        // A request still on the older configuration does not turn the bucket back to 5/h:
        // from 8/h, 20/h leaves twelve (from 5/h it would leave fifteen).
        assertFalse(store().take("edited", small, 1).probe().isConsumed());
        BucketConfiguration larger = configuration("20/h");
        int admitted = 0;
        while (store().take("edited", larger, 3).probe().isConsumed())
        {
            admitted++;
        }
        assertEquals(12, admitted);
    }

    @Test
    void peekingShowsWhatIsLeftPerLimitAndTakesNothing() throws Exception
    {
        BucketConfiguration configuration = configuration("5/h, 100/d");
        assertEquals(null, store().peek("peeked"), "no bucket, and looking makes none");
        assertEquals(null, store().peek("peeked"));
        store().take("peeked", configuration);
        store().take("peeked", configuration);
        assertEquals(List.of(3L, 98L), java.util.Arrays.stream(store().peek("peeked")).boxed().toList());
        assertEquals(List.of(3L, 98L), java.util.Arrays.stream(store().peek("peeked")).boxed().toList());
        assertEquals(2, store().take("peeked", configuration).probe().getRemainingTokens());
    }

    @Test
    void keysHaveTheirOwnBuckets() throws Exception
    {
        BucketConfiguration configuration = configuration("1/h");
        assertTrue(store().take("a", configuration).probe().isConsumed());
        assertFalse(store().take("a", configuration).probe().isConsumed());
        assertTrue(store().take("b", configuration).probe().isConsumed());
    }

    @Test
    void everyLimitHoldsAtOnce() throws Exception
    {
        BucketConfiguration configuration = configuration("100/s, 3/h");
        assertEquals(List.of(true, true, true, false), List.of(
            store().take("both", configuration).probe().isConsumed(), store().take("both", configuration).probe().isConsumed(),
            store().take("both", configuration).probe().isConsumed(), store().take("both", configuration).probe().isConsumed()));
    }

    @Test
    void tokensComeBackAsTimePasses() throws Exception
    {
        BucketConfiguration configuration = configuration("4/s");
        for (int i = 0; i < 4; i++)
        {
            store().take("refill", configuration);
        }
        assertFalse(store().take("refill", configuration).probe().isConsumed());
        pass(300);
        assertTrue(store().take("refill", configuration).probe().isConsumed(), "one token back after a quarter second");
    }

    @Test
    void theStateShowsEachLimitsTokens() throws Exception
    {
        BucketConfiguration configuration = configuration("100/s, 10/h");
        BucketStore.Taken taken = store().take("state", configuration);
        assertEquals(99, taken.state().getCurrentSize(0));
        assertEquals(9, taken.state().getCurrentSize(1));
    }

    @Test
    void aReservationTakesAllItsTokensOrNoneAndSettlingRefundsOrChargesTheDifference() throws Exception
    {
        BucketConfiguration configuration = configuration("1000/d");
        assertTrue(store().take("tokens", configuration, 0, 600).probe().isConsumed());
        BucketStore.Taken refused = store().take("tokens", configuration, 0, 500);
        assertFalse(refused.probe().isConsumed(), "400 left, 500 asked: nothing taken");
        assertEquals(400, refused.probe().getRemainingTokens());
        // The answer used 250 of the 600 reserved: 350 come back.
        store().adjust("tokens", configuration, 0, -350);
        assertEquals(750, store().peek("tokens")[0]);
        // Another used 100 more than it reserved: the bucket goes into debt, not silently capped.
        store().adjust("tokens", configuration, 0, 850);
        assertEquals(0, store().peek("tokens")[0]);
        assertFalse(store().take("tokens", configuration, 0, 1).probe().isConsumed());
        // A refund never fills a bucket past its capacity.
        store().adjust("tokens", configuration, 0, -5000);
        assertEquals(1000, store().peek("tokens")[0]);
    }
}
