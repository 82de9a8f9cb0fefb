// Forwarding headers from a trusted front proxy are extended, not replaced.
package dev.sluice.proxy;

import dev.sluice.testing.RawHttp;
import dev.sluice.testing.SluiceUnderTest;
import dev.sluice.testing.TestUpstream;
import org.eclipse.jetty.http.HttpFields;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** With the peer (loopback here) configured as a trusted front proxy, its forwarding headers count. */
class TrustedForwardingTest
{
    @Test
    void aTrustedPeersForwardingHeadersAreExtendedNotReplaced() throws Exception
    {
        try (TestUpstream upstream = TestUpstream.start();
             SluiceUnderTest sluice = SluiceUnderTest.start("""
                 exchange.trusted-proxies = 127.0.0.1/32
                 upstream.app.url = %s
                 route.app.path = /
                 route.app.upstream = app
                 """.formatted(upstream.url())))
        {
            RawHttp.Reply reply = RawHttp.send(sluice.port(),
                "GET /t HTTP/1.1",
                "Host: internal:8080",
                "X-Forwarded-For: 203.0.113.7, 10.0.0.9",
                "X-Forwarded-Proto: https",
                "X-Forwarded-Host: api.example.com",
                "X-Forwarded-Port: 443",
                "X-Forwarded-Prefix: /outer",
                "Forwarded: for=203.0.113.7;proto=https",
                "Via: 1.1 cdn",
                "Connection: close");
            assertEquals(200, reply.status());
            HttpFields headers = upstream.take().headers();
            assertEquals("203.0.113.7, 10.0.0.9, 127.0.0.1", headers.get("X-Forwarded-For"));
            assertEquals("https", headers.get("X-Forwarded-Proto"));
            assertEquals("api.example.com", headers.get("X-Forwarded-Host"));
            assertEquals("443", headers.get("X-Forwarded-Port"));
            assertEquals("/outer", headers.get("X-Forwarded-Prefix"));
            assertEquals("1.1 cdn, 1.1 sluice", headers.get("Via"));
            assertEquals("for=203.0.113.7;proto=https, for=127.0.0.1;host=\"internal:8080\";proto=http", headers.get("Forwarded"));
            // 10.0.0.9 is not in the trusted list, so it is the client as far as Sluice can tell.
            assertEquals("10.0.0.9", headers.get("X-Real-IP"));
        }
    }
}
