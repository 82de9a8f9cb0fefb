// One request's dealings with the cache on its way upstream: what to forward, what came back, what to store.
package dev.sluice.cache;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import dev.sluice.exchange.Exchange;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Created by {@link CacheFilter} for a GET or HEAD that goes upstream on a caching route (a miss,
 * or a stored response that must be validated), and driven by the proxy servlet's hooks:
 * <ol>
 *   <li>{@link #upstreamRequestHeaders} names the validators to send when revalidating;</li>
 *   <li>{@link #intercept} decides, from the status, whether the client gets the upstream's
 *       response or a stored one (a 304 that freshens it, or a 5xx that stale-if-error covers);</li>
 *   <li>{@link #begin}, {@link #content} and {@link #complete} capture a response while it streams
 *       to the client, unchanged and undelayed, and store it at the end if it may be stored and
 *       fit; a body over the maximum is dropped from the capture the moment it grows past it.</li>
 * </ol>
 */
public final class CacheExchange
{
    public static final String ATTRIBUTE = CacheExchange.class.getName();
    private static final Logger LOG = LoggerFactory.getLogger(CacheExchange.class);

    /** What the client gets instead of the upstream's response. */
    public enum Intercept
    {
        /** The upstream said 304: serve the stored response, freshened with the 304's headers. */
        FRESHEN,
        /** The upstream failed with a 5xx that stale-if-error covers: serve the stored response. */
        STALE
    }

    private final CacheRuntime runtime;
    private final CacheRoute route;
    private final String primary;
    private final String url;
    private final ResponseStore.Hit stored;
    private final CacheControl requestCc;
    private final boolean authorization;
    private final boolean cookie;
    private final boolean head;
    private final boolean leader;
    private final Exchange exchange;
    private final java.util.function.Function<String, List<String>> requestHeaders;
    private long requestTime;
    private CachedResponse pending;
    private ByteArrayOutputStream body;
    private boolean released;

    CacheExchange(CacheRuntime runtime, CacheRoute route, String primary, String url, ResponseStore.Hit stored,
                  CacheControl requestCc, HttpServletRequest request, Exchange exchange, boolean leader)
    {
        this.runtime = runtime;
        this.route = route;
        this.primary = primary;
        this.url = url;
        this.stored = stored;
        this.requestCc = requestCc;
        this.authorization = request.getHeader("Authorization") != null;
        this.cookie = request.getHeader("Cookie") != null;
        this.head = "HEAD".equals(request.getMethod());
        this.leader = leader;
        this.exchange = exchange;
        // Captured now: the request's headers do not change, and the servlet hooks run on other threads.
        java.util.Map<String, List<String>> copy = new java.util.HashMap<>();
        for (String name : java.util.Collections.list(request.getHeaderNames()))
        {
            copy.put(name.toLowerCase(Locale.ROOT), java.util.Collections.list(request.getHeaders(name)));
        }
        this.requestHeaders = name -> copy.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
        this.requestTime = System.currentTimeMillis();
    }

    public static CacheExchange of(ServletRequest request)
    {
        return (CacheExchange)request.getAttribute(ATTRIBUTE);
    }

    /** The stored response being revalidated or kept for errors, or null on a plain miss. */
    public CachedResponse stored()
    {
        return stored == null ? null : stored.response();
    }

    /**
     * When revalidating, the conditional headers to send instead of the client's (which are
     * answered by Sluice against the refreshed response): {@code If-None-Match} from the stored
     * ETag, {@code If-Modified-Since} from Last-Modified. Empty otherwise.
     */
    public List<String[]> validators()
    {
        requestTime = System.currentTimeMillis();
        if (stored == null)
        {
            return List.of();
        }
        CachedResponse response = stored.response();
        java.util.ArrayList<String[]> validators = new java.util.ArrayList<>(2);
        String etag = response.value("ETag");
        if (etag != null)
        {
            String tag = etag.strip();
            boolean quoted = tag.endsWith("\"") && (tag.startsWith("\"") || tag.startsWith("W/\"") || tag.startsWith("w/\""));
            validators.add(new String[] {"If-None-Match", quoted ? tag : "\"" + tag + "\""});
        }
        String lastModified = response.value("Last-Modified");
        if (lastModified != null && HttpDates.parse(lastModified) >= 0)
        {
            validators.add(new String[] {"If-Modified-Since", lastModified});
        }
        return validators;
    }

    /** Whether the client's own conditional headers are replaced by {@link #validators}. */
    public boolean revalidating()
    {
        return stored != null && (stored.response().value("ETag") != null || stored.response().value("Last-Modified") != null);
    }

    /** Decides from the upstream status whether the client gets a stored response instead. */
    public Intercept intercept(int status)
    {
        if (stored == null)
        {
            return null;
        }
        if (status == 304 && revalidating())
        {
            return Intercept.FRESHEN;
        }
        if (status >= 500 && CachePolicy.staleOnError(stored.response(), requestCc, route, System.currentTimeMillis(), false))
        {
            return Intercept.STALE;
        }
        return null;
    }

    /**
     * Serves the stored response freshened by the upstream's 304 and stores the freshened copy;
     * finishes the request, asynchronous or not.
     */
    public void serveFreshened(HttpServletRequest request, HttpServletResponse response, List<String[]> notModifiedHeaders) throws IOException
    {
        long now = System.currentTimeMillis();
        // The 304 answered our validators, so it is about the stored representation; its ETag
        // (and the other representation fields) never replace the stored ones.
        CachedResponse current = CachePolicy.freshen(stored.response(), notModifiedHeaders, runtime.settings(), requestTime, now);
        runtime.store().replace(stored.key(), current);
        serve(request, response, current, "REVALIDATED");
        release();
    }

    /** A background refresh got a 304: the stored response is freshened; nobody is waiting for it. */
    public void freshenOnly(List<String[]> notModifiedHeaders)
    {
        runtime.store().replace(stored.key(), CachePolicy.freshen(stored.response(), notModifiedHeaders, runtime.settings(), requestTime, System.currentTimeMillis()));
        release();
    }

    /** Serves the stored response in place of an upstream error; finishes the request, asynchronous or not. */
    public void serveStale(HttpServletRequest request, HttpServletResponse response) throws IOException
    {
        serve(request, response, stored.response(), "STALE");
        release();
    }

    /**
     * The upstream could not be reached (no response at all): whether the stored response may
     * stand in (stale-if-error, or the route's stale-if-unreachable).
     */
    public boolean mayServeStaleWhenUnreachable()
    {
        return stored != null && CachePolicy.staleOnError(stored.response(), requestCc, route, System.currentTimeMillis(), true);
    }

    /** Answers from the store and finishes the request (see {@link CacheResponder#answer}). */
    private void serve(HttpServletRequest request, HttpServletResponse response, CachedResponse cached, String label) throws IOException
    {
        exchange.cacheStatus(label);
        exchange.addBytesOut(CacheResponder.answer(request, response, cached, label, runtime.settings().statusHeader(), System.currentTimeMillis(),
            exchange));
    }

    /**
     * The upstream's response headers arrived and go to the client as they are: decides whether
     * to capture the body, and labels the response.
     *
     * @param headers the upstream's header fields, before Sluice removed hop-by-hop ones
     */
    public void begin(int status, List<String[]> headers, HttpServletResponse response)
    {
        String label = stored != null ? "EXPIRED" : "MISS";
        if (response != null)
        {
            exchange.cacheStatus(label);
        }
        if (response != null && runtime.settings().statusHeader())
        {
            response.setHeader("X-Cache-Status", label);
        }
        if (head)
        {
            // A HEAD response has no body to serve GETs with.
            return;
        }
        long now = System.currentTimeMillis();
        CachedResponse candidate = new CachedResponse(status, CachePolicy.storedHeaders(headers, runtime.settings()), new byte[0],
            requestTime, now, url, null, route.mode() == CacheRoute.Mode.FORCE ? route.ttl().toMillis() : -1);
        String refusal = CachePolicy.refusal("GET", candidate, requestCc, authorization, cookie, route);
        if (refusal != null)
        {
            LOG.debug("{} not storing {}: {}", exchange.id(), url, refusal);
            if (status < 400 && stored != null && refusal.equals("no-store"))
            {
                // The origin no longer allows it to be stored; what we hold is outdated.
                runtime.invalidate(url, primary);
            }
            return;
        }
        String length = candidate.value("Content-Length");
        for (String[] header : headers)
        {
            if (header[0].equalsIgnoreCase("Content-Length"))
            {
                length = header[1];
            }
        }
        long declared = -1;
        try
        {
            declared = length == null ? -1 : Long.parseLong(length.strip());
        }
        catch (NumberFormatException x)
        {
            declared = -1;
        }
        if (declared > route.maxObjectSize())
        {
            LOG.debug("{} not storing {}: {} bytes is over the maximum", exchange.id(), url, declared);
            return;
        }
        java.util.Map<String, String> selecting = CacheKeys.selecting(candidate.vary(), requestHeaders);
        pending = new CachedResponse(status, candidate.headers(), new byte[0], requestTime, now, url, selecting, candidate.forcedTtl());
        body = new ByteArrayOutputStream(declared > 0 ? (int)declared : 1024);
    }

    /** A chunk of the body on its way to the client. */
    public void content(byte[] buffer, int offset, int length)
    {
        if (body == null)
        {
            return;
        }
        if (body.size() + (long)length > route.maxObjectSize())
        {
            LOG.debug("{} not storing {}: the body grew over the maximum", exchange.id(), url);
            body = null;
            pending = null;
            return;
        }
        body.write(buffer, offset, length);
    }

    /** How many body bytes have been captured for storing; -1 when the response is not being stored. */
    public long captured()
    {
        return body == null || pending == null ? -1 : body.size();
    }

    /** The response ended cleanly (or its declared length has all arrived): store what was captured. Idempotent. */
    public void complete()
    {
        try
        {
            if (pending != null && body != null)
            {
                CachedResponse response = new CachedResponse(pending.status(), pending.headers(), body.toByteArray(), pending.requestTime(),
                    pending.responseTime(), url, pending.selecting(), pending.forcedTtl());
                runtime.store(primary, response);
            }
        }
        catch (RuntimeException x)
        {
            LOG.warn("{} storing {} in the cache failed: {}", exchange.id(), url, x.toString());
        }
        finally
        {
            pending = null;
            body = null;
            release();
        }
    }

    /** The exchange failed or was cut: nothing is stored. */
    public void abandon()
    {
        pending = null;
        body = null;
        release();
    }

    /** Lets requests that waited for this one look again. Idempotent. */
    public synchronized void release()
    {
        if (!released)
        {
            released = true;
            if (leader)
            {
                runtime.release(primary);
            }
        }
    }

}
