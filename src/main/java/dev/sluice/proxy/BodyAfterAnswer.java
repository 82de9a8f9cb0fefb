// Ends a proxied exchange answered before the client's body ended (a 502, an upstream's early 413) only once the body has ended too, so the answer is not lost to a reset.
package dev.sluice.proxy;

import java.util.concurrent.atomic.AtomicInteger;

import dev.sluice.http.Linger;

import jakarta.servlet.AsyncContext;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * The upstream failed (refused, reset, timed out), or answered in full, while the client was
 * still sending its body.
 * Completing the exchange at once made Jetty reset the HTTP/2 stream with {@code CANCEL}, which
 * clients drop (curl reported "stream was not closed cleanly" instead of the 502), or close the
 * HTTP/1.1 connection with the body unread, which TCP turns into a reset that a client still
 * writing sees as "broken pipe". So the request's reader goes on reading the body and dropping
 * it, and the exchange completes when both the answer is written and the body has ended,
 * whichever comes last; at the latest when the body has been silent or read too long after the
 * answer ({@link Linger}), after which the container's reset is all that is left.
 */
final class BodyAfterAnswer
{
    private static final int ANSWERED = 1;
    private static final int BODY_ENDED = 2;

    private final AtomicInteger state = new AtomicInteger();
    private volatile AsyncContext async;
    private volatile Linger linger = Linger.NONE;

    /**
     * The answer is written; completes now if the body has ended, else when it does or the time
     * is up.
     */
    void answered(AsyncContext async, Scheduler scheduler)
    {
        this.async = async;
        if (state.accumulateAndGet(ANSWERED, (a, b) -> a | b) == (ANSWERED | BODY_ENDED))
        {
            async.complete();
            return;
        }
        linger = Linger.start(scheduler::schedule, this::bodyEnded);
    }

    /** A piece of the body was read and dropped after the upstream failed. */
    void dropped()
    {
        linger.read();
    }

    boolean bodyHasEnded()
    {
        return (state.get() & BODY_ENDED) != 0;
    }

    /** The body ended, failed, passed the bound, or the time is up. */
    void bodyEnded()
    {
        int before = state.getAndAccumulate(BODY_ENDED, (a, b) -> a | b);
        linger.stop();
        if (before == ANSWERED)
        {
            async.complete();
        }
    }
}
