// Reads transport.* and route.<name>.tls*; reports every problem with its key.
package dev.sluice.tls;

import java.time.Duration;
import java.util.LinkedHashSet;
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

    private TransportSettingsParser()
    {
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
        return new TransportSettings(maxAge, subdomains, preload, httpsPort, headers, routes);
    }
}
