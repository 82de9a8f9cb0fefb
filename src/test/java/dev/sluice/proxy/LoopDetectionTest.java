// An upstream that leads back to Sluice: answered 508 on the second pass, not after the connections run out.
package dev.sluice.proxy;

import dev.sluice.http.CdnLoop;
import dev.sluice.testing.RawHttp;
import dev.sluice.testing.SluiceUnderTest;
import dev.sluice.testing.TestUpstream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A route whose upstream is Sluice itself (its own address, or a balancer in front of it) sent
 * each request round until every connection to that upstream was taken: one request made 257
 * hops and got a 503 "Upstream connections busy" after 3.5 s, and meanwhile every other request
 * to that upstream got the same. Sluice now names itself in {@code CDN-Loop} and answers 508 when
 * a request comes back.
 */
class LoopDetectionTest
{
    private static TestUpstream upstream;

    @BeforeAll
    static void start() throws Exception
    {
        upstream = TestUpstream.start();
    }

    @AfterAll
    static void stop() throws Exception
    {
        upstream.close();
    }

    @Test
    void aRequestSentBackToSluiceIsAnswered508OnItsSecondPass() throws Exception
    {
        try (SluiceUnderTest sluice = SluiceUnderTest.start("upstream.self.url = " + upstream.url() + "\nroute.all.path = /\nroute.all.upstream = self\n"))
        {
            String looping = "upstream.self.url = http://127.0.0.1:" + sluice.port() + "\nroute.all.path = /\nroute.all.upstream = self\n"
                + "exchange.access-log = false\n";
            sluice.rewriteConfig(looping);
            RawHttp.Reply reply = null;
            for (int i = 0; i < 100; i++)
            {
                reply = RawHttp.send(sluice.port(), "GET /x HTTP/1.1", "Host: localhost", "Connection: close");
                if (reply.status() != 200)
                {
                    break;
                }
                upstream.take();
                Thread.sleep(50);
            }
            long started = System.nanoTime();
            reply = RawHttp.send(sluice.port(), "GET /x HTTP/1.1", "Host: localhost", "Connection: close");
            long millis = (System.nanoTime() - started) / 1_000_000;
            assertEquals(508, reply.status(), reply.head() + reply.body());
            assertTrue(reply.body().contains("urn:sluice:problem:loop-detected"), reply.body());
            assertTrue(reply.body().contains("the route's upstream leads back to Sluice"), reply.body());
            assertTrue(millis < 2_000, "answered after " + millis + " ms");
        }
    }

    /** Sluice keeps what the proxies before it listed, and adds itself after them. */
    @Test
    void forwardedRequestsCarryTheEarlierEntriesAndThisInstancesId() throws Exception
    {
        try (SluiceUnderTest sluice = SluiceUnderTest.start("upstream.app.url = " + upstream.url() + "\nroute.all.path = /\nroute.all.upstream = app\n"))
        {
            RawHttp.Reply reply = RawHttp.send(sluice.port(), "GET /x HTTP/1.1", "Host: localhost", "CDN-Loop: cloudflare; a=1", "Connection: close");
            assertEquals(200, reply.status(), reply.head());
            assertEquals(java.util.List.of("cloudflare; a=1", CdnLoop.ID), upstream.take().headers().getValuesList("CDN-Loop"));
            RawHttp.Reply back = RawHttp.send(sluice.port(), "GET /x HTTP/1.1", "Host: localhost", "CDN-Loop: cloudflare, " + CdnLoop.ID,
                "Connection: close");
            assertEquals(508, back.status(), back.head());
        }
    }
}
