// Client address resolution through trusted proxies, and CIDR matching.
package dev.sluice.exchange;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrustedProxiesTest
{
    private static final TrustedProxies LOAD_BALANCERS = new TrustedProxies(List.of(Cidr.parse("10.0.0.0/8"), Cidr.parse("2001:db8::/32")));

    @Test
    void anUntrustedPeerIsTheClientWhateverItClaims()
    {
        assertEquals("198.51.100.7", LOAD_BALANCERS.clientAddress("198.51.100.7", List.of("1.2.3.4")));
        assertEquals("198.51.100.7", TrustedProxies.NONE.clientAddress("198.51.100.7", List.of("1.2.3.4")));
    }

    @Test
    void fromATrustedPeerTheRightMostUntrustedHopIsTheClient()
    {
        assertEquals("203.0.113.5", LOAD_BALANCERS.clientAddress("10.0.0.2", List.of("6.6.6.6, 203.0.113.5")));
        assertEquals("203.0.113.5", LOAD_BALANCERS.clientAddress("10.0.0.2", List.of("6.6.6.6", "203.0.113.5, 10.1.1.1")));
    }

    @Test
    void aClientCannotRotateASpoofedLeftMostAddress()
    {
        for (String spoofed : new String[]{"1.1.1.1", "2.2.2.2", "10.9.9.9"})
        {
            assertEquals("203.0.113.5", LOAD_BALANCERS.clientAddress("10.0.0.2", List.of(spoofed + ", 203.0.113.5")));
        }
    }

    @Test
    void whenEveryHopIsTrustedTheLeftMostIsTheClient()
    {
        assertEquals("10.3.3.3", LOAD_BALANCERS.clientAddress("10.0.0.2", List.of("10.3.3.3, 10.2.2.2")));
    }

    @Test
    void garbageInTheChainStopsTheWalk()
    {
        assertEquals("10.2.2.2", LOAD_BALANCERS.clientAddress("10.0.0.2", List.of("203.0.113.5, not-an-ip, 10.2.2.2")));
    }

    @Test
    void portsAndBracketsAreStripped()
    {
        assertEquals("203.0.113.5", LOAD_BALANCERS.clientAddress("10.0.0.2", List.of("203.0.113.5:4711")));
        assertEquals("2001:db9::1", LOAD_BALANCERS.clientAddress("2001:db8::2", List.of("[2001:db9::1]:443")));
    }

    @Test
    void cidrBlocksMatchByPrefix()
    {
        assertTrue(Cidr.parse("192.168.0.0/16").contains(Cidr.literal("192.168.255.1")));
        assertFalse(Cidr.parse("192.168.0.0/16").contains(Cidr.literal("192.169.0.1")));
        assertTrue(Cidr.parse("0.0.0.0/0").contains(Cidr.literal("8.8.8.8")));
        assertFalse(Cidr.parse("10.0.0.0/8").contains(Cidr.literal("::1")));
        assertTrue(Cidr.parse("::1").contains(Cidr.literal("::1")));
        assertEquals(null, Cidr.literal("localhost"), "names are never resolved");
        assertEquals(null, Cidr.literal("300.1.1.1"));
    }
}
