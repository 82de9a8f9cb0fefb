// upstream.<name>.slow-start: a target a reload adds gets a small share at first, not a full one.
package dev.sluice.proxy;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.sluice.testing.SluiceUnderTest;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Scaling out a pool of JVMs: the new instance is cold, and a full share at once makes its first
 * seconds slow for everyone it serves. With slow start it takes a tenth of a share at first.
 */
class SlowStartTest
{
    private static Server named(String name) throws Exception
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

    private static String config(String targets, String slowStart)
    {
        return """
            config.reload-interval = 200ms
            upstream.app.targets = %s
            upstream.app.slow-start = %s
            route.app.path = /
            route.app.upstream = app
            """.formatted(targets, slowStart);
    }

    private static Map<String, Integer> spread(HttpClient client, SluiceUnderTest sluice, int requests) throws Exception
    {
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < requests; i++)
        {
            ContentResponse response = client.newRequest(sluice.uri("/x")).timeout(10, TimeUnit.SECONDS).send();
            assertEquals(200, response.getStatus());
            counts.merge(response.getContentAsString(), 1, Integer::sum);
        }
        return counts;
    }

    /** Rewrites the configuration and waits until the added target answers. */
    private static void addTarget(HttpClient client, SluiceUnderTest sluice, String config) throws Exception
    {
        sluice.rewriteConfig(config);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!spread(client, sluice, 1).containsKey("c") && System.nanoTime() < deadline)
        {
            Thread.sleep(20);
        }
    }

    @Test
    void aTargetAddedByAReloadWarmsUp() throws Exception
    {
        Server a = named("a");
        Server b = named("b");
        Server c = named("c");
        HttpClient client = new HttpClient();
        client.start();
        try
        {
            for (String slowStart : new String[] {"1m", "0"})
            {
                try (SluiceUnderTest sluice = SluiceUnderTest.start(config(url(a) + ", " + url(b), slowStart)))
                {
                    addTarget(client, sluice, config(url(a) + ", " + url(b) + ", " + url(c), slowStart));
                    int toC = spread(client, sluice, 300).getOrDefault("c", 0);
                    if (slowStart.equals("0"))
                    {
                        assertTrue(toC >= 90 && toC <= 110, "without slow start a third of 300: " + toC);
                    }
                    else
                    {
                        // Weights 100, 100 and 10 (rising by a sixtieth a second): about 15 of 300.
                        assertTrue(toC >= 5 && toC <= 40, "with slow start about a twentieth of 300: " + toC);
                    }
                }
            }
        }
        finally
        {
            client.stop();
            a.stop();
            b.stop();
            c.stop();
        }
    }
}
