// How an upstream's Location is pointed back through the route: origins, prefixes, and what is left alone.
package dev.sluice.proxy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

class LocationRewriteTest
{
    /** Columns: the upstream request's path, the client's path, the upstream's Location, what the client gets. */
    @ParameterizedTest(name = "{1} sent as {0}: {2} -> {3}")
    @CsvSource({
        // The path passed unchanged: only the internal origin goes.
        "/orders/7, /orders/7, http://10.0.0.5:8080/orders/8, /orders/8",
        "/orders/7, /orders/7, HTTP://10.0.0.5:8080/orders/8?x=1#f, /orders/8?x=1#f",
        "/orders/7, /orders/7, http://10.0.0.5:8080, /",
        "/orders/7, /orders/7, http://10.0.0.5:8080?x=1, /?x=1",
        // strip-prefix: the client's prefix comes back.
        "/orders/7, /api/orders/7, http://10.0.0.5:8080/login?next=/orders/7, /api/login?next=/orders/7",
        "/, /api, http://10.0.0.5:8080/login, /api/login",
        "/, /api/, http://10.0.0.5:8080/, /api/",
        // A template: the prefixes that differ swap, captured segments stay.
        "/v2/7/items, /api/7/items, http://10.0.0.5:8080/v2/7/items/9, /api/7/items/9",
        "/v2/7/items, /api/7/items, http://10.0.0.5:8080/v2/7, /api/7",
        // An upstream base path: /base is the upstream's side of the mapping.
        "/base/x, /x, http://10.0.0.5:8080/base/y, /y",
        // Left alone: other origins, other ports, paths outside the upstream prefix, not URLs.
        "/orders/7, /api/orders/7, https://login.example.com/start, https://login.example.com/start",
        "/orders/7, /api/orders/7, http://10.0.0.5:9090/x, http://10.0.0.5:9090/x",
        "/orders/7, /api/orders/7, https://10.0.0.5:8080/x, https://10.0.0.5:8080/x",
        "/orders/7, /api/orders/7, http://user@10.0.0.5:8080/x, http://user@10.0.0.5:8080/x",
        "/base/x, /x, http://10.0.0.5:8080/elsewhere, http://10.0.0.5:8080/elsewhere",
        "/v2/7/items, /api/7/items, http://10.0.0.5:8080/v20/7, http://10.0.0.5:8080/v20/7",
        // Path-absolute ones leak nothing, and may already carry the public prefix.
        "/orders/7, /api/orders/7, /api/login, /api/login",
        "/orders/7, /api/orders/7, /login, /login",
        "/orders/7, /api/orders/7, //10.0.0.5:8080/x, //10.0.0.5:8080/x",
        "/orders/7, /api/orders/7, other/relative, other/relative",
    })
    void pointsTheUpstreamsOwnReferencesBackThroughTheRoute(String upstreamPath, String clientPath, String location, String expected)
    {
        LocationRewrite rewrite = new LocationRewrite("http", "10.0.0.5", 8080, upstreamPath, clientPath, null, -1);
        assertEquals(expected, rewrite.value("Location", location));
        assertEquals(expected, rewrite.value("content-location", location));
        assertEquals(location, rewrite.value("X-Next", location), "other fields pass as they are");
    }

    @ParameterizedTest
    @CsvSource({
        "http, 127.0.0.1, 80, http://127.0.0.1/x, /x",
        "https, svc.internal, 443, https://SVC.internal:443/x, /x",
        "http, [::1], 8080, http://[::1]:8080/x, /x",
        "http, ::1, 8080, http://[::1]:8080/x, /x"})
    void defaultPortsCaseAndIpv6BracketsNameTheSameOrigin(String scheme, String host, int port, String location, String expected)
    {
        assertEquals(expected, new LocationRewrite(scheme, host, port, "/x", "/x", null, -1).value("Location", location));
    }

