// Opens and closes exchanges: what every way in does first and last, the filter chain and the launcher's cache-hit front alike.
package dev.sluice.exchange;

import java.time.Clock;
import java.util.List;
import java.util.function.Function;

import dev.sluice.config.Settings;
import dev.sluice.http.HeaderNames;
import dev.sluice.observe.AccessLog;
import dev.sluice.observe.Metrics;
import dev.sluice.observe.Tracing;

/**
 * One per web application, made by {@link ExchangeFilter} and published as the context attribute
 * {@link #ATTRIBUTE}. {@link #open} keeps a sane {@code X-Request-ID} or makes one, finds the
 * client address ({@code X-Forwarded-For} only from {@code exchange.trusted-proxies}), joins or
 * starts the W3C trace and counts the request in flight; {@link #close} records the metrics, ends
 * the trace and writes the access-log line. Nothing here touches the servlet API, so a request
 * answered before the servlet chain (the launcher's cache-hit front) is logged and counted
 * exactly as one answered inside it.
 */
public final class Exchanges implements AutoCloseable
{
    public static final String ATTRIBUTE = Exchanges.class.getName();

    private final AccessLog accessLog;
    private final Metrics metrics;
    private final Tracing tracing;
    private final Clock clock = Clock.systemUTC();

    Exchanges(AccessLog accessLog, Metrics metrics, Tracing tracing)
    {
        this.accessLog = accessLog;
        this.metrics = metrics;
        this.tracing = tracing;
    }

    /**
     * @param header the first value of a request header, by name
     * @param headers every value of a request header, by name
     * @param peer the address of the connection's other end
     * @param rawPath the request path as sent, without the query
     * @param startNanos when the request started, by {@link System#nanoTime()}
     */
    public Exchange open(Settings settings, Function<String, String> header, Function<String, List<String>> headers, String peer, String method,
                         String rawPath, long startNanos)
    {
        String id = RequestIds.accept(header.apply(HeaderNames.REQUEST_ID));
        boolean trustedPeer = settings.trustedProxies().trusts(peer);
        // X-Forwarded-For is only read at all when the peer may speak for the client.
        String client = Cidr.canonical(trustedPeer ? settings.trustedProxies().clientAddress(peer, headers.apply(HeaderNames.X_FORWARDED_FOR)) : peer);
        Exchange exchange = new Exchange(id, clock.instant(), startNanos, settings, client, trustedPeer, method, rawPath);
        TraceContext trace = TraceContext.accept(header.apply(HeaderNames.TRACEPARENT), header.apply(HeaderNames.TRACESTATE), trustedPeer);
        exchange.trace(trace);
        tracing.begin(exchange, trustedPeer && trace.parentId() != null);
        metrics.started(exchange);
        return exchange;
    }

    /** The exchange is over with this status: metrics, the trace's end and the access-log line, once. */
    public void close(Exchange exchange, int status)
    {
        if (!exchange.markClosed())
        {
            return;
        }
        long end = System.nanoTime();
        metrics.completed(exchange, status, end);
        tracing.end(exchange, status, end);
        accessLog.write(exchange, status, end);
    }

    @Override
    public void close()
    {
        accessLog.close();
    }
}
