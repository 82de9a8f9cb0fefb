// Address literals and blocks: what parses, what does not (never a name lookup), and block edges.
package dev.sluice.exchange;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CidrTest
{
    @Test
    void ipv4LiteralsAreReadExactly()
    {
        assertArrayEquals(new byte[] {1, 2, 3, 4}, Cidr.literal("1.2.3.4"));
        assertArrayEquals(new byte[] {(byte)255, 0, 0, 7}, Cidr.literal("255.0.0.7"));
        assertArrayEquals(new byte[] {10, 0, 0, 1}, Cidr.literal("010.0.0.1"), "leading zeros are decimal, as before");
        for (String bad : new String[] {"256.1.1.1", "1.2.3", "1.2.3.4.", ".1.2.3", "1..2.3", "1234.1.1.1", "1.2.3.4.5", "a.b.c.d", "1.2.3.-4", "",
            "localhost", "example.com", "1.2.3.4 "})
        {
            assertNull(Cidr.literal(bad), bad);
        }
    }

    @Test
    void ipv6LiteralsWithOrWithoutBrackets()
    {
        byte[] loopback = new byte[16];
        loopback[15] = 1;
        assertArrayEquals(loopback, Cidr.literal("::1"));
        assertArrayEquals(loopback, Cidr.literal("[::1]"));
        assertEquals(16, Cidr.literal("2001:db8::5").length);
        assertNull(Cidr.literal("2001:db8::zz"));
        assertNull(Cidr.literal("[example.com]"));
    }

    @Test
    void blocksContainTheirAddressesUpToTheEdges()
    {
        Cidr eight = Cidr.parse("10.0.0.0/8");
        assertTrue(eight.contains(Cidr.literal("10.255.1.2")));
        assertFalse(eight.contains(Cidr.literal("11.0.0.0")));
        Cidr odd = Cidr.parse("192.168.2.0/23");
        assertTrue(odd.contains(Cidr.literal("192.168.2.0")));
        assertTrue(odd.contains(Cidr.literal("192.168.3.255")));
        assertFalse(odd.contains(Cidr.literal("192.168.1.255")));
        assertFalse(odd.contains(Cidr.literal("192.168.4.0")));
        assertTrue(Cidr.parse("0.0.0.0/0").contains(Cidr.literal("203.0.113.9")));
        assertTrue(Cidr.parse("203.0.113.9").contains(Cidr.literal("203.0.113.9")));
        assertFalse(Cidr.parse("203.0.113.9").contains(Cidr.literal("203.0.113.8")));
        Cidr six = Cidr.parse("2001:db8::/32");
        assertTrue(six.contains(Cidr.literal("2001:db8:ffff::1")));
        assertFalse(six.contains(Cidr.literal("2001:db9::1")));
        assertFalse(six.contains(Cidr.literal("10.0.0.1")), "an IPv4 address is never in an IPv6 block");
        assertFalse(eight.contains(null));
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse("10.0.0.0/33"));
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse("10.0.0/8"));
    }

    @Test
    void clientAddressesAreWrittenAsNginxWritesThem()
    {
        String[][] cases = {
            {"[0:0:0:0:0:0:0:1]", "::1"},
            {"2001:db8:0:0:0:0:0:5", "2001:db8::5"},
            {"[2001:0DB8:0000:0000:0001:0000:0000:0001]", "2001:db8::1:0:0:1"},
            {"1:0:0:2:0:0:0:3", "1:0:0:2::3"},
            {"2001:db8:0:1:2:3:4:5", "2001:db8:0:1:2:3:4:5"},
            {"0:0:0:0:0:0:0:0", "::"},
            {"fe80:0:0:0:0:0:0:0", "fe80::"},
            {"::ffff:192.0.2.1", "192.0.2.1"},
            {"203.0.113.7", "203.0.113.7"},
            {"not-an-address", "not-an-address"},
            {"zz::1", "zz::1"},
        };
        for (String[] c : cases)
        {
            assertEquals(c[1], Cidr.canonical(c[0]), c[0]);
        }
        assertNull(Cidr.canonical(null));
    }
}
