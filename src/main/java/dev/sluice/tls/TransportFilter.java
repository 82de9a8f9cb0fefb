// Decides whether a request came over TLS, enforces per-route HTTPS, adds HSTS and client-cert headers.
package dev.sluice.tls;

import java.io.IOException;
import java.security.cert.X509Certificate;

import dev.sluice.exchange.Exchange;
import dev.sluice.http.HeaderNames;
import dev.sluice.http.ProblemType;
import dev.sluice.http.ProblemWriter;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Runs right after the exchange filter and behaves the same embedded, in Jetty and in Tomcat:
 * whoever terminated TLS, the request is secure when the connector says so
 * ({@code isSecure()}), or when a trusted front proxy ({@code exchange.trusted-proxies}) says so
 * in {@code X-Forwarded-Proto} or {@code Forwarded: proto=https}. From anyone else those headers
 * count for nothing (and the proxy servlet replaces them).
 * <ul>
 * <li>On a route with {@code tls = required}, a plain request gets 308 to the same URL on
 * HTTPS (308 keeps the method and body, so nothing is replayed as a GET), or 403 problem+json
 * with {@code tls.redirect = false}.</li>
 * <li>Secure responses carry {@code Strict-Transport-Security}.</li>
 * <li>With {@code transport.client-cert.headers}, details of the verified client certificate
 * ({@code jakarta.servlet.request.X509Certificate}) go upstream; client copies of those
 * headers are always removed, by the proxy servlet.</li>
 * </ul>
 * Settings: {@code transport.hsts.max-age} (default 8760h), {@code transport.hsts.include-subdomains},
 * {@code transport.hsts.preload}, {@code transport.https-port} (default 443),
 * {@code transport.client-cert.headers}; per route {@code tls}, {@code tls.redirect}.
 */
public final class TransportFilter implements Filter
{
    static final String CERTIFICATES_ATTRIBUTE = "jakarta.servlet.request.X509Certificate";
    /** Set by Jetty and Tomcat on every request that arrived over TLS, whatever its request line says. */
    static final String CIPHER_SUITE_ATTRIBUTE = "jakarta.servlet.request.cipher_suite";

    private boolean schemeFromRequestLine;

    /**
     * Jetty derives {@code isSecure()} from the request URI's scheme, which an absolute-form
     * request line ({@code GET https://host/ HTTP/1.1}) or an h2c {@code :scheme} sets on a
     * plain connection; there only the TLS session attributes are proof. Tomcat's
     * {@code isSecure()} is the connector's own setting and stays trusted.
     */
    @Override
    public void init(jakarta.servlet.FilterConfig filterConfig)
    {
        String server = filterConfig.getServletContext().getServerInfo();
        schemeFromRequestLine = server == null || !server.toLowerCase(java.util.Locale.ROOT).contains("tomcat");
    }

    @Override
    public void doFilter(ServletRequest servletRequest, ServletResponse servletResponse, FilterChain chain) throws IOException, ServletException
    {
        HttpServletRequest request = (HttpServletRequest)servletRequest;
        HttpServletResponse response = (HttpServletResponse)servletResponse;
        Exchange exchange = Exchange.of(request);
        TransportSettings settings = exchange.settings().transport();
        boolean connectionSecure = connectionSecure(request, schemeFromRequestLine);
        exchange.connectionSecure(connectionSecure);
        boolean secure = connectionSecure || forwardedSecure(request, exchange.trustedPeer());
        exchange.secure(secure);

        if (secure)
        {
            String hsts = settings.hsts();
            if (hsts != null)
            {
                response.setHeader("Strict-Transport-Security", hsts);
            }
            if (!settings.clientCertHeaders().isEmpty() && request.getAttribute(CERTIFICATES_ATTRIBUTE) instanceof X509Certificate[] certificates && certificates.length > 0)
            {
                for (ClientCertHeader header : settings.clientCertHeaders())
                {
                    String value = header.value(certificates[0]);
                    if (value != null)
                    {
                        exchange.addUpstreamHeader(header.header(), value);
                    }
                }
            }
        }
        else
        {
            TransportSettings.RouteTls tls = settings.routes().get(exchange.routeMatch().route().name());
            if (tls != null)
            {
                exchange.outcome(Exchange.Outcome.BAD_REQUEST);
                if (tls.redirect())
                {
                    response.setStatus(308);
                    response.setHeader("Location", httpsUrl(request, settings.httpsPort()));
                    response.setContentLength(0);
                }
                else
                {
                    exchange.addBytesOut(ProblemWriter.write(response, ProblemType.TLS_REQUIRED, "This route is served over HTTPS only.", exchange.id(), exchange.traceId()));
                }
                return;
            }
        }
        chain.doFilter(request, response);
    }

    /**
     * TLS at this connector: what the connection says, never the request line.
     */
    static boolean connectionSecure(HttpServletRequest request, boolean schemeFromRequestLine)
    {
        return request.isSecure() && (!schemeFromRequestLine || request.getAttribute(CIPHER_SUITE_ATTRIBUTE) != null);
    }

    /**
     * TLS at a trusted front proxy that says so.
     */
    static boolean forwardedSecure(HttpServletRequest request, boolean trustedPeer)
    {
        if (!trustedPeer)
        {
            return false;
        }
        String proto = request.getHeader(HeaderNames.X_FORWARDED_PROTO);
        if (proto != null)
        {
            // The last value is the one the nearest trusted proxy added.
            String last = proto.substring(proto.lastIndexOf(',') + 1).trim();
            return last.equalsIgnoreCase("https");
        }
        String forwarded = request.getHeader(HeaderNames.FORWARDED);
        if (forwarded != null)
        {
            String last = forwarded.substring(forwarded.lastIndexOf(',') + 1);
            for (String pair : last.split(";"))
            {
                String trimmed = pair.trim();
                if (trimmed.regionMatches(true, 0, "proto=", 0, 6))
                {
                    return trimmed.substring(6).replace("\"", "").equalsIgnoreCase("https");
                }
            }
        }
        return false;
    }

    /** The same request target on HTTPS, the port left out when it is 443. */
    static String httpsUrl(HttpServletRequest request, int port)
    {
        String host = request.getServerName();
        if (host.indexOf(':') >= 0 && !host.startsWith("["))
        {
            host = "[" + host + "]";
        }
        String query = request.getQueryString();
        return "https://" + host + (port == 443 ? "" : ":" + port) + request.getRequestURI() + (query == null ? "" : "?" + query);
    }
}
