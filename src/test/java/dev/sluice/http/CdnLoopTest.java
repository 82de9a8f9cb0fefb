// Reading RFC 8586 CDN-Loop fields: does any entry name this Sluice?
package dev.sluice.http;

import java.util.Collections;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CdnLoopTest
{
    private static boolean passed(String... fields)
    {
        return CdnLoop.passedHere(Collections.enumeration(List.of(fields)));
    }

    @Test
    void theIdIsSluicesAndDiffersPerInstanceInForm()
    {
        assertTrue(CdnLoop.ID.matches("sluice-[0-9a-f]{8}"), CdnLoop.ID);
    }

    @Test
    void anEntryNamingThisInstanceAnywhereInTheListIsALoop()
    {
        assertTrue(passed(CdnLoop.ID));
        assertTrue(passed("cloudflare, " + CdnLoop.ID));
        assertTrue(passed("cloudflare", " " + CdnLoop.ID.toUpperCase(java.util.Locale.ROOT) + " ; a=1"));
        assertTrue(passed("fastly;x=\"y\" ,  " + CdnLoop.ID + ";v=2, akamai"));
    }

    @Test
    void otherIdsAndNearMissesAreNot()
    {
        assertFalse(CdnLoop.passedHere(null));
        assertFalse(passed());
        assertFalse(passed(""));
        assertFalse(passed("cloudflare, fastly; a=1"));
        assertFalse(passed("sluice"));
        assertFalse(passed(CdnLoop.ID + "0"));
        assertFalse(passed("x" + CdnLoop.ID));
        assertFalse(passed(",,,;"));
    }
}
