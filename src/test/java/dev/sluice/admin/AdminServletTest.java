// The admin endpoints: off without a token, guarded by token and address, and what they show.
package dev.sluice.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.testing.PoolTarget;
import dev.sluice.testing.SluiceUnderTest;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class AdminServletTest
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static HttpClient client;

    @BeforeAll
    static void startClient() throws Exception
    {
        client = new HttpClient();
        client.start();
    }

    @AfterAll
    static void stopClient() throws Exception
    {
        client.stop();
    }

    private static ContentResponse get(SluiceUnderTest sluice, String path, String token) throws Exception
    {
        return client.newRequest(sluice.uri(path)).headers(headers ->
        {
            if (token != null)
            {
                headers.put("Authorization", "Bearer " + token);
            }
        }).send();
    }

    @Test
    void offWithoutATokenAndGuardedWithOne() throws Exception
    {
        try (PoolTarget a = PoolTarget.start("a"); PoolTarget b = PoolTarget.start("b");
             SluiceUnderTest off = SluiceUnderTest.start("route.r.path = /r\nroute.r.upstream = u\nupstream.u.url = " + a.url() + "\n");
             SluiceUnderTest sluice = SluiceUnderTest.start("route.r.path = /r\nroute.r.upstream = u\n"
                 + "upstream.u.targets = " + a.url() + " zone=z1, " + b.url() + " weight=0\n"
                 + "admin.token = demo:admin-secret-1\n");
             SluiceUnderTest elsewhere = SluiceUnderTest.start("route.r.path = /r\nroute.r.upstream = u\nupstream.u.url = " + a.url() + "\n"
                 + "admin.token = demo:admin-secret-1\nadmin.allow = 10.0.0.0/8\n"))
        {
            assertEquals(404, get(off, "/-/admin/upstreams", "admin-secret-1").getStatus());

            ContentResponse anonymous = get(sluice, "/-/admin/upstreams", null);
            assertEquals(401, anonymous.getStatus());
            assertEquals("Bearer realm=\"sluice-admin\"", anonymous.getHeaders().get("WWW-Authenticate"));
            assertEquals("application/problem+json", anonymous.getMediaType());
            assertEquals(401, get(sluice, "/-/admin/upstreams", "wrong").getStatus());
            assertEquals(401, get(sluice, "/-/admin/upstreams", "x".repeat(1000)).getStatus());
            assertEquals(403, get(elsewhere, "/-/admin/upstreams", "admin-secret-1").getStatus());

            assertEquals(200, client.GET(sluice.uri("/r/x")).getStatus());
            ContentResponse response = get(sluice, "/-/admin/upstreams", "admin-secret-1");
            assertEquals(200, response.getStatus());
            assertEquals("no-store", response.getHeaders().get("Cache-Control"));
            JsonNode targets = JSON.readTree(response.getContent()).get("targets");
            assertEquals(2, targets.size());
            assertEquals("u", targets.get(0).get("upstream").asText());
            assertEquals(a.authority(), targets.get(0).get("target").asText());
            assertEquals("z1", targets.get(0).get("zone").asText());
            assertEquals("healthy", targets.get(0).get("state").asText());
            assertEquals(0, targets.get(0).get("in_flight").asInt());
            assertEquals(true, targets.get(0).get("latency_ewma_ms").asDouble() > 0);
            assertEquals("drained", targets.get(1).get("state").asText());
            assertEquals(404, get(sluice, "/-/admin/nothing", "admin-secret-1").getStatus());
            assertEquals(405, client.POST(sluice.uri("/-/admin/upstreams")).headers(h -> h.put("Authorization", "Bearer admin-secret-1")).send().getStatus());
        }
    }
}
