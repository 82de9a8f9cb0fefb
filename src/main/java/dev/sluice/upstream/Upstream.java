// A configured upstream: a pool of targets that a route's requests are sent to.
package dev.sluice.upstream;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * {@code upstream.<name>.url} (one target) or {@code upstream.<name>.targets} (a pool). The
 * scheme, host and port come only from here, never from the client's request, which is what
 * keeps Sluice from being an open proxy. Every target shares the scheme and base path; the base
 * path (possibly empty) is put in front of every path sent.
 *
 * @param pool balancing, health checking and retry budget; {@link PoolSettings#DEFAULT} for a plain upstream
 * @param hostHeader {@code upstream.<name>.host-header}: the {@code Host} every target is sent
 *        (requests and health checks), or null for each target's own authority
 * @param http2 {@code upstream.<name>.http-version = 2}: requests go to the targets over HTTP/2,
 *        cleartext with prior knowledge for http:// (h2c) and by ALPN for https://; what gRPC
 *        services need, whose answers end in trailers
 * @param sticky {@code upstream.<name>.sticky.*}: the cookie that keeps a client on one target, or null
 * @param keepaliveTimeout {@code upstream.<name>.keepalive-timeout}: how long a connection to a
 *        target may stay idle and still be reused, or null for the pool's default
 *        ({@link #DEFAULT_KEEPALIVE_TIMEOUT})
 * @param requestBuffering {@code upstream.<name>.request-buffering}: the largest request body of
 *        unknown length (chunked, or HTTP/2 without {@code Content-Length}) read whole and sent
 *        with a {@code Content-Length}, for upstreams that take no chunked request body; 0 streams
 *        such bodies chunked
 */
public record Upstream(String name, String scheme, String basePath, List<Target> targets, UpstreamTls tls, PoolSettings pool, String hostHeader,
                       boolean http2, Sticky sticky, Duration keepaliveTimeout, long requestBuffering)
{
    /** How long an idle upstream connection is kept when the upstream's configuration does not say. */
    public static final Duration DEFAULT_KEEPALIVE_TIMEOUT = Duration.ofSeconds(30);

    public Upstream
    {
        targets = List.copyOf(targets);
    }

    public Upstream(String name, String scheme, String basePath, List<Target> targets, UpstreamTls tls, PoolSettings pool)
    {
        this(name, scheme, basePath, targets, tls, pool, null, false, null, null, 0);
    }

    public Upstream withTls(UpstreamTls tls)
    {
        return new Upstream(name, scheme, basePath, targets, tls, pool, hostHeader, http2, sticky, keepaliveTimeout, requestBuffering);
    }

    public Upstream withPool(PoolSettings pool)
    {
        return new Upstream(name, scheme, basePath, targets, tls, pool, hostHeader, http2, sticky, keepaliveTimeout, requestBuffering);
    }

    public Upstream withHostHeader(String hostHeader)
    {
        return new Upstream(name, scheme, basePath, targets, tls, pool, hostHeader, http2, sticky, keepaliveTimeout, requestBuffering);
    }

    public Upstream withHttp2(boolean http2)
    {
        return new Upstream(name, scheme, basePath, targets, tls, pool, hostHeader, http2, sticky, keepaliveTimeout, requestBuffering);
    }

    public Upstream withSticky(Sticky sticky)
    {
        return new Upstream(name, scheme, basePath, targets, tls, pool, hostHeader, http2, sticky, keepaliveTimeout, requestBuffering);
    }

    public Upstream withKeepaliveTimeout(Duration keepaliveTimeout)
    {
        return new Upstream(name, scheme, basePath, targets, tls, pool, hostHeader, http2, sticky, keepaliveTimeout, requestBuffering);
    }

    public Upstream withRequestBuffering(long requestBuffering)
    {
        return new Upstream(name, scheme, basePath, targets, tls, pool, hostHeader, http2, sticky, keepaliveTimeout, requestBuffering);
    }

    /** The parts of one target URL. */
    public record Address(String scheme, String host, int port, String basePath)
    {
    }

    /**
     * Parses one target URL; the exception message says what is allowed.
     */
    public static Address address(String url)
    {
        URI uri;
        try
        {
            uri = new URI(url);
        }
        catch (Exception x)
        {
            throw new IllegalArgumentException(allowed());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https"))
        {
            throw new IllegalArgumentException(allowed());
        }
        if (uri.getHost() == null || uri.getRawUserInfo() != null || uri.getRawQuery() != null || uri.getRawFragment() != null
            || !dev.sluice.config.ConfigReader.portInRange(uri))
        {
            throw new IllegalArgumentException(allowed());
        }
        int port = uri.getPort() > 0 ? uri.getPort() : scheme.equals("https") ? 443 : 80;
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        if (path.endsWith("/"))
        {
            path = path.substring(0, path.length() - 1);
        }
        if (path.contains("/../") || path.endsWith("/..") || path.contains("/./"))
        {
            throw new IllegalArgumentException(allowed());
        }
        String host = uri.getHost().toLowerCase(Locale.ROOT);
        if (host.startsWith("[") && host.endsWith("]"))
        {
            host = host.substring(1, host.length() - 1);
        }
        return new Address(scheme, host, port, path);
    }

    /** A one-target upstream from a URL, with default pool settings. */
    public static Upstream parse(String name, String url)
    {
        Address address = address(url);
        return new Upstream(name, address.scheme(), address.basePath(),
            List.of(new Target(address.host(), address.port(), 1, null)), UpstreamTls.DEFAULT, PoolSettings.DEFAULT);
    }

    static String allowed()
    {
        return "an http:// or https:// URL with a host, an optional port and base path, and no user, query or fragment";
    }

    /**
     * The full URI on one target for a path from routing and the client's raw query (or null).
     */
    public String url(Target target, String upstreamPath, String rawQuery)
    {
        StringBuilder url = new StringBuilder(64)
            .append(scheme).append("://").append(target.authority()).append(basePath);
        if (upstreamPath.isEmpty())
        {
            if (basePath.isEmpty())
            {
                url.append('/');
            }
        }
        else
        {
            url.append(upstreamPath);
        }
        if (rawQuery != null)
        {
            url.append('?').append(rawQuery);
        }
        return url.toString();
    }
}
