// Serves stored responses without touching the upstream; sends the rest upstream, set up for capture.
package dev.sluice.cache;

import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

import dev.sluice.config.ConfigStore;
import dev.sluice.exchange.Exchange;
import dev.sluice.http.ProblemType;
import dev.sluice.http.ProblemWriter;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * After the rate-limit filter, so a cache hit still counts against limits and never skips
 * authentication. For routes with {@code cache = on | force}:
 * <ul>
 *   <li>GET and HEAD look up the key; a response fresh enough for the request's directives is
 *       served here (HIT, or STALE within max-stale or stale-while-revalidate, which also starts
 *       one background refresh); a matching {@code If-None-Match}/{@code If-Modified-Since} gets
 *       304. {@code only-if-cached} with nothing usable gets 504.</li>
 *   <li>Otherwise the request goes upstream with a {@link CacheExchange} attached; concurrent
 *       misses for one key wait (at most {@code cache.lock-timeout}, without holding a thread)
 *       for the first and are then answered from the cache, or go upstream themselves.</li>
 *   <li>Unsafe methods (anything but GET, HEAD, OPTIONS, TRACE) invalidate the URL, and the
 *       same-origin Location and Content-Location, when their response is not an error.</li>
 *   <li>Range and upgrade requests pass through (BYPASS).</li>
 * </ul>
 * Mapped for REQUEST and ASYNC dispatches: a request that waited is dispatched here again.
 */
public final class CacheFilter implements Filter
{
    private static final Logger LOG = LoggerFactory.getLogger(CacheFilter.class);
    private static final String WAITED = CacheFilter.class.getName() + ".waited";
    private static final io.opentelemetry.api.common.AttributeKey<Boolean> FOUND = io.opentelemetry.api.common.AttributeKey.booleanKey("sluice.cache.found");
    /** With {@code unkeyed-headers = strip}: client headers that reach the upstream on a cacheable request although not in the key. */
    static final Set<String> ALWAYS_FORWARDED = Set.of("accept", "accept-encoding", "accept-language", "accept-charset", "cache-control",
        "pragma", "if-none-match", "if-modified-since", "if-match", "if-unmodified-since", "if-range", "range", "authorization", "host",
        "content-type", "content-length", "te");

    private jakarta.servlet.ServletContext context;
    private volatile CacheRuntime runtime;

    @Override
    public void init(FilterConfig filterConfig) throws ServletException
    {
        runtime = new CacheRuntime(ConfigStore.of(filterConfig.getServletContext()).current().cache());
        filterConfig.getServletContext().setAttribute(CacheRuntime.ATTRIBUTE, runtime);
        this.context = filterConfig.getServletContext();
        context.setAttribute(CacheFront.ATTRIBUTE, new CacheFront(context, ConfigStore.of(context), this::runtimeFor));
    }

    @Override
    public void destroy()
    {
        if (runtime != null)
        {
            context.removeAttribute(CacheFront.ATTRIBUTE);
            context.removeAttribute(CacheRuntime.ATTRIBUTE);
            runtime.close();
        }
    }

