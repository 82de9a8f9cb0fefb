// Points an upstream's Location, Content-Location, Link, Refresh and cookies back through Sluice: nginx's "proxy_redirect default".
package dev.sluice.proxy;

/**
 * An upstream builds its redirects from the request it got: its own address (Sluice sends the
 * target's host unless the route preserves the client's or the upstream names one), the scheme
 * Sluice reached it by, and its own paths (after {@code strip-prefix} or {@code rewrite}). Passed
 * on as they are, they send clients to an internal address, from https to http, or to a path no
 * route of Sluice's serves.
 *
 * <p>An absolute reference on the target's own origin (or on the {@code Host} it was sent, with
 * the scheme it was reached by) whose path is under the upstream side of
 * this request's mapping is given the client's side instead, as a path-absolute reference (RFC 9110
 * §10.2.2 allows relative ones; nginx's {@code proxy_redirect default} gives the same). A
 * path-absolute reference ({@code /login}) from the upstream is left alone: it leaks nothing, and
 * an upstream that knows its public prefix already wrote it in, which a rewrite would double.
 * The mapping comes from the request itself: the client's path and the upstream's share a tail
 * of whole segments (what the route passed on unchanged), and what precedes it on each side is
 * the prefix that changed: {@code /api/orders/7} sent as
 * {@code /orders/7} maps {@code /} to {@code /api/}, so {@code http://10.0.0.5:8080/orders/8}
 * comes back as {@code /api/orders/8}; {@code /api/7/items} sent as {@code /v2/7/items} maps
 * {@code /v2/} to {@code /api/}. Anything else (another origin, a path outside the upstream
 * prefix, a reference that is not a URL) is left as it is.</p>
 */
record LocationRewrite(String scheme, String host, int port, String upstreamPath, String clientPath, String namedHost, int namedPort, String clientHost)
{
    LocationRewrite(String scheme, String host, int port, String upstreamPath, String clientPath, String namedHost, int namedPort)
    {
        this(scheme, host, port, upstreamPath, clientPath, namedHost, namedPort, null);
    }

    /** The rewrite for one forwarded request's answer, or null on a route with {@code rewrite-location = false}. */
    static LocationRewrite of(dev.sluice.route.Route route, jakarta.servlet.http.HttpServletRequest clientRequest,
                              org.eclipse.jetty.client.Request upstreamRequest)
    {
        if (!route.rewriteLocation())
        {
            return null;
        }
        // The Host the upstream was sent (its host-header, or on preserve-host routes the client's)
        // is the name it was told it has, and so the origin it writes into its URLs, with the
        // scheme it was reached by; the target's address stays one too. On a preserve-host route
        // behind TLS that is the classic downgrade, http://shop.example.com/login for a client on
        // https: it comes back as a path, which keeps the client on its own scheme.
        String named = upstreamRequest.getHeaders().get(org.eclipse.jetty.http.HttpHeader.HOST);
        String namedHost = null;
        int namedPort = -1;
        if (named != null)
        {
            namedHost = hostOf(named);
            namedPort = portOf(named, upstreamRequest.getScheme());
        }
        return new LocationRewrite(upstreamRequest.getScheme(), upstreamRequest.getHost(), upstreamRequest.getPort(), upstreamRequest.getPath(),
            clientRequest.getRequestURI(), namedHost, namedPort, clientRequest.getServerName());
    }

    /** The host of an authority ({@code host[:port]}, an IPv6 address in brackets). */
    private static String hostOf(String authority)
    {
        int colon = portColon(authority);
        return colon < 0 ? authority : authority.substring(0, colon);
    }

    /** The port of an authority: the one written, the scheme's when none is, -1 when what is written is no port. */
    private static int portOf(String authority, String scheme)
    {
        int colon = portColon(authority);
        if (colon < 0)
        {
            return "https".equalsIgnoreCase(scheme) ? 443 : 80;
        }
        String digits = authority.substring(colon + 1);
        if (digits.isEmpty() || digits.length() > 5 || !digits.chars().allMatch(c -> c >= '0' && c <= '9'))
        {
            return -1;
        }
        return Integer.parseInt(digits);
    }

