// Sluice's own HTTP client for the services authentication calls: JWKS, introspection and forward-auth endpoints.
package dev.sluice.auth;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.eclipse.jetty.client.CompletableResponseListener;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.FormRequestContent;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.util.Fields;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * A small Jetty {@link HttpClient}, separate from the one that forwards requests so that a slow
 * identity provider cannot take connections from the upstreams. HTTPS is verified against the
 * JVM's trust store with host-name checking on. Responses are capped at {@link #MAX_RESPONSE}
 * bytes: a key set or an introspection answer has no reason to be larger.
 */
public final class AuthHttp implements AutoCloseable
{
    static final int MAX_RESPONSE = 512 * 1024;

    /**
     * A response: its status, body as text, and {@code Cache-Control} (null when absent).
     */
    public record Reply(int status, String body, String cacheControl)
    {
        /**
         * The {@code max-age} of {@code Cache-Control} (RFC 9111 §5.2.2.1), or null when there is
         * none or {@code no-store}/{@code no-cache} forbid reuse.
         */
        public java.time.Duration maxAge()
        {
            if (cacheControl == null)
            {
                return null;
            }
            java.time.Duration maxAge = null;
            for (String directive : cacheControl.split(","))
            {
                String item = directive.trim().toLowerCase(java.util.Locale.ROOT);
                if (item.equals("no-store") || item.equals("no-cache"))
                {
                    return java.time.Duration.ZERO;
                }
                if (item.startsWith("max-age=") && item.substring(8).matches("\\d{1,9}"))
                {
                    maxAge = java.time.Duration.ofSeconds(Long.parseLong(item.substring(8)));
                }
            }
            return maxAge;
        }
    }

    private final HttpClient client;

    public AuthHttp()
    {
        ClientConnector connector = new ClientConnector();
        connector.setSslContextFactory(new SslContextFactory.Client());
        QueuedThreadPool threads = new QueuedThreadPool(16, 2);
        threads.setName("sluice-auth-http");
        threads.setDaemon(true);
        client = new HttpClient(new HttpClientTransportOverHTTP(connector));
        client.setExecutor(threads);
        client.setScheduler(dev.sluice.http.OwnThreads.jettyScheduler("sluice-auth-http-scheduler"));
        client.setFollowRedirects(false);
        client.setMaxConnectionsPerDestination(16);
        client.setUserAgentField(null);
        try
        {
            client.start();
        }
        catch (Exception x)
        {
            throw new IllegalStateException("Cannot start the authentication HTTP client", x);
        }
    }

    public Reply get(URI url, Duration timeout) throws IOException
    {
        return send(() -> client.newRequest(url)
            .method(HttpMethod.GET)
            .headers(headers -> headers.put(HttpHeader.ACCEPT, "application/json, application/jwk-set+json")), timeout);
    }

    /**
     * POSTs a form with HTTP Basic credentials (RFC 7662 §2.1).
     */
    public Reply postForm(URI url, String user, String password, Fields form, Duration timeout) throws IOException
    {
        String basic = Base64.getEncoder().encodeToString((form(user) + ":" + form(password)).getBytes(StandardCharsets.UTF_8));
        return send(() -> client.newRequest(url)
            .method(HttpMethod.POST)
            .headers(headers ->
            {
                headers.put(HttpHeader.ACCEPT, "application/json");
                headers.put(HttpHeader.AUTHORIZATION, "Basic " + basic);
            })
            .body(new FormRequestContent(form)), timeout);
    }

    /** An authorization service's whole answer: status, fields and body (at most {@link ForwardAuth#MAX_BODY} bytes). */
    public record Answer(int status, org.eclipse.jetty.http.HttpFields headers, byte[] body)
    {
    }

    /** GETs the URL with exactly these fields (a forward-auth check); no body goes. */
    public Answer forward(URI url, org.eclipse.jetty.http.HttpFields fields, Duration timeout) throws IOException
    {
        ContentResponse response = await(() -> client.newRequest(url)
            .method(HttpMethod.GET)
            .headers(headers ->
            {
                headers.clear();
                headers.add(fields);
            }), timeout, ForwardAuth.MAX_BODY);
        return new Answer(response.getStatus(), response.getHeaders(), response.getContent());
    }

    /** RFC 6749 §2.3.1: client id and secret are form-encoded before Basic encoding. */
    private static String form(String value)
    {
        return java.net.URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private static Reply send(java.util.function.Supplier<Request> request, Duration timeout) throws IOException
    {
        ContentResponse response = await(request, timeout, MAX_RESPONSE);
        return new Reply(response.getStatus(), response.getContentAsString(), response.getHeaders().get(HttpHeader.CACHE_CONTROL));
    }

    /**
     * Sends the request and waits for the whole answer. A service may close a keep-alive
     * connection while it sits idle in the pool (Node.js after 5 s, uvicorn after 5 s), just as
     * Sluice sends the next request on it: a request that met such a connection goes once more
     * on a new one, within what is left of the timeout. Every call here may be repeated: a key
     * set's and a forward-auth check's {@code GET}, and an introspection query, which changes
     * nothing at the service (RFC 7662).
     */
    private static ContentResponse await(java.util.function.Supplier<Request> requests, Duration timeout, int maxBody) throws IOException
    {
        long deadline = System.nanoTime() + timeout.toNanos();
        Request request = requests.get();
        try
        {
            return attempt(request, timeout.toMillis(), maxBody);
        }
        catch (ExecutionException x)
        {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left > 0 && dev.sluice.http.ClientFailures.closedWhileIdle(request, x.getCause()))
            {
                try
                {
                    return attempt(requests.get(), left, maxBody);
                }
                catch (ExecutionException | TimeoutException again)
                {
                    throw failure(again);
                }
            }
            throw failure(x);
        }
        catch (TimeoutException x)
        {
            throw failure(x);
        }
    }

    private static ContentResponse attempt(Request request, long timeoutMillis, int maxBody) throws IOException, ExecutionException, TimeoutException
    {
        request.timeout(timeoutMillis, TimeUnit.MILLISECONDS);
        CompletableResponseListener listener = new CompletableResponseListener(request, maxBody);
        try
        {
            return listener.send().get(timeoutMillis + 1000, TimeUnit.MILLISECONDS);
        }
        catch (InterruptedException x)
        {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", x);
        }
    }

    /** The failure with a one-line message for the log ({@link dev.sluice.http.ClientFailures#describe}). */
    private static IOException failure(Exception x)
    {
        Throwable cause = x.getCause() == null ? x : x.getCause();
        return new IOException(dev.sluice.http.ClientFailures.describe(cause, "service"), cause);
    }

    @Override
    public void close()
    {
        try
        {
            client.stop();
        }
        catch (Exception x)
        {
            // Shutting down anyway.
        }
    }
}
