// What the AI front writes to its client: as the servlet API writes until the request goes asynchronous, then never blocking.
package dev.sluice.ai;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;

/**
 * The AI front answers from the threads that read the provider's answer, which are the
 * container's request threads. A blocking write to a client that stops reading held one of them
 * until the connection's idle timeout, so a few hundred such clients of a long stream stopped the
 * whole gateway. Once the request is asynchronous ({@link #goAsync}), what is written is queued
 * and given to the container as it can take it (a {@link WriteListener}), flushes included; the
 * provider's answer is read further only while less than {@link #HIGH_WATER} bytes wait
 * ({@link #whenTaken}), so a slow client slows its provider's stream instead of filling memory;
 * and the request completes once everything is written ({@link #closeThen}) or the client is
 * gone. Before that (answers and refusals given at once), writes go to the container as they
 * would.
 */
final class ClientOutput extends HttpServletResponseWrapper implements WriteListener
{
    /** Queued bytes above which the provider is not read further until the client has taken them. */
    static final int HIGH_WATER = 64 * 1024;

    private final HttpServletResponse wrapped;
    private final ArrayDeque<byte[]> queue = new ArrayDeque<>();
    private long queued;
    /** The container's stream, once the request is asynchronous; null before. */
    private volatile ServletOutputStream out;
    private boolean flushWanted;
    private boolean written;
    private IOException failure;
    /** The provider's demand for more, held while the client has not taken what is queued. */
    private Runnable onTaken;
    /** The request's completion, held until everything queued is written. */
    private Runnable onClosed;

    private final ServletOutputStream stream = new FrontStream()
    {
        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException
        {
            ClientOutput.this.write(bytes, offset, length);
        }

        @Override
        public void flush() throws IOException
        {
            ClientOutput.this.flush();
        }
    };

    ClientOutput(HttpServletResponse response)
    {
        super(response);
        this.wrapped = response;
    }

    /** From now on writes are queued and never block; to be called right after the request went asynchronous. */
    void goAsync() throws IOException
    {
        ServletOutputStream container = wrapped.getOutputStream();
        synchronized (this)
        {
            out = container;
        }
        container.setWriteListener(this);
    }

    @Override
    public ServletOutputStream getOutputStream() throws IOException
    {
        return out == null ? wrapped.getOutputStream() : stream;
    }

    @Override
    public synchronized boolean isCommitted()
    {
        return written || wrapped.isCommitted();
    }

    @Override
    public void resetBuffer()
    {
        synchronized (this)
        {
            if (written)
            {
                throw new IllegalStateException("Committed: the answer has begun.");
            }
        }
        wrapped.resetBuffer();
    }

    @Override
    public void flushBuffer() throws IOException
    {
        if (out == null)
        {
            wrapped.flushBuffer();
        }
        else
        {
            flush();
        }
    }

    private void write(byte[] bytes, int offset, int length) throws IOException
    {
        List<Runnable> ready;
        synchronized (this)
        {
            if (failure != null)
            {
                throw failure;
            }
            written = true;
            queue.add(java.util.Arrays.copyOfRange(bytes, offset, offset + length));
            queued += length;
            ready = pump();
        }
        ready.forEach(Runnable::run);
        rethrow();
    }

    /** Tells the writer at once when the container found the client gone. */
    private synchronized void rethrow() throws IOException
    {
        if (failure != null)
        {
            throw failure;
        }
    }

    private void flush() throws IOException
    {
        List<Runnable> ready;
        synchronized (this)
        {
            if (failure != null)
            {
                throw failure;
            }
            flushWanted = true;
            ready = pump();
        }
        ready.forEach(Runnable::run);
        rethrow();
    }

    /**
     * Runs the provider's demand for more now while the client keeps up, else once it has taken
     * what is queued (or is gone).
     */
    void whenTaken(Runnable demand)
    {
        synchronized (this)
        {
            if (out != null && failure == null && queued >= HIGH_WATER)
            {
                onTaken = demand;
                return;
            }
        }
        demand.run();
    }

    /** Runs the request's completion once everything queued is written, or the client is gone; at once before it went asynchronous. */
    void closeThen(Runnable complete)
    {
        List<Runnable> ready;
        synchronized (this)
        {
            if (out == null || failure != null)
            {
                ready = List.of(complete);
            }
            else
            {
                onClosed = complete;
                ready = pump();
            }
        }
        ready.forEach(Runnable::run);
    }

    @Override
    public void onWritePossible()
    {
        List<Runnable> ready;
        synchronized (this)
        {
            ready = pump();
        }
        ready.forEach(Runnable::run);
    }

    @Override
    public void onError(Throwable failed)
    {
        List<Runnable> ready;
        synchronized (this)
        {
            ready = fail(failed);
        }
        ready.forEach(Runnable::run);
    }

    /** The client is known to be gone (the container said so): nothing queued will be taken, so nothing waits for it. */
    void abandon(Throwable cause)
    {
        onError(cause == null ? new IOException("The client is gone.") : cause);
    }

    /** Writes what the container takes now; returns what waited for it (the provider's demand, the completion), to run unlocked. */
    private List<Runnable> pump()
    {
        if (out == null || failure != null)
        {
            return List.of();
        }
        List<Runnable> ready = new ArrayList<>(2);
        try
        {
            while (out.isReady())
            {
                byte[] next = queue.poll();
                if (next != null)
                {
                    queued -= next.length;
                    out.write(next);
                }
                else if (flushWanted)
                {
                    flushWanted = false;
                    out.flush();
                }
                else
                {
                    if (onClosed != null)
                    {
                        ready.add(onClosed);
                        onClosed = null;
                    }
                    break;
                }
            }
        }
        catch (IOException | IllegalStateException x)
        {
            return fail(x);
        }
        if (onTaken != null && queued < HIGH_WATER)
        {
            ready.add(0, onTaken);
            onTaken = null;
        }
        return ready;
    }

    /** The client is gone: nothing more is written, and whatever waited goes on (to find it gone, or to complete). */
    private List<Runnable> fail(Throwable failed)
    {
        if (failure == null)
        {
            failure = failed instanceof IOException io ? io : new IOException("The client is gone.", failed);
        }
        queue.clear();
        queued = 0;
        List<Runnable> ready = new ArrayList<>(2);
        if (onTaken != null)
        {
            ready.add(onTaken);
            onTaken = null;
        }
        if (onClosed != null)
        {
            ready.add(onClosed);
            onClosed = null;
        }
        return ready;
    }
}
