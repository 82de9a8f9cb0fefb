// upstream.<name>.sticky.cookie: a client stays on the target that first answered it, across Sluice nodes.
package dev.sluice.proxy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import dev.sluice.testing.SluiceUnderTest;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpCookieStore;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Session affinity as users of a stateful back-end (server-side HTTP sessions, socket.io's
 * polling) need it: the first answer pins the client with a cookie, later requests that carry
 * it reach the same target whatever the balancer would pick, on any Sluice node; a target that
 * drains keeps its sessions; a target that is down loses them to another, and the client is
 * pinned again. The upstream's own cookies pass beside Sluice's.
 */
class StickyTest
{
    private static final List<Server> targets = new ArrayList<>();
    private static Server downA;
    private static Server downB;
    private static SluiceUnderTest sluice;
    private static HttpClient client;

    /** A target that answers its name, and sets a session cookie of its own. */
    private static Server target(String name) throws Exception
    {
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract()
        {
            @Override
            public boolean handle(org.eclipse.jetty.server.Request request, org.eclipse.jetty.server.Response response, Callback callback)
            {
                response.getHeaders().add(HttpHeader.SET_COOKIE, "JSESSIONID=" + name + "-session; Path=/");
                Content.Sink.write(response, true, name, callback);
                return true;
            }
        });
        server.start();
        return server;
    }

    private static String url(Server server)
    {
        return "http://127.0.0.1:" + ((ServerConnector)server.getConnectors()[0]).getLocalPort();
    }

    private static String config(String appTargets)
    {
        return """
            exchange.trusted-proxies = 127.0.0.1/32
            upstream.app.targets = %s
            upstream.app.sticky.cookie = srv
            route.app.path = /app
            route.app.upstream = app
            upstream.pair.targets = %s, %s
            upstream.pair.sticky.cookie = pair_srv
            upstream.pair.sticky.ttl = 1h
            upstream.pair.sticky.path = /pair
            upstream.pair.sticky.same-site = strict
            route.pair.path = /pair
            route.pair.upstream = pair
            """.formatted(appTargets, url(downA), url(downB));
    }

    @BeforeAll
    static void start() throws Exception
    {
        for (String name : new String[] {"one", "two", "three"})
        {
            targets.add(target(name));
        }
        downA = target("down-a");
        downB = target("down-b");
        sluice = SluiceUnderTest.start(config(String.join(", ", targets.stream().map(StickyTest::url).toList())));
        client = new HttpClient();
        // Cookies are sent by hand: each test plays the browsers it needs.
        client.setHttpCookieStore(new HttpCookieStore.Empty());
        client.start();
    }

    @AfterAll
    static void stop() throws Exception
    {
        client.stop();
        sluice.close();
        for (Server server : targets)
        {
            server.stop();
        }
        downA.stop();
        downB.stop();
    }

    private static ContentResponse get(SluiceUnderTest node, String path, String cookie) throws Exception
    {
        ContentResponse response = client.newRequest(node.uri(path)).timeout(10, TimeUnit.SECONDS)
            .headers(headers ->
            {
                if (cookie != null)
                {
                    headers.put(HttpHeader.COOKIE, cookie);
                }
            })
            .send();
        assertEquals(200, response.getStatus(), response.getContentAsString());
        return response;
    }

    /** Sluice's Set-Cookie for the cookie named, or null. */
    private static String pin(ContentResponse response, String name)
    {
        for (String value : response.getHeaders().getValuesList(HttpHeader.SET_COOKIE))
        {
            if (value.startsWith(name + "="))
            {
                return value;
            }
        }
        return null;
    }

    private static String cookieOf(String setCookie)
    {
        return setCookie.substring(0, setCookie.indexOf(';'));
    }

    @Test
    void theFirstAnswerPinsTheClientAndLaterRequestsStayWhateverTheBalancerWouldPick() throws Exception
    {
        ContentResponse first = get(sluice, "/app/x", null);
        String setCookie = pin(first, "srv");
        assertTrue(setCookie != null && setCookie.matches("srv=[0-9a-f]{16}; Path=/; HttpOnly; SameSite=Lax"), String.valueOf(setCookie));
        assertTrue(first.getHeaders().getValuesList(HttpHeader.SET_COOKIE).contains("JSESSIONID=" + first.getContentAsString() + "-session; Path=/"),
            "the upstream's own cookie passes beside Sluice's: " + first.getHeaders().getValuesList(HttpHeader.SET_COOKIE));
        String cookie = cookieOf(setCookie) + "; JSESSIONID=" + first.getContentAsString() + "-session";
        for (int i = 0; i < 12; i++)
        {
            ContentResponse again = get(sluice, "/app/x", cookie);
            assertEquals(first.getContentAsString(), again.getContentAsString(), "request " + i + " left its target");
            assertNull(pin(again, "srv"), "a client already pinned there is not sent the cookie again");
        }
        // Without the cookie, round-robin spreads the same requests over all three.
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 6; i++)
        {
            seen.add(get(sluice, "/app/x", null).getContentAsString());
        }
        assertEquals(Set.of("one", "two", "three"), seen);
    }

    @Test
    void aCookieNamingNoTargetIsBalancedAndReplaced() throws Exception
    {
        ContentResponse response = get(sluice, "/app/x", "srv=0123456789abcdef");
        String setCookie = pin(response, "srv");
        assertTrue(setCookie != null && !setCookie.startsWith("srv=0123456789abcdef;"), String.valueOf(setCookie));
        assertEquals(response.getContentAsString(), get(sluice, "/app/x", cookieOf(setCookie)).getContentAsString());
    }

    @Test
    void anotherNodeSendsTheCookieToTheSameTargetAndADrainedTargetKeepsItsSessions() throws Exception
    {
        ContentResponse first = get(sluice, "/app/x", null);
        String pinned = first.getContentAsString();
        String cookie = cookieOf(pin(first, "srv"));
        // A second node, where the pinned target is being drained (weight 0: no new clients).
        List<String> weighted = new ArrayList<>();
        for (int i = 0; i < targets.size(); i++)
        {
            weighted.add(url(targets.get(i)) + (List.of("one", "two", "three").get(i).equals(pinned) ? " weight=0" : ""));
        }
        try (SluiceUnderTest other = SluiceUnderTest.start(config(String.join(", ", weighted))))
        {
            for (int i = 0; i < 6; i++)
            {
                ContentResponse there = get(other, "/app/x", cookie);
                assertEquals(pinned, there.getContentAsString(), "the other node keeps the client on its target");
                assertNull(pin(there, "srv"));
            }
            for (int i = 0; i < 6; i++)
            {
                ContentResponse fresh = get(other, "/app/x", null);
                assertNotEquals(pinned, fresh.getContentAsString(), "a drained target takes no new clients");
                assertTrue(pin(fresh, "srv") != null);
            }
        }
    }

    @Test
    void aTargetThatIsDownLosesItsClientsWhoArePinnedAgainWithTheRouteOptions() throws Exception
    {
        ContentResponse first = client.newRequest(sluice.uri("/pair/x")).timeout(10, TimeUnit.SECONDS)
            .headers(headers -> headers.put("X-Forwarded-Proto", "https")).send();
        String setCookie = pin(first, "pair_srv");
        assertTrue(setCookie != null && setCookie.matches("pair_srv=[0-9a-f]{16}; Path=/pair; Max-Age=3600; Secure; HttpOnly; SameSite=Strict"),
            "options, and Secure for a client that came over HTTPS (said by a trusted proxy): " + setCookie);
        String cookie = cookieOf(setCookie);
        String pinned = first.getContentAsString();
        Server pinnedServer = pinned.equals("down-a") ? downA : downB;
        pinnedServer.stop();
        ContentResponse moved = get(sluice, "/pair/x", cookie);
        assertNotEquals(pinned, moved.getContentAsString(), "answered by the other target after the connect failure");
        String newPin = pin(moved, "pair_srv");
        assertTrue(newPin != null && !newPin.startsWith(cookie + ";") && !newPin.contains("Secure"), "pinned again, over plain HTTP: " + newPin);
        for (int i = 0; i < 4; i++)
        {
            assertEquals(moved.getContentAsString(), get(sluice, "/pair/x", cookieOf(newPin)).getContentAsString());
        }
    }
}
