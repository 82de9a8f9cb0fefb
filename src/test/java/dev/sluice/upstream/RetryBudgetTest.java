// The retry budget: a share of requests plus a small floor, over a sliding ten seconds.
package dev.sluice.upstream;

import java.time.Duration;
import java.time.Instant;

import dev.sluice.testing.MutableClock;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class RetryBudgetTest
{
    @Test
    void retriesStayWithinTheShareOfRequestsPlusTheFloor()
    {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-28T12:00:00Z"));
        RetryBudget budget = new RetryBudget(clock, 20, 1);
        for (int i = 0; i < 100; i++)
        {
            budget.request();
        }
        int allowed = 0;
        while (budget.tryRetry())
        {
            allowed++;
        }
        // 20% of 100 requests plus 1 per second over the 10-second window.
        assertEquals(30, allowed);
        clock.advance(Duration.ofSeconds(10));
        // The window moved on: only the floor is left.
        allowed = 0;
        while (budget.tryRetry())
        {
            allowed++;
        }
        assertEquals(10, allowed);
    }

    @Test
    void aZeroBudgetWithoutFloorAllowsNoRetry()
    {
        RetryBudget budget = new RetryBudget(new MutableClock(Instant.EPOCH), 0, 0);
        budget.request();
        assertEquals(false, budget.tryRetry());
    }
}
