// HTTP Basic end to end: consumers' bcrypt passwords (as htpasswd -B writes them), the real web.xml, a real upstream.
package dev.sluice.auth;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.testing.SluiceUnderTest;
import dev.sluice.testing.TestUpstream;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.security.crypto.bcrypt.BCrypt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BasicAuthTest
{
    private static final ObjectMapper JSON = new ObjectMapper();
    /** 72 bytes: all bcrypt reads. The same with one more byte must not open it. */
    private static final String LONGEST = "p".repeat(72);

    /** What Apache's htpasswd 2.4 printed for {@code htpasswd -nbB reports 'correct horse'}, after the user name. */
    private static final String HTPASSWD = "$2y$05$aVtKTGVSznRSznWJVRYkBOSeUh0nFGTn3CaaDu2pgW/yJj8VSuzP.";

    private static TestUpstream upstream;
    private static SluiceUnderTest sluice;
    private static HttpClient client;
    private static String config;

    @BeforeAll
    static void start() throws Exception
    {
        upstream = TestUpstream.start();
        config = """
            upstream.app.url = %s
            consumer.alice.username = alice
            consumer.alice.groups = staff
            consumer.alice.password.main = %s
            consumer.alice.password.old = %s
            consumer.bob.username = bob@example.com
            consumer.bob.password.main = demo:bobs pässwörd
            consumer.long.username = long
            consumer.long.password.main = %s
            consumer.keyed.api-key.main = demo:keyed-key-0123456789
            consumer.reports.username = reports
            consumer.reports.password.main = %s
            route.app.path = /app
            route.app.upstream = app
            route.app.auth = basic
            route.app.auth.hide-credentials = true
            route.staff.path = /staff
            route.staff.upstream = app
            route.staff.auth = basic
            route.staff.auth.groups = staff
            route.either.path = /either
            route.either.upstream = app
            route.either.auth = api-key, basic
            """.formatted(upstream.url(),
            // Low costs keep the test quick; a real one is 10 or more.
            BCrypt.hashpw("correct horse", BCrypt.gensalt(4)),
            // htpasswd -B writes $2y$.
            BCrypt.hashpw("the old one", BCrypt.gensalt("$2y", 5)),
            BCrypt.hashpw(LONGEST, BCrypt.gensalt(4)),
            HTPASSWD);
        sluice = SluiceUnderTest.start(config);
        client = new HttpClient();
        client.start();
    }

    @AfterAll
    static void stop() throws Exception
    {
        client.stop();
        sluice.close();
        upstream.close();
    }

    private static String basic(String user, String password)
    {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static ContentResponse get(String path, String... headers) throws Exception
    {
        return client.newRequest(sluice.uri(path)).timeout(10, TimeUnit.SECONDS).headers(fields ->
        {
            for (int i = 0; i + 1 < headers.length; i += 2)
            {
                fields.add(headers[i], headers[i + 1]);
            }
        }).send();
    }

    private static void refused(ContentResponse response, String detail) throws Exception
    {
        assertEquals(401, response.getStatus(), response.getContentAsString());
        assertEquals("application/problem+json", response.getMediaType());
        assertEquals(detail, JSON.readTree(response.getContentAsString()).get("detail").asText());
        assertEquals(List.of("Basic realm=\"sluice\", charset=\"UTF-8\""), response.getHeaders().getValuesList("WWW-Authenticate"),
            "a browser asks for a user name and password on this");
    }

    @Test
    void theRightPasswordOpensTheRouteAsItsConsumer() throws Exception
    {
        assertEquals(200, get("/app/x", "Authorization", basic("alice", "correct horse")).getStatus());
        TestUpstream.Received received = upstream.take();
        assertEquals("alice", received.headers().get("X-Consumer-ID"));
        assertEquals("alice", received.headers().get("X-Consumer-Username"));
        assertEquals("main", received.headers().get("X-Credential-Identifier"), "which of alice's passwords");
        assertEquals("staff", received.headers().get("X-Consumer-Groups"));
        assertNull(received.headers().get("Authorization"), "auth.hide-credentials: the password stays at Sluice");

        assertEquals(200, get("/app/x", "Authorization", basic("alice", "the old one")).getStatus(), "an htpasswd -B ($2y$) hash");
        assertEquals("old", upstream.take().headers().get("X-Credential-Identifier"));
        assertEquals(200, get("/staff/x", "Authorization", "bAsIc " + basic("alice", "correct horse").substring(6)).getStatus(),
            "the scheme in any case (RFC 9110 §11.1)");
        upstream.take();
        assertEquals(200, get("/app/x", "Authorization", basic("bob@example.com", "bobs pässwörd")).getStatus(), "UTF-8, spaces, '@' and '.'");
        assertEquals("bob", upstream.take().headers().get("X-Consumer-ID"));
        assertEquals(200, get("/app/x", "Authorization", basic("reports", "correct horse")).getStatus(), "a line of a real .htpasswd");
        assertEquals("reports", upstream.take().headers().get("X-Consumer-ID"));
    }

    @Test
    void aWrongOrUnreadableCredentialIsA401ThatAsksForBasic() throws Exception
    {
        String invalid = "The user name or password is not valid.";
        refused(get("/app/x", "Authorization", basic("alice", "Correct horse")), invalid);
        refused(get("/app/x", "Authorization", basic("mallory", "correct horse")), invalid);
        refused(get("/app/x", "Authorization", basic("", "correct horse")), invalid);
        refused(get("/app/x", "Authorization", "Basic !!!not-base64"), invalid);
        refused(get("/app/x", "Authorization", "Basic " + Base64.getEncoder().encodeToString("alice".getBytes(StandardCharsets.UTF_8))), invalid);
        refused(get("/app/x", "Authorization", "Basic " + Base64.getEncoder().encodeToString(new byte[]{'a', ':', (byte)0xff})), invalid);
        refused(get("/app/x"), "This route requires a user name and password.");
        refused(get("/app/x", "Authorization", "Bearer abc.def.ghi"), "This route requires a user name and password.");
        assertNull(upstream.poll(100), "nothing refused went upstream");
    }

    @Test
    void onlyTheFirst72BytesCountInBcryptSoLongerPasswordsAreRefused() throws Exception
    {
        assertEquals(200, get("/app/x", "Authorization", basic("long", LONGEST)).getStatus());
        upstream.take();
        refused(get("/app/x", "Authorization", basic("long", LONGEST + "x")), "The user name or password is not valid.");
    }

    @Test
    void aRouteThatTakesKeysOrPasswordsAsksForBoth() throws Exception
    {
        assertEquals(200, get("/either/x", "apikey", "keyed-key-0123456789").getStatus());
        upstream.take();
        assertEquals(200, get("/either/x", "Authorization", basic("alice", "correct horse")).getStatus());
        upstream.take();
        ContentResponse none = get("/either/x");
        assertEquals(401, none.getStatus());
        assertEquals(List.of("Key realm=\"sluice\"", "Basic realm=\"sluice\", charset=\"UTF-8\""), none.getHeaders().getValuesList("WWW-Authenticate"));
        assertEquals("This route requires an API key or a user name and password.", JSON.readTree(none.getContentAsString()).get("detail").asText());
    }

    @Test
    void aChangedPasswordTakesEffectAtTheReload() throws Exception
    {
        try (SluiceUnderTest own = SluiceUnderTest.start(config + "config.reload-interval = 100ms\n"))
        {
            String before = basic("alice", "correct horse");
            assertEquals(200, client.newRequest(own.uri("/app/x")).headers(h -> h.put("Authorization", before)).send().getStatus());
            own.rewriteConfig(config.replaceAll("consumer\\.alice\\.password\\.main = .*", "consumer.alice.password.main = demo:battery staple")
                + "config.reload-interval = 100ms\n");
            String after = basic("alice", "battery staple");
            int status = 0;
            for (int i = 0; i < 100 && status != 200; i++)
            {
                Thread.sleep(50);
                status = client.newRequest(own.uri("/app/x")).headers(h -> h.put("Authorization", after)).send().getStatus();
            }
            assertEquals(200, status, "the new password");
            assertEquals(401, client.newRequest(own.uri("/app/x")).headers(h -> h.put("Authorization", before)).send().getStatus(),
                "the old one no longer, though it was remembered as right");
        }
        while (upstream.poll(0) != null)
        {
            // requests of this test's own Sluice
        }
    }

    @Test
    void checksBeyondTheLimitAreRefusedAsUnavailableNotQueued()
    {
        Consumer alice = new Consumer("alice", "alice", null, java.util.Set.of());
        Passwords none = new Passwords(List.of(new Passwords.Entry(alice, "main", BCrypt.hashpw("pw", BCrypt.gensalt(4)), null)), 100, 0);
        assertInstanceOf(Passwords.Busy.class, none.check("alice", "pw"), "no check could start within a second");
        Passwords one = new Passwords(List.of(new Passwords.Entry(alice, "main", BCrypt.hashpw("pw", BCrypt.gensalt(4)), null)), 100, 1);
        assertInstanceOf(Passwords.Accepted.class, one.check("alice", "pw"));
        assertInstanceOf(Passwords.Refused.class, one.check("alice", "wrong"));
        assertInstanceOf(Passwords.Refused.class, one.check("nobody", "pw"), "an unknown user, checked against the decoy");
        RoutePolicy basicOnly = new RoutePolicy(List.of(new RoutePolicy.Method(RoutePolicy.Type.BASIC, null)), null, java.util.Set.of(), java.util.Set.of(),
            null, false, null, null);
        AuthSettings settings = new AuthSettings(java.util.Map.of("alice", alice), new ApiKeys(List.of()), new MtlsIdentities(List.of()), "apikey", null,
            "sluice", 100, java.util.Map.of(), java.util.Map.of(), java.util.Map.of(), Identity.HEADERS, 30, java.time.Duration.ofMinutes(1), none);
        Authenticator.Outcome outcome = new Authenticator(settings, null, java.util.Map.of())
            .authenticate(basicOnly, new Credentials(null, null, null, new Credentials.Basic("alice", "pw")));
        assertEquals(Rejection.Kind.UNAVAILABLE, outcome.rejection().kind(), "a 503 with Retry-After, as for an identity provider that is down");
    }

    @Test
    void passwordKeysAreCheckedAtLoadWithoutEchoingThem()
    {
        List<String> problems = AuthSettingsParserTest.problems("""
            route.app.auth = basic:x
            consumer.a.password.main = hunter2
            consumer.b.password.main = %s
            consumer.c.username = c:colon
            consumer.c.password.main = demo:pw
            consumer.d.password.bad.label = demo:pw
            consumer.e.password.main = $apr1$.4/1y0ox$CybKwjDl2lZ2ZH9JrytrF1
            """.formatted("$2a$15" + BCrypt.hashpw("pw", BCrypt.gensalt(4)).substring(6)));
        String all = String.join("\n", problems);
        assertFalse(all.contains("hunter2"), "a plain password is never repeated into the log:\n" + all);
        assertTrue(all.contains("Key 'consumer.a.password.main' does not hold a usable password hash; allowed: a bcrypt hash ($2a$, $2b$ or $2y$, "
            + "cost 4 to 14, as htpasswd -B writes it; make one with: sluice generate-password a main), or demo:<password> of at most 72 bytes"), all);
        assertTrue(all.contains("Key 'consumer.b.password.main' does not hold a usable password hash"), "cost 15: " + all);
        assertTrue(all.contains("Key 'consumer.c.username' has value 'c:colon'; allowed: a username without ':'"), all);
        assertTrue(all.contains("Key 'consumer.d.password.bad.label' does not name a valid credential"), all);
        assertTrue(all.contains("Key 'consumer.e.password.main' does not hold a usable password hash"), "htpasswd's MD5 form: " + all);
        assertTrue(all.contains("Key 'route.app.auth' has value 'basic:x'"), all);
    }
}
