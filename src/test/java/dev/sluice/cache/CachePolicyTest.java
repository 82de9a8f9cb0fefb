// RFC 9111 decisions, table-driven, with times given: storability, lifetime, age, reuse, stale, 304 freshening.
package dev.sluice.cache;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CachePolicyTest
{
    private static final long T0 = HttpDates.parse("Sat, 28 Nov 2026 12:00:00 GMT");
    private static final CacheRoute ON = new CacheRoute(CacheRoute.Mode.ON, Duration.ofMinutes(5), CacheRoute.DEFAULT_FORCE_STATUSES, 1 << 20,
        null, List.of(), false, false, Set.of(), false, false, Duration.ofHours(1), false);
    private static final CacheRoute HEURISTIC = new CacheRoute(CacheRoute.Mode.ON, Duration.ofMinutes(5), CacheRoute.DEFAULT_FORCE_STATUSES,
        1 << 20, null, List.of(), false, false, Set.of(), true, false, Duration.ofHours(1), false);

    /** A response received at T0 with these "Name: value" headers separated by "|". */
    private static CachedResponse response(int status, String headers)
    {
        List<String[]> fields = new ArrayList<>();
        if (!headers.isEmpty())
        {
            for (String header : headers.split("\\|"))
            {
                int colon = header.indexOf(':');
                fields.add(new String[] {header.substring(0, colon).strip(), header.substring(colon + 1).strip()});
            }
        }
        return new CachedResponse(status, fields, new byte[0], T0, T0, "http://h/x", null, -1);
    }

    @ParameterizedTest(name = "{0} {1} -> {2}")
    @CsvSource(delimiter = ';', value = {
        "200; Cache-Control: max-age=60; ",
        "200; Expires: Sat, 28 Nov 2026 13:00:00 GMT; ",
        "200; ETag: \"a\"; ",
        "404; Cache-Control: max-age=60; ",
        "500; Cache-Control: max-age=60; ",
        "200; ; no freshness and no validator",
        "200; Cache-Control: no-store, max-age=60; no-store",
        "200; Cache-Control: private, max-age=60; private",
        "200; Cache-Control: private=\"X-A\", max-age=60; ",
        "200; Cache-Control: max-age=60|Vary: *; Vary: *",
        "200; Cache-Control: max-age=60|Set-Cookie: a=b; Set-Cookie",
        "206; Cache-Control: max-age=60; status 206",
        "304; Cache-Control: max-age=60; status 304",
        "599; Cache-Control: max-age=60, must-understand; must-understand with status 599",
        "200; Cache-Control: max-age=60, must-understand, no-store; ",
    })
    void storability(int status, String headers, String refusal)
    {
        assertEquals(refusal, CachePolicy.refusal("GET", response(status, headers == null ? "" : headers), CacheControl.parse((String)null), false, false, ON));
    }

    @Test
    void authorizationNeedsPublicSMaxAgeOrMustRevalidate()
    {
        CacheControl none = CacheControl.parse((String)null);
        assertEquals("Authorization without public, s-maxage or must-revalidate",
            CachePolicy.refusal("GET", response(200, "Cache-Control: max-age=60"), none, true, false, ON));
        for (String cc : List.of("max-age=60, public", "s-maxage=60", "max-age=60, must-revalidate"))
        {
            assertNull(CachePolicy.refusal("GET", response(200, "Cache-Control: " + cc), none, true, false, ON), cc);
        }
        assertEquals("request no-store", CachePolicy.refusal("GET", response(200, "Cache-Control: max-age=60"), CacheControl.parse("no-store"), false, false, ON));
        assertEquals("method POST", CachePolicy.refusal("POST", response(200, "Cache-Control: max-age=60"), none, false, false, ON));
    }

    @ParameterizedTest(name = "{0} -> {1} s")
    @CsvSource(delimiter = ';', value = {
        "Cache-Control: max-age=60; 60",
        "Cache-Control: s-maxage=10, max-age=60; 10",
        "Cache-Control: max-age=60, s-maxage=10; 10",
        "Cache-Control: max-age=\"60\"; 60",
        "Cache-Control: max-age=060; 60",
        "Cache-Control: max-age=a60; 0",
        "Cache-Control: max-age=60a; 0",
        "Cache-Control: max-age=-1; 0",
        "Cache-Control: max-age=6.5; 0",
        "Cache-Control: max-age =60; 0",
        "Cache-Control: max-age= 60; 0",
        "Cache-Control: max-age='60'; 0",
        "Cache-Control: x=\"max-age=100\", max-age=1; 1",
        "Cache-Control: max-age=1, max-age=100; 1",
        "Cache-Control: max-age=99999999999; 2147483648",
        "Date: Sat, 28 Nov 2026 12:00:00 GMT|Expires: Sat, 28 Nov 2026 12:10:00 GMT; 600",
        "Date: Sat, 28 Nov 2026 12:00:00 GMT|Expires: sat, 28 NOV 2026 12:10:00 gmt; 600",
        "Date: Sat, 28 Nov 2026 12:00:00 GMT|Expires: Saturday, 28-Nov-26 12:10:00 GMT; 600",
        "Date: Sat, 28 Nov 2026 12:00:00 GMT|Expires: Sat Nov 28 12:10:00 2026; 600",
        "Date: Sat, 28 Nov 2026 12:00:00 GMT|Expires: 0; 0",
        "Date: Sat, 28 Nov 2026 12:00:00 GMT|Expires: Sat, 28 Nov 2026 12:10:00 UTC; 0",
        "Date: Sat, 28 Nov 2026 12:00:00 GMT|Expires: Sat, 28 Nov 26 12:10:00 GMT; 0",
        "Date: Sat, 28 Nov 2026 12:00:00 GMT|Expires: Sat, 28 Nov 2026 2:10:00 GMT; 0",
        "Date: Sat, 28 Nov 2026 12:00:00 GMT|Expires: Sat, 28 Nov 2026 11:00:00 GMT; 0",
        "Date: bogus|Expires: Sat, 28 Nov 2026 12:10:00 GMT; 600",
        "Cache-Control: max-age=60|Expires: Sat, 28 Nov 2026 11:00:00 GMT; 60",
        "Last-Modified: Sat, 28 Nov 2026 02:00:00 GMT; 0",
    })
    void lifetime(String headers, long seconds)
    {
        assertEquals(seconds * 1000, CachePolicy.lifetime(response(200, headers), ON));
    }

    @Test
    void heuristicFreshnessOnlyWhenTheRouteEnablesIt()
    {
        CachedResponse lastModified = response(200, "Date: Sat, 28 Nov 2026 12:00:00 GMT|Last-Modified: Sat, 28 Nov 2026 02:00:00 GMT");
        assertEquals(0, CachePolicy.lifetime(lastModified, ON));
        assertEquals(3600_000, CachePolicy.lifetime(lastModified, HEURISTIC), "a tenth of ten hours");
        assertEquals(0, CachePolicy.lifetime(response(302, "Last-Modified: Sat, 28 Nov 2026 02:00:00 GMT"), HEURISTIC));
    }

    @ParameterizedTest(name = "Age {0} -> {1}")
    @CsvSource(delimiter = '|', value = {"30| 30", "0| 0", "abc| 0", "-5| 0", "7.0| 0", "7200,0| 7200", "0,7200| 0", "3600, 3600| 3600",
        "10;foo=1| 0", "' 45 '| 45", "99999999999999999| 2147483648", "''| 0", ", 5| 0"})
    void ageIsTheFirstMemberAndAnInvalidOneIsIgnored(String value, long expected)
    {
        assertEquals(expected, CachePolicy.ageSeconds(List.of(value)));
    }

    @Test
    void ageOnSeveralLinesIsOneListWhoseFirstMemberCounts()
    {
        assertEquals(20, CachePolicy.ageSeconds(List.of("20", "1")));
        assertEquals(0, CachePolicy.ageSeconds(List.of("x", "100")));
    }

    @Test
    void currentAgeFollowsSection423()
    {
        // Age 30 from upstream, 2 s in transit, 10 s in the cache.
        CachedResponse aged = new CachedResponse(200, List.of(new String[] {"Age", "30"}, new String[] {"Date", HttpDates.format(T0)}),
            new byte[0], T0 - 2000, T0, "u", null, -1);
        assertEquals(42_000, CachePolicy.age(aged, T0 + 10_000));
        // A Date far in the past (clock skew) counts through the apparent age.
        CachedResponse skewed = new CachedResponse(200, List.<String[]>of(new String[] {"Date", HttpDates.format(T0 - 100_000)}), new byte[0], T0, T0, "u", null, -1);
        assertEquals(100_000, CachePolicy.age(skewed, T0));
        // An unreadable Age is ignored: the age is what the cache saw itself.
        CachedResponse unreadable = new CachedResponse(200, List.<String[]>of(new String[] {"Age", "x"}), new byte[0], T0 - 1000, T0, "u", null, -1);
        assertEquals(6_000, CachePolicy.age(unreadable, T0 + 5_000));
    }

    @ParameterizedTest(name = "{0} / request {1} at +{2}s -> {3}")
    @CsvSource(delimiter = ';', value = {
        "max-age=60; ; 10; FRESH",
        "max-age=60; ; 61; VALIDATE",
        "max-age=60, no-cache; ; 1; VALIDATE",
        "max-age=60; no-cache; 1; VALIDATE",
        "max-age=60; max-age=5; 10; VALIDATE",
        "max-age=60; max-age=15; 10; FRESH",
        "max-age=60; min-fresh=55; 10; VALIDATE",
        "max-age=60; max-stale=30; 80; STALE_ALLOWED",
        "max-age=60; max-stale; 8000; STALE_ALLOWED",
        "max-age=60; max-stale=10; 80; VALIDATE",
        "max-age=60, must-revalidate; max-stale=30; 80; VALIDATE",
        "s-maxage=60; max-stale=30; 80; VALIDATE",
        "max-age=60, stale-while-revalidate=30; ; 80; STALE_WHILE_REVALIDATE",
        "max-age=60, stale-while-revalidate=30; ; 100; VALIDATE",
        "max-age=60, proxy-revalidate, stale-while-revalidate=30; ; 80; VALIDATE",
    })
    void reuse(String responseCc, String requestCc, long after, CachePolicy.Use expected)
    {
        CachedResponse stored = response(200, "Cache-Control: " + responseCc);
        assertEquals(expected, CachePolicy.use(stored, CacheControl.parse(requestCc), ON, T0 + after * 1000));
    }

    @Test
    void staleOnErrorHonoursStaleIfErrorAndTheRouteWhenUnreachable()
    {
        CacheControl none = CacheControl.parse((String)null);
        CachedResponse sie = response(200, "Cache-Control: max-age=10, stale-if-error=60");
        assertTrue(CachePolicy.staleOnError(sie, none, ON, T0 + 50_000, false));
        assertEquals(false, CachePolicy.staleOnError(sie, none, ON, T0 + 80_000, false));
        CachedResponse plain = response(200, "Cache-Control: max-age=10");
        assertEquals(false, CachePolicy.staleOnError(plain, none, ON, T0 + 50_000, false), "a 5xx is not 'disconnected'");
        assertTrue(CachePolicy.staleOnError(plain, none, ON, T0 + 50_000, true), "unreachable, within an hour");
        assertEquals(false, CachePolicy.staleOnError(plain, none, ON, T0 + 2 * 3600_000, true));
        assertTrue(CachePolicy.staleOnError(plain, CacheControl.parse("stale-if-error=100"), ON, T0 + 50_000, false), "the client may allow it");
        for (String forbids : List.of("must-revalidate", "proxy-revalidate", "no-cache", "s-maxage=10"))
        {
            CachedResponse strict = response(200, "Cache-Control: max-age=10, stale-if-error=60, " + forbids);
            assertEquals(false, CachePolicy.staleOnError(strict, none, ON, T0 + 20_000, true), forbids);
        }
    }

    @Test
    void storedHeadersDropHopByHopConnectionListedAndQualifiedNoCacheFields()
    {
        List<String[]> stored = CachePolicy.storedHeaders(List.of(new String[] {"Connection", "a, B"}, new String[] {"a", "1"},
            new String[] {"b", "2"}, new String[] {"c", "3"}, new String[] {"Keep-Alive", "x"}, new String[] {"Cache-Control", "no-cache=\"c\", max-age=9"},
            new String[] {"d", "4"}, new String[] {"X-Request-ID", "r"}, new String[] {"Age", "3"}), CacheSettings.NONE);
        assertEquals(List.of("Cache-Control", "d", "Age"), stored.stream().map(header -> header[0]).toList());
    }

    @Test
    void aTargetedFieldGovernsSluiceInsteadOfCacheControlAndIsNotPassedOn()
    {
        List<String[]> stored = CachePolicy.storedHeaders(List.of(new String[] {"Cache-Control", "no-store"},
            new String[] {"CDN-Cache-Control", "max-age=600"}, new String[] {"X-A", "1"}), CacheSettings.NONE);
        assertEquals(List.of("Cache-Control", "X-A", CachedResponse.CONTROL), stored.stream().map(header -> header[0]).toList());
        CachedResponse response = new CachedResponse(200, stored, new byte[0], T0, T0, "u", null, -1);
        assertNull(CachePolicy.refusal("GET", response, CacheControl.parse((String)null), false, false, ON));
        assertEquals(600_000, CachePolicy.lifetime(response, ON));
        assertEquals("no-store", response.value("Cache-Control"), "clients still get the origin's Cache-Control");
    }

    @Test
    void sluicesOwnTargetedFieldWinsOverCdnCacheControlAndAnInvalidOneIsSkipped()
    {
        assertEquals("max-age=5", CachePolicy.targetedControl(List.of(new String[] {"CDN-Cache-Control", "max-age=600"},
            new String[] {"Sluice-Cache-Control", "max-age=5"}), CacheSettings.DEFAULT_TARGETED));
        assertEquals("max-age=600", CachePolicy.targetedControl(List.of(new String[] {"Sluice-Cache-Control", "max-age=\"5"},
            new String[] {"CDN-Cache-Control", "max-age=600"}), CacheSettings.DEFAULT_TARGETED));
        assertEquals("no-store, max-age=1", CachePolicy.targetedControl(List.of(new String[] {"cdn-cache-control", "no-store"},
            new String[] {"CDN-Cache-Control", "max-age=1"}), CacheSettings.DEFAULT_TARGETED));
        assertNull(CachePolicy.targetedControl(List.<String[]>of(new String[] {"CDN-Cache-Control", "Max-Age=60"}), CacheSettings.DEFAULT_TARGETED),
            "dictionary keys are lower case");
        assertNull(CachePolicy.targetedControl(List.<String[]>of(new String[] {"CDN-Cache-Control", "max-age=60"}), List.of()));
        // RFC 9213: an invalid structured field is ignored (then Cache-Control counts).
        for (String invalid : List.of("max-age=\"10000\"", "max-age=10000, &&&&&", "max-age =100", "max-age= 100"))
        {
            assertNull(CachePolicy.targetedControl(List.<String[]>of(new String[] {"CDN-Cache-Control", invalid}), CacheSettings.DEFAULT_TARGETED), invalid);
        }
        assertEquals("foobar, max-age=3600", CachePolicy.targetedControl(List.<String[]>of(new String[] {"CDN-Cache-Control", "foobar, max-age=3600"}),
            CacheSettings.DEFAULT_TARGETED));
        // Thousands of members (within a 64 KB head): Java's regex engine overflowed its stack here,
        // and the answer was not stored.
        String many = "max-age=60" + ", a".repeat(20_000);
        assertEquals(many, CachePolicy.targetedControl(List.<String[]>of(new String[] {"CDN-Cache-Control", many}), CacheSettings.DEFAULT_TARGETED));
        assertNull(CachePolicy.targetedControl(List.<String[]>of(new String[] {"CDN-Cache-Control", many + ", &"}), CacheSettings.DEFAULT_TARGETED));
    }

    @Test
    void forceStoresNoAnswerToACredentialedRequestUnlessTheRouteSaysSo()
    {
        CacheRoute force = new CacheRoute(CacheRoute.Mode.FORCE, Duration.ofMinutes(5), CacheRoute.DEFAULT_FORCE_STATUSES, 1 << 20,
            null, List.of(), false, false, Set.of(), false, false, Duration.ofHours(1), false);
        CacheRoute credentialed = new CacheRoute(CacheRoute.Mode.FORCE, Duration.ofMinutes(5), CacheRoute.DEFAULT_FORCE_STATUSES, 1 << 20,
            null, List.of(), false, false, Set.of(), false, false, Duration.ofHours(1), true);
        CachedResponse response = response(200, "Cache-Control: public, max-age=60");
        CacheControl none = CacheControl.parse((String)null);
        assertEquals("force, and the request carried Authorization", CachePolicy.refusal("GET", response, none, true, false, force));
        assertEquals("force, and the request carried Cookie", CachePolicy.refusal("GET", response, none, false, true, force));
        assertNull(CachePolicy.refusal("GET", response, none, false, false, force));
        assertNull(CachePolicy.refusal("GET", response, none, true, true, credentialed));
    }

    @Test
    void a304ReplacesHeadersButNeverTheRepresentationFields()
    {
        CachedResponse stored = new CachedResponse(200, List.of(new String[] {"Content-Type", "text/plain"}, new String[] {"ETag", "\"a\""},
            new String[] {"X-Old", "1"}, new String[] {"Cache-Control", "max-age=1"}, new String[] {"Content-Encoding", "gzip"},
            new String[] {"Age", "50"}), "body".getBytes(), T0, T0, "u", null, -1);
        CachedResponse fresh = CachePolicy.freshen(stored, List.of(new String[] {"Cache-Control", "max-age=60"}, new String[] {"ETag", "\"b\""},
            new String[] {"Content-Type", "text/plain;charset=utf-8"}, new String[] {"Content-Encoding", "br"}, new String[] {"Connection", "close"}),
            CacheSettings.NONE, T0 + 5000, T0 + 5100);
        assertEquals("max-age=60", fresh.value("Cache-Control"));
        assertEquals("text/plain;charset=utf-8", fresh.value("Content-Type"));
        assertEquals("\"a\"", fresh.value("ETag"));
        assertEquals("gzip", fresh.value("Content-Encoding"));
        assertEquals("1", fresh.value("X-Old"));
        assertNull(fresh.value("Age"), "the age restarts from the 304");
        assertNull(fresh.value("Connection"));
        assertEquals(T0 + 5100, fresh.responseTime());
        assertEquals("body", new String(fresh.body()));
    }

    @Test
    void conditionalsUseWeakComparisonAndPreferIfNoneMatch()
    {
        CachedResponse stored = response(200, "ETag: W/\"v1\"|Last-Modified: Sat, 28 Nov 2026 10:00:00 GMT");
        assertTrue(Conditionals.notModified(List.of("\"x\", \"v1\""), null, stored));
        assertTrue(Conditionals.notModified(List.of("*"), null, stored));
        assertEquals(false, Conditionals.notModified(List.of("\"v2\""), "Sat, 28 Nov 2026 11:00:00 GMT", stored), "If-None-Match decides");
        assertTrue(Conditionals.notModified(List.of(), "Sat, 28 Nov 2026 11:00:00 GMT", stored));
        assertEquals(false, Conditionals.notModified(List.of(), "Sat, 28 Nov 2026 09:00:00 GMT", stored));
        assertEquals(false, Conditionals.notModified(List.of(), "yesterday", stored));
    }

    @Test
    void singleRangesAreServedRangesPastTheEndAre416AndAnythingElseIsTheWholeBody()
    {
        assertEquals(List.of(0L, 1L), toList(CacheResponder.singleRange("bytes=0-1", 11)));
        assertEquals(List.of(1L, 10L), toList(CacheResponder.singleRange("bytes=1-", 11)));
        assertEquals(List.of(10L, 10L), toList(CacheResponder.singleRange("bytes=-1", 11)));
        assertEquals(List.of(0L, 10L), toList(CacheResponder.singleRange("bytes=-50", 11)));
        assertEquals(List.of(5L, 10L), toList(CacheResponder.singleRange("bytes=5-99", 11)));
        // Past the end, or nothing of an empty body: 416.
        assertSame(CacheResponder.UNSATISFIABLE, CacheResponder.singleRange("bytes=11-", 11));
        assertSame(CacheResponder.UNSATISFIABLE, CacheResponder.singleRange("bytes=20-30", 11));
        assertSame(CacheResponder.UNSATISFIABLE, CacheResponder.singleRange("bytes=-0", 11));
        assertSame(CacheResponder.UNSATISFIABLE, CacheResponder.singleRange("bytes=0-", 0));
        // Not one valid range of bytes: ignored, the whole body.
        assertNull(CacheResponder.singleRange("bytes=0-1,3-4", 11));
        assertNull(CacheResponder.singleRange("bytes=5-3", 11));
        assertNull(CacheResponder.singleRange("items=0-1", 11));
        assertNull(CacheResponder.singleRange("bytes=x-1", 11));
    }

    private static List<Long> toList(long[] range)
    {
        return range == null ? null : List.of(range[0], range[1]);
    }

    @Test
    void varySelectingValuesAreNormalised()
    {
        assertEquals("1,2", CacheKeys.normalise(List.of(" 1, 2 ")));
        assertEquals("1,2", CacheKeys.normalise(List.of("1", "2")));
        String a = CacheKeys.variant("p", List.of("foo"), name -> List.of("1,2"));
        String b = CacheKeys.variant("p", List.of("foo"), name -> List.of("1", " 2"));
        String absent = CacheKeys.variant("p", List.of("foo"), name -> List.of());
        String empty = CacheKeys.variant("p", List.of("foo"), name -> List.of(""));
        assertEquals(a, b);
        assertTrue(!absent.equals(empty), "an absent header is not an empty one");
        assertEquals("page=2&sort=a", CacheKeys.query("utm=1&sort=a&page=2", List.of("page", "sort")));
        assertNull(CacheKeys.query("utm=1", List.of("page")));
    }
}