    private static int portColon(String authority)
    {
        int colon = authority.lastIndexOf(':');
        return colon > authority.lastIndexOf(']') ? colon : -1;
    }

    /** Whether a field of this name is one this class rewrites. */
    static boolean rewrites(String name)
    {
        return name.equalsIgnoreCase("Location") || name.equalsIgnoreCase("Content-Location") || name.equalsIgnoreCase("Link")
            || name.equalsIgnoreCase("Refresh") || name.equalsIgnoreCase("Set-Cookie");
    }

    /**
     * The value the client gets for a field: Location and Content-Location rewritten whole, each
     * link target of a Link field, the URL of a Refresh field; any other field as it is.
     */
    String value(String name, String value)
    {
        if (name.equalsIgnoreCase("Link"))
        {
            return links(value);
        }
        if (name.equalsIgnoreCase("Refresh"))
        {
            return refresh(value);
        }
        if (name.equalsIgnoreCase("Set-Cookie"))
        {
            return cookie(value);
        }
        return rewrites(name) ? reference(value) : value;
    }

    /**
     * A {@code Set-Cookie} field whose attributes would make the browser drop the cookie or
     * never send it back (nginx's {@code proxy_cookie_path} and {@code proxy_cookie_domain}):
     * <ul>
     * <li>a {@code Path} that does not cover the path the client asked for, because the route
     * changed the prefix ({@code Path=/account} answered on {@code /app/account/7}, sent upstream
     * as {@code /account/7}), is given the client's prefix ({@code Path=/app/account}); a
     * {@code Path} that already covers it ({@code Path=/}) stays;</li>
     * <li>a {@code Domain} naming the upstream (the target's host, or the {@code Host} it was
     * sent) that the client's host is not within is dropped: browsers refuse a cookie for a
     * domain other than the one they asked, and without it the cookie is the client's host's.</li>
     * </ul>
     * The name, value and other attributes stay as they are; the same instance when nothing changed.
     */
    String cookie(String value)
    {
        int semicolon = value.indexOf(';');
        if (semicolon < 0)
        {
            return value;
        }
        StringBuilder out = null;
        int from = semicolon;
        while (from < value.length())
        {
            int end = value.indexOf(';', from + 1);
            end = end < 0 ? value.length() : end;
            String attribute = value.substring(from + 1, end);
            int equals = attribute.indexOf('=');
            String name = (equals < 0 ? attribute : attribute.substring(0, equals)).strip();
            String given = equals < 0 ? "" : attribute.substring(equals + 1).strip();
            String replacement = attribute;
            if (name.equalsIgnoreCase("Path"))
            {
                String mapped = cookiePath(given);
                replacement = mapped == given ? attribute : " " + name + "=" + mapped;
            }
            else if (name.equalsIgnoreCase("Domain") && upstreamDomain(given))
            {
                replacement = null;
            }
            if (replacement != attribute && out == null)
            {
                out = new StringBuilder(value.length()).append(value, 0, from);
            }
            if (out != null && replacement != null)
            {
                out.append(';').append(replacement);
            }
            from = end;
        }
        return out == null ? value : out.toString();
    }

    /** A cookie's Path for the client: the same instance when it covers the client's path or is not under the upstream's prefix. */
    private String cookiePath(String path)
    {
        if (path.isEmpty() || path.charAt(0) != '/' || pathMatches(clientPath, path))
        {
            return path;
        }
        String mapped = clientSide(path, upstreamPath, clientPath);
        return mapped == null ? path : mapped;
    }