    /** Columns: the upstream's Link field, what the client gets (the client's /api/orders went upstream as /orders). */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "<http://10.0.0.5:8080/orders?page=2>; rel=\"next\", <http://10.0.0.5:8080/orders?page=9>; rel=\"last\""
            + "|</api/orders?page=2>; rel=\"next\", </api/orders?page=9>; rel=\"last\"",
        // Another origin, a quoted parameter holding what looks like a link, a path-absolute target: left alone.
        "<https://docs.example.com/orders>; rel=\"help\"; title=\"a, <http://10.0.0.5:8080/x>\", <http://10.0.0.5:8080/orders/7>; rel=\"self\""
            + "|<https://docs.example.com/orders>; rel=\"help\"; title=\"a, <http://10.0.0.5:8080/x>\", </api/orders/7>; rel=\"self\"",
        "</orders?page=2>; rel=next|</orders?page=2>; rel=next",
        // The name the upstream was sent (host-header) is its origin too.
        "<http://api.internal/orders?page=3>;rel=next|</api/orders?page=3>;rel=next",
        // Not a Link field that parses: left whole.
        "<http://10.0.0.5:8080/orders; rel=next|<http://10.0.0.5:8080/orders; rel=next",
    })
    void linkTargetsComeBackThroughTheRoute(String link, String expected)
    {
        LocationRewrite rewrite = new LocationRewrite("http", "10.0.0.5", 8080, "/orders", "/api/orders", "api.internal", 80);
        assertEquals(expected, rewrite.value("Link", link));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "5; url=http://10.0.0.5:8080/orders/done|5; url=/api/orders/done",
        "0;URL='http://10.0.0.5:8080/orders'|0;URL='/api/orders'",
        "3; url=https://elsewhere.example/x|3; url=https://elsewhere.example/x",
        "10|10",
    })
    void aRefreshUrlComesBackThroughTheRoute(String refresh, String expected)
    {
        LocationRewrite rewrite = new LocationRewrite("http", "10.0.0.5", 8080, "/orders", "/api/orders", null, -1);
        assertEquals(expected, rewrite.value("Refresh", refresh));
    }

    /** Columns: the upstream's Set-Cookie, what the client gets (the client's /api/account/7 went upstream as /account/7, to 10.0.0.5 named api.internal). */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        // A Path the browser would not send back on the client's path gets the client's prefix.
        "sid=1; Path=/account; HttpOnly|sid=1; Path=/api/account; HttpOnly",
        "sid=1;path=/account/|sid=1; path=/api/account/",
        // One that covers the client's path already stays; so does one outside the upstream's side.
        "theme=dark; Path=/|theme=dark; Path=/",
        "a=1; Path=/api|a=1; Path=/api",
        "a=1; Path=/elsewhere|a=1; Path=/api/elsewhere",
        // A Domain naming the upstream (its address or the Host it was sent) goes; another stays.
        "t=2; Domain=api.internal; Path=/account; Secure|t=2; Path=/api/account; Secure",
        "t=2; Domain=.API.internal|t=2",
        "t=2; Domain=10.0.0.5|t=2",
        "t=2; Domain=example.com; Path=/|t=2; Domain=example.com; Path=/",
        // No attributes, or none of these: as it was, quotes and all.
        "plain=1|plain=1",
        "q=\"a;b\"; Max-Age=60|q=\"a;b\"; Max-Age=60",
    })
    void cookiesForTheUpstreamsPathsAndNameComeBackForTheClients(String setCookie, String expected)
    {
        LocationRewrite rewrite = new LocationRewrite("http", "10.0.0.5", 8080, "/account/7", "/api/account/7", "api.internal", 80, "shop.example.com");
        assertEquals(expected, rewrite.value("Set-Cookie", setCookie));
    }

    @ParameterizedTest(name = "{0} on {1}")
    @CsvSource({"api.internal, api.internal", "api.internal, www.api.internal"})
    void aDomainTheClientsHostIsWithinStays(String domain, String clientHost)
    {
        LocationRewrite rewrite = new LocationRewrite("http", "10.0.0.5", 8080, "/x", "/x", "api.internal", 80, clientHost);
        assertEquals("t=2; Domain=" + domain, rewrite.value("Set-Cookie", "t=2; Domain=" + domain));
    }
}
