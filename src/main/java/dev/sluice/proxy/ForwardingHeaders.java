// What Sluice tells the upstream about the client: X-Forwarded-*, Forwarded (RFC 7239) and Via.
package dev.sluice.proxy;

import java.util.List;

/**
 * Computes the forwarding headers for one proxied request. Values a client sent are kept (and
 * extended) only when the TCP peer is a trusted proxy; from anyone else they are replaced, so a
 * client cannot make the upstream believe a different address, scheme or host.
 *
 * @param forwardedFor {@code X-Forwarded-For}
 * @param forwardedProto {@code X-Forwarded-Proto}
 * @param forwardedHost {@code X-Forwarded-Host}, null when unknown
 * @param forwardedPort {@code X-Forwarded-Port}
 * @param forwarded {@code Forwarded}
 */
public record ForwardingHeaders(String forwardedFor, String forwardedProto, String forwardedHost, String forwardedPort, String forwarded)
{
    /**
     * The facts about the connection and what the client sent.
     *
     * @param incomingFor every {@code X-Forwarded-For} value received, in order
     * @param incomingForwarded every {@code Forwarded} value received, in order
     */
    public record Incoming(
        boolean trustedPeer,
        String peer,
        String scheme,
        String host,
        int localPort,
        List<String> incomingFor,
        String incomingProto,
        String incomingHost,
        String incomingPort,
        List<String> incomingForwarded)
    {
    }

    public static ForwardingHeaders of(Incoming in)
    {
        boolean trusted = in.trustedPeer();
        String forwardedFor = trusted && !in.incomingFor().isEmpty()
            ? String.join(", ", in.incomingFor()) + ", " + in.peer()
            : in.peer();
        String proto = trusted && in.incomingProto() != null ? in.incomingProto() : in.scheme();
        String host = trusted && in.incomingHost() != null ? in.incomingHost() : in.host();
        String port = trusted && in.incomingPort() != null ? in.incomingPort() : Integer.toString(in.localPort());

        StringBuilder element = new StringBuilder("for=").append(node(in.peer()));
        if (in.host() != null)
        {
            element.append(";host=").append(quoteIfNeeded(in.host()));
        }
        element.append(";proto=").append(in.scheme());
        String forwarded = trusted && !in.incomingForwarded().isEmpty()
            ? String.join(", ", in.incomingForwarded()) + ", " + element
            : element.toString();
        return new ForwardingHeaders(forwardedFor, proto, host, port, forwarded);
    }

    /**
     * An RFC 7239 node: IPv6 addresses are bracketed and quoted.
     */
    static String node(String address)
    {
        if (address.indexOf(':') >= 0)
        {
            String bracketed = address.startsWith("[") ? address : "[" + address + "]";
            return "\"" + bracketed + "\"";
        }
        return address;
    }

    static String quoteIfNeeded(String value)
    {
        for (int i = 0; i < value.length(); i++)
        {
            char c = value.charAt(i);
            boolean token = Character.isLetterOrDigit(c) || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
            if (!token || c > 0x7e)
            {
                return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
            }
        }
        return value;
    }

    /**
     * The {@code Via} value for a request that arrived with {@code protocol} (e.g. HTTP/1.1),
     * appended to what earlier hops wrote.
     */
    public static String via(String incomingVia, String protocol, String name)
    {
        String version = protocol != null && protocol.startsWith("HTTP/") ? protocol.substring(5) : protocol;
        String hop = version + " " + name;
        return incomingVia == null || incomingVia.isBlank() ? hop : incomingVia + ", " + hop;
    }
}
