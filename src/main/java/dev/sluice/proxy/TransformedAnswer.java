// An upstream answer on a route with response transforms: its headers edited, and its body, held whole, written once transformed.
package dev.sluice.proxy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import dev.sluice.cache.CacheExchange;
import dev.sluice.exchange.Exchange;
import dev.sluice.http.AsyncBodyWrite;
import dev.sluice.transform.RequestSource;
import dev.sluice.transform.ResponseBody;
import dev.sluice.transform.RouteTransform;
import dev.sluice.transform.Transforms;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;

/**
 * {@code SluiceProxyServlet}'s two steps for a route with {@code transform.response.*}: the head,
 * when the upstream's answer begins ({@link #headers}), and the transformed body, when the
 * upstream's has all arrived ({@link #write}). The servlet holds the body in between.
 */
final class TransformedAnswer
{
    private TransformedAnswer()
    {
    }

    /**
     * The upstream's headers on a route with transforms: edited by the route's response header
     * transforms, and when the body is to be transformed, without the length (set once the new
     * body is known). Returns the body to hold until it is whole ({@link ResponseBody}), or null
     * when it passes as it comes.
     */
    static ResponseBody headers(HttpServletRequest clientRequest, HttpServletResponse proxyResponse, Response serverResponse, Exchange exchange,
                                RouteTransform transform, UpstreamResponseHeaders.Passing passing)
    {
        List<String[]> headers = new ArrayList<>();
        for (HttpField field : serverResponse.getHeaders())
        {
            String lower = field.getLowerCaseName();
            if (!SluiceProxyServlet.HOP_BY_HOP.contains(lower) && passing.passes(lower))
            {
                headers.add(new String[] {field.getName(), field.getValue()});
            }
        }
        // Before the route's edits, which see (and may change) what the client would get.
        LocationRewrite locations = LocationRewrite.of(exchange.routeMatch().route(), clientRequest, serverResponse.getRequest());
        if (locations != null)
        {
            locations.applyTo(headers);
        }
        RequestSource source = new RequestSource(exchange, clientRequest);
        if (!transform.responseHeaders().empty())
        {
            headers = Transforms.responseHeaders(transform.responseHeaders(), source, headers);
        }
        ResponseBody body = ResponseBody.begin(transform, clientRequest.getMethod(), serverResponse.getStatus(),
            serverResponse.getHeaders().get(HttpHeader.CONTENT_TYPE), serverResponse.getHeaders().get(HttpHeader.CONTENT_ENCODING),
            serverResponse.getHeaders().getLongField(HttpHeader.CONTENT_LENGTH), clientRequest.getHeader("Accept"));
        if (transform.xmlToJson())
        {
            // The body's format follows the client's Accept: shared caches downstream must key on it.
            headers.add(new String[] {"Vary", "Accept"});
        }
        Set<String> seen = new HashSet<>();
        for (String[] header : headers)
        {
            if (body != null && header[0].equalsIgnoreCase("Content-Length"))
            {
                continue;
            }
            String lower = header[0].toLowerCase(Locale.ROOT);
            if (seen.add(lower) && !lower.equals(UpstreamResponseHeaders.VARY))
            {
                proxyResponse.setHeader(header[0], header[1]);
            }
            else
            {
                proxyResponse.addHeader(header[0], header[1]);
            }
        }
        CacheExchange cache = CacheExchange.of(clientRequest);
        if (cache != null)
        {
            // The cache keeps the response as clients get it (header values are fixed on cached
            // routes), from the upstream's full list, which its policy reads.
            List<String[]> stored = UpstreamResponseHeaders.stored(serverResponse, exchange, locations);
            if (!transform.responseHeaders().empty())
            {
                stored = Transforms.responseHeaders(transform.responseHeaders(), source, stored);
            }
            cache.begin(serverResponse.getStatus(), stored, proxyResponse);
        }
        return body;
    }

    /**
     * A transformed response body: written whole with its own length, without blocking (a client
     * that stops reading holds its connection, not a thread, as with any other answer), then
     * {@code then} runs, whether the client took it or not.
     */
    static void write(HttpServletRequest clientRequest, HttpServletResponse proxyResponse, Exchange exchange, ResponseBody body, Runnable then)
    {
        ResponseBody.Result result = body.finish(new RequestSource(exchange, clientRequest), proxyResponse.getContentType());
        if (result.changed())
        {
            String etag = proxyResponse.getHeader("ETag");
            if (etag != null && !etag.startsWith("W/"))
            {
                // Another body under the same tag would break conditional requests; a weak tag still says "equivalent".
                proxyResponse.setHeader("ETag", "W/" + etag);
            }
            if (result.contentType() != null)
            {
                proxyResponse.setContentType(result.contentType());
            }
            // Byte ranges of the upstream's body do not address the new one.
            proxyResponse.setHeader("Accept-Ranges", null);
        }
        proxyResponse.setContentLength(result.body().length);
        try
        {
            AsyncBodyWrite.write(proxyResponse.getOutputStream(), result.body(), 0, result.body().length, () ->
            {
                exchange.addBytesOut(result.body().length);
                then.run();
            }, failure ->
            {
                exchange.outcome(Exchange.Outcome.CLIENT_ABORTED);
                then.run();
            });
        }
        catch (IOException | IllegalStateException x)
        {
            exchange.outcome(Exchange.Outcome.CLIENT_ABORTED);
            then.run();
        }
    }
}
