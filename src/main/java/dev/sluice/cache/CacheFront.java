// Answers fresh cache hits of routes nothing else applies to, before the servlet chain: the launcher asks it on Jetty's selector thread.
package dev.sluice.cache;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;

import dev.sluice.config.ConfigStore;
import dev.sluice.config.Settings;
import dev.sluice.exchange.Exchange;
import dev.sluice.exchange.Exchanges;
import dev.sluice.http.HeaderNames;
import dev.sluice.route.BadPathException;
import dev.sluice.route.RequestPath;
import dev.sluice.route.RouteMatch;
import dev.sluice.route.RouteRequest;

/**
 * The servlet chain costs a cache hit more than the hit itself: a thread hand-off from the
 * selector to a worker, the servlet request and response objects, six filters. On a route where
 * every filter before the cache does nothing (public, no rate limit, no guard or CORS, no
 * {@code tls = required}) the chain's only work for a hit is the exchange filter's and the cache
 * filter's, and this class does exactly those: it opens the exchange through the same
 * {@link Exchanges}, matches the route through the same table, builds the key with the same
 * {@link RequestKey}, asks the same store and {@link CachePolicy}, and writes the stored fields
 * through the same {@link CacheResponder} code; the access log, metrics and spans see an
 * ordinary HIT.
 *
 * <p>It answers only what it is sure of: a GET or HEAD without a body, Range or Upgrade, over a
 * plain connection (not forwarded as HTTPS by a trusted proxy, which would call for HSTS), on such
 * a route, whose stored response is FRESH for the request's directives (304 when the client's
 * condition holds). Anything else (a miss, STALE, a bad path, a disk tier, whose reads block)
 * returns null before anything is recorded, and the request takes the servlet chain as if this
 * class did not exist. Nothing here blocks: the heap and off-heap tiers, the access log's queue,
 * the metrics and the span processor do not.</p>
 *
 * <p>Made by {@link CacheFilter} and published as the context attribute {@link #ATTRIBUTE};
 * {@code cache.fast-path = false} turns it off. Jetty or Tomcat running the WAR never call it.</p>
 */
public final class CacheFront
{
    public static final String ATTRIBUTE = CacheFront.class.getName();
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(CacheFront.class);

    /** What the front reads of a request (Jetty's core request, in the launcher). */
    public interface Request
    {
        String method();

        /** The path as sent, without the query. */
        String path();

        /** The query as sent, or null. */
        String query();

        String serverName();

        String remoteAddress();

        /** The first value of a header, or null. */
        String header(String name);

        /** Every value of a header, in order; empty when none. */
        List<String> headers(String name);

        /** The distinct names of the request's headers. */
        List<String> headerNames();
    }

    /**
     * A hit being answered: its status and header fields are already with the caller's sink;
     * the caller writes {@link #body()} (null: none) and then calls {@link #written}, once.
     */
    public static final class Answer
    {
        private final Exchanges exchanges;
        private final Exchange exchange;
        private final int status;
        private final ByteBuffer body;

        private Answer(Exchanges exchanges, Exchange exchange, int status, ByteBuffer body)
        {
            this.exchanges = exchanges;
            this.exchange = exchange;
            this.status = status;
            this.body = body;
        }

        public int status()
        {
            return status;
        }

        public ByteBuffer body()
        {
            return body;
        }

        /** The exchange this answer closes, for the handlers around the front (the launcher's compression reads its route). */
        public Exchange exchange()
        {
            return exchange;
        }

        /** The answer is written, or failed to be ({@code failure} not null): the exchange is logged and counted. */
        public void written(Throwable failure)
        {
            if (failure == null)
            {
                exchange.addBytesOut(body == null ? 0 : body.limit());
            }
            else
            {
                exchange.outcome(Exchange.Outcome.CLIENT_ABORTED);
            }
            exchanges.close(exchange, status);
        }

        /** Something failed after the exchange was opened: it ends as a 500, which the caller answers. */
        public void failed()
        {
            exchange.outcome(Exchange.Outcome.INTERNAL_ERROR);
            exchanges.close(exchange, 500);
        }
    }

    /** The routes this front may answer, worked out once per configuration snapshot. */
    private record Eligible(Settings settings, Set<String> routes)
    {
    }

    private final jakarta.servlet.ServletContext context;
    private final ConfigStore config;
    private final Function<CacheSettings, CacheRuntime> runtimes;
    private volatile Eligible eligible;

    CacheFront(jakarta.servlet.ServletContext context, ConfigStore config, Function<CacheSettings, CacheRuntime> runtimes)
    {
        this.context = context;
        this.config = config;
        this.runtimes = runtimes;
    }

    /** A fresh hit found for a request, with what answering it needs. */
    private record Found(Settings settings, Exchanges exchanges, RouteMatch match, RequestPath path, CacheRuntime cache, CachedResponse stored,
                         long now, long lookupStarted, long lookupEnded)
    {
    }

