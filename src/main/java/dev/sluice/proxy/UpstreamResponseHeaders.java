// The upstream's response headers on their way to the client: which pass, as what, and what the cache keeps.
package dev.sluice.proxy;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import dev.sluice.cache.CacheExchange;
import dev.sluice.exchange.Exchange;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;

/**
 * The response side of {@link UpstreamRequestHeaders}. Passed on: the upstream's fields as it
 * wrote them, less the hop-by-hop ones, those it named in {@code Connection}, its request id,
 * Sluice's own fields ({@code RateLimit-*}), those {@code proxy.hide-response-headers} hides, and
 * what the cache consumes; {@code Location} and {@code Content-Location} pointed back through the
 * route ({@link LocationRewrite}); {@code Vary} joined to what the CORS guard started.
 */
final class UpstreamResponseHeaders
{
    /** A list field Sluice may have started before the upstream answered (the CORS guard's {@code Origin}): the upstream's values join it. */
    static final String VARY = "vary";

    private UpstreamResponseHeaders()
    {
    }

    /**
     * Copies the passing fields to the client's response, and returns the Location rewrite it used
     * (null when the answer had no Location, Content-Location, Link, Refresh or Set-Cookie, or the route keeps them).
     */
    static LocationRewrite copy(HttpServletRequest clientRequest, HttpServletResponse proxyResponse, Response serverResponse, Exchange exchange,
                                Passing passing)
    {
        // Jetty's own copy re-joins each value from its parsed list ("1; mode=block" becomes
        // "1;mode=block", "a, b" becomes "a,b"); a proxy passes values on as the upstream wrote them.
        Set<String> seen = new HashSet<>();
        LocationRewrite locations = null;
        for (HttpField field : serverResponse.getHeaders())
        {
            String lower = field.getLowerCaseName();
            if (SluiceProxyServlet.HOP_BY_HOP.contains(lower) || !passing.passes(lower))
            {
                continue;
            }
            String value = field.getValue();
            if (LocationRewrite.rewrites(lower))
            {
                locations = locations != null ? locations : LocationRewrite.of(exchange.routeMatch().route(), clientRequest, serverResponse.getRequest());
                value = locations == null ? value : locations.value(field.getName(), value);
            }
            // The first line of a name replaces what the container set (its Date), except Vary:
            // the CORS guard may have started it with Origin, which must stay in the list.
            if (seen.add(lower) && !lower.equals(VARY))
            {
                proxyResponse.setHeader(field.getName(), value);
            }
            else
            {
                proxyResponse.addHeader(field.getName(), value);
            }
        }
        return locations;
    }

    /**
     * The upstream's fields as the cache stores them: the whole list, which its policy reads (it
     * drops hop-by-hop fields itself), less those clients never get
     * ({@code proxy.hide-response-headers}), with Location pointed back through the route. A hit
     * must not tell clients what a miss would not.
     */
    static List<String[]> stored(Response serverResponse, Exchange exchange, LocationRewrite locations)
    {
        List<String[]> fields = FieldPairs.of(serverResponse.getHeaders());
        Set<String> hidden = exchange.settings().proxy().hiddenResponseHeaders();
        if (!hidden.isEmpty())
        {
            fields.removeIf(field -> hidden.contains(field[0].toLowerCase(Locale.ROOT)));
        }
        if (locations != null)
        {
            locations.applyTo(fields);
        }
        return fields;
    }

    /**
     * Takes a failed answer's headers back off a response not yet sent, before the problem that
     * replaces it is written: it must not carry the upstream's {@code Content-Encoding} (a client
     * would try to decompress the JSON), {@code Set-Cookie}, {@code ETag} or
     * {@code Content-Disposition}, nor the chunking chosen for the upstream's body.
     */
    static void withdraw(HttpServletRequest clientRequest, HttpServletResponse proxyResponse, Response serverResponse)
    {
        if (proxyResponse.isCommitted() || serverResponse == null)
        {
            return;
        }
        Passing passing = Passing.of(clientRequest, Exchange.of(clientRequest), serverResponse);
        for (HttpField field : serverResponse.getHeaders())
        {
            String lower = field.getLowerCaseName();
            // Fields that did not pass (the request id, Sluice's own RateLimit-*) are Sluice's, not the upstream's.
            if (!SluiceProxyServlet.HOP_BY_HOP.contains(lower) && passing.passes(lower) && proxyResponse.containsHeader(field.getName()))
            {
                proxyResponse.setHeader(field.getName(), null);
            }
        }
        proxyResponse.setHeader(HttpHeader.TRANSFER_ENCODING.asString(), null);
    }

    /**
     * Which of an upstream's response headers (beyond the fixed hop-by-hop set) reach the client:
     * not those the upstream named in its {@code Connection} header, not its request id, not a
     * CDN-Cache-Control (RFC 9213) aimed at Sluice's cache when this response may be stored, not a
     * 204's Content-Length, not fields Sluice set itself for this exchange
     * ({@link Exchange#ownsResponseField}), and not those {@code proxy.hide-response-headers} hides.
     * Read once per response rather than once per header.
     */
    record Passing(Set<String> connectionTokens, Exchange exchange, boolean caching, boolean noContent)
    {
        Passing(Response serverResponse, Exchange exchange, boolean caching)
        {
            // A 204's Content-Length is not allowed (RFC 9110 §8.6) and its body is nothing
            // whatever it says; passed on, the container would wait for the bytes it declares.
            this(tokensOf(serverResponse), exchange, caching, serverResponse.getStatus() == HttpServletResponse.SC_NO_CONTENT);
        }

        static Passing of(HttpServletRequest clientRequest, Exchange exchange, Response serverResponse)
        {
            return new Passing(serverResponse, exchange, CacheExchange.of(clientRequest) != null);
        }

        boolean passes(String lowerCaseName)
        {
            return !lowerCaseName.equals("x-request-id") && !connectionTokens.contains(lowerCaseName)
                && !(caching && exchange.settings().cache().consumes(lowerCaseName))
                && !(noContent && lowerCaseName.equals("content-length")) && !exchange.ownsResponseField(lowerCaseName)
                && !exchange.settings().proxy().hiddenResponseHeaders().contains(lowerCaseName);
        }
    }

    /** The field names the upstream listed in its {@code Connection} header, lower-case. */
    static Set<String> tokensOf(Response serverResponse)
    {
        Set<String> tokens = null;
        for (HttpField field : serverResponse.getHeaders())
        {
            if (field.getHeader() == HttpHeader.CONNECTION)
            {
                for (String token : field.getValues())
                {
                    if (tokens == null)
                    {
                        tokens = new HashSet<>();
                    }
                    tokens.add(token.trim().toLowerCase(Locale.ROOT));
                }
            }
        }
        return tokens == null ? Set.of() : tokens;
    }
}
