// An authorization service Sluice asks about each request first: Traefik's forwardAuth, nginx's auth_request, Envoy's ext_authz.
package dev.sluice.auth;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import dev.sluice.config.ConfigReader;
import dev.sluice.config.SettingsParser;

/**
 * {@code auth.forward.<name>.*}, used by routes with {@code route.<r>.auth.forward = <name>}.
 * Before such a route's request goes upstream, Sluice sends {@code GET url} with the client's
 * headers and {@code X-Forwarded-Method}, {@code -Proto}, {@code -Host}, {@code -Uri} and
 * {@code -For} (Traefik's forwardAuth, which oauth2-proxy, Authelia, Authentik and Ory
 * Oathkeeper answer); a 2xx lets the request on, with {@code upstreamHeaders} copied from that
 * answer, and any other answer below 500 goes back to the client as it is (a 401 with its
 * challenge, a 302 to a login page, a 403 page). An answer of 500 or more, none within
 * {@code timeout}, or one too large is a 503: a request nobody could judge is never let
 * through.
 *
 * @param requestHeaders the client headers sent along, lower case; empty for all of them
 * @param upstreamHeaders headers of the service's 2xx answer that go upstream; on the routes that
 *        ask this service, client copies of them never do
 * @param consumerHeader the header of the 2xx answer naming the caller (a declared consumer or
 *        the service's user), for rate limits and logs; null for none
 * @param responseHeaders headers of the service's 2xx answer added to the client's answer from
 *        the upstream (oauth2-proxy's refreshed session cookie: {@code Set-Cookie})
 */
public record ForwardAuth(String name, URI url, Duration timeout, Set<String> requestHeaders, List<String> upstreamHeaders, String consumerHeader,
                          List<String> responseHeaders)
{
    public ForwardAuth
    {
        requestHeaders = Set.copyOf(requestHeaders);
        upstreamHeaders = List.copyOf(upstreamHeaders);
        responseHeaders = List.copyOf(responseHeaders);
    }

    /** The largest answer body passed on to a client; a larger one is a failure of the service. */
    public static final int MAX_BODY = 64 * 1024;

    /** Every {@code auth.forward.<name>} the configuration declares. */
    static Map<String, ForwardAuth> parse(ConfigReader reader)
    {
        Map<String, ForwardAuth> services = new TreeMap<>();
        for (String name : reader.names("auth.forward."))
        {
            String prefix = "auth.forward." + name + ".";
            if (!SettingsParser.NAME.matcher(name).matches())
            {
                reader.problem("Forward auth name '" + name + "' is not allowed; allowed: letters, digits, '-' and '_', starting with a letter or digit.");
                continue;
            }
            String urlText = reader.required(prefix + "url", "the authorization service's http:// or https:// URL");
            URI url = urlText == null ? null : AuthSettingsParser.httpUrl(reader, prefix + "url", urlText);
            Duration timeout = reader.positiveDuration(prefix + "timeout", Duration.ofSeconds(2));
            Set<String> requestHeaders = new java.util.LinkedHashSet<>();
            headerNames(reader, prefix + "request-headers").forEach(header -> requestHeaders.add(header.toLowerCase(Locale.ROOT)));
            List<String> upstreamHeaders = copiedNames(reader, prefix + "upstream-headers");
            List<String> responseHeaders = copiedNames(reader, prefix + "response-headers");
            String consumerHeader = reader.optional(prefix + "consumer-header").orElse(null);
            if (consumerHeader != null && !headerName(reader, prefix + "consumer-header", consumerHeader, "a header name such as X-Auth-Request-User"))
            {
                consumerHeader = null;
            }
            if (url != null)
            {
                services.put(name, new ForwardAuth(name, url, timeout, requestHeaders, upstreamHeaders, consumerHeader, responseHeaders));
            }
        }
        return services;
    }

    /** The header names a key lists, each bad one reported. */
    private static List<String> headerNames(ConfigReader reader, String key)
    {
        List<String> names = new java.util.ArrayList<>();
        for (String header : reader.list(key))
        {
            if (headerName(reader, key, header, "header names such as X-Auth-Request-User, comma-separated"))
            {
                names.add(header);
            }
        }
        return names;
    }

    /**
     * Names of the service's fields copied onto another message: never its framing or its
     * connection's (a listed Content-Length made every allowed answer a dropped connection).
     */
    private static List<String> copiedNames(ConfigReader reader, String key)
    {
        List<String> names = new java.util.ArrayList<>();
        for (String header : headerNames(reader, key))
        {
            String lower = header.toLowerCase(Locale.ROOT);
            if (dev.sluice.http.HeaderNames.CONNECTION_AND_FRAMING.contains(lower) || lower.equals("content-encoding"))
            {
                reader.invalid(key, header, "header names such as X-Auth-Request-User, comma-separated; not a connection or framing field "
                    + "(Connection, Transfer-Encoding, Content-Length, Content-Encoding, Host and the like)");
            }
            else
            {
                names.add(header);
            }
        }
        return names;
    }

    private static boolean headerName(ConfigReader reader, String key, String header, String allowed)
    {
        if (!SettingsParser.TOKEN.matcher(header).matches())
        {
            reader.invalid(key, header, allowed);
            return false;
        }
        return true;
    }
}
