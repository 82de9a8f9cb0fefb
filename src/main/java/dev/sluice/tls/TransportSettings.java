// How Sluice treats the transport: HSTS, plain-HTTP policy per route, client-certificate headers.
package dev.sluice.tls;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * @param hstsMaxAge {@code Strict-Transport-Security} max-age on HTTPS responses; zero for none
 * @param httpsPort the port plain-HTTP requests are redirected to (443 is left out of the URL)
 * @param clientCertHeaders which details of a verified client certificate go upstream
 * @param routes each route's policy by route name; routes absent here accept both
 * @param server the embedded launcher's HTTPS connector
 * @param headerTimeout the embedded launcher's deadline for a request's head; zero = none
 */
public record TransportSettings(
    Duration hstsMaxAge,
    boolean hstsIncludeSubdomains,
    boolean hstsPreload,
    int httpsPort,
    Set<ClientCertHeader> clientCertHeaders,
    Map<String, RouteTls> routes,
    ServerTls server,
    Duration headerTimeout)
{
    public static final ServerTls NO_SERVER_TLS = new ServerTls(List.of(), List.of(), null, null, 8443, ServerTls.ClientAuth.NONE, null,
        Duration.ZERO, false, ServerTls.DEFAULT_MAX_REQUEST_HEADER_BYTES);
    public static final TransportSettings NONE = new TransportSettings(Duration.ZERO, false, false, 443, Set.of(), Map.of(), NO_SERVER_TLS,
        Duration.ofSeconds(10));

    public TransportSettings
    {
        clientCertHeaders = Set.copyOf(clientCertHeaders);
        routes = Map.copyOf(routes);
    }

    /**
     * @param redirect 308 to HTTPS (true) or 403 (false) for plain-HTTP requests
     */
    public record RouteTls(boolean redirect)
    {
    }

    /** The {@code Strict-Transport-Security} value, or null when HSTS is off. */
    public String hsts()
    {
        if (hstsMaxAge.isZero())
        {
            return null;
        }
        return "max-age=" + hstsMaxAge.toSeconds() + (hstsIncludeSubdomains ? "; includeSubDomains" : "") + (hstsPreload ? "; preload" : "");
    }

    /** Every client-certificate header, whichever are sent: client copies of all of them are removed. */
    public static final List<String> STRIPPED_HEADERS = java.util.Arrays.stream(ClientCertHeader.values()).map(ClientCertHeader::header).toList();
}
