// How long Sluice goes on reading a request body nobody will use, after answering: nginx's lingering close.
package dev.sluice.http;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

/**
 * After Sluice has answered a request whose body the client is still sending (a refusal, a 502),
 * the body is read and dropped so that the client, which may read nothing before it has sent all
 * of it, gets the answer instead of a reset connection or stream. nginx's bounds: at most
 * {@value #MOST_MILLIS} ms in all ({@code lingering_time}) and {@value #SILENCE_MILLIS} ms without
 * a byte ({@code lingering_timeout}); past either, reading stops and the container closes the
 * connection (HTTP/1.1) or resets the stream (HTTP/2), as it would have at once before. Time,
 * not bytes, is the bound, as in nginx: a client may send as fast as the network lets it, and a
 * route's body limit has refused the body already.
 *
 * <p>One per body; {@link #read} is called for every piece, {@code end} runs once (from the
 * timer, or not at all when {@link #stop} came first).
 */
public final class Linger
{
    /** The longest a refused body is read; nginx's {@code lingering_time}. */
    public static final long MOST_MILLIS = 30_000;
    /** The longest wait for the next piece of it; nginx's {@code lingering_timeout}. */
    public static final long SILENCE_MILLIS = 5_000;

    /** Runs a task after a delay: Jetty's scheduler or a {@code ScheduledExecutorService}. */
    @FunctionalInterface
    public interface Timer
    {
        void schedule(Runnable task, long delay, TimeUnit unit);
    }

    /** Bounds nothing: for a body whose lingering has not started. */
    public static final Linger NONE = new Linger((task, delay, unit) -> { }, () -> { }, System::nanoTime);

    private final Timer timer;
    private final Runnable end;
    private final LongSupplier nanos;
    private final long start;
    private final AtomicBoolean over = new AtomicBoolean();
    private volatile long lastRead;

    private Linger(Timer timer, Runnable end, LongSupplier nanos)
    {
        this.timer = timer;
        this.end = end;
        this.nanos = nanos;
        this.start = nanos.getAsLong();
        this.lastRead = start;
    }

    /** Starts the clock now: {@code end} runs when the body has been silent or read too long. */
    public static Linger start(Timer timer, Runnable end)
    {
        return start(timer, end, System::nanoTime);
    }

    static Linger start(Timer timer, Runnable end, LongSupplier nanos)
    {
        Linger linger = new Linger(timer, end, nanos);
        timer.schedule(linger::check, SILENCE_MILLIS, TimeUnit.MILLISECONDS);
        return linger;
    }

    /** A piece of the body arrived. */
    public void read()
    {
        lastRead = nanos.getAsLong();
    }

    /** The body ended or failed: {@code end} will not run. */
    public void stop()
    {
        over.set(true);
    }

    private void check()
    {
        if (over.get())
        {
            return;
        }
        long now = nanos.getAsLong();
        long silence = TimeUnit.MILLISECONDS.toNanos(SILENCE_MILLIS) - (now - lastRead);
        long total = TimeUnit.MILLISECONDS.toNanos(MOST_MILLIS) - (now - start);
        if (silence <= 0 || total <= 0)
        {
            if (over.compareAndSet(false, true))
            {
                end.run();
            }
            return;
        }
        // Rescheduled at the next moment either bound could be passed, not on every read.
        timer.schedule(this::check, Math.min(silence, total), TimeUnit.NANOSECONDS);
    }
}
