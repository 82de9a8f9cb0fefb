// Live reload against a running Sluice: valid edits, invalid edits, requests in flight.
package dev.sluice.config;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import dev.sluice.testing.LogCapture;
import dev.sluice.testing.SluiceUnderTest;
import dev.sluice.testing.TestUpstream;
import org.eclipse.jetty.client.CompletableResponseListener;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Editing the properties file of a running Sluice. */
class ConfigReloadTest
{
    private TestUpstream first;
    private TestUpstream second;
    private HttpClient client;

    @BeforeEach
    void start() throws Exception
    {
        first = named("first", 800);
        second = named("second", 0);
        client = new HttpClient();
        client.start();
    }

    @AfterEach
    void stop() throws Exception
    {
        client.stop();
        first.close();
        second.close();
    }

    private static TestUpstream named(String name, long delayMillis) throws Exception
    {
        return TestUpstream.start(new Handler.Abstract()
        {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception
            {
                Thread.sleep(delayMillis);
                Content.Sink.write(response, true, name, callback);
                return true;
            }
        });
    }

    private String config(String routePath, TestUpstream upstream)
    {
        return """
            config.reload-interval = 100ms
            upstream.app.url = %s
            route.app.path = %s
            route.app.upstream = app
            """.formatted(upstream.url(), routePath);
    }

    private int waitForStatus(SluiceUnderTest sluice, String path, int expected) throws Exception
    {
        int status = -1;
        for (int i = 0; i < 100 && status != expected; i++)
        {
            status = client.GET(sluice.uri(path)).getStatus();
            if (status != expected)
            {
                Thread.sleep(50);
            }
        }
        return status;
    }

    @Test
    void aValidEditIsAppliedWithoutRestart() throws Exception
    {
        try (SluiceUnderTest sluice = SluiceUnderTest.start(config("/a", second)))
        {
            assertEquals(200, client.GET(sluice.uri("/a")).getStatus());
            sluice.rewriteConfig(config("/b", second));
            assertEquals(200, waitForStatus(sluice, "/b", 200));
            assertEquals(404, client.GET(sluice.uri("/a")).getStatus());
            assertTrue(client.GET(sluice.uri("/-/ready")).getContentAsString().contains("\"config_reloads\":1"));
        }
    }

    @Test
    void anInvalidEditKeepsTheRunningConfigurationAndSaysWhy() throws Exception
    {
        try (SluiceUnderTest sluice = SluiceUnderTest.start(config("/a", second));
             LogCapture logs = LogCapture.start())
        {
            sluice.rewriteConfig(config("/a", second) + "route.app.timeout = forever\n");
            String ready = "";
            for (int i = 0; i < 100 && !ready.contains("\"config_rejected\":1"); i++)
            {
                Thread.sleep(50);
                ready = client.GET(sluice.uri("/-/ready")).getContentAsString();
            }
            assertTrue(ready.contains("\"config_rejected\":1"), ready);
            assertEquals(200, client.GET(sluice.uri("/a")).getStatus());
            assertTrue(logs.text().contains(" rejected; the running configuration is kept. 1 problem(s):"), logs.text());
            // Each problem on its own line, as at start-up.
            assertTrue(logs.lines().stream().anyMatch(line -> line.endsWith(
                "  - Key 'route.app.timeout' has value 'forever'; allowed: a duration such as 250ms, 5s, 2m or 1h.")), logs.text());
        }
    }

    @Test
    void requestsInFlightFinishOnTheConfigurationTheyStartedWith() throws Exception
    {
        try (SluiceUnderTest sluice = SluiceUnderTest.start(config("/app", first)))
        {
            // "first" answers after 800 ms; the edit lands meanwhile and points the route at "second".
            CompletableFuture<ContentResponse> inFlight = new CompletableResponseListener(client.newRequest(sluice.uri("/app/slow")).timeout(10, TimeUnit.SECONDS)).send();
            Thread.sleep(150);
            sluice.rewriteConfig(config("/app", second));
            String body = "";
            for (int i = 0; i < 100 && !body.equals("second"); i++)
            {
                body = client.GET(sluice.uri("/app/new")).getContentAsString();
            }
            assertEquals("second", body);
            ContentResponse old = inFlight.get(10, TimeUnit.SECONDS);
            assertEquals("first", old.getContentAsString());
        }
    }
}
