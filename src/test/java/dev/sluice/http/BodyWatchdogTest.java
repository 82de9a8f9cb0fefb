// The slow-body judgement on its own, with time moved by hand.
package dev.sluice.http;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class BodyWatchdogTest
{
    private static final long SECOND = 1_000_000_000L;

    @Test
    void silenceLongerThanTheIdleTimeoutIsTooSlow()
    {
        BodyWatchdog watch = new BodyWatchdog(Duration.ofSeconds(2), 0, 0);
        assertNull(watch.check(SECOND, 100));
        assertNull(watch.check(2 * SECOND, 100), "one second of silence");
        assertEquals("no request body byte for 2000 ms", watch.check(3 * SECOND, 100));
    }

    @Test
    void anAverageUnderTheMinimumRateIsTooSlowOnlyAfterTheGracePeriod()
    {
        BodyWatchdog watch = new BodyWatchdog(Duration.ZERO, 1024, 0);
        assertNull(watch.check(4 * SECOND, 10), "within the first five seconds nothing is judged");
        assertEquals("request body at 2 bytes/s, under the minimum of 1024", watch.check(5 * SECOND, 10));
        BodyWatchdog fast = new BodyWatchdog(Duration.ZERO, 1024, 0);
        assertNull(fast.check(10 * SECOND, 20 * 1024));
    }

    @Test
    void zeroSettingsWatchNothing()
    {
        assertEquals(false, BodyWatchdog.enabled(Duration.ZERO, 0));
        assertEquals(true, BodyWatchdog.enabled(Duration.ZERO, 1));
        assertEquals(true, BodyWatchdog.enabled(Duration.ofSeconds(1), 0));
    }
}
