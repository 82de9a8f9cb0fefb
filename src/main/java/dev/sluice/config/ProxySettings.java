// Settings of the forwarding client and the headers Sluice adds to proxied requests.
package dev.sluice.config;

import dev.sluice.route.Timeouts;

/**
 * @param via the name Sluice gives itself in {@code Via}, or null for no {@code Via}
 * @param maxThreads threads of the upstream HTTP client (read at start only)
 * @param maxConnectionsPerUpstream connection pool size per upstream host:port (read at start only)
 * @param timeouts defaults for routes that set none
 * @param retryMaxBody request bodies up to this size are kept so a retry can send them again
 * @param allowUnderscoreHeaders whether request headers with {@code _} in their names may go upstream
 * @param queueTimeout how long a request may wait for a connection to its target before 503
 * @param maxQueuedPerUpstream how many requests may wait for connections per target (read at start only)
 * @param requestBodyIdleTimeout the longest silence within a request body; zero = none
 * @param requestBodyMinRate the average bytes per second a request body must keep up; zero = none
 * @param maxResponseHeaderBytes the most bytes an upstream's response head may take (read at start only)
 * @param maxResponseHeaders the most header fields an upstream response may carry
 * @param drainTimeout how long requests in flight may finish when Sluice stops
 * @param containerThreads whether the upstream client runs on the container's thread pool when
 *        the container offers one (Jetty does), rather than on {@code maxThreads} threads of its own
 *        (read at start only)
 * @param hiddenResponseHeaders upstream response fields (lower-case names) clients never get,
 *        such as {@code Server} and {@code X-Powered-By}, which name the upstream's software
 * @param maxWebSockets how many WebSocket tunnels may be open at once; past it an upgrade is 503
 */
public record ProxySettings(String via, int maxThreads, int maxConnectionsPerUpstream, Timeouts timeouts, long retryMaxBody,
                            boolean allowUnderscoreHeaders, java.time.Duration queueTimeout, int maxQueuedPerUpstream,
                            java.time.Duration requestBodyIdleTimeout, long requestBodyMinRate, int maxResponseHeaderBytes,
                            int maxResponseHeaders, java.time.Duration drainTimeout, boolean containerThreads,
                            java.util.Set<String> hiddenResponseHeaders, int maxWebSockets)
{
    /** {@code proxy.websocket.max-connections} unless set. */
    public static final int DEFAULT_MAX_WEBSOCKETS = 10_000;

    /** {@code proxy.max-response-header-size} unless set. */
    public static final int DEFAULT_MAX_RESPONSE_HEADER_BYTES = 64 * 1024;

    /** What {@code proxy.hide-response-headers} hides when it is not set: the fields that name the upstream's software and version. */
    public static final java.util.Set<String> DEFAULT_HIDDEN_RESPONSE_HEADERS = java.util.Set.of("server", "x-powered-by", "x-aspnet-version",
        "x-aspnetmvc-version");

    public ProxySettings
    {
        hiddenResponseHeaders = java.util.Set.copyOf(hiddenResponseHeaders);
    }

    /** With the default hidden response fields. */
    public ProxySettings(String via, int maxThreads, int maxConnectionsPerUpstream, Timeouts timeouts, long retryMaxBody,
                         boolean allowUnderscoreHeaders, java.time.Duration queueTimeout, int maxQueuedPerUpstream,
                         java.time.Duration requestBodyIdleTimeout, long requestBodyMinRate, int maxResponseHeaderBytes,
                         int maxResponseHeaders, java.time.Duration drainTimeout, boolean containerThreads)
    {
        this(via, maxThreads, maxConnectionsPerUpstream, timeouts, retryMaxBody, allowUnderscoreHeaders, queueTimeout, maxQueuedPerUpstream,
            requestBodyIdleTimeout, requestBodyMinRate, maxResponseHeaderBytes, maxResponseHeaders, drainTimeout, containerThreads,
            DEFAULT_HIDDEN_RESPONSE_HEADERS, DEFAULT_MAX_WEBSOCKETS);
    }
}