    /** The runtime for these settings: the same one unless the storage tiers changed on reload. */
    private CacheRuntime runtimeFor(CacheSettings settings)
    {
        CacheRuntime current = runtime;
        if (current.settings() == settings || current.settings().sameStorage(settings))
        {
            return current;
        }
        synchronized (this)
        {
            if (!runtime.settings().sameStorage(settings))
            {
                LOG.info("Cache storage settings changed: starting a new, empty store");
                CacheRuntime old = runtime;
                runtime = new CacheRuntime(settings);
                context.setAttribute(CacheRuntime.ATTRIBUTE, runtime);
                old.close();
            }
            return runtime;
        }
    }

    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain) throws IOException, ServletException
    {
        HttpServletRequest request = (HttpServletRequest)req;
        HttpServletResponse response = (HttpServletResponse)res;
        Exchange exchange = Exchange.of(request);
        if (exchange == null || exchange.routeMatch() == null)
        {
            chain.doFilter(request, response);
            return;
        }
        CacheSettings settings = exchange.settings().cache();
        String routeName = exchange.routeMatch().route().name();
        CacheRoute route = settings.route(routeName);
        if (route == null)
        {
            chain.doFilter(request, response);
            return;
        }
        CacheRuntime cache = runtimeFor(settings);
        String method = request.getMethod();
        if (!method.equals("GET") && !method.equals("HEAD"))
        {
            bypass(exchange, response, settings);
            if (method.equals("OPTIONS") || method.equals("TRACE"))
            {
                chain.doFilter(request, response);
                return;
            }
            invalidating(request, response, chain, cache, RequestKey.of(request, exchange, route, routeName));
            return;
        }
        if (request.getHeader("Upgrade") != null || dev.sluice.http.RequestBodies.expected(request))
        {
            // A GET or HEAD with a body (or an upgrade) may mean something else to the upstream:
            // neither served from nor stored in the cache.
            bypass(exchange, response, settings);
            chain.doFilter(request, response);
            return;
        }

        RequestKey key = RequestKey.of(request, exchange, route, routeName);
        CacheControl requestCc = requestDirectives(key.headers());
        String url = key.url();
        String primary = key.primary();
        long lookupStarted = System.nanoTime();
        ResponseStore.Hit hit = cache.store().lookup(primary, key.headers());
        lookupSpan(exchange, lookupStarted, System.nanoTime(), hit != null);
        long now = System.currentTimeMillis();
        String range = request.getHeader("Range");
        if (range != null)
        {
            // Ranges are served from a fresh stored 200; otherwise they pass through, never stored.
            if (hit != null && hit.response().status() == 200 && CachePolicy.use(hit.response(), requestCc, route, now) == CachePolicy.Use.FRESH
                && CacheResponder.ifRangeHolds(request.getHeader("If-Range"), hit.response()))
            {
                long[] bytes = CacheResponder.singleRange(range, hit.response().body().length);
                exchange.cacheStatus("HIT");
                if (bytes == CacheResponder.UNSATISFIABLE)
                {
                    exchange.addBytesOut(CacheResponder.answerUnsatisfiable(response, hit.response(), "HIT", settings.statusHeader(), exchange));
                    return;
                }
                exchange.addBytesOut(bytes == null
                    ? CacheResponder.answer(request, response, hit.response(), "HIT", settings.statusHeader(), now, exchange)
                    : CacheResponder.answerRange(request, response, hit.response(), bytes, "HIT", settings.statusHeader(), now, exchange));
                return;
            }
            bypass(exchange, response, settings);
            chain.doFilter(request, response);
            return;
        }
        if (hit != null)
        {
            CachePolicy.Use use = CachePolicy.use(hit.response(), requestCc, route, now);
            switch (use)
            {
                case FRESH ->
                {
                    serve(request, response, exchange, cache, hit.response(), "HIT", now);
                    return;
                }
                case STALE_ALLOWED ->
                {
                    serve(request, response, exchange, cache, hit.response(), "STALE", now);
                    return;
                }
                case STALE_WHILE_REVALIDATE ->
                {
                    // Started first: it reads the request, which may be over once the answer is written.
                    refreshInBackground(request, exchange, cache, route, primary, url, hit);
                    serve(request, response, exchange, cache, hit.response(), "STALE", now);
                    return;
                }
                case VALIDATE ->
                {
                    // Goes upstream below, with the stored response's validators.
                }
            }
        }
        if (requestCc.has("only-if-cached"))
        {
            exchange.cacheStatus("MISS");
            exchange.addBytesOut(ProblemWriter.write(response, ProblemType.GATEWAY_TIMEOUT,
                "The request allows only a cached response (only-if-cached) and none is stored.", exchange.id(), exchange.traceId()));
            return;
        }
        boolean waited = request.getDispatcherType() == DispatcherType.ASYNC && request.getAttribute(WAITED) != null;
        boolean leader = false;
        if (!waited)
        {
            CompletableFuture<Void> inFlight = cache.lead(primary);
            if (inFlight != null)
            {
                await(request, inFlight, settings);
                return;
            }
            leader = true;
        }
        CacheExchange cacheExchange = new CacheExchange(cache, route, primary, url, hit, requestCc, request, exchange, leader);
        request.setAttribute(CacheExchange.ATTRIBUTE, cacheExchange);
        if (route.stripUnkeyed())
        {
            exchange.forwardOnly(forwarded(route, cache.store().varyOf(primary)));
        }
        try
        {
            chain.doFilter(request, response);
        }
        finally
        {
            if (request.isAsyncStarted())
            {
                request.getAsyncContext().addListener(new Release(cacheExchange));
            }
            else
            {
                cacheExchange.release();
            }
        }
    }

    /** The request's Cache-Control; RFC 9111 §5.4: Pragma: no-cache means Cache-Control: no-cache when there is no Cache-Control. */
    static CacheControl requestDirectives(Function<String, List<String>> headers)
    {
        CacheControl requestCc = CacheControl.parse(headers.apply("Cache-Control"));
        if (requestCc.isEmpty())
        {
            for (String pragma : headers.apply("Pragma"))
            {
                if (containsIgnoreCase(pragma, "no-cache"))
                {
                    return CacheControl.parse("no-cache");
                }
            }
        }
        return requestCc;
    }

    private static boolean containsIgnoreCase(String value, String part)
    {
        for (int i = 0; i + part.length() <= value.length(); i++)
        {
            if (value.regionMatches(true, i, part, 0, part.length()))
            {
                return true;
            }
        }
        return false;
    }

    /** The lookup's span, when the exchange is traced. */
    static void lookupSpan(Exchange exchange, long started, long ended, boolean found)
    {
        if (exchange.spans() != null)
        {
            exchange.spans().add("cache lookup", io.opentelemetry.api.trace.SpanKind.INTERNAL, started, ended,
                io.opentelemetry.api.common.Attributes.of(FOUND, found), false);
        }
    }

    private static void bypass(Exchange exchange, HttpServletResponse response, CacheSettings settings)
    {
        exchange.cacheStatus("BYPASS");
        if (settings.statusHeader())
        {
            response.setHeader("X-Cache-Status", "BYPASS");
        }
    }

    private static void serve(HttpServletRequest request, HttpServletResponse response, Exchange exchange, CacheRuntime cache,
                              CachedResponse stored, String label, long now) throws IOException
    {
        exchange.cacheStatus(label);
        // Without blocking: a client that stops reading a large stored body holds no request thread.
        exchange.addBytesOut(CacheResponder.answer(request, response, stored, label, cache.settings().statusHeader(), now, exchange));
    }

    /** The client headers that may go upstream: the standard set, the key headers, what the route vouches for, and what stored variants Vary on. */
    static Set<String> forwarded(CacheRoute route, List<String> vary)
    {
        Set<String> allowed = new HashSet<>(ALWAYS_FORWARDED);
        allowed.addAll(route.keyHeaders());
        allowed.addAll(route.forwardHeaders());
        allowed.addAll(vary);
        return allowed;
    }

    /** Waits without a thread for the request fetching the same key, then dispatches this one here again. */
    private static void await(HttpServletRequest request, CompletableFuture<Void> inFlight, CacheSettings settings)
    {
        AsyncContext async = request.startAsync();
        async.setTimeout(settings.lockTimeout().toMillis());
        AtomicBoolean resumed = new AtomicBoolean();
        Runnable resume = () ->
        {
            if (resumed.compareAndSet(false, true))
            {
                request.setAttribute(WAITED, Boolean.TRUE);
                async.dispatch();
            }
        };
        async.addListener(new AsyncListener()
        {
            @Override
            public void onComplete(AsyncEvent event)
            {
            }

            @Override
            public void onTimeout(AsyncEvent event)
            {
                resume.run();
            }

            @Override
            public void onError(AsyncEvent event)
            {
                resumed.set(true);
            }

            @Override
            public void onStartAsync(AsyncEvent event)
            {
            }
        });
        inFlight.whenComplete((ignored, failure) -> resume.run());
    }

    /** Forwards an unsafe request and invalidates once its response is known ({@link Invalidation}). */
    private static void invalidating(HttpServletRequest request, HttpServletResponse response, FilterChain chain, CacheRuntime cache,
                                     RequestKey key) throws IOException, ServletException
    {
        Invalidation invalidation = new Invalidation(cache, key, request.getRequestURI(), response);
        try
        {
            chain.doFilter(request, response);
        }
        finally
        {
            if (request.isAsyncStarted())
            {
                request.getAsyncContext().addListener(new OnComplete(invalidation));
            }
            else
            {
                invalidation.run();
            }
        }
    }

    /**
     * Stale-while-revalidate: one background request per key refreshes the stored response
     * through the proxy servlet's upstream client; the client has already been answered.
     */
    private void refreshInBackground(HttpServletRequest request, Exchange exchange, CacheRuntime cache, CacheRoute route, String primary,
                                     String url, ResponseStore.Hit hit)
    {
        Object refresher = context.getAttribute(Refresher.ATTRIBUTE);
        if (!(refresher instanceof Refresher found) || !cache.startRefresh(primary))
        {
            return;
        }
        CacheExchange refresh = new CacheExchange(cache, route, primary, url, hit, CacheControl.parse((String)null), request, exchange, false);
        // The same headers a foreground request would send, without the client's own conditions.
        Set<String> forwarded = route.stripUnkeyed() ? forwarded(route, hit.response().vary()) : null;
        java.util.Map<String, List<String>> headers = new java.util.LinkedHashMap<>();
        for (String name : java.util.Collections.list(request.getHeaderNames()))
        {
            String lower = name.toLowerCase(java.util.Locale.ROOT);
            if ((forwarded == null || forwarded.contains(lower)) && !lower.startsWith("if-"))
            {
                headers.put(name, java.util.Collections.list(request.getHeaders(name)));
            }
        }
        try
        {
            found.refresh(request, exchange, headers, refresh).whenComplete((ignored, failure) -> cache.endRefresh(primary));
        }
        catch (RuntimeException x)
        {
            cache.endRefresh(primary);
            LOG.debug("{} background refresh of {} failed to start: {}", exchange.id(), url, x.toString());
        }
    }

    /** Releases waiters when a leader's exchange ends, however it ends. */
    private record Release(CacheExchange cacheExchange) implements AsyncListener
    {
        @Override
        public void onComplete(AsyncEvent event)
        {
            cacheExchange.release();
        }

        @Override
        public void onTimeout(AsyncEvent event)
        {
            cacheExchange.release();
        }

        @Override
        public void onError(AsyncEvent event)
        {
            cacheExchange.release();
        }

        @Override
        public void onStartAsync(AsyncEvent event)
        {
            event.getAsyncContext().addListener(this);
        }
    }

    private record OnComplete(Runnable action) implements AsyncListener
    {
        @Override
        public void onComplete(AsyncEvent event)
        {
            action.run();
        }

        @Override
        public void onTimeout(AsyncEvent event)
        {
        }

        @Override
        public void onError(AsyncEvent event)
        {
        }

        @Override
        public void onStartAsync(AsyncEvent event)
        {
            event.getAsyncContext().addListener(this);
        }
    }
}
