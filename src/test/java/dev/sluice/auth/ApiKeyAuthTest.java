// API keys end to end: the real web.xml, a real upstream, keys in header and query, identity headers.
package dev.sluice.auth;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import dev.sluice.testing.RawHttp;
import dev.sluice.testing.SluiceUnderTest;
import dev.sluice.testing.TestUpstream;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ApiKeyAuthTest
{
    private static final String ALICE_KEY = "alice-key-0123456789abcdef";
    private static final String BOB_KEY = "bob-key-0123456789abcdef";
    private static TestUpstream upstream;
    private static SluiceUnderTest sluice;
    private static HttpClient client;

    @BeforeAll
    static void start() throws Exception
    {
        upstream = TestUpstream.start();
        sluice = SluiceUnderTest.start("""
            upstream.app.url = %s
            auth.api-key.query = apikey
            consumer.alice.username = alice@example.com
            consumer.alice.custom-id = crm-42
            consumer.alice.groups = gold, staff
            %s
            %s
            consumer.guest.username = guest
            route.open.path = /open
            route.open.upstream = app
            route.keyed.path = /keyed
            route.keyed.upstream = app
            route.keyed.auth = api-key
            route.hidden.path = /hidden
            route.hidden.upstream = app
            route.hidden.auth = api-key
            route.hidden.auth.hide-credentials = true
            route.gold.path = /gold
            route.gold.upstream = app
            route.gold.auth = api-key
            route.gold.auth.groups = gold
            route.guest.path = /guest
            route.guest.upstream = app
            route.guest.auth = api-key
            route.guest.auth.anonymous = guest
            """.formatted(upstream.url(), hashLine("alice", "laptop", ALICE_KEY), hashLine("bob", "ci", BOB_KEY)));
        client = new HttpClient();
        client.start();
    }

    /** The line that stores a chosen key, as the generator writes it. */
    private static String hashLine(String consumer, String label, String key)
    {
        return "consumer." + consumer + ".api-key." + label + " = sha256:" + java.util.HexFormat.of().formatHex(ApiKeys.sha256(key));
    }

    @AfterAll
    static void stop() throws Exception
    {
        client.stop();
        sluice.close();
        upstream.close();
    }

    private static ContentResponse get(String path, String header, String value) throws Exception
    {
        Request request = client.newRequest(sluice.uri(path)).timeout(10, TimeUnit.SECONDS);
        if (header != null)
        {
            request.headers(headers -> headers.put(header, value));
        }
        return request.send();
    }

    @Test
    void aValidKeyInTheHeaderReachesTheUpstreamWithTheConsumerIdentity() throws Exception
    {
        ContentResponse response = get("/keyed/orders", "apikey", ALICE_KEY);
        assertEquals(200, response.getStatus());
        TestUpstream.Received received = upstream.take();
        assertEquals("alice", received.headers().get("X-Consumer-ID"));
        assertEquals("alice@example.com", received.headers().get("X-Consumer-Username"));
        assertEquals("crm-42", received.headers().get("X-Consumer-Custom-ID"));
        assertEquals("gold, staff", received.headers().get("X-Consumer-Groups"));
        assertEquals("laptop", received.headers().get("X-Credential-Identifier"));
        assertNull(received.headers().get("X-Anonymous-Consumer"));
        assertEquals(ALICE_KEY, received.headers().get("apikey"), "without hide-credentials the key goes upstream");
    }

    @Test
    void theAccessLogNamesTheConsumerAndNeverTheKey() throws Exception
    {
        try (dev.sluice.testing.LogCapture log = dev.sluice.testing.LogCapture.start())
        {
            ContentResponse response = client.newRequest(sluice.uri("/keyed/x?apikey=" + BOB_KEY)).headers(headers -> headers.put("X-Request-ID", "log-consumer"))
                .timeout(10, TimeUnit.SECONDS).send();
            assertEquals(200, response.getStatus());
            upstream.take();
            String line = log.accessLine("log-consumer");
            assertTrue(line.contains("\"consumer\":\"bob\""), line);
            assertFalse(log.text().contains(BOB_KEY), "the key appears nowhere in the logs");
        }
    }

    @Test
    void aValidKeyInTheQueryIsAccepted() throws Exception
    {
        assertEquals(200, get("/keyed/orders?apikey=" + BOB_KEY + "&page=2", null, null).getStatus());
        TestUpstream.Received received = upstream.take();
        assertEquals("bob", received.headers().get("X-Consumer-ID"));
        assertEquals("/keyed/orders?apikey=" + BOB_KEY + "&page=2", received.target());
    }

    @Test
    void hiddenCredentialsAreRemovedFromHeaderAndQueryLeavingTheRestOfTheQueryAsSent() throws Exception
    {
        assertEquals(200, get("/hidden/x", "apikey", ALICE_KEY).getStatus());
        assertNull(upstream.take().headers().get("apikey"));
        assertEquals(200, get("/hidden/x?a=1&apikey=" + ALICE_KEY + "&b=%2Fx%20y&a=2", null, null).getStatus());
        assertEquals("/hidden/x?a=1&b=%2Fx%20y&a=2", upstream.take().target());
        assertEquals(200, get("/hidden/x?apikey=" + ALICE_KEY, null, null).getStatus());
        assertEquals("/hidden/x", upstream.take().target());
    }

    @Test
    void aWrongKeyIs401WithAKeyChallengeAndNeverReachesTheUpstream() throws Exception
    {
        ContentResponse response = get("/keyed/orders", "apikey", "not-a-key");
        assertEquals(401, response.getStatus());
        assertEquals("Key realm=\"sluice\"", response.getHeaders().get("WWW-Authenticate"));
        assertEquals("application/problem+json", response.getMediaType());
        assertTrue(response.getContentAsString().contains("\"type\":\"urn:sluice:problem:unauthorized\""), response.getContentAsString());
        assertTrue(response.getContentAsString().contains("\"detail\":\"The API key is not valid.\""), response.getContentAsString());
        assertFalse(response.getContentAsString().contains("not-a-key"));
        assertNull(upstream.poll(200));
    }

    @Test
    void noKeyIs401SayingWhatTheRouteNeeds() throws Exception
    {
        ContentResponse response = get("/keyed/orders", null, null);
        assertEquals(401, response.getStatus());
        assertTrue(response.getContentAsString().contains("\"detail\":\"This route requires an API key.\""), response.getContentAsString());
        assertNull(upstream.poll(200));
    }

    @Test
    void anAbsurdlyLongKeyIs401() throws Exception
    {
        assertEquals(401, get("/keyed/orders", "apikey", "k".repeat(5000)).getStatus());
    }

    @Test
    void aConsumerOutsideTheRouteGroupsIs403() throws Exception
    {
        ContentResponse response = get("/gold/x", "apikey", BOB_KEY);
        assertEquals(403, response.getStatus());
        assertTrue(response.getContentAsString().contains("The consumer is not in a group this route allows."));
        assertNull(upstream.poll(200));
        assertEquals(200, get("/gold/x", "apikey", ALICE_KEY).getStatus());
        upstream.take();
    }

    @Test
    void withoutAKeyTheAnonymousConsumerIsUsedAndSaidSo() throws Exception
    {
        assertEquals(200, get("/guest/x", null, null).getStatus());
        TestUpstream.Received received = upstream.take();
        assertEquals("guest", received.headers().get("X-Consumer-ID"));
        assertEquals("true", received.headers().get("X-Anonymous-Consumer"));
        assertNull(received.headers().get("X-Credential-Identifier"));
        // A wrong key is still refused: anonymous is for callers who present nothing.
        assertEquals(401, get("/guest/x", "apikey", "wrong").getStatus());
    }

    @Test
    void spoofedIdentityHeadersAreStrippedOnPublicAndProtectedRoutes() throws Exception
    {
        for (String path : new String[]{"/open/x", "/keyed/x", "/guest/x"})
        {
            RawHttp.Reply reply = RawHttp.send(sluice.port(),
                "GET " + path + " HTTP/1.1", "Host: localhost", "Connection: close", "apikey: " + BOB_KEY,
                "X-Consumer-ID: admin", "X-Consumer-Username: admin", "X-Consumer-Custom-ID: root", "X-Consumer-Groups: admins",
                "X-Credential-Identifier: master", "X-Authenticated-Scope: admin:all", "X-Anonymous-Consumer: false",
                "x-consumer-id: admin2");
            assertEquals(200, reply.status(), path);
            TestUpstream.Received received = upstream.take();
            boolean open = path.startsWith("/open");
            assertEquals(open ? null : "bob", received.headers().get("X-Consumer-ID"), path);
            assertEquals(open ? 0 : 1, received.headers().getValuesList("X-Consumer-ID").size(), path);
            assertNull(received.headers().get("X-Consumer-Custom-ID"), path);
            assertNull(received.headers().get("X-Consumer-Groups"), path);
            assertNull(received.headers().get("X-Authenticated-Scope"), path);
            assertNull(received.headers().get("X-Anonymous-Consumer"), path);
            assertEquals(open ? null : "ci", received.headers().get("X-Credential-Identifier"), path);
        }
    }

    @Test
    void aKeyWithInvalidUtf8BytesIs401NotAnError() throws Exception
    {
        byte[] request = ("GET /keyed/x HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\napikey: \u00c3\u0028\u00ff\u00fe\r\n\r\n")
            .getBytes(StandardCharsets.ISO_8859_1);
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", sluice.port()))
        {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(request);
            String reply = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertTrue(reply.startsWith("HTTP/1.1 401 "), reply);
        }
    }
}
