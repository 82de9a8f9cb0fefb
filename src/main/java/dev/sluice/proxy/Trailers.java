// Trailer fields through the proxy: asked for upstream when the client takes them, passed on when the upstream sends them.
package dev.sluice.proxy;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;

/**
 * gRPC ends every answer with its status in trailer fields ({@code grpc-status},
 * {@code grpc-message}); other APIs put checksums or a late error there. Jetty's proxy servlet
 * drops both the client's {@code TE: trailers} (a hop-by-hop field) and the upstream's trailers.
 * Here the upstream is told {@code TE: trailers} when the client said it accepts them, and an
 * answer of unknown length gets the upstream's trailers on its way to the client, which HTTP/2
 * always carries and HTTP/1.1 carries in its last chunk (the client having said {@code TE: trailers}).
 * Fields RFC 9110 §6.5.1 keeps out of trailers (framing, routing, controls, authentication) and
 * those {@code proxy.hide-response-headers} hides do not pass.
 */
final class Trailers
{
    /** Never taken from an upstream's trailers: they would change how the message is framed, routed or handled. */
    private static final Set<String> FORBIDDEN = Set.of(
        "content-length", "transfer-encoding", "trailer", "te", "connection", "keep-alive", "proxy-connection", "upgrade", "host",
        "content-type", "content-encoding", "content-range", "cache-control", "expires", "date", "age", "vary", "location",
        "retry-after", "set-cookie", "authorization", "www-authenticate", "proxy-authenticate", "proxy-authorization");
    /** At most this many trailer fields pass: a count an upstream controls (Jetty bounds their bytes). */
    static final int MAX_FIELDS = 100;

    private Trailers()
    {
    }

    /** Whether the client's {@code TE} lists {@code trailers} (RFC 9110 §10.1.4), parameters and case aside. */
    static boolean acceptedBy(HttpServletRequest clientRequest)
    {
        return dev.sluice.http.HeaderLists.lists(clientRequest.getHeaders("TE"), "trailers");
    }

    /**
     * Whether this client takes trailers on an answer of unknown length: HTTP/2 always carries
     * them, HTTP/1.1 in the last chunk when the client said it accepts them.
     */
    static boolean takenBy(HttpServletRequest clientRequest)
    {
        String protocol = clientRequest.getProtocol();
        return "HTTP/2.0".equals(protocol) || ("HTTP/1.1".equals(protocol) && acceptedBy(clientRequest));
    }

    /**
     * Hands the client response a supplier the container asks when the answer ends, which is after
     * the upstream's trailers arrived (the exchange completes only when the upstream's answer has).
     */
    static void pass(HttpServletResponse proxyResponse, Response serverResponse, Set<String> hidden)
    {
        try
        {
            proxyResponse.setTrailerFields(() ->
            {
                Map<String, String> passing = passing(serverResponse.getTrailers(), hidden);
                return passing != null ? passing : trailersOnlyStatus(serverResponse.getHeaders());
            });
        }
        catch (IllegalStateException x)
        {
            // Committed already, or a protocol the container sends no trailers on: the answer goes without.
        }
    }

    /**
     * A gRPC answer with no message has its status in its headers alone ("trailers-only"), which
     * Sluice passed on with the other headers. Jetty then ends the answer with that header block;
     * Tomcat ends it with an empty DATA frame, after which gRPC clients find no status at all. So
     * the status fields are repeated as trailers, which clients read in either case. Null for
     * answers without a grpc-status.
     */
    private static Map<String, String> trailersOnlyStatus(HttpFields headers)
    {
        String status = headers.get("grpc-status");
        if (status == null)
        {
            return null;
        }
        Map<String, String> trailers = new LinkedHashMap<>();
        trailers.put("grpc-status", status);
        for (String name : new String[] {"grpc-message", "grpc-status-details-bin"})
        {
            String value = headers.get(name);
            if (value != null)
            {
                trailers.put(name, value);
            }
        }
        return trailers;
    }

    /** The trailers that pass, repeated names joined with ", " (the servlet API takes one value per name); null for none. */
    static Map<String, String> passing(HttpFields trailers, Set<String> hidden)
    {
        if (trailers == null || trailers.size() == 0)
        {
            return null;
        }
        Map<String, String> passing = new LinkedHashMap<>();
        for (HttpField field : trailers)
        {
            String name = field.getLowerCaseName();
            if (FORBIDDEN.contains(name) || hidden.contains(name) || field.getValue() == null)
            {
                continue;
            }
            if (passing.size() == MAX_FIELDS && !passing.containsKey(name))
            {
                break;
            }
            passing.merge(name, field.getValue(), (first, next) -> first + ", " + next);
        }
        return passing.isEmpty() ? null : passing;
    }
}
