// What a failed request of Jetty's HTTP client says: whether it may go again, and a one-line reason for the log.
package dev.sluice.http;

import java.io.EOFException;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.channels.ClosedChannelException;

import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.RetryableRequestException;
import org.eclipse.jetty.client.transport.internal.HttpConnectionOverHTTP;
import org.eclipse.jetty.http2.ErrorCode;
import org.eclipse.jetty.http2.RetryableStreamException;

/**
 * Shared by the proxy, the AI front and authentication's calls, each of which decides for itself
 * whether its request may be repeated at all.
 */
public final class ClientFailures
{
    /** How Jetty's HTTP/2 client refuses to open a stream on a session that received a GOAWAY (an {@link IllegalStateException}'s message). */
    private static final String SESSION_CLOSED = "session closed";
    /** How Jetty's HTTP/2 client reports a stream the server reset with REFUSED_STREAM (an {@link IOException}'s message). */
    private static final String REFUSED_STREAM = ErrorCode.toString(ErrorCode.REFUSED_STREAM_ERROR.code, null);

    private ClientFailures()
    {
    }

    /**
     * Whether an HTTP/2 server said it did not process the request: a GOAWAY whose last stream is
     * below the request's (a server draining or rotating its connections: gRPC's maximum
     * connection age, Google's and Cloudflare's front ends), the stream reset with
     * REFUSED_STREAM, or no stream opened because the connection had received a GOAWAY. RFC 9113
     * section 8.7 makes such a request safe to send again, whatever its method, as nothing of it
     * reached the application. Jetty's client reports the first as a
     * {@link RetryableStreamException}, as the failure or its cause (the request's failure wraps
     * it in a {@link RetryableRequestException}).
     */
    public static boolean unprocessed(Throwable failure)
    {
        if (failure instanceof IOException && REFUSED_STREAM.equals(failure.getMessage()))
        {
            return true;
        }
        if (failure instanceof IllegalStateException && SESSION_CLOSED.equals(failure.getMessage()))
        {
            // The client took a connection from its pool as a GOAWAY closed it, and opened no
            // stream: a race Jetty narrows but cannot close (jetty/jetty.project#8678).
            return true;
        }
        for (Throwable cause = failure; cause != null; cause = cause.getCause() == cause ? null : cause.getCause())
        {
            if (cause instanceof RetryableStreamException || cause instanceof RetryableRequestException)
            {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether the request failed on a pooled HTTP/1.1 connection that had carried an answer
     * before, closed under it (not a timeout): the server closed it while it sat idle, as servers
     * do after their own keep-alive timeout (Node.js and uvicorn: 5 s), just as the request went
     * out on it.
     */
    public static boolean closedWhileIdle(Request request, Throwable failure)
    {
        return failure instanceof IOException && !(failure instanceof SocketTimeoutException)
            && request.getConnection() instanceof HttpConnectionOverHTTP connection && connection.getMessagesIn() > 0;
    }

    /**
     * A one-line reason for the log: Jetty's messages for a closed connection and some others
     * name the connection object, whole dumps of it at times.
     *
     * @param peer who closed the connection ("upstream", "service")
     */
    public static String describe(Throwable failure, String peer)
    {
        if (failure instanceof EOFException || failure instanceof ClosedChannelException)
        {
            return "connection closed by the " + peer;
        }
        String message = failure.getMessage();
        if (message == null || message.length() > 160 || message.contains("@"))
        {
            return failure.getClass().getSimpleName();
        }
        return failure.getClass().getSimpleName() + ": " + message;
    }
}
