// Whether a request has a body, for every protocol: HTTP/2 and HTTP/3 frame one without a length or chunking.
package dev.sluice.http;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Jetty's proxy servlet (and checks written for HTTP/1.1) take a body to be there only when
 * {@code Content-Length} is above 0 or {@code Transfer-Encoding} is present. An HTTP/2 client may
 * send DATA frames with neither, and such a body was forwarded as empty. Every part of Sluice that
 * asks whether a body comes asks here.
 *
 * <p>Whether such a request has a body is known only once it is read (the servlet API says
 * nothing before), so the answer leans to yes: a body of unknown length is streamed, and an empty
 * one reaches the upstream as an empty chunked body, which loses nothing. Only a GET or HEAD that
 * declares no {@code Content-Type} is taken to have none, as Jetty 9's proxy took any request
 * without one: a body there would be ignored by most servers anyway, and forwarding every HTTP/2
 * GET with {@code Transfer-Encoding: chunked} would keep it from the cache and upset servers that
 * refuse bodies on GET.
 */
public final class RequestBodies
{
    private RequestBodies()
    {
    }

    public static boolean expected(HttpServletRequest request)
    {
        long length = request.getContentLengthLong();
        if (length >= 0)
        {
            return length > 0;
        }
        if (request.getHeader(HeaderNames.TRANSFER_ENCODING) != null)
        {
            return true;
        }
        if (request.getProtocol().startsWith("HTTP/1"))
        {
            return false;
        }
        String method = request.getMethod();
        return request.getContentType() != null || !(method.equals("GET") || method.equals("HEAD"));
    }

    /** What a client whose body came too slowly is told (408), wherever Sluice was reading it. */
    public static final String TOO_SLOW = "The request body did not arrive in time.";

    /** The body came too slowly ({@code proxy.request-body.*}): the client's 408; the connection is not kept. */
    public static final class TooSlow extends java.io.IOException
    {
        private final long read;

        public TooSlow(String why, long read)
        {
            super(why, null);
            this.read = read;
        }

        /** The bytes of the body that had come, for the access log's {@code bytes_in}. */
        public long read()
        {
            return read;
        }
    }

    /**
     * Answers a body that could not be read whole as problem+json: 408 when it came too slowly
     * (and the connection is not kept: the rest may trickle on), else 400; the access log's
     * outcome is {@code client_body_failed}, its {@code bytes_in} what had come of a body too slow.
     * Returns the bytes written.
     */
    public static int refuse(HttpServletResponse response, dev.sluice.exchange.Exchange exchange, java.io.IOException failure)
    {
        exchange.outcome(dev.sluice.exchange.Exchange.Outcome.CLIENT_BODY_FAILED);
        if (failure instanceof TooSlow slow)
        {
            exchange.addBytesIn(slow.read());
            response.setHeader("Connection", "close");
            return ProblemWriter.write(response, ProblemType.REQUEST_TIMEOUT, TOO_SLOW, exchange.id(), exchange.traceId());
        }
        return ProblemWriter.write(response, ProblemType.BAD_REQUEST, "The request body could not be read.", exchange.id(), exchange.traceId());
    }

    /**
     * The body read whole for a check or a translation that needs all of it, or null when it is
     * (or declares itself) longer than {@code max}. Blocks the request thread until it has
     * arrived, so it is held to the pace a proxied body is ({@code proxy.request-body.min-rate}
     * and {@code idle-timeout}, {@link BodyWatchdog}): before, a client sending a byte a second
     * held a request thread for as long as its body's length allowed, and a few hundred such
     * clients emptied the container's pool. A body that stops altogether fails at the
     * container's idle timeout, as before.
     *
     * @throws TooSlow when the body falls behind that pace
     */
    public static byte[] readUpTo(HttpServletRequest request, long max, dev.sluice.config.ProxySettings pace) throws java.io.IOException
    {
        if (request.getContentLengthLong() > max)
        {
            return null;
        }
        byte[] body = readAtMost(request, max + 1, pace);
        return body.length > max ? null : body;
    }

    /**
     * At most {@code limit} bytes of the body (fewer only when it ends first), read at the pace
     * {@link #readUpTo} holds a body to; the rest, if any, is left to read.
     *
     * @throws TooSlow when the body falls behind that pace
     */
    public static byte[] readAtMost(HttpServletRequest request, long limit, dev.sluice.config.ProxySettings pace) throws java.io.IOException
    {
        long declared = request.getContentLengthLong();
        int cap = (int)Math.min(Integer.MAX_VALUE - 8, limit);
        BodyWatchdog watch = BodyWatchdog.enabled(pace.requestBodyIdleTimeout(), pace.requestBodyMinRate())
            ? new BodyWatchdog(pace.requestBodyIdleTimeout(), pace.requestBodyMinRate(), System.nanoTime()) : null;
        java.io.InputStream in = request.getInputStream();
        // Grown as bytes come, not sized by what the client declares (it may declare much and send nothing).
        byte[] body = new byte[(int)Math.min(cap, declared >= 0 ? Math.min(declared + 1, 64 * 1024) : 8192)];
        int length = 0;
        while (length < cap)
        {
            if (length == body.length)
            {
                body = java.util.Arrays.copyOf(body, (int)Math.min(cap, (long)body.length * 2));
            }
            int read = in.read(body, length, body.length - length);
            if (read < 0)
            {
                break;
            }
            length += read;
            String slow = watch == null ? null : watch.check(System.nanoTime(), length);
            if (slow != null)
            {
                throw new TooSlow(slow, length);
            }
        }
        return length == body.length ? body : java.util.Arrays.copyOf(body, length);
    }
}
