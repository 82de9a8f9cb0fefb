// Reads transport.* and route.<name>.tls*; reports every problem with its key.
package dev.sluice.tls;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import dev.sluice.config.ConfigReader;

/**
 * Parses the transport keys documented in {@code conf/sluice.properties}.
 */
public final class TransportSettingsParser
{
    private static final Duration PRELOAD_MINIMUM = Duration.ofDays(365);

    /** Below this not even a browser's plain GET fits. */
    private static final int MIN_REQUEST_HEADER_BYTES = 1024;
    /** Envoy takes up to 8 MiB; a head of more than 1 MiB is no API's. */
    private static final int MAX_REQUEST_HEADER_BYTES = 1024 * 1024;
    /** Envoy's default for client connections; past it an idle connection is only a held socket. */
    private static final Duration MAX_IDLE_TIMEOUT = Duration.ofHours(1);

    private TransportSettingsParser()
    {
    }

    private static ServerTls server(ConfigReader reader)
    {
        List<dev.sluice.exchange.Cidr> proxyFrom = reader.cidrs("server.proxy-protocol.from", List.of());
        Duration idle = reader.duration("server.idle-timeout", ServerTls.DEFAULT_IDLE_TIMEOUT);
        if (idle.isZero() || idle.compareTo(MAX_IDLE_TIMEOUT) > 0)
        {
            reader.invalid("server.idle-timeout", reader.string("server.idle-timeout", ""),
                "a duration from 1s to 1h, longer than the idle timeout of any load balancer in front (AWS ALB: 60s; Google's: 600s)");
            idle = ServerTls.DEFAULT_IDLE_TIMEOUT;
        }
        return connectors(reader).withProxyProtocolFrom(proxyFrom).withIdleTimeout(idle);
    }

    private static ServerTls connectors(ConfigReader reader)
    {
        List<Path> certificates = reader.list("server.tls.certificate").stream().map(Path::of).toList();
        List<Path> keys = reader.list("server.tls.private-key").stream().map(Path::of).toList();
        Path keystore = reader.optional("server.tls.keystore").map(Path::of).orElse(null);
        String password = reader.optional("server.tls.keystore-password").orElse(null);
        int port = reader.integer("server.tls.port", 8443, 0, 65535);
        String authText = reader.string("server.tls.client-auth", "none");
        Path clientCa = reader.optional("server.tls.client-ca-file").map(Path::of).orElse(null);
        Duration reload = reader.duration("server.tls.reload-interval", Duration.ofSeconds(10));
        boolean h2c = reader.bool("server.h2c", false);
        long maxHeader = reader.size("server.max-request-header-size", ServerTls.DEFAULT_MAX_REQUEST_HEADER_BYTES, MAX_REQUEST_HEADER_BYTES);
        if (maxHeader < MIN_REQUEST_HEADER_BYTES)
        {
            reader.invalid("server.max-request-header-size", reader.string("server.max-request-header-size", ""),
                "a size from 1KB to 1MB (requests whose line and header fields are larger get 431)");
            maxHeader = ServerTls.DEFAULT_MAX_REQUEST_HEADER_BYTES;
        }
        ServerTls.ClientAuth clientAuth = switch (authText)
        {
            case "none" -> ServerTls.ClientAuth.NONE;
            case "want" -> ServerTls.ClientAuth.WANT;
            case "need" -> ServerTls.ClientAuth.NEED;
            default ->
            {
                reader.invalid("server.tls.client-auth", authText, "none, want (ask; requests without one still pass) or need (the handshake fails without one)");
                yield ServerTls.ClientAuth.NONE;
            }
        };
        ServerTls tls = new ServerTls(certificates, keys, keystore, password, port, clientAuth, clientCa, reload, h2c, (int)maxHeader);
        if (keystore != null && !certificates.isEmpty())
        {
            reader.problem("Keys 'server.tls.keystore' and 'server.tls.certificate' are both set; allowed: one of them.");
            return TransportSettings.NO_SERVER_TLS;
        }
        if (certificates.size() != keys.size())
        {
            reader.problem("Keys 'server.tls.certificate' and 'server.tls.private-key' list " + certificates.size() + " and " + keys.size()
                + " files; allowed: one private key per certificate, in the same order.");
            return TransportSettings.NO_SERVER_TLS;
        }
        if (tls.enabled())
        {
            try
            {
                ServerKeys.load(tls);
            }
            catch (java.io.IOException x)
            {
                reader.problem((tls.keystore() != null ? "Key 'server.tls.keystore': " : "Keys 'server.tls.certificate' and 'server.tls.private-key': ") + x.getMessage());
            }
        }
        if (clientAuth != ServerTls.ClientAuth.NONE && clientCa == null)
        {
            reader.required("server.tls.client-ca-file", "a PEM file of the CAs client certificates must chain to (server.tls.client-auth is " + authText + ")");
        }
        else if (clientCa != null)
        {
            try
            {
                dev.sluice.upstream.UpstreamTls.trustStore(clientCa);
            }
            catch (Exception x)
            {
                reader.invalid("server.tls.client-ca-file", clientCa.toString(), "a readable PEM file with the CA certificates to trust");
            }
        }
        return tls;
    }

    public static TransportSettings parse(ConfigReader reader, Set<String> routeNames)
    {
        Duration maxAge = reader.duration("transport.hsts.max-age", Duration.ofDays(365));
        boolean subdomains = reader.bool("transport.hsts.include-subdomains", false);
        boolean preload = reader.bool("transport.hsts.preload", false);
        if (preload && (!subdomains || maxAge.compareTo(PRELOAD_MINIMUM) < 0))
        {
            reader.invalid("transport.hsts.preload", "true",
                "true only with transport.hsts.include-subdomains = true and transport.hsts.max-age of at least 8760h (what browsers' preload lists require)");
        }
        int httpsPort = reader.integer("transport.https-port", 443, 1, 65535);
        Set<ClientCertHeader> headers = new LinkedHashSet<>();
        for (String label : reader.list("transport.client-cert.headers"))
        {
            ClientCertHeader header = ClientCertHeader.of(label);
            if (header == null)
            {
                reader.invalid("transport.client-cert.headers", label, "subject, issuer, fingerprint or pem");
            }
            else
            {
                headers.add(header);
            }
        }

        Map<String, TransportSettings.RouteTls> routes = new TreeMap<>();
        for (String route : routeNames)
        {
            String key = "route." + route + ".tls";
            String mode = reader.string(key, "optional");
            boolean redirect = reader.bool(key + ".redirect", true);
            switch (mode)
            {
                case "required" -> routes.put(route, new TransportSettings.RouteTls(redirect));
                case "optional" ->
                {
                    if (reader.optional(key + ".redirect").isPresent())
                    {
                        reader.problem("Key '" + key + ".redirect' is set but " + key + " is not required; allowed: " + key + " = required with it.");
                    }
                }
                default -> reader.invalid(key, mode, "required (plain HTTP is redirected or refused) or optional");
            }
        }
        Duration headerTimeout = reader.duration("server.request-header-timeout", Duration.ofSeconds(10));
        return new TransportSettings(maxAge, subdomains, preload, httpsPort, headers, routes, server(reader), headerTimeout);
    }
}
