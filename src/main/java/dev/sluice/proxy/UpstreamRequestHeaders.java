// Which client headers never reach the upstream, and which ones Sluice sets in their place.
package dev.sluice.proxy;

import java.util.Collections;
import java.util.List;
import java.util.Set;

import dev.sluice.auth.Identity;
import dev.sluice.config.Settings;
import dev.sluice.exchange.Exchange;
import dev.sluice.exchange.TraceContext;
import dev.sluice.http.Authority;
import dev.sluice.http.CdnLoop;
import dev.sluice.http.HeaderNames;
import dev.sluice.tls.TransportSettings;
import dev.sluice.transform.RequestSource;
import dev.sluice.transform.RouteTransform;
import dev.sluice.transform.Transforms;
import jakarta.servlet.http.HttpServletRequest;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;

/**
 * Applied after Jetty copied the client's headers (it has already dropped hop-by-hop headers,
 * those named in {@code Connection}, and {@code Host}). On a request whose response the cache
 * may store, only the headers the cache allows are kept first. Removed, on every route: the
 * forwarding headers and the request id, the identity headers and headers carrying JWT claims,
 * the client-certificate headers, path overrides, and any credential the route hides. Added
 * ({@link #apply}): the authenticated identity, headers filters asked for (offloaded certificate
 * details), the request id, and the client's {@code Host} when the route preserves it (else the
 * upstream's {@code host-header}, if it has one); then
 * ({@link #addForwarding}) Sluice's own forwarding headers and the route's header transforms.
 */
final class UpstreamRequestHeaders
{
    /** Headers the exchange manages itself, so the upstream's or client's copies are dropped. */
    private static final Set<String> REPLACED = Set.of(
        "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-forwarded-port", "x-forwarded-prefix", "x-forwarded-server", "x-real-ip",
        "forwarded", "via", "x-request-id",
        // Path overrides a few frameworks took from any client (Symfony and Zend before their 2018
        // fixes, IIS modules): a request for a public route's path that names another path there.
        "x-original-url", "x-rewrite-url",
        // Sluice answers the client's 100-continue itself and sends the body unasked
        // (SluiceProxyServlet.expects100Continue).
        "expect");

    private UpstreamRequestHeaders()
    {
    }

    /**
     * The names removed from every request for this configuration's authentication settings,
     * compared without regard to case: built once per configuration, not per request.
     */
    private static volatile Object[] removedFor = {null, null};

    static java.util.NavigableSet<String> removed(dev.sluice.auth.AuthSettings auth)
    {
        Object[] cached = removedFor;
        if (cached[0] == auth)
        {
            @SuppressWarnings("unchecked")
            java.util.NavigableSet<String> names = (java.util.NavigableSet<String>)cached[1];
            return names;
        }
        java.util.TreeSet<String> names = new java.util.TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        names.addAll(REPLACED);
        names.addAll(auth.strippedHeaders());
        names.addAll(TransportSettings.STRIPPED_HEADERS);
        java.util.NavigableSet<String> frozen = java.util.Collections.unmodifiableNavigableSet(names);
        removedFor = new Object[] {auth, frozen};
        return frozen;
    }

    /**
     * One pass over the client's headers: drops those Sluice sets or removes itself, and those
     * whose names contain {@code _}. Header names with {@code _} are how a client smuggles an
     * identity past the proxy: CGI, WSGI and PHP back-ends turn {@code X_Consumer_ID} and
     * {@code X-Consumer-ID} into the same variable. They are dropped (nginx's
     * {@code underscores_in_headers off}) unless {@code exchange.allow-underscore-headers}; even
     * then a name that reads as a header Sluice owns once {@code _} is {@code -} never passes.
     */
    static int dropOwnedAndUnderscoreNames(Exchange exchange, HttpFields.Mutable headers)
    {
        java.util.NavigableSet<String> removed = removed(exchange.settings().auth());
        boolean underscoresAllowed = exchange.settings().proxy().allowUnderscoreHeaders();
        int cookies = 0;
        for (java.util.ListIterator<org.eclipse.jetty.http.HttpField> fields = headers.listIterator(); fields.hasNext();)
        {
            org.eclipse.jetty.http.HttpField field = fields.next();
            String name = field.getName();
            if (removed.contains(name))
            {
                fields.remove();
            }
            else if (name.indexOf('_') >= 0 && (!underscoresAllowed || owned(exchange, removed, name.replace('_', '-'))))
            {
                fields.remove();
            }
            else if (field.getHeader() == HttpHeader.COOKIE)
            {
                cookies++;
            }
        }
        return cookies;
    }

