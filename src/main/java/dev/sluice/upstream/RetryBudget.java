// Caps retries at a share of requests, so retrying cannot multiply an outage.
package dev.sluice.upstream;

import java.time.Clock;

/**
 * Finagle's retry budget over a ten-second window: a retry is allowed while the retries of the
 * window stay within {@code percent} of its requests plus {@code minPerSecond} × 10 (so a quiet
 * upstream can still retry). Counted in one-second slots; stale slots are cleared as time moves.
 */
public final class RetryBudget
{
    private static final int SLOTS = 10;

    private final Clock clock;
    private final int percent;
    private final int minPerSecond;
    private final long[] seconds = new long[SLOTS];
    private final long[] requests = new long[SLOTS];
    private final long[] retries = new long[SLOTS];

    public RetryBudget(Clock clock, int percent, int minPerSecond)
    {
        this.clock = clock;
        this.percent = percent;
        this.minPerSecond = minPerSecond;
    }

    /** Counts a request's first attempt. */
    public synchronized void request()
    {
        requests[slot()]++;
    }

    /** Takes one retry from the budget; false when the budget is spent. */
    public synchronized boolean tryRetry()
    {
        int current = slot();
        long requestSum = 0;
        long retrySum = 0;
        long now = clock.millis() / 1000;
        for (int i = 0; i < SLOTS; i++)
        {
            if (now - seconds[i] < SLOTS)
            {
                requestSum += requests[i];
                retrySum += retries[i];
            }
        }
        if ((retrySum + 1) * 100 > requestSum * percent + (long)minPerSecond * SLOTS * 100)
        {
            return false;
        }
        retries[current]++;
        return true;
    }

    private int slot()
    {
        long second = clock.millis() / 1000;
        int slot = (int)Math.floorMod(second, (long)SLOTS);
        if (seconds[slot] != second)
        {
            seconds[slot] = second;
            requests[slot] = 0;
            retries[slot] = 0;
        }
        return slot;
    }
}
