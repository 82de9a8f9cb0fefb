// What goes to a forward-auth service about a request, and how its refusal goes back to the client.
package dev.sluice.auth;

import java.io.IOException;
import java.util.Enumeration;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import dev.sluice.exchange.Exchange;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;

/** The two ends of {@link ForwardAuth}'s exchange with its service; the filter does the asking. */
final class ForwardAuthRequest
{
    /** Client fields never sent to the service: the connection's own, the body's, and the Host (the service's is its own). */
    private static final Set<String> NOT_SENT = Set.of("host", "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding",
        "upgrade", "content-length", "content-type", "content-encoding", "expect", "accept-encoding", "x-request-id", "forwarded", "x-real-ip");
    /** Fields of the service's refusal not passed on: hop-by-hop, framing (the body is re-framed, and decoded), and Sluice's own. */
    private static final Set<String> NOT_RELAYED = Set.of("connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding",
        "upgrade", "content-length", "content-encoding", "date", "server", "x-request-id");
    /** The longest caller name taken from the service's consumer header. */
    private static final int MAX_CALLER = 256;

    private ForwardAuthRequest()
    {
    }

    /**
     * The client's fields (those the service asks for, or all), without what the route hides
     * from the upstream (its credentials when {@code hide-credentials} is set) and without
     * client copies of what only Sluice may say; then who the route authenticated, if anyone,
     * and the original request as Traefik's forwardAuth describes it.
     */
    static HttpFields fields(HttpServletRequest request, Exchange exchange, ForwardAuth service, AuthSettings settings)
    {
        HttpFields.Mutable fields = HttpFields.build();
        for (Enumeration<String> names = request.getHeaderNames(); names.hasMoreElements(); )
        {
            String name = names.nextElement();
            String lower = name.toLowerCase(Locale.ROOT);
            if (NOT_SENT.contains(lower) || lower.startsWith("x-forwarded-") || (!service.requestHeaders().isEmpty() && !service.requestHeaders().contains(lower))
                || named(settings.strippedHeaders(), name) || named(exchange.hiddenHeaders(), name))
            {
                continue;
            }
            for (Enumeration<String> values = request.getHeaders(name); values.hasMoreElements(); )
            {
                fields.add(name, values.nextElement());
            }
        }
        if (exchange.identity() != null)
        {
            exchange.identity().headers().forEach(fields::put);
        }
        String host = request.getHeader("Host");
        String query = request.getQueryString();
        fields.put("X-Forwarded-Method", request.getMethod());
        fields.put("X-Forwarded-Proto", exchange.secure() ? "https" : "http");
        fields.put("X-Forwarded-Host", host == null ? request.getServerName() : host);
        fields.put("X-Forwarded-Uri", query == null ? request.getRequestURI() : request.getRequestURI() + "?" + query);
        fields.put("X-Forwarded-For", exchange.clientAddress());
        fields.put("X-Request-ID", exchange.id());
        return fields;
    }

    private static boolean named(java.util.List<String> names, String name)
    {
        for (String candidate : names)
        {
            if (candidate.equalsIgnoreCase(name))
            {
                return true;
            }
        }
        return false;
    }

    /** The service's refusal (3xx or 4xx) as the client's answer: its status, fields and body. */
    static void relay(HttpServletResponse response, Exchange exchange, AuthHttp.Answer answer) throws IOException
    {
        int status = answer.status();
        exchange.outcome(status == 401 || status < 400 ? Exchange.Outcome.UNAUTHORIZED : Exchange.Outcome.FORBIDDEN);
        response.setStatus(status);
        for (HttpField field : answer.headers())
        {
            if (!NOT_RELAYED.contains(field.getLowerCaseName()))
            {
                response.addHeader(field.getName(), field.getValue());
            }
        }
        byte[] body = answer.body();
        response.setContentLength(body.length);
        if (body.length > 0)
        {
            response.getOutputStream().write(body);
        }
        exchange.addBytesOut(body.length);
    }

    /**
     * Who the service's consumer header names: a declared consumer (with its groups), else the
     * service's own user; null when the header is missing, empty or too long.
     */
    static Identity caller(String name, ForwardAuth service, AuthSettings settings)
    {
        if (name == null || name.isBlank() || name.length() > MAX_CALLER)
        {
            return null;
        }
        Consumer consumer = settings.consumers().get(name);
        return consumer != null
            ? new Identity(consumer, null, consumer.groups(), Set.of(), false, Map.of(), Identity.CONSUMERS)
            : new Identity(null, name, Set.of(), Set.of(), false, Map.of(), "forward:" + service.name());
    }
}
