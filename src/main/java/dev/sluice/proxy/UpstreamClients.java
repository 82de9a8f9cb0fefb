// The HTTP clients Sluice forwards with: one per connect timeout and TLS setting, sharing threads and buffers.
package dev.sluice.proxy;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

import dev.sluice.config.ProxySettings;
import dev.sluice.http.EarlyAnswerConnector;
import dev.sluice.upstream.Upstream;
import dev.sluice.upstream.UpstreamTls;
import org.eclipse.jetty.client.ContinueProtocolHandler;
import org.eclipse.jetty.client.EarlyHintsProtocolHandler;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.HttpClientTransport;
import org.eclipse.jetty.client.ProcessingProtocolHandler;
import org.eclipse.jetty.client.transport.HttpClientConnectionFactory;
import org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP;
import org.eclipse.jetty.client.transport.HttpExchange;
import org.eclipse.jetty.client.transport.SendFailure;
import org.eclipse.jetty.client.transport.internal.HttpConnectionOverHTTP;
import org.eclipse.jetty.http.HttpCookieStore;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.client.transport.HttpClientTransportOverHTTP2;
import org.eclipse.jetty.io.ArrayByteBufferPool;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.ClientConnectionFactory;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Jetty's {@link HttpClient} has a connect timeout per client, not per request, while Sluice lets
 * each route set its own. Routes rarely use more than a few distinct values, so there is one
 * client per value, all on one thread pool, scheduler and buffer pool. The thread pool is the
 * container's where it offers one (Jetty), else Sluice's own ({@code proxy.threads}).
 */
final class UpstreamClients implements AutoCloseable
{
    /**
     * Request attribute set on an upstream request sent on a pooled connection that carried one
     * before, which the upstream may have closed as the request went out.
     */
    static final String REUSED_CONNECTION = UpstreamClients.class.getName() + ".reusedConnection";
    /** The connection a request went out on, for {@link #keepAlive}. */
    private static final String CONNECTION = UpstreamClients.class.getName() + ".connection";

    /** Bytes read from an upstream at a time: the largest size {@link ArrayByteBufferPool} keeps by default. */
    static final int RESPONSE_BUFFER_BYTES = 64 * 1024;
    /**
     * Room for what Sluice adds to a request head on its way upstream: forwarding fields (with a
     * trusted proxy's chain), identity and claim headers, a client certificate's PEM, traceparent.
     */
    static final int ADDED_HEAD_BYTES = 16 * 1024;
    /** The least the heads sent upstream may take, whatever a container lets in: Jetty's client stops at 8 KiB. */
    static final int MIN_REQUEST_HEAD_BYTES = 64 * 1024;

    private final ProxySettings settings;
    private final int maxRequestHeadBytes;
    private final Executor executor;
    private final QueuedThreadPool ownExecutor;
    private final Scheduler scheduler;
    private final ByteBufferPool bufferPool;
    private final Map<Key, HttpClient> clients = new ConcurrentHashMap<>();
    /** The clients of upstreams without TLS settings of their own, by connect timeout: the same objects as in {@code clients}. */
    private final Map<Duration, HttpClient> plainClients = new ConcurrentHashMap<>();

    /**
     * What tells clients apart: Jetty sets these per client, not per request. The keep-alive
     * timeout is the client's idle timeout, and the idle time past which its HTTP/1.1 connections
     * are not reused.
     */
    private record Key(Duration connectTimeout, UpstreamTls tls, boolean http2, Duration keepalive)
    {
    }

    /**
     * @param containerExecutor the container's thread pool to run on, or null for a pool of
     *        {@code proxy.max-threads} threads of Sluice's own (stopped with the clients)
     */
    UpstreamClients(ProxySettings settings, Executor containerExecutor) throws Exception
    {
        this(settings, containerExecutor, dev.sluice.tls.ServerTls.DEFAULT_MAX_REQUEST_HEADER_BYTES);
    }

