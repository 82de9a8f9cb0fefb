// After an answer Sluice gave itself, reads and drops the rest of the request's body so the client sees that answer.
package dev.sluice.http;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * When Sluice refuses a request on its headers alone (no route, a missing key, a limit, a guard,
 * a body declared too large), the client may still be sending the body, and many clients read
 * nothing before they have sent all of it. Closing then loses the answer: over HTTP/1.1 Jetty
 * closed the connection with the body's bytes unread, TCP reset it, and a client writing a
 * 20 MB body (Python's {@code http.client}, Java's {@code HttpURLConnection}) failed with "broken
 * pipe" instead of reading its 413; over HTTP/2 Jetty ends the stream with
 * {@code RST_STREAM(CANCEL)} right after the answer, and RFC 9113 §8.1 lets a client discard an
 * answer reset that way (curl reports "stream was not closed cleanly: CANCEL", Jetty's client
 * fails the exchange). (The RFC's clean form is {@code NO_ERROR}, which a servlet cannot ask Jetty
 * for.)
 *
 * <p>So after such an answer has been sent whole, the rest of the body is read asynchronously,
 * holding no thread, and dropped, as nginx's lingering close does, within its bounds
 * ({@link Linger}); past them the container closes as before. A body held back for
 * {@code Expect: 100-continue} is not read: reading it would ask for what the answer refused.
 * An HTTP/1.1 body read to its end leaves the connection usable for the next request. In
 * Tomcat, which closes the request's input with the answer, its connector does this for HTTP/1.1
 * up to its {@code maxSwallowSize}.
 */
public final class UnreadBodies implements AutoCloseable
{
    private final OwnThreads timer = new OwnThreads("sluice-unread-bodies");

    /**
     * Drops what is left of {@code request}'s body once {@code response} is complete; to be called
     * after a synchronous answer, with the request not in asynchronous mode.
     */
    public void discard(HttpServletRequest request, HttpServletResponse response)
    {
        if (request.getHeader(HeaderNames.EXPECT) != null || !RequestBodies.expected(request)
            || (request.getProtocol().startsWith("HTTP/1") && !request.getServletContext().getServerInfo().regionMatches(true, 0, "jetty", 0, 5)))
        {
            // Tomcat closes a request's input once its answer is complete; a read then fails, and
            // that failure would stop Tomcat's connector from swallowing the rest itself (up to
            // its maxSwallowSize), which is what works there.
            return;
        }
        ServletInputStream input;
        try
        {
            input = request.getInputStream();
            if (input.isFinished())
            {
                return;
            }
            // The answer ends now, not when the body has been read: a client may wait for it.
            end(response);
        }
        catch (IllegalStateException | IOException x)
        {
            // Read through a reader already, or the client is gone: nothing to keep clean.
            return;
        }
        AsyncContext async = request.startAsync();
        // Linger's bounds end it; this is the backstop should its timer be gone (an undeploy).
        async.setTimeout(Linger.MOST_MILLIS + Linger.SILENCE_MILLIS);
        Drain drain = new Drain(async, input);
        async.addListener(drain);
        try
        {
            drain.linger = Linger.start(timer.executor()::schedule, drain::finish);
        }
        catch (java.util.concurrent.RejectedExecutionException stopping)
        {
            drain.finish();
            return;
        }
        try
        {
            input.setReadListener(drain);
        }
        catch (IllegalStateException x)
        {
            // Part of the body was read blocking; the container does not switch modes midway.
            drain.finish();
        }
    }

    @Override
    public void close()
    {
        timer.stop(java.time.Duration.ofSeconds(2));
    }

    private static void end(HttpServletResponse response) throws IOException
    {
        try
        {
            response.getOutputStream().close();
        }
        catch (IllegalStateException writerInUse)
        {
            response.getWriter().close();
        }
    }

    /** Reads until the body ends, the bound is passed, the time is up or the client fails. */
    private static final class Drain implements ReadListener, AsyncListener
    {
        private final AsyncContext async;
        private final ServletInputStream input;
        private final byte[] buffer = new byte[8192];
        private final AtomicBoolean done = new AtomicBoolean();
        private volatile Linger linger = Linger.NONE;

        Drain(AsyncContext async, ServletInputStream input)
        {
            this.async = async;
            this.input = input;
        }

        @Override
        public void onDataAvailable() throws IOException
        {
            while (!done.get() && input.isReady())
            {
                int n = input.read(buffer);
                if (n < 0)
                {
                    return;
                }
                linger.read();
            }
        }

        @Override
        public void onAllDataRead()
        {
            finish();
        }

        @Override
        public void onError(Throwable failure)
        {
            finish();
        }

        @Override
        public void onTimeout(AsyncEvent event)
        {
            finish();
        }

        @Override
        public void onComplete(AsyncEvent event)
        {
            done.set(true);
            linger.stop();
        }

        @Override
        public void onError(AsyncEvent event)
        {
            finish();
        }

        @Override
        public void onStartAsync(AsyncEvent event)
        {
            // Not restarted: the answer has been sent.
        }

        private void finish()
        {
            if (done.compareAndSet(false, true))
            {
                linger.stop();
                async.complete();
            }
        }
    }
}
