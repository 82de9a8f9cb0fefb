// After an answer Sluice gave itself, reads and drops the rest of an HTTP/2 request's body so the client sees that answer.
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
 * When Sluice refuses a request on its headers alone (no route, a missing key, a limit, a guard),
 * the client may still be sending the body. Over HTTP/2 Jetty then ends the stream with
 * {@code RST_STREAM(CANCEL)} right after the answer, and RFC 9113 §8.1 lets a client discard an
 * answer reset that way: curl reports "stream was not closed cleanly: CANCEL" and Jetty's client
 * fails the exchange, so the caller never learns it got a 401, 415 or 429. (The RFC's clean form
 * is {@code NO_ERROR}, which a servlet cannot ask Jetty for.) HTTP/1.1 needs nothing: Jetty closes
 * the connection after the answer, and Tomcat swallows the body itself.
 *
 * <p>So after such an answer has been sent whole, the rest of the body is read asynchronously,
 * holding no thread, and dropped, as Tomcat's {@code maxSwallowSize} and nginx's discarded request
 * bodies do. Bounded like theirs: at most {@value #MOST_BYTES} bytes (Tomcat's default) and
 * {@value #MOST_MILLIS} ms (nginx's {@code lingering_timeout}); past either the stream is reset as
 * before. A body announced as larger is not read at all, and neither is one the client holds back
 * for {@code Expect: 100-continue}: reading it would ask for what the answer refused.
 */
public final class UnreadBodies
{
    /** The most bytes read and dropped after an answer; Tomcat's {@code maxSwallowSize}. */
    public static final long MOST_BYTES = 2 * 1024 * 1024;
    /** How long the rest of a body may take to arrive; nginx's {@code lingering_timeout}. */
    public static final long MOST_MILLIS = 5_000;

    private UnreadBodies()
    {
    }

    /**
     * Drops what is left of {@code request}'s body once {@code response} is complete; to be called
     * after a synchronous answer, with the request not in asynchronous mode.
     */
    public static void discard(HttpServletRequest request, HttpServletResponse response)
    {
        if (request.getProtocol().startsWith("HTTP/1") || request.getHeader(HeaderNames.EXPECT) != null || !RequestBodies.expected(request)
            || request.getContentLengthLong() > MOST_BYTES)
        {
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
        async.setTimeout(MOST_MILLIS);
        Drain drain = new Drain(async, input);
        async.addListener(drain);
        try
        {
            input.setReadListener(drain);
        }
        catch (IllegalStateException x)
        {
            // Part of the body was read blocking; the container does not switch modes midway.
            async.complete();
        }
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
        private long read;

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
                read += n;
                if (read > MOST_BYTES)
                {
                    finish();
                }
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
                async.complete();
            }
        }
    }
}
