// Ends a passed-through 304 that declared no length without the Content-Length: 0 the container would add.
package dev.sluice.proxy;

import java.io.IOException;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * RFC 9110 §8.6: a 304 may declare only the length a 200 would have had, and a cache that gets
 * {@code Content-Length: 0} on a 304 may take it for the stored representation's length. Jetty
 * adds exactly that to any response completed before its head was sent, since it then knows how
 * much was written: nothing. Sending the head on its own first leaves the length undeclared (a
 * 304 has no body to delimit). The head goes out through a {@link WriteListener}, so a client that
 * has stopped reading never holds a thread; the exchange is completed once the head is written,
 * or at once when the client has gone.
 */
final class NotModifiedHead implements WriteListener
{
    private static final Logger LOG = LoggerFactory.getLogger(NotModifiedHead.class);

    private final HttpServletRequest clientRequest;
    private final ServletOutputStream output;
    private final Runnable complete;
    private boolean flushed;

    private NotModifiedHead(HttpServletRequest clientRequest, ServletOutputStream output, Runnable complete)
    {
        this.clientRequest = clientRequest;
        this.output = output;
        this.complete = complete;
    }

    /** Whether {@code response} is an upstream's 304 the container would give a length it did not have. */
    static boolean needed(HttpServletResponse response)
    {
        return response.getStatus() == HttpServletResponse.SC_NOT_MODIFIED && !response.isCommitted() && !response.containsHeader("Content-Length");
    }

    /** Sends the head, then runs {@code complete} (which ends the asynchronous exchange). */
    static void send(HttpServletRequest clientRequest, HttpServletResponse response, Runnable complete) throws IOException
    {
        ServletOutputStream output = response.getOutputStream();
        output.setWriteListener(new NotModifiedHead(clientRequest, output, complete));
    }

    @Override
    public void onWritePossible() throws IOException
    {
        if (!flushed)
        {
            flushed = true;
            output.flush();
            if (!output.isReady())
            {
                // Called again once the head is written.
                return;
            }
        }
        complete.run();
    }

    @Override
    public void onError(Throwable failure)
    {
        LOG.debug("a 304's head could not be written: {}", failure.toString());
        try
        {
            clientRequest.getAsyncContext().complete();
        }
        catch (IllegalStateException alreadyOver)
        {
            // The container ended the exchange itself.
        }
    }
}
