// Failed-attempt counting per address on its own, with time passed by hand.
package dev.sluice.auth;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class FailedAttemptsTest
{
    private static final Duration MINUTE = Duration.ofMinutes(1);

    @Test
    void anAddressIsBlockedAfterMaxFailuresUntilItsWindowEnds()
    {
        FailedAttempts failures = new FailedAttempts(100);
        failures.failed("198.51.100.7", MINUTE, 0);
        failures.failed("198.51.100.7", MINUTE, 10_000);
        assertEquals(0, failures.blockedSeconds("198.51.100.7", 3, MINUTE, 10_000));
        failures.failed("198.51.100.7", MINUTE, 20_000);
        assertEquals(40, failures.blockedSeconds("198.51.100.7", 3, MINUTE, 20_000), "the window opened at the first failure");
        assertEquals(0, failures.blockedSeconds("198.51.100.8", 3, MINUTE, 20_000), "other addresses are not affected");
        assertEquals(0, failures.blockedSeconds("198.51.100.7", 3, MINUTE, 60_000));
    }

    @Test
    void aFailureAfterTheWindowStartsANewOne()
    {
        FailedAttempts failures = new FailedAttempts(100);
        failures.failed("a", MINUTE, 0);
        failures.failed("a", MINUTE, 1_000);
        failures.failed("a", MINUTE, 61_000);
        assertEquals(0, failures.blockedSeconds("a", 2, MINUTE, 61_000), "one failure in the new window");
        failures.failed("a", MINUTE, 62_000);
        assertEquals(59, failures.blockedSeconds("a", 2, MINUTE, 62_000));
    }

    @Test
    void zeroMaxMeansNoLimit()
    {
        FailedAttempts failures = new FailedAttempts(100);
        for (int i = 0; i < 100; i++)
        {
            failures.failed("a", MINUTE, i);
        }
        assertEquals(0, failures.blockedSeconds("a", 0, MINUTE, 100));
    }
}