    /**
     * @param maxClientHeadBytes the largest request head clients may send
     *        ({@code server.max-request-header-size}): what goes upstream is that and what Sluice adds
     */
    UpstreamClients(ProxySettings settings, Executor containerExecutor, int maxClientHeadBytes)
        throws Exception
    {
        this.settings = settings;
        this.maxRequestHeadBytes = Math.max(MIN_REQUEST_HEAD_BYTES, maxClientHeadBytes + ADDED_HEAD_BYTES);
        if (containerExecutor != null)
        {
            // Measured side by side in Jetty (bench/run.sh's plain route): one pool for both sides
            // ran ~7% more requests per second at ~9% less CPU per request than two pools.
            this.executor = containerExecutor;
            this.ownExecutor = null;
        }
        else
        {
            this.ownExecutor = new QueuedThreadPool(settings.maxThreads());
            this.ownExecutor.setName("sluice-upstream");
            this.ownExecutor.setDaemon(true);
            this.executor = ownExecutor;
        }
        this.scheduler = dev.sluice.http.OwnThreads.jettyScheduler("sluice-upstream-scheduler");
        this.bufferPool = new ArrayByteBufferPool();
        // Started here so that the clients treat them as shared, not owned, beans.
        if (ownExecutor != null)
        {
            ownExecutor.start();
        }
        this.scheduler.start();
    }

    /** The threads the clients run on; the AI front's clients share them. */
    Executor executor()
    {
        return executor;
    }

    /** The timer the clients share; Sluice schedules its own per-request deadlines on it too. */
    Scheduler scheduler()
    {
        return scheduler;
    }

    HttpClient forConnectTimeout(Duration connectTimeout)
    {
        return forUpstream(connectTimeout, UpstreamTls.DEFAULT, false, null);
    }

    HttpClient forUpstream(Duration connectTimeout, Upstream upstream)
    {
        return forUpstream(connectTimeout, upstream.tls(), upstream.http2(), upstream.keepaliveTimeout());
    }

    /** @param keepalive the upstream's keep-alive timeout, or null for the default */
    private HttpClient forUpstream(Duration connectTimeout, UpstreamTls tls, boolean http2, Duration keepalive)
    {
        Duration idle = keepalive == null ? Upstream.DEFAULT_KEEPALIVE_TIMEOUT : keepalive;
        if (tls == UpstreamTls.DEFAULT && !http2 && keepalive == null)
        {
            // Nearly every request: looked up by its timeout alone, without building a Key and
            // hashing the TLS record (2-3% of the plain route's samples; UpstreamClientsBenchmark).
            HttpClient client = plainClients.get(connectTimeout);
            if (client == null)
            {
                client = clients.computeIfAbsent(new Key(connectTimeout, tls, false, idle), this::newClient);
                plainClients.putIfAbsent(connectTimeout, client);
            }
            return client;
        }
        return clients.computeIfAbsent(new Key(connectTimeout, tls, http2, idle), this::newClient);
    }

