// Ends a proxied HTTP/2 exchange answered with a problem (502, 504) only once the client's body has ended too, so the answer is not lost to a reset.
package dev.sluice.proxy;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.servlet.AsyncContext;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * The upstream failed (refused, reset, timed out) while an HTTP/2 client was still sending its
 * body. Completing the exchange at once made Jetty reset the stream with {@code CANCEL}, and
 * clients drop an answer reset that way: curl reported "stream was not closed cleanly" instead
 * of the 502. So the request's reader goes on reading the body and dropping it, and the exchange
 * completes when both the answer is written and the body has ended, whichever comes last; at the
 * latest {@link dev.sluice.http.UnreadBodies}' bounds after the answer (bytes are counted by the
 * reader), after which Jetty's reset is all that is left.
 */
final class BodyAfterAnswer
{
    private static final int ANSWERED = 1;
    private static final int BODY_ENDED = 2;

    private final AtomicInteger state = new AtomicInteger();
    private volatile AsyncContext async;

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
        scheduler.schedule(this::bodyEnded, dev.sluice.http.UnreadBodies.MOST_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** The body ended, failed, passed the bound, or the time is up. */
    void bodyEnded()
    {
        int before = state.getAndAccumulate(BODY_ENDED, (a, b) -> a | b);
        if (before == ANSWERED)
        {
            async.complete();
        }
    }
}