    /** RFC 6265 §5.1.4: whether a cookie with this Path is sent with a request for the path. */
    static boolean pathMatches(String requestPath, String cookiePath)
    {
        return requestPath.startsWith(cookiePath)
            && (requestPath.length() == cookiePath.length() || cookiePath.endsWith("/") || requestPath.charAt(cookiePath.length()) == '/');
    }

    /** Whether a cookie's Domain names the upstream and not a domain the client's host is within. */
    private boolean upstreamDomain(String domain)
    {
        String name = domain.startsWith(".") ? domain.substring(1) : domain;
        if (name.isEmpty() || clientHost == null || !(name.equalsIgnoreCase(bare(host)) || (namedHost != null && name.equalsIgnoreCase(bare(namedHost)))))
        {
            return false;
        }
        String client = bare(clientHost);
        // RFC 6265 §5.1.3: the host itself, or a name that ends with "." and the domain.
        return !(client.equalsIgnoreCase(name) || (client.length() > name.length() && client.regionMatches(true, client.length() - name.length(), name, 0, name.length())
            && client.charAt(client.length() - name.length() - 1) == '.'));
    }

    /** One reference: on the target's address, else on the name the upstream was sent; the same instance when left alone. */
    private String reference(String value)
    {
        String rewritten = rewrite(value, scheme, host, port, upstreamPath, clientPath);
        return rewritten == value && namedHost != null ? rewrite(value, scheme, namedHost, namedPort, upstreamPath, clientPath) : rewritten;
    }

