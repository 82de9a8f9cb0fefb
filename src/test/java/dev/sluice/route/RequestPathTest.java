// Path normalisation: dot segments resolved, ambiguous encodings refused.
package dev.sluice.route;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RequestPathTest
{
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "/, /",
        "'', /",
        "/a/b, /a/b",
        "/a/b/, /a/b/",
        "/a/./b, /a/b",
        "/a/b/., /a/b/",
        "/a/x/../b, /a/b",
        "/a/b/.., /a/",
        "/a/%2e%2e/b, /b",
        "/a/%2E/b, /a/b",
        "/a//b, /a//b",
        "/a%20b/c, /a%20b/c",
    })
    void dotSegmentsAreResolvedAndEncodingIsKept(String raw, String normalised) throws Exception
    {
        assertEquals(normalised, RequestPath.parse(raw).rawPath());
    }

    @Test
    void segmentsAreDecodedForMatching() throws Exception
    {
        RequestPath path = RequestPath.parse("/caf%C3%A9/a%20b/");
        assertEquals(List.of("café", "a b", ""), path.decoded());
        assertEquals(List.of("caf%C3%A9", "a%20b", ""), path.raw());
    }

    /**
     * Servlet containers and Spring read /api/admin;x as /api/admin. Matched as "admin;x", it
     * went to a route of /api and reached such a back-end as /api/admin, past the authentication
     * of the route of /api/admin. The parameters still go upstream as sent.
     */
    @Test
    void pathParametersAreNotPartOfTheSegmentsRoutesMatch() throws Exception
    {
        RequestPath path = RequestPath.parse("/api;v=2/admin;jsessionid=1");
        assertEquals(List.of("api", "admin"), path.decoded());
        assertEquals(List.of("api;v=2", "admin;jsessionid=1"), path.raw());
        assertEquals("/api;v=2/admin;jsessionid=1", path.rawPath());
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', value = {
        "/..|the path climbs above the root",
        "/a/../..|the path climbs above the root",
        "/%2e%2e/etc|the path climbs above the root",
        "/a%2Fb|the path hides a separator in a percent-escape",
        "/a%2fb|the path hides a separator in a percent-escape",
        "/a%5Cb|the path hides a separator in a percent-escape",
        "/a\\b|the path contains a backslash",
        "/a%00b|the path contains a control character",
        "/a/..;/b|a dot segment carries path parameters",
        "/a/%2e%2e;x=1/b|a dot segment carries path parameters",
        "/a%zz|the path has an invalid percent-escape",
        "/a%2|the path has an incomplete percent-escape",
        "/%C3%28|the path is not valid UTF-8 once decoded",
        "a/b|the path must start with '/'",
    })
    void ambiguousOrEscapingPathsAreRefused(String raw, String reason)
    {
        BadPathException x = assertThrows(BadPathException.class, () -> RequestPath.parse(raw));
        assertEquals(reason, x.getMessage());
    }

    @Test
    void anEncodedSlashIsOneSegmentWhenKept() throws Exception
    {
        RequestPath path = RequestPath.parseKeepingEncodedSlashes("/projects/group%2Fsub%2fproject/issues");
        assertTrue(path.hasEncodedSlash());
        assertEquals(List.of("projects", "group%2Fsub%2fproject", "issues"), path.raw());
        assertEquals(List.of("projects", "group/sub/project", "issues"), path.decoded());
        assertFalse(RequestPath.parseKeepingEncodedSlashes("/projects/a/b").hasEncodedSlash());
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"/a/..%2Fb", "/a/b%2F..", "/a/b%2F.%2Fc", "/a/b%2F..;x%2Fc", "/%2E%2E%2Fa"})
    void aDotSegmentBetweenEncodedSlashesIsRefusedEvenWhenKept(String raw)
    {
        BadPathException x = assertThrows(BadPathException.class, () -> RequestPath.parseKeepingEncodedSlashes(raw));
        assertEquals("the path hides a dot segment behind an encoded '/'", x.getMessage());
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"/p/z", "/p/./z", "/p/././z", "/p/%7a", "/p/%7A", "/p/z;p=1", "/q/../p/z", "/p;v=2/z"})
    void everySpellingOfOnePathHasOneCanonicalForm(String raw) throws Exception
    {
        assertEquals("/p/z", RequestPath.parse(raw).canonical());
    }
}