    private HttpClient newClient(Key key)
    {
        Duration connectTimeout = key.connectTimeout();
        // HTTP/1.1 connections read an upstream's early answer after it stopped taking the body
        // (EarlyAnswerConnector); HTTP/2 streams get theirs through the stream's own reset.
        ClientConnector connector = key.http2() ? new ClientConnector() : new EarlyAnswerConnector();
        connector.setSslContextFactory(sslContextFactory(key.tls()));
        HttpClient client = new HttpClient(key.http2() ? http2Transport(connector) : http11Transport(connector, key.keepalive()));
        client.setExecutor(executor);
        client.setScheduler(scheduler);
        client.setByteBufferPool(bufferPool);
        // Heap buffers for what upstreams send: Jetty's proxy servlet hands the servlet a byte
        // array, and from a direct buffer it copies each piece into a new one (100 KiB of garbage
        // per 100 KiB answer, which made G1 grow the heap); from a heap buffer it passes the array.
        client.setUseInputDirectByteBuffers(false);
        // And for what goes to them: Jetty writes a request head byte by byte, with bounds checks
        // that cost more on a direct buffer than the JDK's one copy of a heap buffer on the way
        // out; Sluice's heads carry ~300 bytes of forwarding fields. Side by side 1.045x requests/s
        // on ~200 B in one paired run, and no worse in the others (docs/PERFORMANCE.md).
        client.setUseOutputDirectByteBuffers(false);
        // Upstream answers read up to 64 KiB at a time instead of Jetty's 16: fewer reads, and fewer
        // and larger writes to the client, per large answer; on 100 KiB 1.11-1.12x requests/s at
        // 0.85x CPU per request side by side, ~200 B unchanged (docs/PERFORMANCE.md).
        client.setResponseBufferSize(RESPONSE_BUFFER_BYTES);
        client.setConnectTimeout(connectTimeout.toMillis());
        // A name's new connections spread over its addresses, not all on the first (AddressRotation).
        client.setSocketAddressResolver(new AddressRotation(new org.eclipse.jetty.util.SocketAddressResolver.Async(executor, scheduler,
            client.getAddressResolutionTimeout())));
        // A body the client sent without a Content-Type goes on without one, not as
        // application/octet-stream: Sluice does not change the API's requests.
        client.setDefaultRequestContentType(null);
        client.setMaxConnectionsPerDestination(settings.maxConnectionsPerUpstream());
        // Past this many waiting, a request fails at once (503) instead of joining the queue.
        client.setMaxRequestsQueuedPerDestination(settings.maxQueuedPerUpstream());
        // An upstream's response head is held whole in memory and copied to the client: bounded.
        client.setMaxResponseHeadersSize(settings.maxResponseHeaderBytes());
        // A request head the container took must reach the upstream with Sluice's fields added:
        // at Jetty's 8 KiB a 7.8 KiB head failed as a 502 and counted against the target.
        client.setMaxRequestHeadersSize(maxRequestHeadBytes);
        // Pooled connections unused this long are closed. Each exchange sets its connection's idle
        // timeout to its route's (proxy.idle-timeout unless the route says otherwise), and the release
        // sets it back to this; lowering it re-arms the connection's timer on the shared scheduler
        // (a cancel and a schedule, 0.6 µs and two takes of the scheduler's lock per exchange,
        // IdleTimeoutBenchmark). So for HTTP/1.1 this is the longer of the keep-alive limit and
        // proxy.idle-timeout: a connection idle past the keep-alive limit is still never reused
        // (MarkingConnection), only closed a little later. HTTP/2 connections keep the keep-alive limit.
        client.setIdleTimeout(key.http2() ? key.keepalive().toMillis()
            : Math.max(key.keepalive().toMillis(), settings.timeouts().idle().toMillis()));
        // Redirects are the client's business; cookies must never be shared between clients.
        client.setFollowRedirects(false);
        client.setHttpCookieStore(new HttpCookieStore.Empty());
        // Do not invent a User-Agent for clients that sent none.
        client.setUserAgentField(null);
        try
        {
            client.start();
        }
        catch (Exception x)
        {
            throw new IllegalStateException("Cannot start the upstream HTTP client", x);
        }
        // Bodies pass through as they are: no decoding, no protocol handling but WebSocket
        // upgrades, and reading past 100 Continue (Sluice never sends Expect, but an upstream may
        // send one unasked), 102 Processing and 103 Early Hints to the final answer (without a
        // handler, Jetty's client waits after them until the request times out).
        client.getContentDecoderFactories().clear();
        client.getProtocolHandlers().clear();
        client.getProtocolHandlers().put(new ContinueProtocolHandler());
        client.getProtocolHandlers().put(new ProcessingProtocolHandler());
        client.getProtocolHandlers().put(new EarlyHintsProtocolHandler());
        // A 101 only for a WebSocket upgrade Sluice asked for (routes with websocket = on).
        client.getProtocolHandlers().put(new WebSocketTunnel.UpgradeHandler());
        return client;
    }

    private static HttpClientTransport http11Transport(ClientConnector connector, Duration keepalive)
    {
        HttpClientTransportOverHTTP transport = new MarkingTransport(connector, keepalive.toNanos());
        // Jetty's parser reuses header fields it has seen, matched without regard to case by
        // default: a proxy must pass "MaX-aGe=1" on as the upstream wrote it, not as an earlier
        // response did.
        transport.setHeaderCacheCaseSensitive(true);
        return transport;
    }

