// A configured upstream: where a route's requests are sent.
package dev.sluice.upstream;

import java.net.URI;
import java.util.Locale;

/**
 * {@code upstream.<name>.url = http://host:port/base}. The scheme, host and port come only from
 * here, never from the client's request, which is what keeps Sluice from being an open proxy.
 * The base path (possibly empty) is put in front of every path sent to it.
 */
public record Upstream(String name, String scheme, String host, int port, String basePath, UpstreamTls tls)
{
    /** With TLS settings (https:// upstreams only). */
    public Upstream withTls(UpstreamTls tls)
    {
        return new Upstream(name, scheme, host, port, basePath, tls);
    }

    /**
     * Parses the URL; the exception message says what is allowed.
     */
    public static Upstream parse(String name, String url)
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
        if (uri.getHost() == null || uri.getRawUserInfo() != null || uri.getRawQuery() != null || uri.getRawFragment() != null)
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
        return new Upstream(name, scheme, uri.getHost().toLowerCase(Locale.ROOT), port, path, UpstreamTls.DEFAULT);
    }

    private static String allowed()
    {
        return "an http:// or https:// URL with a host, an optional port and base path, and no user, query or fragment";
    }

    /**
     * The full upstream URI for a path from routing and the client's raw query (or null).
     */
    public String target(String upstreamPath, String rawQuery)
    {
        StringBuilder target = new StringBuilder(64)
            .append(scheme).append("://");
        if (host.indexOf(':') >= 0 && !host.startsWith("["))
        {
            target.append('[').append(host).append(']');
        }
        else
        {
            target.append(host);
        }
        target.append(':').append(port).append(basePath);
        if (upstreamPath.isEmpty())
        {
            if (basePath.isEmpty())
            {
                target.append('/');
            }
        }
        else
        {
            target.append(upstreamPath);
        }
        if (rawQuery != null)
        {
            target.append('?').append(rawQuery);
        }
        return target.toString();
    }
}
