// Writes a whole response body Sluice already holds (a stored cache entry) without keeping the
// request thread while the client reads it.
package dev.sluice.http;

import java.io.IOException;
import java.util.function.Consumer;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.util.Callback;

/**
 * A blocking write returns only once the client has taken all but the last buffer, so a client
 * that stops reading a large answer holds a request thread until the idle timeout; a few hundred
 * of them hold the whole pool. This starts asynchronous processing and writes without blocking:
 * in Jetty through {@link WholeBodyWrite} (no thread hand-off), elsewhere through a
 * {@link WriteListener}. The request completes when the client has the bytes or the write failed.
 *
 * <p>Asynchronous processing has no timeout here: the connection's idle timeout ends a client
 * that stops reading, as it would a blocked write.</p>
 */
public final class AsyncBodyWrite
{
    private static final boolean JETTY_OUTPUT = WholeBodyWrite.available();

    private AsyncBodyWrite()
    {
    }

    /**
     * Writes {@code length} bytes of {@code body} from {@code offset} (status and header fields
     * already set) and finishes the request: an asynchronous one (already, or made so here) is
     * completed once the client has the bytes or the write failed; one that cannot go
     * asynchronous is written with a blocking write and left for the container to finish.
     *
     * @param failed told when the client did not take the body (it went away, or timed out)
     */
    public static void send(HttpServletRequest request, HttpServletResponse response, byte[] body, int offset, int length, Consumer<Throwable> failed)
        throws IOException
    {
        ServletOutputStream output = response.getOutputStream();
        boolean started = request.isAsyncStarted();
        if (!started && !request.isAsyncSupported())
        {
            output.write(body, offset, length);
            response.flushBuffer();
            return;
        }
        AsyncContext async = started ? request.getAsyncContext() : request.startAsync();
        if (!started)
        {
            async.setTimeout(0);
        }
        try
        {
            write(output, body, offset, length, async::complete, failure ->
            {
                failed.accept(failure);
                async.complete();
            });
        }
        catch (IllegalStateException listenerSet)
        {
            // Someone else's asynchronous request (the proxy servlet's) set its own write listener
            // before, and a response takes one only: written with a blocking write, then completed.
            // The proxy servlet answers from the cache only before it has forwarded anything, so
            // this is a safety net, not a path Sluice takes.
            try
            {
                output.write(body, offset, length);
                response.flushBuffer();
            }
            finally
            {
                async.complete();
            }
        }
    }

    /**
     * Writes {@code length} bytes of {@code body} from {@code offset} as the whole of an
     * asynchronous request's answer without blocking, then runs {@code done} once the client has
     * them, or {@code failed} if it did not take them; the caller completes the request.
     *
     * @throws IllegalStateException when the response has a write listener already
     */
    public static void write(ServletOutputStream output, byte[] body, int offset, int length, Runnable done, Consumer<Throwable> failed)
    {
        if (JETTY_OUTPUT && WholeBodyWrite.send(output, body, offset, length, Callback.from(done, failed)))
        {
            return;
        }
        output.setWriteListener(new Listener(output, body, offset, length, done, failed));
    }

    /** Writes the body once the container says it may, says so once the container says it took it. */
    private static final class Listener implements WriteListener
    {
        private final ServletOutputStream output;
        private final byte[] body;
        private final int offset;
        private final int length;
        private final Runnable done;
        private final Consumer<Throwable> failed;
        private boolean written;

        Listener(ServletOutputStream output, byte[] body, int offset, int length, Runnable done, Consumer<Throwable> failed)
        {
            this.output = output;
            this.body = body;
            this.offset = offset;
            this.length = length;
            this.done = done;
            this.failed = failed;
        }

        @Override
        public void onWritePossible() throws IOException
        {
            while (output.isReady())
            {
                if (written)
                {
                    done.run();
                    return;
                }
                written = true;
                output.write(body, offset, length);
            }
        }

        @Override
        public void onError(Throwable failure)
        {
            failed.accept(failure);
        }
    }
}
