// A small request body kept whole so that a retry can send it again.
package dev.sluice.proxy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
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
 * or of unknown length stream as before and are not retried once sending began.
 */
final class ReplayableBody implements ReadListener
{
    private final ServletInputStream input;
    private final boolean selfEnding;
    private final Exchange exchange;
    private final AsyncRequestContent first;
    private final Consumer<Throwable> onFailure;
    private final byte[] bytes;
    private int filled;
    private boolean complete;
    private final List<Runnable> waiting = new ArrayList<>(1);

    /**
     * @param selfEnding whether the input is Sluice's own (a body a check or transform replaced),
     *        whose end no container reports: this reader then ends itself at the end of input
     */
    ReplayableBody(ServletInputStream input, boolean selfEnding, int length, Exchange exchange, AsyncRequestContent first, Consumer<Throwable> onFailure)
    {
        this.input = input;
        this.selfEnding = selfEnding;
        this.exchange = exchange;
        this.first = first;
        this.onFailure = onFailure;
        this.bytes = new byte[length];
    }

    @Override
    public void onDataAvailable() throws IOException
    {
        while (input.isReady())
        {
            int read = filled < bytes.length ? input.read(bytes, filled, bytes.length - filled) : input.read();
            if (read < 0)
            {
                if (selfEnding)
                {
                    onAllDataRead();
                }
                return;
            }
            if (filled == bytes.length)
            {
                throw new IOException("The request body is longer than its Content-Length");
            }
            filled += read;
            exchange.addBytesIn(read);
        }
    }

    @Override
    public void onAllDataRead()
    {
        List<Runnable> ready;
        exchange.requestBodyRead(true);
        synchronized (this)
        {
            complete = true;
            ready = List.copyOf(waiting);
            waiting.clear();
        }
        // The first attempt may already have failed; its content then refuses the offer, which is fine.
        first.write(ByteBuffer.wrap(bytes, 0, filled), Callback.NOOP);
        first.close();
        ready.forEach(Runnable::run);
    }

    @Override
    public void onError(Throwable failure)
    {
        onFailure.accept(failure);
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
