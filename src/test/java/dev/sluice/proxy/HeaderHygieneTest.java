// Request headers a client cannot smuggle past Sluice: underscore spellings of its own headers, Via.
package dev.sluice.proxy;

import dev.sluice.auth.ApiKeys;
import dev.sluice.testing.RawHttp;
import dev.sluice.testing.SluiceUnderTest;
import dev.sluice.testing.TestUpstream;
import org.eclipse.jetty.http.HttpFields;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class HeaderHygieneTest
{
    private static final String KEY = "alice-key-0123456789abcdef";
    private static final String ROUTES = """
        upstream.app.url = %s
        consumer.alice.username = alice
        consumer.alice.api-key.laptop = sha256:%s
        route.keyed.path = /keyed
        route.keyed.upstream = app
        route.keyed.auth = api-key
        route.open.path = /open
        route.open.upstream = app
        """;

    private static TestUpstream upstream;
    private static SluiceUnderTest sluice;
    private static SluiceUnderTest permissive;

    @BeforeAll
    static void start() throws Exception
    {
        upstream = TestUpstream.start();
        String routes = ROUTES.formatted(upstream.url(), java.util.HexFormat.of().formatHex(ApiKeys.sha256(KEY)));
        sluice = SluiceUnderTest.start(routes);
        permissive = SluiceUnderTest.start(routes + "exchange.allow-underscore-headers = true\n");
    }

    @AfterAll
    static void stop() throws Exception
    {
        permissive.close();
        sluice.close();
        upstream.close();
    }

    private static HttpFields send(SluiceUnderTest target, String path, String... headers) throws Exception
    {
        String[] lines = new String[headers.length + 3];
        lines[0] = "GET " + path + " HTTP/1.1";
        lines[1] = "Host: localhost";
        lines[2] = "Connection: close";
        System.arraycopy(headers, 0, lines, 3, headers.length);
        RawHttp.Reply reply = RawHttp.send(target.port(), lines);
        assertEquals(200, reply.status(), reply.head());
        return upstream.take().headers();
    }

    @Test
    void underscoreSpellingsOfIdentityAndForwardingHeadersNeverReachTheUpstream() throws Exception
    {
        HttpFields seen = send(sluice, "/keyed/x", "apikey: " + KEY, "X_Consumer_ID: admin", "X_Forwarded_For: 10.6.6.6",
            "X_Real_IP: 10.6.6.6", "X_Client_Cert_Subject: CN=admin", "x_consumer_username: root");
        assertEquals("alice", seen.get("X-Consumer-ID"));
        assertEquals(1, seen.getValuesList("X-Consumer-ID").size());
        assertNull(seen.get("X_Consumer_ID"));
        assertNull(seen.get("X_Forwarded_For"));
        assertNull(seen.get("X_Real_IP"));
        assertNull(seen.get("X_Client_Cert_Subject"));
        assertNull(seen.get("x_consumer_username"));
        assertEquals("127.0.0.1", seen.get("X-Real-IP"));
    }

    @Test
    void anyUnderscoreNameIsDroppedByDefault() throws Exception
    {
        HttpFields seen = send(sluice, "/open/x", "X_Api_Version: 2", "X-Api-Version: 3");
        assertNull(seen.get("X_Api_Version"));
        assertEquals("3", seen.get("X-Api-Version"));
    }

    @Test
    void allowedUnderscoreNamesPassUnlessTheyReadAsSluicesOwnHeaders() throws Exception
    {
        HttpFields seen = send(permissive, "/keyed/x", "apikey: " + KEY, "X_Api_Version: 2", "X_Consumer_ID: admin",
            "x_forwarded_for: 10.6.6.6", "X_REQUEST_ID: forged");
        assertEquals("2", seen.get("X_Api_Version"));
        assertNull(seen.get("X_Consumer_ID"));
        assertNull(seen.get("x_forwarded_for"));
        assertNull(seen.get("X_REQUEST_ID"));
        assertEquals("alice", seen.get("X-Consumer-ID"));
    }
}
