// Sluice's Prometheus metrics: recorded once per exchange from the Exchange, the rest read when scraped.
package dev.sluice.observe;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

import dev.sluice.auth.Identity;
import dev.sluice.config.ConfigStore;
import dev.sluice.exchange.Exchange;
import dev.sluice.route.RouteMatch;
import dev.sluice.upstream.PoolEvents;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import jakarta.servlet.ServletContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One registry per web application, published as the context attribute {@link #ATTRIBUTE}.
 *
 * <p>The request path pays for a map lookup and a few adder increments: meters are found by
 * route name in a map of this class's own (never by building a Micrometer id per request), and
 * everything that is state rather than an event (upstream target state, cache occupancy,
 * configuration hash, certificate expiry) is read only when someone scrapes.</p>
 *
 * <p>Label sets are bounded by the configuration, never by what clients send: {@code route} is
 * a configured route name ({@code none} when no route matched), {@code upstream} and
 * {@code target} are configured upstreams and their targets, {@code consumer} (only with
 * {@code metrics.per-consumer = true}, read at start only) is a declared consumer id, {@code anonymous}, or
 * {@code other} for token subjects that are not declared consumers. No label ever carries a path.</p>
 */
public final class Metrics implements PoolEvents, AutoCloseable
{
    public static final String ATTRIBUTE = Metrics.class.getName();
    /** Set by the launcher to an {@link IntSupplier} of open client connections. */
    public static final String CONNECTIONS_ATTRIBUTE = Metrics.class.getName() + ".connections";
    private static final Logger LOG = LoggerFactory.getLogger(Metrics.class);
    private static final String NO_ROUTE = "none";
    private static final String[] STATUS_CLASSES = {"other", "1xx", "2xx", "3xx", "4xx", "5xx"};
    /** Request latency buckets: a gateway's own answers take microseconds, upstreams up to a minute. */
    private static final Duration[] LATENCY_BUCKETS = {
        Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
        Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
        Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(60)};

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final ServletContext context;
    /** An adder, not an atomic: two updates per request from every request thread would contend on one counter. */
    private final java.util.concurrent.atomic.LongAdder inFlight = new java.util.concurrent.atomic.LongAdder();
    private final Map<String, RouteMeters> routes = new ConcurrentHashMap<>();
    private final Map<String, Map<String, Timer>> upstreamLatency = new ConcurrentHashMap<>();
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final Map<String, Timer> aiFirstToken = new ConcurrentHashMap<>();
    private final StateGauges state;
    private final List<AutoCloseable> closeables = new ArrayList<>();
    /** Read once at start: Prometheus wants one label set per metric name, so a reload cannot add or drop the label. */
    private final boolean perConsumer;

    private Metrics(ServletContext context)
    {
        this.context = context;
        this.perConsumer = context.getAttribute(ConfigStore.ATTRIBUTE) instanceof ConfigStore store && store.current().metrics().perConsumer();
        Gauge.builder("sluice.build.info", () -> 1).description("The running build of Sluice").tag("version", BuildInfo.version())
            .strongReference(true).register(registry);
        Gauge.builder("sluice.requests.in.flight", inFlight, java.util.concurrent.atomic.LongAdder::sum).description("Proxied requests being handled now")
            .register(registry);
        state = new StateGauges(registry, context);
        FunctionCounter.builder("sluice.config.reloads", context, Metrics::acceptedReloads).description("Configuration reloads")
            .tag("result", "accepted").register(registry);
        FunctionCounter.builder("sluice.config.reloads", context, Metrics::rejectedReloads).description("Configuration reloads")
            .tag("result", "rejected").register(registry);
        for (String result : List.of("exported", "dropped", "failed"))
        {
            FunctionCounter.builder("sluice.tracing.spans", context, c -> spans(c, result))
                .description("Spans sent to the OTLP collector, dropped for a full queue, or not taken by the collector").tag("result", result)
                .register(registry);
        }
        new ClassLoaderMetrics().bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        JvmGcMetrics gc = new JvmGcMetrics();
        gc.bindTo(registry);
        closeables.add(gc);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        bindContainer(context);
    }

    /** The context's metrics, made on first use (the listener normally makes them at start). */
    public static Metrics of(ServletContext context)
    {
        synchronized (context)
        {
            if (context.getAttribute(ATTRIBUTE) instanceof Metrics metrics)
            {
                return metrics;
            }
            Metrics metrics = new Metrics(context);
            context.setAttribute(ATTRIBUTE, metrics);
            return metrics;
        }
    }

    /** Jetty's thread pool (Jetty publishes it to web applications) and the launcher's connection count. */
    private void bindContainer(ServletContext context)
    {
        Object executor = context.getAttribute("org.eclipse.jetty.server.Executor");
        try
        {
            if (executor instanceof org.eclipse.jetty.util.thread.ThreadPool pool)
            {
                new io.micrometer.core.instrument.binder.jetty.JettyServerThreadPoolMetrics(pool, Tags.empty()).bindTo(registry);
            }
        }
        catch (LinkageError x)
        {
            LOG.debug("No Jetty thread-pool metrics: {}", x.toString());
        }
        if (context.getAttribute(CONNECTIONS_ATTRIBUTE) instanceof IntSupplier connections)
        {
            Gauge.builder("sluice.connections", connections, IntSupplier::getAsInt).description("Open client connections").register(registry);
        }
    }

    private static double spans(ServletContext context, String result)
    {
        if (!(context.getAttribute(Tracing.ATTRIBUTE) instanceof Tracing tracing))
        {
            return 0;
        }
        return switch (result)
        {
            case "exported" -> tracing.exported();
            case "dropped" -> tracing.dropped();
            default -> tracing.failed();
        };
    }

    private static double acceptedReloads(ServletContext context)
    {
        return context.getAttribute(ConfigStore.ATTRIBUTE) instanceof ConfigStore store ? store.reloads() : 0;
    }

    private static double rejectedReloads(ServletContext context)
    {
        return context.getAttribute(ConfigStore.ATTRIBUTE) instanceof ConfigStore store ? store.rejectedReloads() : 0;
    }

    /** An exchange entered the filters. */
    public void started(Exchange exchange)
    {
        if (exchange.settings().metrics().enabled())
        {
            inFlight.increment();
        }
    }

    /** An exchange is over; {@code status} is what the client got. */
    public void completed(Exchange exchange, int status, long endNanos)
    {
        if (!exchange.settings().metrics().enabled())
        {
            return;
        }
        inFlight.decrement();
        RouteMatch match = exchange.routeMatch();
        String route = match == null ? NO_ROUTE : match.route().name();
        String consumer = perConsumer ? consumer(exchange.identity()) : null;
        RouteMeters meters = routeMeters(route, consumer);
        meters.requests(status).increment();
        meters.duration.record(endNanos - exchange.startNanos(), TimeUnit.NANOSECONDS);
        if (exchange.bytesIn() > 0)
        {
            meters.bytesIn.increment(exchange.bytesIn());
        }
        if (exchange.bytesOut() > 0)
        {
            meters.bytesOut.increment(exchange.bytesOut());
        }
        if (exchange.cacheStatus() != null)
        {
            meters.cache(exchange.cacheStatus()).increment();
        }
        if (exchange.authMethod() != null)
        {
            meters.auth(exchange.authMethod(), authResult(exchange)).increment();
        }
        String limited = exchange.rateLimitResult();
        if (limited != null)
        {
            meters.rateLimit(limited).increment();
            if (limited.startsWith("store_error_"))
            {
                meters.rateLimitStoreError().increment();
            }
        }
        if (exchange.grpcStatus() != null)
        {
            meters.grpc(exchange.grpcStatus()).increment();
        }
        if (exchange.compressedTo() >= 0)
        {
            meters.compressed(exchange.compressedFrom(), exchange.compressedTo());
        }
        if (exchange.attempts() > 1)
        {
            meters.retries.increment(exchange.attempts() - 1);
        }
        if (exchange.retryRefused())
        {
            meters.retryBudgetExhausted().increment();
        }
        long upstreamNanos = exchange.upstreamNanos();
        if (upstreamNanos >= 0 && match != null && exchange.target() != null)
        {
            upstreamTimer(exchange.upstream(), exchange.target()).record(upstreamNanos, TimeUnit.NANOSECONDS);
        }
    }

    /** By upstream, then target: two lookups of strings the request already holds, no key built per request. */
    private Timer upstreamTimer(String upstream, String target)
    {
        Map<String, Timer> targets = upstreamLatency.get(upstream);
        if (targets == null)
        {
            targets = upstreamLatency.computeIfAbsent(upstream, key -> new ConcurrentHashMap<>());
        }
        Timer timer = targets.get(target);
        return timer != null ? timer : targets.computeIfAbsent(target, key -> Timer.builder("sluice.upstream.duration")
            .description("Time from sending a request upstream to its response headers")
            .tags("upstream", upstream, "target", key).serviceLevelObjectives(LATENCY_BUCKETS).register(registry));
    }

    private static final String[] AUTH_RESULTS = {"success", "unauthorized", "forbidden", "unavailable", "blocked"};

    /** An index into {@link #AUTH_RESULTS}. */
    private static int authResult(Exchange exchange)
    {
        // A forward-auth service may let a request on without naming anyone.
        boolean passed = exchange.identity() != null || "forward".equals(exchange.authMethod());
        return switch (exchange.outcome())
        {
            case UNAUTHORIZED -> 1;
            case FORBIDDEN -> 2;
            case AUTH_UNAVAILABLE -> 3;
            case RATE_LIMITED -> passed ? 0 : 4;
            default -> passed ? 0 : 1;
        };
    }

    private static String consumer(Identity identity)
    {
        if (identity == null)
        {
            return "none";
        }
        if (identity.anonymous())
        {
            return "anonymous";
        }
        return identity.consumer() != null ? identity.consumer().id() : "other";
    }

    private RouteMeters routeMeters(String route, String consumer)
    {
        String key = consumer == null ? route : route + '\u0000' + consumer;
        RouteMeters meters = routes.get(key);
        return meters != null ? meters : routes.computeIfAbsent(key, k -> new RouteMeters(route, consumer));
    }

    /** A counter by name and tag pairs, made once; for events rarer than requests (the key is built per call). */
    private Counter counter(String name, String... tags)
    {
        StringBuilder key = new StringBuilder(name);
        for (String tag : tags)
        {
            key.append('\u0000').append(tag);
        }
        Counter counter = counters.get(key.toString());
        return counter != null ? counter : counters.computeIfAbsent(key.toString(), k -> Counter.builder(name).tags(tags).register(registry));
    }

    /**
     * One AI answer: tokens by kind, cost and time to first token per alias and provider. Labels
     * are configured names only (aliases and providers), never what a client sent.
     *
     * @param ttftNanos time to the first content token, or negative when there was none
     */
    public void aiCompleted(String alias, String provider, long promptTokens, long completionTokens, long cachedTokens, double costUsd, long ttftNanos)
    {
        counter("sluice.ai.tokens", "alias", alias, "provider", provider, "kind", "prompt").increment(promptTokens);
        counter("sluice.ai.tokens", "alias", alias, "provider", provider, "kind", "completion").increment(completionTokens);
        counter("sluice.ai.tokens", "alias", alias, "provider", provider, "kind", "cached").increment(cachedTokens);
        counter("sluice.ai.cost.usd", "alias", alias, "provider", provider).increment(costUsd);
        counter("sluice.ai.requests", "alias", alias, "provider", provider).increment();
        if (ttftNanos >= 0)
        {
            String key = alias + '\u0000' + provider;
            Timer timer = aiFirstToken.get(key);
            if (timer == null)
            {
                timer = aiFirstToken.computeIfAbsent(key, k -> Timer.builder("sluice.ai.time.to.first.token")
                    .description("Time from the request to the first content token, per alias and provider")
                    .tags("alias", alias, "provider", provider).serviceLevelObjectives(LATENCY_BUCKETS).register(registry));
            }
            timer.record(ttftNanos, TimeUnit.NANOSECONDS);
        }
    }

    /** An AI request answered from the AI cache, and the tokens its stored answer cost when made. */
    public void aiCacheHit(String alias, long tokensSaved)
    {
        counter("sluice.ai.cache.hits", "alias", alias).increment();
        counter("sluice.ai.cache.tokens.saved", "alias", alias).increment(tokensSaved);
    }

    /** One merged embeddings call to a provider, and how many client requests it carried. */
    public void aiBatch(int requests)
    {
        counter("sluice.ai.embeddings.batches").increment();
        counter("sluice.ai.embeddings.batched.requests").increment(requests);
    }

    /** An AI request that found no target to answer it (every attempt failed). */
    public void aiFailed(String alias)
    {
        counter("sluice.ai.failures", "alias", alias).increment();
    }

    /** A request a route's mirror copied ({@code answered}, {@code failed}) or did not ({@code skipped}). */
    public void mirrored(String route, String outcome)
    {
        counter("sluice.mirror.requests", "route", route, "outcome", outcome).increment();
    }

    @Override
    public void ejected(String upstream, String target)
    {
        counter("sluice.upstream.ejections", "upstream", upstream, "target", target).increment();
    }

    @Override
    public void checked(String upstream, String target, boolean healthy)
    {
        counter("sluice.upstream.health.checks", "upstream", upstream, "target", target, "result", healthy ? "passed" : "failed").increment();
    }

    /**
     * The whole registry in Prometheus text format 0.0.4, or OpenMetrics when {@code accept}
     * asks for it; state gauges are refreshed first.
     */
    public Scrape scrape(String accept)
    {
        state.refresh();
        boolean openMetrics = accept != null && accept.contains("application/openmetrics-text");
        String contentType = openMetrics ? "application/openmetrics-text; version=1.0.0; charset=utf-8" : "text/plain; version=0.0.4; charset=utf-8";
        return new Scrape(contentType, registry.scrape(contentType));
    }

    /** A scrape's body and the content type it is in. */
    public record Scrape(String contentType, String body)
    {
    }

    @Override
    public void close()
    {
        for (AutoCloseable closeable : closeables)
        {
            try
            {
                closeable.close();
            }
            catch (Exception x)
            {
                LOG.debug("closing a metrics binder failed", x);
            }
        }
        registry.close();
    }

    /** gRPC's status codes by number (grpc/doc/statuscodes.md), as metric labels. */
    private static final String[] GRPC_CODES = {"ok", "cancelled", "unknown", "invalid_argument", "deadline_exceeded", "not_found",
        "already_exists", "permission_denied", "resource_exhausted", "failed_precondition", "aborted", "out_of_range", "unimplemented",
        "internal", "unavailable", "data_loss", "unauthenticated"};

    static String grpcCode(String status)
    {
        int code = dev.sluice.http.GrpcResponse.parseCode(status);
        return code >= 0 ? GRPC_CODES[code] : "other";
    }

    /** The meters of one route (and consumer), made once. */
    private final class RouteMeters
    {
        private final Tags tags;
        private final Counter[] requests = new Counter[STATUS_CLASSES.length];
        private final Timer duration;
        private final Counter bytesIn;
        private final Counter bytesOut;
        private final Counter retries;
        private final String route;
        private final Map<String, Counter> cache = new ConcurrentHashMap<>();
        private final Map<String, Counter[]> auth = new ConcurrentHashMap<>();
        private final Map<String, Counter> rateLimit = new ConcurrentHashMap<>();
        private final Map<String, Counter> grpc = new ConcurrentHashMap<>();
        /** Answers compressed, bytes before, bytes after; made at the first (registering twice returns the same meters). */
        private volatile Counter[] compression;

        RouteMeters(String route, String consumer)
        {
            this.route = route;
            tags = consumer == null ? Tags.of("route", route) : Tags.of("route", route, "consumer", consumer);
            duration = Timer.builder("sluice.request.duration").description("Time from a request's arrival to the end of its response")
                .tags(Tags.of("route", route)).serviceLevelObjectives(LATENCY_BUCKETS).register(registry);
            bytesIn = Counter.builder("sluice.request.bytes").description("Request body bytes read from clients").baseUnit("bytes")
                .tags(tags).register(registry);
            bytesOut = Counter.builder("sluice.response.bytes").description("Response body bytes sent to clients").baseUnit("bytes")
                .tags(tags).register(registry);
            retries = Counter.builder("sluice.upstream.retries").description("Upstream attempts beyond the first").tags("route", route)
                .register(registry);
        }

        /** @param status the exchange's cache status, one of a few constants */
        Counter cache(String status)
        {
            Counter counter = cache.get(status);
            return counter != null ? counter : cache.computeIfAbsent(status, key -> Counter.builder("sluice.cache.requests")
                .description("Requests on caching routes, by cache status").tags("route", route, "status", key.toLowerCase(java.util.Locale.ROOT))
                .register(registry));
        }

        Counter auth(String method, int result)
        {
            Counter[] byResult = auth.get(method);
            if (byResult == null)
            {
                byResult = auth.computeIfAbsent(method, key -> new Counter[AUTH_RESULTS.length]);
            }
            Counter counter = byResult[result];
            if (counter == null)
            {
                counter = Counter.builder("sluice.auth").description("Authentication outcomes, by the kind of credential that decided")
                    .tags("route", route, "method", method, "result", AUTH_RESULTS[result]).register(registry);
                byResult[result] = counter;
            }
            return counter;
        }

        /** @param result allowed, refused, store_error_allowed or store_error_refused */
        Counter rateLimit(String result)
        {
            Counter counter = rateLimit.get(result);
            return counter != null ? counter : rateLimit.computeIfAbsent(result, key -> Counter.builder("sluice.ratelimit.decisions")
                .description("Rate-limit decisions (a store failure counts as what its failure policy decided)")
                .tags("route", route, "result", key.endsWith("allowed") ? "allowed" : "refused").register(registry));
        }

        /** A compressed answer: counted, and its body's bytes before and after. */
        void compressed(long from, long to)
        {
            Counter[] counters = compression;
            if (counters == null)
            {
                counters = new Counter[]{
                    Counter.builder("sluice.compression.responses").description("Answers the launcher compressed").tags("route", route).register(registry),
                    Counter.builder("sluice.compression.bytes").description("Body bytes of compressed answers, before and after compression")
                        .baseUnit("bytes").tags("route", route, "stage", "before").register(registry),
                    Counter.builder("sluice.compression.bytes").description("Body bytes of compressed answers, before and after compression")
                        .baseUnit("bytes").tags("route", route, "stage", "after").register(registry)};
                compression = counters;
            }
            counters[0].increment();
            counters[1].increment(from);
            counters[2].increment(to);
        }

        /** @param status a gRPC call's grpc-status as it came: its code's name is the label, anything else "other" (bounded) */
        Counter grpc(String status)
        {
            String code = grpcCode(status);
            Counter counter = grpc.get(code);
            return counter != null ? counter : grpc.computeIfAbsent(code, key -> Counter.builder("sluice.grpc.calls")
                .description("gRPC calls answered, by route and gRPC status").tags("route", route, "grpc_status", key).register(registry));
        }

        Counter rateLimitStoreError()
        {
            return counter("sluice.ratelimit.store.errors", "route", route);
        }

        Counter retryBudgetExhausted()
        {
            return counter("sluice.upstream.retry.budget.exhausted", "route", route);
        }

        Counter requests(int status)
        {
            int index = status >= 100 && status < 600 ? status / 100 : 0;
            Counter counter = requests[index];
            if (counter == null)
            {
                // Racing threads get the same meter: the registry keeps one per id.
                counter = Counter.builder("sluice.requests").description("Requests answered, by route and status class")
                    .tags(tags).tag("status_class", STATUS_CLASSES[index]).register(registry);
                requests[index] = counter;
            }
            return counter;
        }
    }
}