    /**
     * HTTP/2 only: cleartext with prior knowledge to http:// targets (h2c, as gRPC servers take
     * it), ALPN offering only {@code h2} to https:// ones, so a target that does not speak HTTP/2
     * fails to connect (a 502) rather than being sent HTTP/1.1. The HTTP/2 client takes the
     * {@link HttpClient}'s executor, scheduler, buffers (heap ones, as set below), timeouts and
     * head sizes when it starts.
     */
    private static HttpClientTransport http2Transport(ClientConnector connector)
    {
        return new HttpClientTransportOverHTTP2(new HTTP2Client(connector));
    }

    /**
     * Jetty's client default verifies certificates against the JVM trust store, host name
     * included; a CA file replaces the trust store, a key store adds a client certificate, and
     * only the explicitly insecure setting turns verification off.
     */
    private static SslContextFactory.Client sslContextFactory(UpstreamTls tls)
    {
        SslContextFactory.Client ssl = new SslContextFactory.Client();
        try
        {
            if (tls.caFile() != null)
            {
                ssl.setTrustStore(UpstreamTls.trustStore(tls.caFile()));
            }
            if (tls.clientKeystore() != null)
            {
                ssl.setKeyStore(UpstreamTls.clientKeyStore(tls.clientKeystore(), tls.clientKeystorePassword()));
                ssl.setKeyStorePassword(tls.clientKeystorePassword());
            }
        }
        catch (Exception x)
        {
            // Validated when the configuration was read; the file changed since.
            throw new IllegalStateException("Cannot load the upstream TLS files " + tls, x);
        }
        if (tls.serverName() != null)
        {
            // The upstream's host-header: the JDK then checks the certificate against this name.
            java.util.List<javax.net.ssl.SNIServerName> names = java.util.List.of(new javax.net.ssl.SNIHostName(tls.serverName()));
            ssl.setSNIProvider((engine, given) -> names);
        }
        if (tls.insecure())
        {
            ssl.setTrustAll(true);
            ssl.setEndpointIdentificationAlgorithm(null);
        }
        return ssl;
    }

    @Override
    public void close()
    {
        for (HttpClient client : clients.values())
        {
            stopQuietly(client);
        }
        clients.clear();
        plainClients.clear();
        stopQuietly(scheduler);
        if (ownExecutor != null)
        {
            stopQuietly(ownExecutor);
        }
    }

    private static void stopQuietly(org.eclipse.jetty.util.component.LifeCycle lifeCycle)
    {
        try
        {
            lifeCycle.stop();
        }
        catch (Exception ignored)
        {
            // Shutting down: nothing useful to do with a failure here.
        }
    }

    /** Jetty's HTTP/1.1 transport, with connections that mark the requests they carry after their first. */
    private static final class MarkingTransport extends HttpClientTransportOverHTTP
    {
        /** Only for {@link ClientConnectionFactory#customize}, as Jetty's own factory applies it. */
        private final ClientConnectionFactory customizer = new HttpClientConnectionFactory();
        private final long keepaliveNanos;

        MarkingTransport(ClientConnector connector, long keepaliveNanos)
        {
            super(connector);
            this.keepaliveNanos = keepaliveNanos;
        }

        @Override
        public org.eclipse.jetty.io.Connection newConnection(EndPoint endPoint, Map<String, Object> context)
        {
            HttpConnectionOverHTTP connection = new MarkingConnection(endPoint, context, keepaliveNanos);
            connection.setInitialize(isInitializeConnections());
            return customizer.customize(connection, context);
        }
    }

    /**
     * Notes what an upstream's answer says of how long it keeps an idle connection open
     * ({@code Keep-Alive: timeout=N}, which Node.js, uvicorn and Apache send), on the connection
     * the answer came on: read from each connection's first answer only, as servers say the same
     * every time.
     */
    static void keepAlive(org.eclipse.jetty.client.Response response)
    {
        if (response.getRequest().getAttributes().get(CONNECTION) instanceof MarkingConnection connection)
        {
            String value = response.getHeaders().get(org.eclipse.jetty.http.HttpHeader.KEEP_ALIVE);
            if (value != null)
            {
                connection.keepAliveSeconds(timeoutSeconds(value));
            }
        }
    }

