// CORS as a browser sees it: a page on one origin calling Sluice on another, in headless Chromium.
package dev.sluice.guard;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import dev.sluice.testing.Chromium;
import dev.sluice.testing.SluiceUnderTest;
import dev.sluice.testing.TestUpstream;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Only a browser tells whether CORS really works: it sends the preflight on its own, decides from
 * the answer whether to send the request, and hides responses from the page. The page is served
 * from 127.0.0.1; Sluice is called as localhost, a different origin.
 */
class CorsBrowserTest
{
    @Test
    void aPageOnAnAllowedOriginReadsTheApiAndOneOnAnotherIsBlocked() throws Exception
    {
        BlockingQueue<TestUpstream.Received> seen = new LinkedBlockingQueue<>();
        try (TestUpstream page = TestUpstream.start(new Handler.Abstract()
            {
                @Override
                public boolean handle(org.eclipse.jetty.server.Request request, org.eclipse.jetty.server.Response response,
                                      org.eclipse.jetty.util.Callback callback)
                {
                    response.getHeaders().put("Content-Type", "text/html");
                    Content.Sink.write(response, true, "<!doctype html><title>page</title><p>page", callback);
                    return true;
                }
            });
             TestUpstream api = TestUpstream.start(new Handler.Abstract()
             {
                 @Override
                 public boolean handle(org.eclipse.jetty.server.Request request, org.eclipse.jetty.server.Response response,
                                       org.eclipse.jetty.util.Callback callback) throws Exception
                 {
                     seen.add(TestUpstream.record(request));
                     response.getHeaders().put("X-Trace", "t-42");
                     response.getHeaders().put("X-Hidden", "h");
                     Content.Sink.write(response, true, "api answered " + request.getMethod(), callback);
                     return true;
                 }
             }))
        {
            String pageOrigin = "http://127.0.0.1:" + page.port();
            try (SluiceUnderTest sluice = SluiceUnderTest.start("""
                     upstream.api.url = %s
                     consumer.web.api-key.k = demo:browser-test-key-0123456789
                     route.api.path = /api
                     route.api.upstream = api
                     route.api.auth = api-key
                     route.api.cors.origins = %s
                     route.api.cors.headers = Content-Type, apikey, X-Custom
                     route.api.cors.expose-headers = X-Trace
                     route.other.path = /other
                     route.other.upstream = api
                     route.other.cors.origins = https://elsewhere.example
                     """.formatted(api.url(), pageOrigin));
                 Chromium browser = Chromium.start())
            {
                String base = "http://localhost:" + sluice.port();
                browser.open(pageOrigin + "/page.html");

                // A simple GET (no preflight) from the allowed origin: readable, with the exposed header only.
                assertEquals("api answered GET|t-42|null", browser.text("fetch('" + base + "/api/items', {headers: {apikey: 'browser-test-key-0123456789'}})"
                    + ".then(r => r.text().then(t => t + '|' + r.headers.get('X-Trace') + '|' + r.headers.get('X-Hidden')))"));
                assertEquals("GET", seen.poll(5, TimeUnit.SECONDS).method());

                // A PUT with JSON and a custom header: the browser preflights, Sluice answers it without
                // auth or upstream, and then the PUT itself goes through with its key.
                assertEquals("200 api answered PUT", browser.text("fetch('" + base + "/api/items/1', {method: 'PUT', headers: "
                    + "{'Content-Type': 'application/json', 'X-Custom': '1', apikey: 'browser-test-key-0123456789'}, body: '{\"a\":1}'})"
                    + ".then(r => r.text().then(t => r.status + ' ' + t))"));
                TestUpstream.Received put = seen.poll(5, TimeUnit.SECONDS);
                assertEquals("PUT", put.method(), "the preflight never reached the upstream");
                assertEquals("{\"a\":1}", put.body());

                // A header the route does not allow: the browser stops at the preflight.
                assertEquals("blocked TypeError", browser.text("fetch('" + base + "/api/items', {headers: {'X-Not-Allowed': '1', apikey: 'k'}})"
                    + ".then(r => 'read ' + r.status, e => 'blocked ' + e.name)"));
                // A route that allows another origin: the request is answered, but the page may not read it.
                assertEquals("blocked TypeError", browser.text("fetch('" + base + "/other/x').then(r => 'read ' + r.status, e => 'blocked ' + e.name)"));
                seen.poll(2, TimeUnit.SECONDS);
                assertNull(seen.poll(500, TimeUnit.MILLISECONDS), "the disallowed preflight sent nothing on");
            }
        }
    }
}
