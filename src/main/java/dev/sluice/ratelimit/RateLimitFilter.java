// Refuses requests over a route's limits with 429 before they reach the upstream.
package dev.sluice.ratelimit;

import java.io.IOException;

import dev.sluice.config.ConfigStore;
import dev.sluice.exchange.Exchange;
import dev.sluice.http.HeaderNames;
import dev.sluice.http.ProblemType;
import dev.sluice.http.ProblemWriter;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanKind;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Runs after authentication, so limits can count per consumer. For a route with
 * {@code route.<name>.rate-limit} it asks {@link RateLimiter} and either lets the request on
 * with {@code RateLimit-*} headers, or answers 429 problem+json with {@code Retry-After}; a
 * refused request never reaches the upstream. With {@code route.<name>.rate-limit.concurrency}
 * it also caps the requests of one key in flight at once (429 too), releasing the slot when the
 * asynchronous proxy exchange completes, however it ends.
 *
 * <p>Settings: {@code ratelimit.store} (local or redis, default local),
 * {@code ratelimit.local.max-keys} (default 100000), {@code ratelimit.redis.uri},
 * {@code ratelimit.redis.timeout} (default 500ms), {@code ratelimit.redis.key-prefix} (default
 * sluice:rl:); per route {@code rate-limit}, {@code rate-limit.by}, {@code rate-limit.group.<g>},
 * {@code rate-limit.consumer.<id>}, {@code rate-limit.concurrency}, {@code rate-limit.headers},
 * {@code rate-limit.on-store-failure}. Each is documented in {@code conf/sluice.properties}.</p>
 */
public final class RateLimitFilter implements Filter
{
    private ConfigStore config;
    private static final AttributeKey<String> DB_SYSTEM = AttributeKey.stringKey("db.system.name");
    private static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");
    private static final AttributeKey<Boolean> ALLOWED = AttributeKey.booleanKey("sluice.ratelimit.allowed");

    private final ConcurrencyLimiter concurrency = new ConcurrencyLimiter();
    private volatile Runtime runtime;

    /** The limiter and the settings its store was made from. */
    private record Runtime(RateLimitSettings settings, RateLimiter limiter)
    {
    }

    @Override
    public void init(FilterConfig filterConfig) throws ServletException
    {
        config = ConfigStore.of(filterConfig.getServletContext());
        RateLimitSettings settings = config.current().rateLimit();
        runtime = new Runtime(settings, new RateLimiter(newStore(settings)));
        filterConfig.getServletContext().setAttribute(RateLimiter.ATTRIBUTE,
            (java.util.function.Supplier<RateLimiter>)() -> limiterFor(config.current().rateLimit()));
    }

    @Override
    public void destroy()
    {
        Runtime current = runtime;
        if (current != null)
        {
            current.limiter().store().close();
        }
    }

    private static BucketStore newStore(RateLimitSettings settings)
    {
        return settings.store() == RateLimitSettings.Store.REDIS
            ? new RedisBucketStore(settings.redisUri(), settings.redisTimeout(), settings.redisCaFile(), settings.redisPrefix())
            : new LocalBucketStore(settings.maxKeys(), io.github.bucket4j.TimeMeter.SYSTEM_MILLISECONDS);
    }

    /**
     * The limiter for this snapshot. The store is replaced only when a reload changed where
     * buckets live; a change of limits alone keeps it (the limits are part of each bucket key).
     */
    private RateLimiter limiterFor(RateLimitSettings settings)
    {
        Runtime current = runtime;
        if (sameStore(current.settings(), settings))
        {
            return current.limiter();
        }
        synchronized (this)
        {
            if (!sameStore(runtime.settings(), settings))
            {
                Runtime old = runtime;
                runtime = new Runtime(settings, new RateLimiter(newStore(settings)));
                old.limiter().store().close();
            }
            return runtime.limiter();
        }
    }

    private static boolean sameStore(RateLimitSettings a, RateLimitSettings b)
    {
        return a == b || (a.store() == b.store() && java.util.Objects.equals(a.redisUri(), b.redisUri())
            && java.util.Objects.equals(a.redisCaFile(), b.redisCaFile())
            && a.redisTimeout().equals(b.redisTimeout()) && a.redisPrefix().equals(b.redisPrefix()) && a.maxKeys() == b.maxKeys());
    }