    /**
     * The {@code timeout} parameter of a {@code Keep-Alive} field in seconds, or -1 when there is
     * none (or it is not a number of at most 9 digits). A loop over the characters: Node.js
     * upstreams send the field on every answer.
     */
    static long timeoutSeconds(String keepAlive)
    {
        int start = 0;
        while (start < keepAlive.length())
        {
            int comma = keepAlive.indexOf(',', start);
            int end = comma < 0 ? keepAlive.length() : comma;
            int equals = keepAlive.indexOf('=', start);
            if (equals > start && equals < end && keepAlive.substring(start, equals).strip().equalsIgnoreCase("timeout"))
            {
                int from = equals + 1;
                int to = end;
                while (from < to && keepAlive.charAt(from) == ' ')
                {
                    from++;
                }
                while (to > from && keepAlive.charAt(to - 1) == ' ')
                {
                    to--;
                }
                if (to == from || to - from > 9)
                {
                    return -1;
                }
                long seconds = 0;
                for (int i = from; i < to; i++)
                {
                    char c = keepAlive.charAt(i);
                    if (c < '0' || c > '9')
                    {
                        return -1;
                    }
                    seconds = seconds * 10 + (c - '0');
                }
                return seconds;
            }
            start = end + 1;
        }
        return -1;
    }

    /**
     * Sets {@link #REUSED_CONNECTION} on every request after its first (HTTP/1.1: one at a time),
     * and is not reused once idle for longer than the upstream said it keeps connections open.
     * An upstream that closes an idle connection after its own keep-alive timeout (Node.js: 5 s,
     * gunicorn: 2 s, both shorter than Sluice's 30 s pool) can do so just as Sluice sends the next
     * request on it: a request that then may not be sent again (a POST) failed with a 502, the way
     * load balancers with a longer idle timeout than their back-ends' do. When the upstream says
     * {@code Keep-Alive: timeout=N}, a connection idle for longer than N less a margin (a second, or
     * half of N when N is short) is closed instead of reused, and the request takes another; so is
     * one idle for longer than the upstream's {@code keepalive-timeout}, for upstreams that close
     * early without saying so (uvicorn, gunicorn).
     */
    private static final class MarkingConnection extends HttpConnectionOverHTTP
    {
        private volatile boolean used;
        /** How long this connection may stay idle and still be reused. */
        private volatile long idleLimitNanos;
        private volatile long releasedAt;

        MarkingConnection(EndPoint endPoint, Map<String, Object> context, long keepaliveNanos)
        {
            super(endPoint, context);
            this.idleLimitNanos = keepaliveNanos;
        }

        void keepAliveSeconds(long seconds)
        {
            if (seconds >= 0)
            {
                long millis = seconds * 1000;
                long said = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(Math.max(1, Math.max(millis - 1000, millis / 2)));
                idleLimitNanos = Math.min(idleLimitNanos, said);
            }
        }

        @Override
        public void release()
        {
            releasedAt = System.nanoTime();
            super.release();
        }

        @Override
        public SendFailure send(HttpExchange exchange)
        {
            if (used && (System.nanoTime() - releasedAt > idleLimitNanos || EarlyAnswerConnector.outputBroken(getEndPoint())))
            {
                // (Or the upstream stopped taking what was sent on it: the connection is done.)
                // Past what the upstream keeps, or what its configuration lets Sluice keep: closed (and
                // so out of the pool), and the request goes on another connection, as Jetty does with
                // one found closed at this point.
                close();
                return new SendFailure(new java.nio.channels.ClosedChannelException(), true);
            }
            if (used)
            {
                exchange.getRequest().attribute(REUSED_CONNECTION, Boolean.TRUE);
            }
            else
            {
                exchange.getRequest().attribute(CONNECTION, this);
            }
            used = true;
            return super.send(exchange);
        }
    }
}
