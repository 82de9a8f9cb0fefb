// The bounds of reading a refused body: five seconds of silence or thirty in all, as nginx's lingering close.
package dev.sluice.http;

import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LingerTest
{
    /** A timer whose tasks run when the test moves the clock past them. */
    private static final class ManualTimer implements Linger.Timer
    {
        long now;
        private final Queue<long[]> due = new ArrayDeque<>();
        private final Queue<Runnable> tasks = new ArrayDeque<>();

        @Override
        public void schedule(Runnable task, long delay, TimeUnit unit)
        {
            due.add(new long[] {now + unit.toNanos(delay)});
            tasks.add(task);
        }

        /** Moves the clock to {@code millis} since the start, running what falls due on the way. */
        void advanceTo(long millis)
        {
            long target = TimeUnit.MILLISECONDS.toNanos(millis);
            while (!due.isEmpty() && due.peek()[0] <= target)
            {
                now = due.poll()[0];
                tasks.poll().run();
            }
            now = target;
        }

        int pending()
        {
            return tasks.size();
        }
    }

    @Test
    void aBodyThatFallsSilentForFiveSecondsIsGivenUpOn()
    {
        ManualTimer timer = new ManualTimer();
        AtomicInteger ended = new AtomicInteger();
        Linger linger = Linger.start(timer, ended::incrementAndGet, () -> timer.now);
        timer.advanceTo(3_000);
        linger.read();
        timer.advanceTo(7_999);
        assertEquals(0, ended.get(), "a piece came at 3 s: silent for less than 5 s");
        timer.advanceTo(8_000);
        assertEquals(1, ended.get());
        timer.advanceTo(60_000);
        assertEquals(1, ended.get(), "ends once");
        assertEquals(0, timer.pending());
    }

    @Test
    void aBodyThatKeepsComingIsReadForThirtySecondsAtMost()
    {
        ManualTimer timer = new ManualTimer();
        AtomicInteger ended = new AtomicInteger();
        Linger linger = Linger.start(timer, ended::incrementAndGet, () -> timer.now);
        for (long at = 1_000; at < 30_000; at += 1_000)
        {
            timer.advanceTo(at);
            linger.read();
        }
        assertEquals(0, ended.get());
        timer.advanceTo(30_000);
        assertEquals(1, ended.get());
        assertTrue(timer.pending() == 0, "no check left after the end");
    }

    @Test
    void aBodyThatEndsStopsTheClock()
    {
        ManualTimer timer = new ManualTimer();
        AtomicInteger ended = new AtomicInteger();
        Linger linger = Linger.start(timer, ended::incrementAndGet, () -> timer.now);
        timer.advanceTo(1_000);
        linger.stop();
        timer.advanceTo(60_000);
        assertEquals(0, ended.get());
        assertEquals(0, timer.pending());
    }
}
