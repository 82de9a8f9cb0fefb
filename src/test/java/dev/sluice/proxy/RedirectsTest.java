// An upstream's redirects point back through Sluice, not at the upstream's own address.
package dev.sluice.proxy;

import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import dev.sluice.testing.Origin;
import dev.sluice.testing.SluiceUnderTest;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.server.Request;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Web frameworks build absolute redirects from the Host they were sent, which is the target's
 * own address unless the route preserves the client's. Passed on, such a redirect sent clients to
 * an internal address (and told them what it was), or past the route's prefix.
 */
class RedirectsTest
{
    private static Origin origin;
    private static SluiceUnderTest sluice;
    private static HttpClient client;

    @BeforeAll
    static void start() throws Exception
    {
        origin = new Origin();
        sluice = SluiceUnderTest.start("""
            upstream.app.url = %1$s
            route.shop.path = /shop
            route.shop.upstream = app
            route.api.path = /api
            route.api.upstream = app
            route.api.strip-prefix = true
            route.kept.path = /kept
            route.kept.upstream = app
            route.kept.strip-prefix = true
            route.kept.rewrite-location = false
            route.vhost.path = /vh
            route.vhost.upstream = app
            route.vhost.strip-prefix = true
            route.vhost.preserve-host = true
            route.stored.path = /stored
            route.stored.upstream = app
            route.stored.strip-prefix = true
            route.stored.cache = on
            upstream.named.url = %1$s
            upstream.named.host-header = app.internal
            route.named.path = /named
            route.named.upstream = named
            route.named.strip-prefix = true
            """.formatted(origin.url()));
        client = new HttpClient();
        client.setFollowRedirects(false);
        client.start();
    }

    @AfterAll
    static void stop() throws Exception
    {
        client.stop();
        sluice.close();
        origin.close();
    }

    /** What a framework does: an absolute URL on the host it was asked for. */
    private static Function<Request, Origin.Answer> redirect(int status, String header, String path, String... more)
    {
        return request ->
        {
            String[] pairs = new String[more.length + 2];
            pairs[0] = header;
            pairs[1] = "http://" + request.getHeaders().get("Host") + path;
            System.arraycopy(more, 0, pairs, 2, more.length);
            return Origin.Answer.of(status, "", pairs);
        };
    }

    private static ContentResponse get(String path) throws Exception
    {
        return client.newRequest(sluice.uri(path)).timeout(10, TimeUnit.SECONDS).send();
    }

    @Test
    void aRedirectToTheTargetItselfComesBackAsTheClientsPath() throws Exception
    {
        origin.script("/shop/cart/old", redirect(301, "Location", "/shop/cart/new?x=1"));
        ContentResponse same = get("/shop/cart/old");
        assertEquals(301, same.getStatus());
        assertEquals("/shop/cart/new?x=1", same.getHeaders().get("Location"));

        origin.script("/orders/7", redirect(302, "Location", "/login?next=/orders/7"));
        ContentResponse stripped = get("/api/orders/7");
        assertEquals(302, stripped.getStatus());
        assertEquals("/api/login?next=/orders/7", stripped.getHeaders().get("Location"), "the route's prefix back in front");

        origin.script("/orders", redirect(201, "Content-Location", "/orders/8"));
        assertEquals("/api/orders/8", get("/api/orders").getHeaders().get("Content-Location"));
    }

    @Test
    void otherOriginsAndRoutesThatSayNoAreLeftAlone() throws Exception
    {
        origin.script("/sso", request -> Origin.Answer.of(302, "", "Location", "https://login.example.com/start?from=app"));
        assertEquals("https://login.example.com/start?from=app", get("/api/sso").getHeaders().get("Location"));

        origin.script("/as-is", redirect(302, "Location", "/elsewhere"));
        assertEquals(origin.url() + "/elsewhere", get("/kept/as-is").getHeaders().get("Location"));
    }

