// route.<name>.mirror: sends a copy of a proxied request to the mirror upstream and throws its answer away.
package dev.sluice.proxy;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.sluice.exchange.Exchange;
import dev.sluice.observe.Metrics;
import dev.sluice.route.Mirror;
import dev.sluice.route.Route;
import dev.sluice.upstream.Member;
import dev.sluice.upstream.Pool;
import dev.sluice.upstream.Pools;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The copy goes once the request's first attempt is under way (after its whole body has been
 * read, when it has one), with the headers that attempt carries, to a target of the mirror's own
 * pool, under the route's timeouts; it is never retried and nothing of it reaches the client,
 * whose answer neither waits for it nor depends on it (nginx's {@code mirror} holds the next
 * request on a keep-alive connection until its subrequest ends; Envoy's shadowing does not, nor
 * does this). What is not copied is counted: a body over {@code mirror.max-body} or of unknown
 * length, {@code mirror.max-in-flight} copies already under way, no available target.
 */
final class Mirrors
{
    private static final Logger LOG = LoggerFactory.getLogger(Mirrors.class);

    /** Outcomes, the values of {@code sluice_mirror_requests_total}'s {@code outcome} label. */
    static final String ANSWERED = "answered";
    static final String FAILED = "failed";
    static final String SKIPPED = "skipped";

    private final Pools pools;
    private final UpstreamClients clients;
    private final Metrics metrics;
    /** Copies under way by route name; names outlive reloads, so a reload never resets a count mid-flight. */
    private final Map<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();

    Mirrors(Pools pools, UpstreamClients clients, Metrics metrics)
    {
        this.pools = pools;
        this.clients = clients;
        this.metrics = metrics;
    }

    /**
     * Waits, when Sluice stops, for the copies under way to get their answers, at most this
     * long (what the drain timeout left after the clients' requests), so a stop does not cut
     * copies the mirror is still reading; what remains is then cut, and logged as such.
     */
    void drain(java.time.Duration within) throws InterruptedException
    {
        long deadline = System.nanoTime() + within.toNanos();
        int left = underWay();
        while (left > 0 && System.nanoTime() < deadline)
        {
            Thread.sleep(10);
            left = underWay();
        }
        if (left > 0)
        {
            LOG.warn("{} mirror copies still under way as Sluice stops; they are cut", left);
        }
    }

    private int underWay()
    {
        int total = 0;
        for (AtomicInteger count : inFlight.values())
        {
            total += count.get();
        }
        return total;
    }

    /** Whether this request of the route is to be copied: the route has a mirror and the draw falls in its share. */
    static boolean sampled(Route route)
    {
        Mirror mirror = route.mirror();
        return mirror != null && (mirror.percent() >= 100 || (mirror.percent() > 0 && ThreadLocalRandom.current().nextInt(100) < mirror.percent()));
    }

    /** Whether a body of this length can be kept for the copy. */
    static boolean keepable(Route route, long length)
    {
        return length > 0 && length <= route.mirror().maxBody();
    }

    /** A request that was sampled but is not copied, and why (said at debug level only: it can happen per request). */
    void skipped(Exchange exchange, String why)
    {
        LOG.debug("{} not mirrored: {}", exchange.id(), why);
        count(exchange, SKIPPED);
    }

    /**
     * Copies the request once its body is whole ({@code body} null: it has none).
     *
     * @param primary the first attempt, whose method, headers and query the copy takes
     * @param hashKey what the mirror pool's consistent hashing hashes, or null
     */
    void send(Exchange exchange, Request primary, ReplayableBody body, String hashKey)
    {
        // Read now: the primary's headers are complete before it is sent, and may change after
        // (a retry's trace context).
        HttpFields headers = primary.getHeaders().asImmutable();
        String method = primary.getMethod();
        String query = primary.getQuery();
        if (body == null)
        {
            go(exchange, method, headers, query, null, hashKey);
        }
        else
        {
            body.whenComplete(() -> go(exchange, method, headers, query, body, hashKey));
        }
    }

    private void go(Exchange exchange, String method, HttpFields headers, String query, ReplayableBody body, String hashKey)
    {
        Route route = exchange.routeMatch().route();
        Mirror mirror = route.mirror();
        AtomicInteger count = inFlight.computeIfAbsent(route.name(), name -> new AtomicInteger());
        if (count.incrementAndGet() > mirror.maxInFlight())
        {
            count.decrementAndGet();
            skipped(exchange, mirror.maxInFlight() + " copies already under way (mirror.max-in-flight)");
            return;
        }
        Pool pool = pools.pool(exchange.settings().upstreams(), mirror.upstream());
        Member member = pool.choose(hashKey, List.of());
        if (member == null)
        {
            count.decrementAndGet();
            skipped(exchange, "no target of upstream '" + mirror.upstream() + "' is available");
            return;
        }
        Request request;
        try
        {
            URI uri = URI.create(pool.upstream().url(member.target(), exchange.routeMatch().upstreamPath(), query));
            String hostHeader = pool.upstream().hostHeader();
            request = clients.forUpstream(route.timeouts().connect(), pool.upstream())
                .newRequest(uri)
                .method(method)
                .idleTimeout(route.timeouts().idle().toMillis(), TimeUnit.MILLISECONDS)
                .timeout(route.timeouts().total().toMillis(), TimeUnit.MILLISECONDS)
                .headers(fields ->
                {
                    for (HttpField field : headers)
                    {
                        // The primary's Host named its own target unless it was the client's (preserve-host).
                        if (field.getHeader() != HttpHeader.HOST || route.preserveHost())
                        {
                            fields.add(field);
                        }
                    }
                    if (!route.preserveHost() && hostHeader != null)
                    {
                        fields.put(HttpHeader.HOST, hostHeader);
                    }
                });
        }
        catch (IllegalArgumentException x)
        {
            pool.finished(member, Pool.Result.NEUTRAL, -1);
            count.decrementAndGet();
            skipped(exchange, "no valid URI: " + x.getMessage());
            return;
        }
        if (body != null)
        {
            request.body(body.copy());
        }
        long start = System.nanoTime();
        String id = exchange.id();
        request.send(new Response.Listener()
        {
            private volatile long headersNanos = -1;

            @Override
            public void onHeaders(Response response)
            {
                headersNanos = System.nanoTime();
            }

            @Override
            public void onComplete(Result result)
            {
                count.decrementAndGet();
                Response response = result.getResponse();
                int status = headersNanos >= 0 && response != null ? response.getStatus() : 0;
                boolean failed = status == 0 || pool.failureStatus(status) || result.isFailed();
                pool.finished(member, failed ? Pool.Result.FAILURE : Pool.Result.SUCCESS, headersNanos < 0 ? -1 : headersNanos - start);
                if (status == 0)
                {
                    LOG.debug("{} mirror to {} failed: {}", id, member.target().authority(), UpstreamFailure.describe(result.getFailure()));
                }
                count(exchange, status == 0 ? FAILED : ANSWERED);
            }
        });
    }

    private void count(Exchange exchange, String outcome)
    {
        if (exchange.settings().metrics().enabled())
        {
            metrics.mirrored(exchange.routeMatch().route().name(), outcome);
        }
    }
}