    /**
     * Joins several Cookie fields into one, pairs separated by "; " (RFC 9113 §8.2.3): HTTP/2
     * clients, browsers among them, send each cookie as a field of its own, and an HTTP/1.1
     * server may read only the first line or join the lines with ", ", which splits no cookie.
     */
    static void joinCookies(HttpFields.Mutable headers)
    {
        StringBuilder joined = new StringBuilder();
        for (org.eclipse.jetty.http.HttpField field : headers)
        {
            if (field.getHeader() == HttpHeader.COOKIE && !field.getValue().isBlank())
            {
                joined.append(joined.length() == 0 ? "" : "; ").append(field.getValue().strip());
            }
        }
        headers.remove(HttpHeader.COOKIE);
        if (joined.length() > 0)
        {
            headers.add(HttpHeader.COOKIE, joined.toString());
        }
    }

    private static boolean owned(Exchange exchange, java.util.NavigableSet<String> removed, String name)
    {
        return removed.contains(name)
            || exchange.hiddenHeaders().stream().anyMatch(name::equalsIgnoreCase)
            || exchange.upstreamHeaders().stream().anyMatch(header -> header[0].equalsIgnoreCase(name));
    }

    /** Removes one cookie from every Cookie field (RFC 6265 §5.4: pairs separated by "; "), dropping fields left empty. */
    static void withoutCookie(HttpFields.Mutable headers, String name)
    {
        java.util.List<String> kept = new java.util.ArrayList<>();
        boolean found = false;
        for (org.eclipse.jetty.http.HttpField field : headers)
        {
            if (field.getHeader() != HttpHeader.COOKIE)
            {
                continue;
            }
            StringBuilder rest = new StringBuilder();
            for (String pair : field.getValue().split(";"))
            {
                String trimmed = pair.strip();
                int equals = trimmed.indexOf('=');
                String cookieName = (equals < 0 ? trimmed : trimmed.substring(0, equals)).strip();
                if (cookieName.equals(name))
                {
                    found = true;
                    continue;
                }
                if (!trimmed.isEmpty())
                {
                    rest.append(rest.length() == 0 ? "" : "; ").append(trimmed);
                }
            }
            if (rest.length() > 0)
            {
                kept.add(rest.toString());
            }
        }
        if (found)
        {
            headers.remove(HttpHeader.COOKIE);
            kept.forEach(value -> headers.add(HttpHeader.COOKIE, value));
        }
    }

    /**
     * @param clientHost the client's {@code Host}, or null
     * @param upstreamHost the upstream's {@code host-header}, or null for the target's own authority
     */
    static void apply(Exchange exchange, String clientHost, String upstreamHost, HttpFields.Mutable headers)
    {
        Set<String> forwardOnly = exchange.forwardOnly();
        if (forwardOnly != null)
        {
            // A response that may be stored for everyone: only headers it is keyed or known to vary on.
            for (java.util.ListIterator<org.eclipse.jetty.http.HttpField> fields = headers.listIterator(); fields.hasNext();)
            {
                if (!forwardOnly.contains(fields.next().getLowerCaseName()))
                {
                    fields.remove();
                }
            }
        }
        int cookies = dropOwnedAndUnderscoreNames(exchange, headers);
        exchange.hiddenHeaders().forEach(headers::remove);
        if (cookies > 1)
        {
            joinCookies(headers);
        }
        if (exchange.hiddenCookie() != null)
        {
            withoutCookie(headers, exchange.hiddenCookie());
        }
        Identity identity = exchange.identity();
        if (identity != null)
        {
            identity.headers().forEach(headers::put);
        }
        exchange.upstreamHeaders().forEach(header -> headers.put(header[0], header[1]));
        headers.put(HeaderNames.REQUEST_ID, exchange.id());
        TraceContext trace = exchange.trace();
        if (trace != null)
        {
            // Sluice is a hop of the trace: the upstream's parent is Sluice's span, not the client's.
            headers.put(HeaderNames.TRACEPARENT, trace.upstreamTraceparent());
            if (trace.traceState() != null)
            {
                headers.put(HeaderNames.TRACESTATE, trace.traceState());
            }
            else
            {
                headers.remove(HeaderNames.TRACESTATE);
            }
        }
        if (clientHost != null && exchange.routeMatch().route().preserveHost())
        {
            headers.put(HttpHeader.HOST, clientHost);
        }
        else if (upstreamHost != null)
        {
            headers.put(HttpHeader.HOST, upstreamHost);
        }
    }

