// route.<name>.split.<upstream>: a share of a route's requests to another upstream, drawn per request or kept per client.
package dev.sluice.proxy;

import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.testing.LogCapture;
import dev.sluice.testing.SluiceUnderTest;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A canary release: version 2 of a service runs beside version 1 as an upstream of its own, and
 * takes a share of the route's requests. What a user relies on: the share holds (within chance),
 * a client keyed by {@code split.by} stays on one version, 0% sends nothing and 100% everything,
 * and the access log says which upstream answered.
 */
class SplitTest
{
    private static Server v1;
    private static Server v2;
    private static SluiceUnderTest sluice;
    private static HttpClient client;

    /** An upstream that answers its name and the path it was asked, so tests see where a request went. */
    private static Server version(String name) throws Exception
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
                Content.Sink.write(response, true, name + " " + request.getHttpURI().getPath(), callback);
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

    @BeforeAll
    static void start() throws Exception
    {
        v1 = version("v1");
        v2 = version("v2");
        sluice = SluiceUnderTest.start("""
            upstream.v1.url = %s
            upstream.v2.url = %s/next
            route.drawn.path = /drawn
            route.drawn.upstream = v1
            route.drawn.split.v2 = 20%%
            route.kept.path = /kept
            route.kept.upstream = v1
            route.kept.split.v2 = 50%%
            route.kept.split.by = header:X-User
            route.none.path = /none
            route.none.upstream = v1
            route.none.split.v2 = 0%%
            route.all.path = /all
            route.all.upstream = v1
            route.all.split.v2 = 100%%
            """.formatted(url(v1), url(v2)));
        client = new HttpClient();
        client.start();
    }

    @AfterAll
    static void stop() throws Exception
    {
        client.stop();
        sluice.close();
        v2.stop();
        v1.stop();
    }

    private static String get(String path, String user) throws Exception
    {
        ContentResponse response = client.newRequest(sluice.uri(path)).timeout(10, TimeUnit.SECONDS)
            .headers(headers -> headers.put("X-User", user == null ? "" : user)).send();
        assertEquals(200, response.getStatus());
        return response.getContentAsString();
    }

    @Test
    void aShareOfRequestsGoesToTheOtherUpstreamWithItsOwnBasePath() throws Exception
    {
        int toV2 = 0;
        for (int i = 0; i < 500; i++)
        {
            String answer = get("/drawn/x", null);
            if (answer.startsWith("v2"))
            {
                assertEquals("v2 /next/drawn/x", answer, "the other upstream's base path");
                toV2++;
            }
            else
            {
                assertEquals("v1 /drawn/x", answer);
            }
        }
        // 20% of 500 is 100, with a standard deviation of ~9: 60 to 140 is over four of them.
        assertTrue(toV2 >= 60 && toV2 <= 140, toV2 + " of 500 went to v2");
    }

    @Test
    void aClientKeyedBySplitByStaysOnOneVersion() throws Exception
    {
        int onV2 = 0;
        for (int user = 0; user < 60; user++)
        {
            String first = get("/kept/a", "user-" + user).substring(0, 2);
            for (int again = 0; again < 5; again++)
            {
                assertEquals(first, get("/kept/b", "user-" + user).substring(0, 2), "user-" + user + " moved");
            }
            onV2 += first.equals("v2") ? 1 : 0;
        }
        assertTrue(onV2 >= 15 && onV2 <= 45, onV2 + " of 60 users on v2 at 50%");
    }

    @Test
    void zeroSendsNothingAndAHundredEverything() throws Exception
    {
        for (int i = 0; i < 50; i++)
        {
            assertTrue(get("/none/x", null).startsWith("v1 "));
            assertTrue(get("/all/x", null).startsWith("v2 "));
        }
    }

    @Test
    void theAccessLogNamesTheUpstreamThatAnswered() throws Exception
    {
        try (LogCapture logs = LogCapture.start())
        {
            client.newRequest(sluice.uri("/all/x")).headers(headers -> headers.put("X-Request-ID", "split-1")).timeout(10, TimeUnit.SECONDS).send();
            client.newRequest(sluice.uri("/none/x")).headers(headers -> headers.put("X-Request-ID", "split-2")).timeout(10, TimeUnit.SECONDS).send();
            assertEquals("v2", new ObjectMapper().readTree(logs.accessLine("split-1")).get("upstream").asText());
            assertEquals("v1", new ObjectMapper().readTree(logs.accessLine("split-2")).get("upstream").asText());
        }
    }
}
