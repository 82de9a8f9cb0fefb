// The one per-request object every filter reads and enriches; the access log is written from it.
package dev.sluice.exchange;

import java.time.Instant;
import java.util.List;
import java.util.Set;

import dev.sluice.auth.Identity;

import dev.sluice.config.Settings;
import dev.sluice.route.RouteMatch;
import jakarta.servlet.ServletRequest;

/**
 * Created by {@link ExchangeFilter} for each request and stored as a request attribute under
 * {@link #ATTRIBUTE}. It holds the configuration snapshot the request started with, so a reload
 * in the middle of a request never changes what that request sees.
 *
 * <p>Fields written after the servlet went asynchronous (upstream timings, byte counts, outcome)
 * are volatile: they are written by one thread at a time, but not always the same one.</p>
 */
public final class Exchange
{
    public static final String ATTRIBUTE = Exchange.class.getName();

    private final String id;
    private final Instant startedAt;
    private final long startNanos;
    private final Settings settings;
    private final String clientAddress;
    private final boolean trustedPeer;
    private final String method;
    private final String path;
    private volatile RouteMatch routeMatch;
    private volatile long upstreamStartNanos;
    private volatile long upstreamHeadersNanos;
    private volatile long bytesIn;
    private volatile boolean tunnelled;
    private volatile long bytesOut;
    /** Of a compressed answer (the launcher's compression): body bytes before and after; -1 when not compressed. */
    private volatile long compressedFrom = -1;
    private volatile long compressedTo = -1;
    private volatile Outcome outcome = Outcome.OK;
    private volatile String target;
    /** The upstream a route's split chose, or null: then the route's own. */
    private volatile String upstream;
    private volatile int attempts;
    private volatile String cacheStatus;
    private volatile String grpcStatus;
    private volatile TraceContext trace;
    private volatile Set<String> forwardOnly;
    private volatile Identity identity;
    private volatile List<String> hiddenHeaders = List.of();
    private volatile Set<String> hiddenQueryParameters = Set.of();
    private final List<String[]> upstreamHeaders = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** Fields a filter adds to the client's answer from the upstream (a forward-auth service's refreshed cookie); rarely any. */
    private volatile List<String[]> clientHeaders = List.of();
    private volatile boolean connectionSecure;
    private volatile boolean secure;
    private volatile boolean requestBodyRead;
    private volatile String hiddenCookie;
    private volatile dev.sluice.route.RequestPath requestPath;
    private volatile String authMethod;
    private volatile String rateLimitResult;
    private volatile boolean rateLimitFields;
    private volatile boolean retryRefused;
    private volatile dev.sluice.observe.Spans spans;
    private volatile dev.sluice.ai.AiRecord ai;
    private volatile long bodyLimit = -1;
    /** 1 once closed; a field updater rather than an AtomicBoolean: one object less per request. */
    private volatile int closed;
    private static final java.util.concurrent.atomic.AtomicIntegerFieldUpdater<Exchange> CLOSED =
        java.util.concurrent.atomic.AtomicIntegerFieldUpdater.newUpdater(Exchange.class, "closed");

    /**
     * @param trustedPeer whether the TCP peer is one of {@code exchange.trusted-proxies}, decided
     * once here for everything that believes or replaces forwarding headers
     */
    public Exchange(String id, Instant startedAt, long startNanos, Settings settings, String clientAddress, boolean trustedPeer,
                    String method, String path)
    {
        this.id = id;
        this.startedAt = startedAt;
        this.startNanos = startNanos;
        this.settings = settings;
        this.clientAddress = clientAddress;
        this.trustedPeer = trustedPeer;
        this.method = method;
        this.path = path;
    }

    /**
     * The exchange of a request that went through {@link ExchangeFilter}, or null.
     */
    /** Whether the exchange has been logged and counted as ended. */
    public boolean closed()
    {
        return closed == 1;
    }

    /** True the first time only: an exchange is logged and counted once, whichever way its end is noticed. */
    boolean markClosed()
    {
        return CLOSED.compareAndSet(this, 0, 1);
    }

    public static Exchange of(ServletRequest request)
    {
        return (Exchange)request.getAttribute(ATTRIBUTE);
    }

    public String id()
    {
        return id;
    }

    /** The W3C trace this exchange belongs to; set by {@link ExchangeFilter} before anything else runs. */
    public TraceContext trace()
    {
        return trace;
    }

    public void trace(TraceContext trace)
    {
        this.trace = trace;
    }

    /** The trace id, or null for an exchange made outside the filter (tests, benchmarks). */
    public String traceId()
    {
        TraceContext current = trace;
        return current == null ? null : current.traceId();
    }

    public Instant startedAt()
    {
        return startedAt;
    }

    public long startNanos()
    {
        return startNanos;
    }

    public Settings settings()
    {
        return settings;
    }

    public String clientAddress()
    {
        return clientAddress;
    }

    public boolean trustedPeer()
    {
        return trustedPeer;
    }

    public String method()
    {
        return method;
    }

    /**
     * The request path as received, without the query string (which may carry credentials).
     */
    public String path()
    {
        return path;
    }

    /**
     * Whether the client's connection to this node is TLS, as the transport filter found from
     * the connection itself (never from the request line or a header).
     */
    public boolean connectionSecure()
    {
        return connectionSecure;
    }

    public void connectionSecure(boolean secure)
    {
        this.connectionSecure = secure;
    }

    /**
     * Whether the client reached Sluice over HTTPS: this connection is TLS, or a trusted front
     * proxy says its own was (as the transport filter found).
     */
    public boolean secure()
    {
        return secure;
    }

    public void secure(boolean secure)
    {
        this.secure = secure;
    }

    /** The parsed path routing matched, once routed. */
    public dev.sluice.route.RequestPath requestPath()
    {
        return requestPath;
    }

    public void requestPath(dev.sluice.route.RequestPath requestPath)
    {
        this.requestPath = requestPath;
    }

    public RouteMatch routeMatch()
    {
        return routeMatch;
    }

    public void routeMatch(RouteMatch routeMatch)
    {
        this.routeMatch = routeMatch;
    }

    /**
     * Who the request was authenticated as, or null (public route, or not yet authenticated).
     */
    public Identity identity()
    {
        return identity;
    }

    public void identity(Identity identity)
    {
        this.identity = identity;
    }

    /**
     * Credentials the upstream must not see: these headers and query parameters are removed
     * from the forwarded request (the rest of the query is sent byte for byte).
     */
    public void hideFromUpstream(List<String> headers, Set<String> queryParameters)
    {
        this.hiddenHeaders = hiddenHeaders.isEmpty() ? List.copyOf(headers) : java.util.stream.Stream.concat(hiddenHeaders.stream(), headers.stream()).toList();
        this.hiddenQueryParameters = Set.copyOf(queryParameters);
    }

    /** Client headers the upstream must not get, besides those already hidden. */
    public void hideFromUpstream(List<String> headers)
    {
        hideFromUpstream(headers, hiddenQueryParameters);
    }

    /**
     * A header the upstream request gets, set by a filter (offloaded client-certificate details).
     */
    public void addUpstreamHeader(String name, String value)
    {
        upstreamHeaders.add(new String[]{name, value});
    }

    public List<String[]> upstreamHeaders()
    {
        return upstreamHeaders;
    }

    /** A field the client's answer from the upstream gets besides the upstream's own, set by a filter. */
    public synchronized void addClientHeader(String name, String value)
    {
        List<String[]> more = new java.util.ArrayList<>(clientHeaders);
        more.add(new String[]{name, value});
        clientHeaders = List.copyOf(more);
    }

    public List<String[]> clientHeaders()
    {
        return clientHeaders;
    }

    public List<String> hiddenHeaders()
    {
        return hiddenHeaders;
    }

    public Set<String> hiddenQueryParameters()
    {
        return hiddenQueryParameters;
    }

    public void upstreamStarted(long nanos)
    {
        this.upstreamStartNanos = nanos;
    }

    public void upstreamResponded(long nanos)
    {
        if (upstreamHeadersNanos == 0)
        {
            this.upstreamHeadersNanos = nanos;
        }
    }

    /**
     * Time from sending the upstream request to receiving its response headers, or -1.
     */
    public long upstreamNanos()
    {
        return upstreamStartNanos == 0 || upstreamHeadersNanos == 0 ? -1 : upstreamHeadersNanos - upstreamStartNanos;
    }

    /** The upstream target ({@code host:port}) of the latest attempt, or null before one. */
    public String target()
    {
        return target;
    }

    /** The upstream the request went to: the one a route's split chose, else the route's; null before routing or without one. */
    public String upstream()
    {
        String chosen = upstream;
        return chosen != null ? chosen : routeMatch() == null ? null : routeMatch().route().upstream();
    }

    /** A route's split chose this upstream for the request. */
    public void upstream(String upstream)
    {
        this.upstream = upstream;
    }

    /** How many upstream attempts were made: 1 plus retries. */
    public int attempts()
    {
        return attempts;
    }

    public void attempted(String target)
    {
        this.target = target;
        attempts++;
    }

    /** HIT, MISS, EXPIRED, STALE, REVALIDATED or BYPASS on caching routes; null elsewhere. */
    public String cacheStatus()
    {
        return cacheStatus;
    }

    public void cacheStatus(String cacheStatus)
    {
        this.cacheStatus = cacheStatus;
    }

    /** A gRPC call's {@code grpc-status} (the upstream's, or Sluice's own refusal's); null for other requests. */
    public String grpcStatus()
    {
        return grpcStatus;
    }

    public void grpcStatus(String grpcStatus)
    {
        this.grpcStatus = grpcStatus;
    }

    /**
     * Set by the cache for requests whose response may be stored: the only client headers
     * (lower case) that may reach the upstream, so no unkeyed header can shape a shared
     * response. Null: no restriction.
     */
    public Set<String> forwardOnly()
    {
        return forwardOnly;
    }

    public void forwardOnly(Set<String> headers)
    {
        this.forwardOnly = headers;
    }

    /**
     * Which kind of credential decided authentication ({@code api-key}, {@code jwt},
     * {@code introspection}, {@code mtls}, {@code anonymous}, or {@code none} when nothing was
     * presented); null on public routes. For metrics.
     */
    public String authMethod()
    {
        return authMethod;
    }

    public void authMethod(String method)
    {
        this.authMethod = method;
    }

    /**
     * What the rate limiter decided: {@code allowed}, {@code refused}, or with the store down
     * {@code store_error_allowed} / {@code store_error_refused}; null on routes without limits.
     */
    public String rateLimitResult()
    {
        return rateLimitResult;
    }

    public void rateLimitResult(String result)
    {
        this.rateLimitResult = result;
    }

    /**
     * Whether an upstream's (or a stored answer's) field of this name gives way to Sluice's own:
     * the {@code RateLimit-*} fields once the rate limiter set them for this caller. An upstream
     * that counts for itself would otherwise overwrite them, and a client reads the route's
     * limit with the upstream's remaining count, or a stored caller's. Kong's rate limiting
     * overwrites them likewise.
     */
    public boolean ownsResponseField(String name)
    {
        return rateLimitFields && name.regionMatches(true, 0, "RateLimit-", 0, 10);
    }

    /** Records that the rate limiter set the {@code RateLimit-*} fields of the response. */
    public void rateLimitFieldsSet()
    {
        this.rateLimitFields = true;
    }

    /** The largest request body the route's guard takes, or -1: a body of unknown length is cut off past it. */
    public long bodyLimit()
    {
        return bodyLimit;
    }

    public void bodyLimit(long limit)
    {
        this.bodyLimit = limit;
    }

    /** What the AI front did, on AI routes; null elsewhere. */
    public dev.sluice.ai.AiRecord ai()
    {
        return ai;
    }

    public void ai(dev.sluice.ai.AiRecord record)
    {
        this.ai = record;
    }

    /** The stages recorded for span export, or null when this exchange is not recorded (the usual case). */
    public dev.sluice.observe.Spans spans()
    {
        return spans;
    }

    public void spans(dev.sluice.observe.Spans spans)
    {
        this.spans = spans;
    }

    /** Whether a retry was wanted but the upstream's retry budget was spent. */
    public boolean retryRefused()
    {
        return retryRefused;
    }

    public void retryRefused(boolean refused)
    {
        this.retryRefused = refused;
    }

    /** Whether the connection became a tunnel (a WebSocket): the tunnel closes the exchange when it ends, not the filter. */
    public boolean tunnelled()
    {
        return tunnelled;
    }

    public void tunnelled(boolean tunnelled)
    {
        this.tunnelled = tunnelled;
    }

    public void addBytesIn(long count)
    {
        bytesIn += count;
    }

    public void addBytesOut(long count)
    {
        bytesOut += count;
    }

    /** The cookie that carried the credential on a route that hides credentials, or null. */
    public String hiddenCookie()
    {
        return hiddenCookie;
    }

    public void hiddenCookie(String name)
    {
        this.hiddenCookie = name;
    }

    /** Whether the client's request body has been read to its end. */
    public boolean requestBodyRead()
    {
        return requestBodyRead;
    }

    public void requestBodyRead(boolean read)
    {
        this.requestBodyRead = read;
    }

    /** Part of the answer's body went through the compressor: {@code from} bytes became {@code to}. */
    public void compressed(long from, long to)
    {
        compressedFrom = Math.max(compressedFrom, 0) + from;
        compressedTo = Math.max(compressedTo, 0) + to;
    }

    /** Body bytes of a compressed answer before compression, -1 when the answer was not compressed. */
    public long compressedFrom()
    {
        return compressedFrom;
    }

    /** Body bytes of a compressed answer as sent, -1 when the answer was not compressed. */
    public long compressedTo()
    {
        return compressedTo;
    }

    public long bytesIn()
    {
        return bytesIn;
    }

    public long bytesOut()
    {
        return bytesOut;
    }

    public Outcome outcome()
    {
        return outcome;
    }

    /**
     * Records how the exchange ended, keeping the first failure recorded.
     */
    public void outcome(Outcome outcome)
    {
        if (this.outcome == Outcome.OK)
        {
            this.outcome = outcome;
        }
    }

    /**
     * How an exchange ended, as the access log reports it.
     */
    public enum Outcome
    {
        OK("ok"),
        NO_ROUTE("no_route"),
        BAD_REQUEST("bad_request"),
        UNAUTHORIZED("unauthorized"),
        FORBIDDEN("forbidden"),
        AUTH_UNAVAILABLE("auth_unavailable"),
        RATE_LIMITED("rate_limited"),
        RATE_LIMIT_UNAVAILABLE("rate_limit_unavailable"),
        NO_TARGET("no_target"),
        UPSTREAM_REFUSED("upstream_refused"),
        UPSTREAM_TIMEOUT("upstream_timeout"),
        UPSTREAM_FAILED("upstream_failed"),
        /** Every connection to the target stayed busy for the queue timeout; nothing was sent. */
        UPSTREAM_SATURATED("upstream_saturated"),
        CLIENT_ABORTED("client_aborted"),
        /** The client's request body broke off, was malformed or too slow: the client's fault, not the upstream's. */
        CLIENT_BODY_FAILED("client_body_failed"),
        /** The route's guard has it down for maintenance (503). */
        MAINTENANCE("maintenance"),
        /** The route's {@code fault.abort} answered the request on purpose; no upstream was asked. */
        FAULT_ABORT("fault_abort"),
        /** The route answers itself ({@code redirect} or {@code respond}); no upstream was asked. */
        ROUTE_ANSWER("route_answer"),
        /** The request had passed through this Sluice before ({@code CDN-Loop}): its upstream leads back here (508). */
        LOOP_DETECTED("loop_detected"),
        /** Sluice was stopping (container stop or undeploy) and ended the exchange. */
        STOPPING("stopping"),
        INTERNAL_ERROR("internal_error");

        /** Whether the exchange failed on the client's side, so no upstream target is to blame. */
        public boolean clientSide()
        {
            return this == CLIENT_ABORTED || this == CLIENT_BODY_FAILED;
        }

        private final String label;

        Outcome(String label)
        {
            this.label = label;
        }

        public String label()
        {
            return label;
        }
    }
}