    @Override
    public void doFilter(ServletRequest servletRequest, ServletResponse servletResponse, FilterChain chain) throws IOException, ServletException
    {
        HttpServletRequest request = (HttpServletRequest)servletRequest;
        HttpServletResponse response = (HttpServletResponse)servletResponse;
        Exchange exchange = Exchange.of(request);
        RateLimitSettings settings = exchange.settings().rateLimit();
        String route = exchange.routeMatch().route().name();
        RateLimitPolicy policy = settings.policies().get(route);
        if (policy == null)
        {
            chain.doFilter(request, response);
            return;
        }

        RateLimiter.Caller caller = new RateLimiter.Caller(exchange.identity(), exchange.clientAddress(),
            policy.header() == null ? null : request.getHeader(policy.header()),
            policy.key() == KeyType.PATH ? exchange.requestPath().canonical() : exchange.path());
        long started = System.nanoTime();
        RateLimiter.Decision decision = limiterFor(settings).decide(route, policy, caller);
        if (exchange.spans() != null)
        {
            boolean redis = settings.store() == RateLimitSettings.Store.REDIS;
            exchange.spans().add(redis ? "ratelimit redis" : "ratelimit", redis ? SpanKind.CLIENT : SpanKind.INTERNAL, started, System.nanoTime(),
                redis
                    ? Attributes.of(DB_SYSTEM, "redis", SERVER_ADDRESS, String.valueOf(settings.redisUri().getHost()), ALLOWED, decision.allowed())
                    : Attributes.of(ALLOWED, decision.allowed()),
                decision.storeFailed());
        }
        exchange.rateLimitResult(decision.storeFailed()
            ? (decision.allowed() ? "store_error_allowed" : "store_error_refused")
            : (decision.allowed() ? "allowed" : "refused"));
        if (decision.storeFailed() && !decision.allowed())
        {
            exchange.outcome(Exchange.Outcome.RATE_LIMIT_UNAVAILABLE);
            response.setHeader(HeaderNames.RETRY_AFTER, Long.toString(decision.retryAfterSeconds()));
            exchange.addBytesOut(ProblemWriter.write(response, ProblemType.RATE_LIMIT_UNAVAILABLE,
                "The rate-limit store cannot be reached and this route refuses requests it cannot count.", exchange.id(), exchange.traceId()));
            return;
        }
        if (decision.headers() != null)
        {
            decision.headers().writeTo(response::setHeader);
            exchange.rateLimitFieldsSet();
        }
        if (!decision.allowed())
        {
            refuse(response, exchange, decision.retryAfterSeconds(), "The rate limit of this route is exhausted; retry after the time in Retry-After.");
            return;
        }

        String slot = null;
        if (policy.concurrency() > 0)
        {
            slot = route + "|" + RateLimiter.keyValue(policy, caller);
            if (!concurrency.tryAcquire(slot, policy.concurrency()))
            {
                exchange.rateLimitResult("refused");
                refuse(response, exchange, 1, "Too many requests of this caller are in progress on this route.");
                return;
            }
        }
        boolean released = slot == null;
        try
        {
            chain.doFilter(request, response);
            if (slot != null && request.isAsyncStarted())
            {
                request.getAsyncContext().addListener(new Release(concurrency, slot));
                released = true;
            }
        }
        finally
        {
            if (!released)
            {
                concurrency.release(slot);
            }
        }
    }

    private static void refuse(HttpServletResponse response, Exchange exchange, long retryAfter, String detail)
    {
        exchange.outcome(Exchange.Outcome.RATE_LIMITED);
        response.setHeader(HeaderNames.RETRY_AFTER, Long.toString(retryAfter));
        exchange.addBytesOut(ProblemWriter.write(response, ProblemType.RATE_LIMITED, detail, exchange.id(), exchange.traceId()));
    }

    /** Frees the concurrency slot once, when the asynchronous exchange ends however it ends. */
    private static final class Release implements AsyncListener
    {
        private final ConcurrencyLimiter limiter;
        private final String slot;
        private final java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();

        Release(ConcurrencyLimiter limiter, String slot)
        {
            this.limiter = limiter;
            this.slot = slot;
        }

        private void release()
        {
            if (done.compareAndSet(false, true))
            {
                limiter.release(slot);
            }
        }

        @Override
        public void onComplete(AsyncEvent event)
        {
            release();
        }

        @Override
        public void onTimeout(AsyncEvent event)
        {
            release();
        }

        @Override
        public void onError(AsyncEvent event)
        {
            release();
        }

        @Override
        public void onStartAsync(AsyncEvent event)
        {
            // A request the cache held back and dispatched again starts a second cycle: stay registered.
            event.getAsyncContext().addListener(this);
        }
    }
}