    /**
     * Answers the request from the cache, or returns null having done nothing.
     *
     * @param fields takes the answer's header fields when there is one
     * @param startNanos when the request arrived, by {@link System#nanoTime()}
     */
    public Answer answer(Request request, CacheResponder.HeaderSink fields, long startNanos)
    {
        Found found;
        try
        {
            found = find(request);
        }
        catch (RuntimeException x)
        {
            // Nothing is recorded yet: the chain runs the same code and answers (and logs) whatever this was.
            LOG.debug("cache front left a request to the chain: {}", x.toString());
            return null;
        }
        if (found == null)
        {
            return null;
        }
        String method = request.method();
        Exchange exchange = found.exchanges().open(found.settings(), request::header, request::headers, request.remoteAddress(), method,
            request.path(), startNanos);
        exchange.routeMatch(found.match());
        exchange.requestPath(found.path());
        exchange.cacheStatus("HIT");
        CacheFilter.lookupSpan(exchange, found.lookupStarted(), found.lookupEnded(), true);
        CachedResponse stored = found.stored();
        int status = CacheResponder.status(stored, request.headers("If-None-Match"), request.header("If-Modified-Since"));
        ByteBuffer body = null;
        try
        {
            fields.field(HeaderNames.REQUEST_ID, exchange.id(), true);
            CacheResponder.headers(stored, status, "HIT", found.cache().settings().statusHeader(), found.now(), fields);
            long length = CacheResponder.contentLength(stored, status);
            if (length >= 0)
            {
                fields.field("Content-Length", Long.toString(length), true);
            }
            if (CacheResponder.hasBody(stored, status))
            {
                if (method.equals("GET") && stored.body().length > 0)
                {
                    body = ByteBuffer.wrap(stored.body()).asReadOnlyBuffer();
                }
            }
        }
        catch (RuntimeException x)
        {
            new Answer(found.exchanges(), exchange, status, null).failed();
            throw x;
        }
        return new Answer(found.exchanges(), exchange, status, body);
    }

    /** The fresh hit this front may answer the request with, or null. */
    private Found find(Request request)
    {
        String method = request.method();
        if (!method.equals("GET") && !method.equals("HEAD"))
        {
            return null;
        }
        Settings settings = config.current();
        Set<String> routes = eligible(settings);
        String rawPath = request.path();
        if (routes.isEmpty() || rawPath.startsWith("/-/") || !(context.getAttribute(Exchanges.ATTRIBUTE) instanceof Exchanges exchanges))
        {
            return null;
        }
        RequestPath path;
        try
        {
            path = RequestPath.parseKeepingEncodedSlashes(rawPath);
        }
        catch (BadPathException x)
        {
            return null;
        }
        String host = request.serverName() == null ? null : request.serverName().toLowerCase(Locale.ROOT);
        RouteMatch match = settings.routes().match(new RouteRequest(host, method, path, request::header));
        if (match == null || path.hasEncodedSlash() && !match.route().allowEncodedSlashes() || match.route().ai()
            || !routes.contains(match.route().name()) || !plain(request, settings))
        {
            return null;
        }
        String routeName = match.route().name();
        CacheRoute route = settings.cache().route(routeName);
        CacheRuntime cache = runtimes.apply(settings.cache());
        RequestKey key = RequestKey.of(false, request.header("Host"), rawPath, request.query(), null, request::headers, request::headerNames,
            route, routeName);
        CacheControl requestCc = CacheFilter.requestDirectives(key.headers());
        long lookupStarted = System.nanoTime();
        ResponseStore.Hit hit = cache.store().lookup(key.primary(), key.headers());
        long lookupEnded = System.nanoTime();
        long now = System.currentTimeMillis();
        if (hit == null || CachePolicy.use(hit.response(), requestCc, route, now) != CachePolicy.Use.FRESH)
        {
            return null;
        }
        return new Found(settings, exchanges, match, path, cache, hit.response(), now, lookupStarted, lookupEnded);
    }

    /**
     * No body, no range, no upgrade, and not HTTPS by a trusted proxy's word: what the servlet
     * chain would treat differently (bypass, a 206, HSTS) is left to it.
     */
    private static boolean plain(Request request, Settings settings)
    {
        String length = request.header("Content-Length");
        if ((length != null && !length.equals("0")) || request.header("Transfer-Encoding") != null || request.header("Upgrade") != null
            || request.header("Range") != null)
        {
            return false;
        }
        return !settings.trustedProxies().trusts(request.remoteAddress())
            || (request.header(HeaderNames.X_FORWARDED_PROTO) == null && request.header(HeaderNames.FORWARDED) == null);
    }

    /** The routes whose fresh hits this front answers under the current configuration. */
    Set<String> routesAnswered()
    {
        return eligible(config.current());
    }

    private Set<String> eligible(Settings settings)
    {
        Eligible known = eligible;
        if (known != null && known.settings() == settings)
        {
            return known.routes();
        }
        Set<String> routes = new java.util.HashSet<>();
        CacheSettings cache = settings.cache();
        // A disk tier's reads block, and the selector thread must not.
        if (cache.fastPath() && cache.diskDirectory() == null)
        {
            for (String name : cache.routes().keySet())
            {
                if (cache.route(name) != null && settings.auth().policy(name).isPublic() && settings.rateLimit().policies().get(name) == null
                    && settings.guard().guard(name).empty() && settings.guard().cors(name) == null
                    && settings.transport().routes().get(name) == null)
                {
                    routes.add(name);
                }
            }
        }
        eligible = new Eligible(settings, Set.copyOf(routes));
        return eligible.routes();
    }
}