    @Test
    void aStoredRedirectIsStoredAsClientsGetIt() throws Exception
    {
        origin.script("/moved", redirect(301, "Location", "/new-home", "Cache-Control", "max-age=60"));
        ContentResponse miss = get("/stored/moved");
        ContentResponse hit = get("/stored/moved");
        assertEquals("MISS", miss.getHeaders().get("X-Cache-Status"));
        assertEquals("HIT", hit.getHeaders().get("X-Cache-Status"));
        assertEquals("/stored/new-home", miss.getHeaders().get("Location"));
        assertEquals("/stored/new-home", hit.getHeaders().get("Location"));
        assertEquals(1, origin.count("/moved"));
    }

    @Test
    void paginationLinksComeBackThroughTheRouteFreshAndStored() throws Exception
    {
        // What an API framework does for pagination: absolute links on the host it was asked for.
        origin.script("/items", request ->
        {
            String self = "http://" + request.getHeaders().get("Host");
            return Origin.Answer.of(200, "[]", "Link", "<" + self + "/items?page=2>; rel=\"next\", <https://docs.example.com/items>; rel=\"help\"",
                "Link", "<" + self + "/items?page=9>; rel=\"last\"", "Cache-Control", "max-age=60");
        });
        ContentResponse miss = get("/stored/items");
        ContentResponse hit = get("/stored/items");
        assertEquals("HIT", hit.getHeaders().get("X-Cache-Status"));
        for (ContentResponse response : java.util.List.of(miss, hit))
        {
            assertEquals(java.util.List.of("</stored/items?page=2>; rel=\"next\", <https://docs.example.com/items>; rel=\"help\"",
                "</stored/items?page=9>; rel=\"last\""), response.getHeaders().getValuesList("Link"));
        }
        origin.script("/wait", request -> Origin.Answer.of(200, "", "Refresh", "5; url=http://" + request.getHeaders().get("Host") + "/done"));
        assertEquals("5; url=/api/done", get("/api/wait").getHeaders().get("Refresh"));
    }

    @Test
    void onAPreserveHostRouteARedirectToTheClientsHostKeepsTheClientsScheme() throws Exception
    {
        // The upstream, reached over http and sent the client's Host, redirects to http://<that
        // host>/...: behind TLS that sends the client from https to http, and past the prefix.
        origin.script("/start", redirect(302, "Location", "/login?next=/start"));
        assertEquals("/vh/login?next=/start", getAs("shop.example.com", "/vh/start").getHeaders().get("Location"));
        // One that already says https (an upstream that reads X-Forwarded-Proto) is left as it is.
        origin.script("/secure", request -> Origin.Answer.of(302, "", "Location", "https://" + request.getHeaders().get("Host") + "/login"));
        assertEquals("https://shop.example.com/login", getAs("shop.example.com", "/vh/secure").getHeaders().get("Location"));
    }

    @Test
    void cookiesForTheUpstreamsPathsAndNameComeBackForTheClients() throws Exception
    {
        // A session cookie scoped to the application's own paths, under the route's prefix for the
        // browser; and one for the name the upstream was sent, which a browser would refuse.
        origin.script("/account/7", Origin.Answer.of(200, "", "Set-Cookie", "sid=s1; Path=/account; HttpOnly", "Set-Cookie", "theme=dark; Path=/",
            "Set-Cookie", "tok=t1; Domain=app.internal; Path=/account/7", "Set-Cookie", "ad=1; Domain=example.com"));
        ContentResponse named = get("/named/account/7");
        assertEquals(java.util.List.of("sid=s1; Path=/named/account; HttpOnly", "theme=dark; Path=/", "tok=t1; Path=/named/account/7", "ad=1; Domain=example.com"),
            named.getHeaders().getValuesList("Set-Cookie"));
        // Left alone where the route says so.
        origin.script("/login", Origin.Answer.of(200, "", "Set-Cookie", "sid=s2; Path=/login"));
        assertEquals("sid=s2; Path=/api/login", get("/api/login").getHeaders().get("Set-Cookie"));
        assertEquals("sid=s2; Path=/login", get("/kept/login").getHeaders().get("Set-Cookie"));
    }

    private static ContentResponse getAs(String host, String path) throws Exception
    {
        return client.newRequest(sluice.uri(path)).headers(headers -> headers.put("Host", host)).timeout(10, TimeUnit.SECONDS).send();
    }
}