    /**
     * What Sluice adds to a request it forwards: the forwarding headers, {@code X-Real-IP} and
     * {@code Via}, then the route's request header transforms, last, so they see (and may change)
     * what Sluice itself added. A stale-while-revalidate refresh ({@link BackgroundRefresh}) adds
     * the same, while its client's request is still going on.
     */
    static void addForwarding(HttpServletRequest clientRequest, Exchange exchange, HttpFields.Mutable headers)
    {
        Settings settings = exchange.settings();
        ForwardingHeaders forwarding = ForwardingHeaders.of(new ForwardingHeaders.Incoming(
            exchange.trustedPeer(),
            // An untrusted peer is the client: its address as the exchange already has it (Jetty formats the address anew on every call).
            exchange.trustedPeer() ? dev.sluice.exchange.Cidr.canonical(clientRequest.getRemoteAddr()) : exchange.clientAddress(),
            exchange.connectionSecure() ? "https" : "http",
            Authority.of(clientRequest),
            clientRequest.getLocalPort(),
            values(clientRequest, HeaderNames.X_FORWARDED_FOR),
            clientRequest.getHeader(HeaderNames.X_FORWARDED_PROTO),
            clientRequest.getHeader(HeaderNames.X_FORWARDED_HOST),
            clientRequest.getHeader(HeaderNames.X_FORWARDED_PORT),
            values(clientRequest, HeaderNames.FORWARDED)));
        String via = settings.proxy().via();
        // Like the other forwarding headers, a Via chain is extended only for a trusted proxy.
        String incomingVia = exchange.trustedPeer() ? String.join(", ", values(clientRequest, HeaderNames.VIA)) : "";
        // Added, not put: the client's own were dropped with the names Sluice owns (dropOwnedAndUnderscoreNames), and a
        // put scans every header for its name.
        headers.add(HeaderNames.X_FORWARDED_FOR, forwarding.forwardedFor());
        headers.add(HeaderNames.X_FORWARDED_PROTO, forwarding.forwardedProto());
        if (forwarding.forwardedHost() != null)
        {
            headers.add(HeaderNames.X_FORWARDED_HOST, forwarding.forwardedHost());
        }
        headers.add(HeaderNames.X_FORWARDED_PORT, forwarding.forwardedPort());
        String prefix = forwardedPrefix(clientRequest, exchange);
        if (prefix != null)
        {
            headers.add(HeaderNames.X_FORWARDED_PREFIX, prefix);
        }
        headers.add(HeaderNames.FORWARDED, forwarding.forwarded());
        // The one address upstreams can use as is: already resolved through trusted proxies.
        headers.add(HeaderNames.X_REAL_IP, exchange.clientAddress());
        if (via != null)
        {
            headers.add(HeaderNames.VIA, ForwardingHeaders.via(incomingVia, clientRequest.getProtocol(), via));
        }
        else if (!incomingVia.isEmpty())
        {
            headers.add(HeaderNames.VIA, incomingVia);
        }
        // After what earlier proxies listed (kept from the client's request): a request that comes
        // back names this instance, and ExchangeFilter answers it 508 (RFC 8586).
        headers.add(CdnLoop.HEADER, CdnLoop.ID);
        RouteTransform transform = settings.transform().route(exchange.routeMatch().route().name());
        if (transform != null && !transform.requestHeaders().empty())
        {
            Transforms.requestHeaders(transform.requestHeaders(), new RequestSource(exchange, clientRequest), headers);
        }
    }

    /**
     * The {@code X-Forwarded-Prefix} (Spring, Symfony, ASP.NET read it to build the URLs clients
     * see): the part of the client's path in front of what the route passed on, when the route
     * stripped a prefix ({@code /api} for {@code /api/orders/7} sent as {@code /orders/7}),
     * after a trusted proxy's own. Null when the path went unchanged, or was rewritten into one
     * no prefix describes.
     */
    static String forwardedPrefix(HttpServletRequest clientRequest, Exchange exchange)
    {
        String incoming = exchange.trustedPeer() ? clientRequest.getHeader(HeaderNames.X_FORWARDED_PREFIX) : null;
        incoming = incoming == null || incoming.isBlank() ? "" : LocationRewrite.withoutTrailingSlashes(incoming.strip());
        String own = "";
        if (exchange.routeMatch().route().rewrite() != null)
        {
            String clientPath = clientRequest.getRequestURI();
            String passed = exchange.routeMatch().upstreamPath();
            if (LocationRewrite.sharedTail(clientPath, passed) == passed.length())
            {
                own = LocationRewrite.withoutTrailingSlashes(clientPath.substring(0, clientPath.length() - passed.length()));
            }
        }
        String prefix = incoming + own;
        return prefix.isEmpty() ? null : prefix;
    }

    private static List<String> values(HttpServletRequest request, String name)
    {
        return Collections.list(request.getHeaders(name));
    }
}
