// W3C traceparent parsing, the ids Sluice makes and the tracestate bounds, without a server.
package dev.sluice.exchange;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TraceContextTest
{
    private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String PARENT = "00f067aa0ba902b7";

    @Test
    void aValidTraceparentIsJoinedWithSluiceAsTheNextHop()
    {
        TraceContext trace = TraceContext.accept("00-" + TRACE + "-" + PARENT + "-01", "congo=t61rcWkgMzE", true);
        assertEquals(TRACE, trace.traceId());
        assertEquals(PARENT, trace.parentId());
        assertTrue(trace.sampled());
        assertEquals("congo=t61rcWkgMzE", trace.traceState());
        assertTrue(trace.spanId().matches("[0-9a-f]{16}"), trace.spanId());
        assertNotEquals(PARENT, trace.spanId());
        assertEquals("00-" + TRACE + "-" + trace.spanId() + "-01", trace.upstreamTraceparent());
    }

    @Test
    void onlyATrustedPeerCanAskForSampling()
    {
        TraceContext trace = TraceContext.accept("00-" + TRACE + "-" + PARENT + "-01", null, false);
        assertEquals(TRACE, trace.traceId());
        assertFalse(trace.sampled());
        assertTrue(trace.upstreamTraceparent().endsWith("-00"));
    }

    @Test
    void invalidTraceparentsStartANewTraceAndDropTheirTracestate()
    {
        for (String invalid : new String[]{
            "00-" + TRACE.toUpperCase() + "-" + PARENT + "-01",          // upper-case hex
            "00-00000000000000000000000000000000-" + PARENT + "-01",      // all-zero trace id
            "00-" + TRACE + "-0000000000000000-01",                       // all-zero parent id
            "ff-" + TRACE + "-" + PARENT + "-01",                         // version ff is invalid
            "00-" + TRACE + "-" + PARENT + "-01-extra",                   // version 00 is exactly 55 characters
            "00-" + TRACE + "-" + PARENT,                                 // too short
            "00_" + TRACE + "-" + PARENT + "-01",                         // wrong separator
            "zz-" + TRACE + "-" + PARENT + "-01",
            ""})
        {
            TraceContext trace = TraceContext.accept(invalid, "congo=t61rcWkgMzE", true);
            assertNotEquals(TRACE, trace.traceId(), invalid);
            assertTrue(trace.traceId().matches("[0-9a-f]{32}") && !trace.traceId().equals("0".repeat(32)), trace.traceId());
            assertNull(trace.parentId(), invalid);
            assertNull(trace.traceState(), invalid);
            assertFalse(trace.sampled(), invalid);
        }
    }

    @Test
    void aLaterVersionIsReadByItsFirstFourFields()
    {
        TraceContext trace = TraceContext.accept("01-" + TRACE + "-" + PARENT + "-00-whatever-comes-later", null, true);
        assertEquals(TRACE, trace.traceId());
        // Sluice speaks version 00 to the upstream.
        assertTrue(trace.upstreamTraceparent().startsWith("00-" + TRACE + "-"));
    }

    @Test
    void tracestateIsBoundedAsTheSpecificationSays()
    {
        String parent = "00-" + TRACE + "-" + PARENT + "-00";
        assertEquals("a=1", TraceContext.accept(parent, "a=1", false).traceState());
        assertNull(TraceContext.accept(parent, "a=" + "x".repeat(511), false).traceState(), "over 512 characters");
        StringBuilder members = new StringBuilder("m0=1");
        for (int i = 1; i < 33; i++)
        {
            members.append(",m").append(i).append("=1");
        }
        assertNull(TraceContext.accept(parent, members.toString(), false).traceState(), "33 members");
        assertNull(TraceContext.accept(parent, "a=\u00e9", false).traceState(), "not visible ASCII");
    }

    @Test
    void newTracesDiffer()
    {
        assertNotEquals(TraceContext.accept(null, null, false).traceId(), TraceContext.accept(null, null, false).traceId());
    }
}
