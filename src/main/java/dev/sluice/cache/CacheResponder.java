// Writes a stored response to a client: Age computed, X-Cache-Status, 304 for a matching conditional.
package dev.sluice.cache;

import java.io.IOException;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Consumer;

import dev.sluice.exchange.Exchange;
import dev.sluice.http.AsyncBodyWrite;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Builds the response from a stored one (RFC 9111 §4): the stored header fields, an {@code Age}
 * for the current age (§5.1; the stored {@code Date} is kept), Content-Length from the stored
 * body, and no body for HEAD. A client condition that the stored response satisfies gets a 304
 * carrying the fields RFC 9110 §15.4.5 requires.
 */
public final class CacheResponder
{
    /** Fields a 304 carries from the stored 200 (RFC 9110 §15.4.5), plus Last-Modified for clients that revalidate by date. */
    private static final Set<String> NOT_MODIFIED_FIELDS = Set.of("cache-control", "content-location", "date", "etag", "expires", "vary",
        "last-modified");

    private CacheResponder()
    {
    }

    /**
     * Writes the stored response (status, fields, body) and finishes the request: the body goes
     * out without holding the thread while the client reads it ({@link AsyncBodyWrite}), so the
     * request may still be going on when this returns; an asynchronous request is completed here,
     * never by the caller. A client that does not take the body makes the exchange's outcome
     * {@code client_aborted}.
     *
     * @return the body bytes handed to the container
     */
    public static long answer(HttpServletRequest request, HttpServletResponse response, CachedResponse stored, String label,
                              boolean statusHeader, long now, Exchange exchange) throws IOException
    {
        byte[] body = head(request, response, stored, label, statusHeader, now, exchange);
        if (body == null)
        {
            if (request.isAsyncStarted())
            {
                request.getAsyncContext().complete();
            }
            return 0;
        }
        AsyncBodyWrite.send(request, response, body, 0, body.length, aborted(exchange));
        return body.length;
    }

    private static Consumer<Throwable> aborted(Exchange exchange)
    {
        return failure -> exchange.outcome(Exchange.Outcome.CLIENT_ABORTED);
    }

    /** Sets status and header fields; returns the body to write, or null when there is none to send. */
    private static byte[] head(HttpServletRequest request, HttpServletResponse response, CachedResponse stored, String label,
                               boolean statusHeader, long now, Exchange exchange)
    {
        int status = status(stored, Collections.list(request.getHeaders("If-None-Match")), request.getHeader("If-Modified-Since"));
        response.setStatus(status);
        headers(stored, status, label, statusHeader, now, into(response, exchange));
        long length = contentLength(stored, status);
        if (length >= 0)
        {
            response.setContentLengthLong(length);
        }
        if (!hasBody(stored, status))
        {
            return null;
        }
        byte[] body = stored.body();
        return "HEAD".equals(request.getMethod()) || body.length == 0 ? null : body;
    }

    /**
     * The Content-Length an answer with {@code status} declares, or -1 for none: the stored body's
     * length when it carries it, and also on a 304 for a stored 200, the one value RFC 9110 §8.6
     * lets a 304 declare. Declaring nothing there is not an option: Jetty then declares what was
     * written, {@code Content-Length: 0}, which a client may take as the representation's length.
     */
    static long contentLength(CachedResponse stored, int status)
    {
        return hasBody(stored, status) || (status == 304 && stored.status() == 200) ? stored.body().length : -1;
    }

    /**
     * Sets a field's first line (replacing the container's default, such as its own Date) and adds
     * the others. Two kinds of field are Sluice's before the stored ones arrive: a {@code Vary} the
     * CORS guard started with {@code Origin}, which the stored values join, and the
     * {@code RateLimit-*} fields of this caller ({@link Exchange#ownsResponseField}), which the
     * stored ones must not replace.
     */
    private static HeaderSink into(HttpServletResponse response, Exchange exchange)
    {
        return (name, value, first) ->
        {
            if (exchange != null && exchange.ownsResponseField(name))
            {
                return;
            }
            if (first && !name.equalsIgnoreCase("Vary"))
            {
                response.setHeader(name, value);
            }
            else
            {
                response.addHeader(name, value);
            }
        };
    }

    /** Takes the header fields of an answer from the cache, in order; {@code first} when the field replaces what the container set by default. */
    @FunctionalInterface
    public interface HeaderSink
    {
        void field(String name, String value, boolean first);
    }

    /** The status to answer with: 304 when the client's condition holds for a stored 200, else the stored status. */
    static int status(CachedResponse stored, List<String> ifNoneMatch, String ifModifiedSince)
    {
        return stored.status() == 200 && Conditionals.notModified(ifNoneMatch, ifModifiedSince, stored) ? 304 : stored.status();
    }

    /** Whether an answer with this status carries the stored body (and its Content-Length). */
    static boolean hasBody(CachedResponse stored, int status)
    {
        return status != 304 && stored.status() != 204 && stored.status() >= 200;
    }

    /** The header fields of an answer with {@code status} from {@code stored}: for a 304 only those RFC 9110 lets it carry. */
    static void headers(CachedResponse stored, int status, String label, boolean statusHeader, long now, HeaderSink sink)
    {
        boolean notModified = status == 304 && stored.status() != 304;
        copyHeaders(sink, stored, name -> name.equals("content-length") || (notModified && !NOT_MODIFIED_FIELDS.contains(name)),
            label, statusHeader, now);
    }

