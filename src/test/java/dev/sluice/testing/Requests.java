// One request from a test's Jetty client: method, URI and header pairs, a 10 s timeout; a larger answer limit when asked.
package dev.sluice.testing;

import java.net.URI;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.client.CompletableResponseListener;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;

public final class Requests
{
    private Requests()
    {
    }

    /** Sends {@code method uri} with {@code headers} as name, value, name, value ... and waits for the whole answer. */
    public static ContentResponse send(HttpClient client, URI uri, String method, String... headers) throws Exception
    {
        return request(client, uri, method, headers).send();
    }

    /** As {@link #send(HttpClient, URI, String, String...)}, for answers over the client's default 2 MiB: up to {@code maxLength} bytes. */
    public static ContentResponse send(HttpClient client, URI uri, String method, int maxLength, String... headers) throws Exception
    {
        return new CompletableResponseListener(request(client, uri, method, headers), maxLength).send().get(30, TimeUnit.SECONDS);
    }

    private static Request request(HttpClient client, URI uri, String method, String... headers)
    {
        return client.newRequest(uri).method(method).timeout(10, TimeUnit.SECONDS).headers(fields ->
        {
            for (int i = 0; i + 1 < headers.length; i += 2)
            {
                fields.add(headers[i], headers[i + 1]);
            }
        });
    }
}
