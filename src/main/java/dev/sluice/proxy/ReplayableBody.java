// A request body read whole before it goes upstream: kept so a retry can send it again, or given a length for upstreams that take no chunked body.
package dev.sluice.proxy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

import dev.sluice.exchange.Exchange;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import org.eclipse.jetty.client.AsyncRequestContent;
import org.eclipse.jetty.client.ByteBufferRequestContent;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.util.Callback;

/**
 * Reads a body of known length (at most {@code proxy.retry.max-body}) without blocking, then
 * hands it to the first attempt in one piece and keeps it for any retry. Bodies that are larger
 * or of unknown length stream as before and are not retried once sending began — unless the
 * upstream takes no chunked body ({@code upstream.<name>.request-buffering}): then a body of
 * unknown length is read whole up to that size, and the first attempt waits for it
 * ({@link #whenComplete}) and sends it with its length. Past the size the client is answered
 * 413 and the rest of its body is read and dropped, so the answer is not lost to a reset.
 */
final class ReplayableBody implements ReadListener
{
    private final ServletInputStream input;
    private final boolean selfEnding;
    private final Exchange exchange;
    private final AsyncRequestContent first;
    private final Consumer<Throwable> onFailure;
    /** The most a body of unknown length may have; its known length otherwise. */
    private final int max;
    private final boolean lengthKnown;
    private byte[] bytes;
    private int filled;
    private boolean complete;
    /** Past {@link #max}, or too slow: answered (413, 408); the rest is dropped. */
    private volatile boolean tooLarge;
    private final java.util.concurrent.atomic.AtomicBoolean refused = new java.util.concurrent.atomic.AtomicBoolean();
    private final BodyAfterAnswer afterAnswer;
    private final List<Runnable> waiting = new ArrayList<>(1);

    private ReplayableBody(ServletInputStream input, boolean selfEnding, Exchange exchange, AsyncRequestContent first, Consumer<Throwable> onFailure,
                           int initial, int max, boolean lengthKnown, BodyAfterAnswer afterAnswer)
    {
        this.input = input;
        this.selfEnding = selfEnding;
        this.exchange = exchange;
        this.first = first;
        this.onFailure = onFailure;
        this.bytes = new byte[initial];
        this.max = max;
        this.lengthKnown = lengthKnown;
        this.afterAnswer = afterAnswer;
    }

    /**
     * A body of known length, handed to {@code first} whole when read and kept for retries.
     *
     * @param selfEnding whether the input is Sluice's own (a body a check or transform replaced),
     *        whose end no container reports: this reader then ends itself at the end of input
     */
    static ReplayableBody ofLength(ServletInputStream input, boolean selfEnding, int length, Exchange exchange, AsyncRequestContent first,
                                   Consumer<Throwable> onFailure)
    {
        return new ReplayableBody(input, selfEnding, exchange, first, onFailure, length, length, true, null);
    }

    /**
     * A body of unknown length, read whole up to {@code max} bytes; the first attempt takes
     * {@link #copy()} once it is complete.
     */
    static ReplayableBody upTo(ServletInputStream input, boolean selfEnding, int max, Exchange exchange, BodyAfterAnswer afterAnswer,
                               Consumer<Throwable> onFailure)
    {
        return new ReplayableBody(input, selfEnding, exchange, null, onFailure, Math.min(max, 16 * 1024), max, false, afterAnswer);
    }

    @Override
    public void onDataAvailable() throws IOException
    {
        while (input.isReady())
        {
            if (filled == bytes.length && bytes.length < max && !tooLarge)
            {
                bytes = Arrays.copyOf(bytes, (int)Math.min(max, bytes.length * 2L));
            }
            // Past the limit the rest is read into the buffer's start and dropped.
            int read = tooLarge ? input.read(bytes, 0, bytes.length)
                : filled < bytes.length ? input.read(bytes, filled, bytes.length - filled) : input.read();
            if (read < 0)
            {
                if (selfEnding)
                {
                    onAllDataRead();
                }
                return;
            }
            exchange.addBytesIn(read);
            if (tooLarge)
            {
                afterAnswer.dropped();
                continue;
            }
            if (filled == bytes.length)
            {
                if (lengthKnown)
                {
                    throw new IOException("The request body is longer than its Content-Length");
                }
                refuse(new SluiceProxyServlet.BodyTooLarge(max));
                continue;
            }
            filled += read;
        }
    }

    @Override
    public void onAllDataRead()
    {
        List<Runnable> ready;
        exchange.requestBodyRead(true);
        if (afterAnswer != null)
        {
            afterAnswer.bodyEnded();
        }
        if (tooLarge)
        {
            return;
        }
        synchronized (this)
        {
            complete = true;
            ready = List.copyOf(waiting);
            waiting.clear();
        }
        if (first != null)
        {
            // The first attempt may already have failed; its content then refuses the offer, which is fine.
            first.write(ByteBuffer.wrap(bytes, 0, filled), Callback.NOOP);
            first.close();
        }
        ready.forEach(Runnable::run);
    }

    @Override
    public void onError(Throwable failure)
    {
        if (afterAnswer != null)
        {
            afterAnswer.bodyEnded();
        }
        if (!tooLarge)
        {
            onFailure.accept(failure);
        }
    }

    /** Whether nothing goes upstream until this body is whole (a body of unknown length, for request-buffering). */
    boolean readBeforeSending()
    {
        return !lengthKnown;
    }

    /**
     * Refuses the body while it is still being read (past its size, or too slow for
     * {@code proxy.request-body.*}): the client is answered once, and what it still sends is
     * read and dropped. Only for a body read whole before anything went upstream.
     */
    void refuse(Throwable failure)
    {
        if (refused.compareAndSet(false, true))
        {
            tooLarge = true;
            onFailure.accept(failure);
        }
    }

    /** Runs the action once the whole body has been read (at once if it has). */
    void whenComplete(Runnable action)
    {
        synchronized (this)
        {
            if (!complete)
            {
                waiting.add(action);
                return;
            }
        }
        action.run();
    }

    /** The kept body for another attempt. Call only after {@link #whenComplete} ran. */
    Request.Content copy()
    {
        // Untyped, as the first attempt's: the client's own Content-Type, if any, is a copied header.
        return new ByteBufferRequestContent((String)null, ByteBuffer.wrap(bytes, 0, filled));
    }
}