    /**
     * A Link field (RFC 8288 §3: {@code <target>; rel="next", <target>; rel="last"}) with each
     * link's target rewritten: the pagination links a framework builds from the Host it was sent.
     * Parameters, quoted strings among them, are left as they are; a field that does not parse is
     * left whole.
     */
    String links(String value)
    {
        StringBuilder out = null;
        int copied = 0;
        boolean quoted = false;
        boolean linkStart = true;
        for (int i = 0; i < value.length(); i++)
        {
            char c = value.charAt(i);
            if (quoted)
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                continue;
            }
            if (c == ',')
            {
                linkStart = true;
            }
            else if (c == '<' && linkStart)
            {
                int close = value.indexOf('>', i + 1);
                if (close < 0)
                {
                    return value;
                }
                String target = value.substring(i + 1, close);
                String mapped = reference(target);
                if (mapped != target)
                {
                    out = out == null ? new StringBuilder(value.length()) : out;
                    out.append(value, copied, i + 1).append(mapped);
                    copied = close;
                }
                i = close;
                linkStart = false;
            }
            else if (c != ' ' && c != '\t')
            {
                quoted = c == '"';
                linkStart = false;
            }
        }
        return out == null ? value : out.append(value, copied, value.length()).toString();
    }

    /** A Refresh field ({@code 5; url=http://...}, the URL optionally quoted) with its URL rewritten, as nginx's {@code proxy_redirect} does. */
    String refresh(String value)
    {
        int at = -1;
        for (int i = 0; i + 4 <= value.length(); i++)
        {
            if (value.regionMatches(true, i, "url=", 0, 4))
            {
                at = i;
                break;
            }
        }
        if (at < 0)
        {
            return value;
        }
        int start = at + 4;
        int end = value.length();
        if (start < end && (value.charAt(start) == '\'' || value.charAt(start) == '"'))
        {
            int close = value.indexOf(value.charAt(start), start + 1);
            start++;
            end = close < 0 ? end : close;
        }
        String url = value.substring(start, end);
        String mapped = reference(url);
        return mapped == url ? value : value.substring(0, start) + mapped + value.substring(end);
    }

    /** Rewrites the fields this class rewrites among {name, value} pairs, in place. */
    void applyTo(java.util.List<String[]> fields)
    {
        for (String[] field : fields)
        {
            field[1] = value(field[0], field[1]);
        }
    }

    /**
     * The reference the client gets: the same instance when it is left alone (callers compare by
     * identity).
     *
     * @param reference the upstream's reference (a Location value, a link target, a Refresh URL)
     * @param scheme the scheme Sluice used for the upstream request
     * @param host the upstream request's host
     * @param port the upstream request's port
     * @param upstreamPath the upstream request's raw path, without the query
     * @param clientPath the client's raw path, without the query
     */
    static String rewrite(String reference, String scheme, String host, int port, String upstreamPath, String clientPath)
    {
        String value = reference.strip();
        int rest = afterOrigin(value, scheme, host, port);
        if (rest < 0)
        {
            return reference;
        }
        String path = rest == value.length() ? "/" : value.substring(rest);
        if (path.charAt(0) != '/')
        {
            // "http://target?x" is the target's root with a query.
            path = "/" + path;
        }
        String mapped = clientSide(path, upstreamPath, clientPath);
        return mapped == null ? reference : mapped;
    }

    /**
     * An upstream path under the upstream side of this request's mapping, with the client's side
     * in its place (see the class comment); null when it is not under it.
     */
    private static String clientSide(String path, String upstreamPath, String clientPath)
    {
        int shared = sharedTail(clientPath, upstreamPath);
        String upstreamPrefix = withoutTrailingSlashes(upstreamPath.substring(0, upstreamPath.length() - shared));
        String clientPrefix = withoutTrailingSlashes(clientPath.substring(0, clientPath.length() - shared));
        if (!path.startsWith(upstreamPrefix) || !boundary(path, upstreamPrefix.length()))
        {
            return null;
        }
        String mapped = clientPrefix + path.substring(upstreamPrefix.length());
        return mapped.isEmpty() || mapped.charAt(0) != '/' ? "/" + mapped : mapped;
    }

    /** The path without the slashes it ends with: a prefix to put in front of one that starts with its own. */
    static String withoutTrailingSlashes(String path)
    {
        int end = path.length();
        while (end > 0 && path.charAt(end - 1) == '/')
        {
            end--;
        }
        return path.substring(0, end);
    }

    /** Whether the path's segment ends at {@code at}: its end, or a '/', '?' or '#' there. */
    private static boolean boundary(String path, int at)
    {
        if (at == path.length())
        {
            return true;
        }
        char next = path.charAt(at);
        return next == '/' || next == '?' || next == '#';
    }

    /**
     * The length of the longest tail the two paths share that starts with '/' on both sides (0
     * when they share none): what the route passed on unchanged.
     */
    static int sharedTail(String clientPath, String upstreamPath)
    {
        int length = 0;
        int max = Math.min(clientPath.length(), upstreamPath.length());
        while (length < max && clientPath.charAt(clientPath.length() - 1 - length) == upstreamPath.charAt(upstreamPath.length() - 1 - length))
        {
            length++;
        }
        // Back to the first '/' within the shared part, so that only whole segments count as shared.
        while (length > 0 && clientPath.charAt(clientPath.length() - length) != '/')
        {
            length--;
        }
        return length;
    }

    /**
     * Where the path (or query) begins in an absolute URL on the target's origin: scheme and host
     * compared without case, the port explicit or the scheme's default; -1 for anything else.
     */
    private static int afterOrigin(String url, String scheme, String host, int port)
    {
        int colon = url.indexOf("://");
        if (colon <= 0 || !url.regionMatches(true, 0, scheme, 0, scheme.length()) || colon != scheme.length())
        {
            return -1;
        }
        int start = colon + 3;
        int end = start;
        while (end < url.length() && "/?#".indexOf(url.charAt(end)) < 0)
        {
            end++;
        }
        String authority = url.substring(start, end);
        if (authority.indexOf('@') >= 0)
        {
            return -1;
        }
        int givenPort = portOf(authority, scheme);
        return givenPort >= 0 && givenPort == port && bare(hostOf(authority)).equalsIgnoreCase(bare(host)) ? end : -1;
    }

    /** An IPv6 literal without its brackets, which one side may write and the other not. */
    private static String bare(String host)
    {
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }
}