    /**
     * The stored header fields except those {@code skip}ped (by lower-case name) and the stored
     * Age; the first line of a field replaces what the container set by default (its own Date).
     * Then the current Age and, when enabled, X-Cache-Status.
     */
    private static void copyHeaders(HeaderSink sink, CachedResponse stored, java.util.function.Predicate<String> skip, String label,
                                    boolean statusHeader, long now)
    {
        for (int i = 0, count = stored.headerCount(); i < count; i++)
        {
            // Names lower-cased and first lines found once per stored response, not per hit.
            String name = stored.lowerName(i);
            if (name.equals("age") || name.startsWith(":") || skip.test(name))
            {
                continue;
            }
            sink.field(stored.headerName(i), stored.headerValue(i), stored.firstOfName(i));
        }
        sink.field("Age", Long.toString(CachePolicy.age(stored, now) / 1000), true);
        if (statusHeader)
        {
            sink.field("X-Cache-Status", label, true);
        }
    }

    /** What {@link #singleRange} returns for one byte range that starts past the body's end. */
    static final long[] UNSATISFIABLE = new long[0];

    /**
     * The byte range {first, last} a {@code Range} header asks of a body of this length;
     * {@link #UNSATISFIABLE} for one range of bytes wholly past its end (or of an empty body), which
     * is a 416 (RFC 9110 §15.5.17; what a download client resuming a finished file expects, and what
     * the upstream answers on a miss); null when it is not one valid range of bytes (several
     * ranges, other units, garbage, a last byte before the first): then the whole response is
     * served, as RFC 9110 §14.2 allows.
     */
    static long[] singleRange(String range, long length)
    {
        if (range == null)
        {
            return null;
        }
        String value = range.strip();
        if (!value.regionMatches(true, 0, "bytes=", 0, 6) || value.indexOf(',') >= 0)
        {
            return null;
        }
        String spec = value.substring(6).strip();
        int dash = spec.indexOf('-');
        if (dash < 0)
        {
            return null;
        }
        try
        {
            String first = spec.substring(0, dash).strip();
            String last = spec.substring(dash + 1).strip();
            if (first.isEmpty())
            {
                long suffix = Long.parseLong(last);
                if (suffix < 0)
                {
                    return null;
                }
                return suffix == 0 || length == 0 ? UNSATISFIABLE : new long[] {Math.max(0, length - suffix), length - 1};
            }
            long start = Long.parseLong(first);
            if (start < 0 || (!last.isEmpty() && Long.parseLong(last) < start))
            {
                return null;
            }
            if (start >= length)
            {
                return UNSATISFIABLE;
            }
            long end = last.isEmpty() ? length - 1 : Math.min(Long.parseLong(last), length - 1);
            return new long[] {start, end};
        }
        catch (NumberFormatException x)
        {
            return null;
        }
    }

    /**
     * Answers a range wholly past the stored body's end: 416 problem+json with the
     * {@code Content-Range: bytes *}{@code /length} that tells the client the length.
     */
    public static long answerUnsatisfiable(HttpServletResponse response, CachedResponse stored, String label, boolean statusHeader,
                                           Exchange exchange)
    {
        response.setHeader("Content-Range", "bytes */" + stored.body().length);
        if (statusHeader)
        {
            response.setHeader("X-Cache-Status", label);
        }
        return dev.sluice.http.ProblemWriter.write(response, dev.sluice.http.ProblemType.RANGE_NOT_SATISFIABLE,
            "The range asked for starts past the end of the " + stored.body().length + "-byte representation.", exchange.id(), exchange.traceId());
    }

    /** Serves one range of a stored 200 as a 206 (the rest as {@link #answer} does, without blocking). */
    public static long answerRange(HttpServletRequest request, HttpServletResponse response, CachedResponse stored, long[] range, String label,
                                   boolean statusHeader, long now, Exchange exchange) throws IOException
    {
        response.setStatus(206);
        copyHeaders(into(response, exchange), stored, name -> name.equals("content-length") || name.equals("content-range"), label, statusHeader, now);
        byte[] body = stored.body();
        int length = (int)(range[1] - range[0] + 1);
        response.setHeader("Content-Range", "bytes " + range[0] + "-" + range[1] + "/" + body.length);
        response.setContentLength(length);
        if ("HEAD".equals(request.getMethod()))
        {
            return 0;
        }
        AsyncBodyWrite.send(request, response, body, (int)range[0], length, aborted(exchange));
        return length;
    }

    /** Whether an If-Range lets a stored response answer a Range request: a strong ETag or the exact Last-Modified matches. */
    static boolean ifRangeHolds(String ifRange, CachedResponse stored)
    {
        if (ifRange == null)
        {
            return true;
        }
        String value = ifRange.strip();
        if (value.startsWith("\"") )
        {
            return value.equals(stored.value("ETag"));
        }
        String lastModified = stored.value("Last-Modified");
        return lastModified != null && HttpDates.parse(value) >= 0 && HttpDates.parse(value) == HttpDates.parse(lastModified);
    }
}
