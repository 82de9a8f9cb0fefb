// Stale-while-revalidate's background request: one GET to a target of the route's pool, outcome to the cache only.
package dev.sluice.proxy;

import java.net.URI;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import dev.sluice.cache.CacheExchange;
import dev.sluice.cache.Refresher;
import dev.sluice.exchange.Exchange;
import dev.sluice.http.Authority;
import dev.sluice.http.QueryString;
import dev.sluice.route.Route;
import dev.sluice.route.RouteMatch;
import dev.sluice.upstream.Member;
import dev.sluice.upstream.Pool;
import dev.sluice.upstream.Pools;
import jakarta.servlet.http.HttpServletRequest;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.http.HttpHeader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The proxy servlet's {@link Refresher}: uses its pools and upstream clients, no retries. */
final class BackgroundRefresh implements Refresher
{
    private static final Logger LOG = LoggerFactory.getLogger(BackgroundRefresh.class);

    private final Pools pools;
    private final UpstreamClients clients;

    BackgroundRefresh(Pools pools, UpstreamClients clients)
    {
        this.pools = pools;
        this.clients = clients;
    }

    /**
     * A background refresh for stale-while-revalidate: one GET to a target of the route's pool
     * with the stored validators, no retries; the outcome goes to the cache exchange only.
     */
    @Override
    public CompletableFuture<Void> refresh(HttpServletRequest clientRequest, Exchange exchange, java.util.Map<String, List<String>> headers,
                                           CacheExchange cache)
    {
        CompletableFuture<Void> done = new CompletableFuture<>();
        RouteMatch match = exchange.routeMatch();
        Route route = match.route();
        Pool pool = pools.pool(exchange.settings().upstreams(), route.upstream());
        Member member = pool.choose(exchange.clientAddress(), List.of());
        if (member == null)
        {
            cache.abandon();
            done.complete(null);
            return done;
        }
        String query = QueryString.without(clientRequest.getQueryString(), exchange.hiddenQueryParameters());
        Request request = clients.forUpstream(route.timeouts().connect(), pool.upstream())
            .newRequest(URI.create(pool.upstream().url(member.target(), match.upstreamPath(), query)))
            .method("GET")
            .idleTimeout(route.timeouts().idle().toMillis(), TimeUnit.MILLISECONDS)
            .timeout(route.timeouts().total().toMillis(), TimeUnit.MILLISECONDS)
            .headers(fields ->
            {
                headers.forEach((name, values) -> values.forEach(value -> fields.add(name, value)));
                // What a client's request gets: no client copies of identity or forwarding
                // headers, Sluice's identity, request id and forwarding headers, the client's host
                // (an HTTP/2 client's :authority) on preserve-host routes, the header transforms.
                fields.remove(HttpHeader.HOST);
                UpstreamRequestHeaders.apply(exchange, Authority.of(clientRequest), pool.upstream().hostHeader(), fields);
                cache.validators().forEach(validator -> fields.put(validator[0], validator[1]));
                UpstreamRequestHeaders.addForwarding(clientRequest, exchange, fields);
            });
        // Read now: the client's request is over by the time the answer comes.
        LocationRewrite locations = LocationRewrite.of(route, clientRequest, request);
        long start = System.nanoTime();
        request.send(new Response.Listener()
        {
            private volatile long headersNanos = -1;
            private volatile List<String[]> notModified;

            @Override
            public void onHeaders(Response response)
            {
                headersNanos = System.nanoTime();
                if (response.getStatus() == 304 && cache.revalidating())
                {
                    notModified = FieldPairs.of(response.getHeaders());
                }
                else
                {
                    cache.begin(response.getStatus(), UpstreamResponseHeaders.stored(response, exchange, locations), null);
                }
            }

            @Override
            public void onContent(Response response, java.nio.ByteBuffer content)
            {
                if (notModified == null)
                {
                    byte[] bytes = new byte[content.remaining()];
                    content.get(bytes);
                    cache.content(bytes, 0, bytes.length);
                }
            }

            @Override
            public void onComplete(Result result)
            {
                Response response = result.getResponse();
                int status = headersNanos >= 0 && response != null ? response.getStatus() : 0;
                pool.finished(member, status == 0 || pool.failureStatus(status) || result.isFailed() ? Pool.Result.FAILURE : Pool.Result.SUCCESS,
                    headersNanos < 0 ? -1 : headersNanos - start);
                if (result.isSucceeded() && notModified != null)
                {
                    cache.freshenOnly(notModified);
                }
                else if (result.isSucceeded())
                {
                    cache.complete();
                }
                else
                {
                    LOG.debug("{} background refresh failed: {}", exchange.id(), UpstreamFailure.describe(result.getFailure()));
                    cache.abandon();
                }
                done.complete(null);
            }
        });
        return done;
    }
}
