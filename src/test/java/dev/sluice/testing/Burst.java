// Sends many requests at once and counts the statuses that come back.
package dev.sluice.testing;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.client.CompletableResponseListener;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;

public final class Burst
{
    private Burst()
    {
    }

    /** Starts every request before waiting for any; returns how many got each status. */
    public static Map<Integer, Integer> statuses(HttpClient client, List<URI> targets) throws Exception
    {
        List<CompletableFuture<ContentResponse>> responses = new ArrayList<>();
        for (URI target : targets)
        {
            responses.add(new CompletableResponseListener(client.newRequest(target).timeout(20, TimeUnit.SECONDS)).send());
        }
        Map<Integer, Integer> counts = new TreeMap<>();
        for (CompletableFuture<ContentResponse> response : responses)
        {
            counts.merge(response.get(30, TimeUnit.SECONDS).getStatus(), 1, Integer::sum);
        }
        return counts;
    }
}
