// Route matching and precedence, ties, rewrites and pattern syntax, without servlets.
package dev.sluice.route;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class RouteTableTest
{
    private static final Timeouts TIMEOUTS = new Timeouts(Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ZERO);

    static Route route(String name, String path, String... conditions)
    {
        PathPattern pattern = PathPattern.parse(path);
        List<HostPattern> hosts = new ArrayList<>();
        Set<String> methods = new java.util.HashSet<>();
        List<HeaderCondition> headers = new ArrayList<>();
        PathRewrite rewrite = null;
        for (String condition : conditions)
        {
            String[] pair = condition.split("=", 2);
            switch (pair[0])
            {
                case "host" -> hosts.add(HostPattern.parse(pair[1]));
                case "method" -> methods.add(pair[1]);
                case "rewrite" -> rewrite = PathRewrite.parse(pair[1], pattern);
                default -> headers.add(new HeaderCondition(pair[0], pair[1]));
            }
        }
        return new Route(name, pattern, hosts, methods, headers, "up", rewrite, false, TIMEOUTS, dev.sluice.upstream.RetryPolicy.DEFAULT);
    }

    static RouteMatch match(RouteTable table, String host, String method, String path, Map<String, String> headers) throws Exception
    {
        return table.match(new RouteRequest(host, method, RequestPath.parse(path), headers::get));
    }

    static String winner(RouteTable table, String method, String path) throws Exception
    {
        RouteMatch match = match(table, "example.com", method, path, Map.of());
        return match == null ? null : match.route().name();
    }

    @ParameterizedTest(name = "{0} matches {1}")
    @CsvSource({
        "/api, /api, true",
        "/api, /api/, true",
        "/api, /api/x/y, true",
        "/api, /apix, false",
        "/api/, /api/x, true",
        "=/api, /api, true",
        "=/api, /api/, false",
        "=/api, /api/x, false",
        "/api/*/items, /api/7/items, true",
        "/api/*/items, /api//items, false",
        "/api/*/items, /api/7/items/x, false",
        "/api/*/items/**, /api/7/items, true",
        "/api/*/items/**, /api/7/items/x/y, true",
        "/, /, true",
        "/, /anything/at/all, true",
        "=/, /, true",
        "=/, /x, false",
        "/caf\u00e9, /caf%C3%A9/x, true",
    })
    void pathPatternsMatchWholeSegments(String pattern, String path, boolean matches) throws Exception
    {
        assertEquals(matches, PathPattern.parse(pattern).match(RequestPath.parse(path)) != null);
    }

    @Test
    void mostSpecificRouteWins() throws Exception
    {
        RouteTable table = new RouteTable(List.of(
            route("root", "/"),
            route("api", "/api"),
            route("users", "/api/users"),
            route("exact", "=/api/users/me"),
            route("star", "/api/*/orders"),
            route("posts", "/api/users", "method=POST")));
        assertEquals("root", winner(table, "GET", "/other"));
        assertEquals("api", winner(table, "GET", "/api/things"));
        assertEquals("users", winner(table, "GET", "/api/users/42"));
        assertEquals("posts", winner(table, "POST", "/api/users/42"));
        assertEquals("exact", winner(table, "POST", "/api/users/me"));
        assertEquals("star", winner(table, "GET", "/api/users/orders"));
    }

    @Test
    void hostsAreMoreSpecificThanPaths() throws Exception
    {
        RouteTable table = new RouteTable(List.of(
            route("long-path", "/api/v1/users"),
            route("wild", "/", "host=*.example.com"),
            route("exact", "/", "host=api.example.com")));
        assertEquals("exact", match(table, "api.example.com", "GET", "/api/v1/users", Map.of()).route().name());
        assertEquals("wild", match(table, "www.example.com", "GET", "/api/v1/users", Map.of()).route().name());
        assertEquals("long-path", match(table, "example.com", "GET", "/api/v1/users", Map.of()).route().name());
        assertNull(match(table, "example.com", "GET", "/other", Map.of()));
    }

    @Test
    void headerConditionsSelectARoute() throws Exception
    {
        RouteTable table = new RouteTable(List.of(
            route("v1", "/api"),
            route("v2", "/api", "X-Version=2"),
            route("beta", "/api", "X-Version=2", "X-Beta=*")));
        assertEquals("v1", match(table, "h", "GET", "/api", Map.of()).route().name());
        assertEquals("v1", match(table, "h", "GET", "/api", Map.of("X-Version", "3")).route().name());
        assertEquals("v2", match(table, "h", "GET", "/api", Map.of("X-Version", "2")).route().name());
        assertEquals("beta", match(table, "h", "GET", "/api", Map.of("X-Version", "2", "X-Beta", "yes")).route().name());
    }

    @Test
    void equallySpecificOverlappingRoutesAreTies()
    {
        RouteTable table = new RouteTable(List.of(
            route("a", "/*/b"),
            route("b", "/a/*"),
            route("c", "/x", "method=GET"),
            route("d", "/x", "method=POST"),
            route("e", "/y", "X-V=1"),
            route("f", "/y", "X-V=2"),
            route("g", "/z", "host=a.example.com"),
            route("h", "/z", "host=b.example.com")));
        assertEquals(List.of("Routes 'a' and 'b' are equally specific and can match the same request; "
            + "make one more specific (host, longer path, methods or headers)."), table.ties());
    }

    @Test
    void aPrefixAndTheSamePathEndingInStarStarTie()
    {
        RouteTable table = new RouteTable(List.of(route("p", "/a/b"), route("q", "/a/b/**")));
        assertEquals(1, table.ties().size(), "/a/b and /a/b/** are the same route written twice");
    }

    @Test
    void theUpstreamPathFollowsStripAndRewrite() throws Exception
    {
        RouteTable table = new RouteTable(List.of(
            route("strip", "/echo", "rewrite=" + PathRewrite.STRIP_PREFIX),
            route("rewrite", "/v2/*/orders/**", "rewrite=/api/users/{1}/orders/{**}"),
            route("keep", "/keep")));
        assertEquals("", match(table, "h", "GET", "/echo", Map.of()).upstreamPath());
        assertEquals("/", match(table, "h", "GET", "/echo/", Map.of()).upstreamPath());
        assertEquals("/a/b%20c", match(table, "h", "GET", "/echo/a/b%20c", Map.of()).upstreamPath());
        assertEquals("/api/users/bob/orders", match(table, "h", "GET", "/v2/bob/orders", Map.of()).upstreamPath());
        assertEquals("/api/users/bob/orders/7/x", match(table, "h", "GET", "/v2/bob/orders/7/x", Map.of()).upstreamPath());
        assertEquals("/keep/x/", match(table, "h", "GET", "/keep/y/../x/", Map.of()).upstreamPath());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "api|a path starting with '/' (or '=/' for an exact path)",
        "/a/**/b|'**' only as the last segment",
        "/a*|'*' and '**' only as whole segments",
        "=/a/*|an exact path (=/...) without wildcards",
        "/-/health|a path outside /-/, which is reserved for Sluice's own endpoints",
        "/a/../b|a path without '.' or '..' segments",
        "/a%2Fb|a plain path without '//', '\\', '?', '#', ';' or '%' escapes",
        "/a;v=1/b|a plain path without '//', '\\', '?', '#', ';' or '%' escapes",
    })
    void badPatternsSayWhatIsAllowed(String pattern, String allowed)
    {
        assertEquals(allowed, assertThrows(IllegalArgumentException.class, () -> PathPattern.parse(pattern)).getMessage());
    }

    @Test
    void rewritesReferOnlyToCapturesThatExist()
    {
        PathPattern exact = PathPattern.parse("/a/*/b");
        assertEquals("references {1}..{1} to the route path's '*' segments",
            assertThrows(IllegalArgumentException.class, () -> PathRewrite.parse("/x/{2}", exact)).getMessage());
        assertEquals("{**} only when the route's path is a prefix or ends in /**",
            assertThrows(IllegalArgumentException.class, () -> PathRewrite.parse("/x/{**}", exact)).getMessage());
    }

    @Test
    void hostPatternsMatchCaseInsensitivelyAndNeedALabelBeforeTheWildcard()
    {
        HostPattern wildcard = HostPattern.parse("*.Example.com");
        assertEquals(true, wildcard.matches("API.example.COM"));
        assertEquals(false, wildcard.matches("example.com"));
        assertEquals(false, wildcard.matches("badexample.com"));
        assertEquals("a host name such as api.example.com or *.example.com",
            assertThrows(IllegalArgumentException.class, () -> HostPattern.parse("exa mple.com")).getMessage());
    }

    /**
     * A fully qualified name may end in a dot (curl sends it as given); it names the same host, as
     * nginx takes it. Unmatched, such a request fell to a route without hosts, past the host's own
     * route and whatever authentication that route asks for.
     */
    @Test
    void aHostWithItsTrailingDotIsTheSameHost()
    {
        assertEquals(true, HostPattern.parse("api.example.com").matches("api.example.com."));
        assertEquals(true, HostPattern.parse("*.example.org").matches("x.example.org."));
        assertEquals(false, HostPattern.parse("*.example.org").matches("example.org."));
        assertEquals(false, HostPattern.parse("api.example.com").matches("api.example.com.."));
    }

    private static Route anyCase(String name, String path)
    {
        PathPattern pattern = PathPattern.parse(path, false);
        return new Route(name, pattern, List.of(), Set.of(), List.of(), "up", null, false, TIMEOUTS, dev.sluice.upstream.RetryPolicy.DEFAULT);
    }

    @Test
    void aCaseInsensitiveRouteTakesEverySpellingOfItsPath() throws Exception
    {
        // A public /api in front of a back-end that folds case (IIS, ASP.NET) must not be the way
        // round /api/admin's authentication: /api/ADMIN is /api/admin there.
        RouteTable table = new RouteTable(List.of(route("public", "/api"), anyCase("admin", "/api/admin")));
        assertEquals("admin", winner(table, "GET", "/api/admin/users"));
        assertEquals("admin", winner(table, "GET", "/api/ADMIN/users"));
        assertEquals("admin", winner(table, "GET", "/api/Admin"));
        assertEquals("admin", winner(table, "GET", "/api/%41dmin"), "decoded before matching");
        assertEquals("public", winner(table, "GET", "/api/admins"));
        // ASCII letters only: the Kelvin sign is not 'k' to a back-end's path matching.
        RouteTable kelvin = new RouteTable(List.of(route("public", "/"), anyCase("kit", "/kit")));
        assertEquals("kit", winner(kelvin, "GET", "/KIT"));
        assertEquals("public", winner(kelvin, "GET", "/%E2%84%AAit"));
        RouteTable symbols = new RouteTable(List.of(route("public", "/"), anyCase("at", "/x@")));
        assertEquals("at", winner(symbols, "GET", "/X@"));
        assertEquals("public", winner(symbols, "GET", "/x%60"), "'@' and '`' differ by the case bit but are not letters");
        // The default stays case-sensitive, as nginx, Kong and Envoy match.
        assertEquals("public", winner(new RouteTable(List.of(route("public", "/api"), route("admin", "/api/admin"))), "GET", "/api/ADMIN"));
    }

    @Test
    void routesThatDifferOnlyInCaseTieWhenEitherIgnoresIt()
    {
        assertEquals(1, new RouteTable(List.of(anyCase("a", "/Orders"), route("b", "/orders"))).ties().size());
        assertEquals(0, new RouteTable(List.of(route("a", "/Orders"), route("b", "/orders"))).ties().size());
    }
}
