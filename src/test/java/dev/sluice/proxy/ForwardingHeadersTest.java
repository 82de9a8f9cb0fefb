// X-Forwarded-*, Forwarded and Via values, computed without servlets.
package dev.sluice.proxy;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ForwardingHeadersTest
{
    private static ForwardingHeaders.Incoming incoming(boolean trusted, String peer)
    {
        return new ForwardingHeaders.Incoming(trusted, peer, "http", "api.example.com", 8080,
            List.of("203.0.113.1"), "https", "public.example.com", "443", List.of("for=203.0.113.1;proto=https"));
    }

    @Test
    void fromAnUntrustedPeerEverythingIsReplaced()
    {
        ForwardingHeaders headers = ForwardingHeaders.of(incoming(false, "198.51.100.2"));
        assertEquals(new ForwardingHeaders("198.51.100.2", "http", "api.example.com", "8080",
            "for=198.51.100.2;host=api.example.com;proto=http"), headers);
    }

    @Test
    void fromATrustedPeerTheChainIsExtended()
    {
        ForwardingHeaders headers = ForwardingHeaders.of(incoming(true, "10.0.0.2"));
        assertEquals(new ForwardingHeaders("203.0.113.1, 10.0.0.2", "https", "public.example.com", "443",
            "for=203.0.113.1;proto=https, for=10.0.0.2;host=api.example.com;proto=http"), headers);
    }

    @Test
    void ipv6NodesAndHostsWithPortsAreQuoted()
    {
        ForwardingHeaders headers = ForwardingHeaders.of(new ForwardingHeaders.Incoming(false, "2001:db8::1", "http", "api.example.com:8080", 8080,
            List.of(), null, null, null, List.of()));
        assertEquals("for=\"[2001:db8::1]\";host=\"api.example.com:8080\";proto=http", headers.forwarded());
    }

    @Test
    void viaAppendsThisHop()
    {
        assertEquals("1.1 sluice", ForwardingHeaders.via(null, "HTTP/1.1", "sluice"));
        assertEquals("1.0 cdn, 2.0 sluice", ForwardingHeaders.via("1.0 cdn", "HTTP/2.0", "sluice"));
    }
}
