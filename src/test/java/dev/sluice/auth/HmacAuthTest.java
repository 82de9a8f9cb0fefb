// route.<name>.auth = hmac: requests signed as Kong's hmac-auth clients sign them, checked end to end.
package dev.sluice.auth;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.cache.HttpDates;
import dev.sluice.config.ConfigException;
import dev.sluice.testing.SluiceUnderTest;
import dev.sluice.testing.TestUpstream;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A client signs the date and the request line with its shared secret, as Kong's hmac-auth
 * documents it. What a user relies on: a good signature opens the consumer (with either of its
 * secrets while one is rotated out); a wrong secret, a signature for another request, one that
 * leaves out the date or the request line, an old date (a replay) or a refused algorithm gets
 * 401 with a reason and a challenge; nothing of it reaches the upstream.
 */
class HmacAuthTest
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SECRET = "q8Vd3Lx0ZrT6mNw1YbPc7HsK2eJuGa5F";
    private static final String OLD_SECRET = "Xk2pR9tWm4Zc8Qv1Ln6By3Hd7Sj0Fg5A";
    private static TestUpstream upstream;
    private static SluiceUnderTest sluice;
    private static HttpClient client;

    @BeforeAll
    static void start() throws Exception
    {
        upstream = TestUpstream.start();
        sluice = SluiceUnderTest.start("""
            upstream.app.url = %s
            consumer.alice.username = alice
            consumer.alice.hmac-secret.main = %s
            consumer.alice.hmac-secret.old = %s
            route.signed.path = /signed
            route.signed.upstream = app
            route.signed.strip-prefix = true
            route.signed.auth = hmac
            route.signed.auth.hide-credentials = true
            """.formatted(upstream.url(), SECRET, OLD_SECRET));
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

    /** The base64 HMAC of {@code signingString}, as Kong's clients compute it. */
    static String sign(String algorithm, String secret, String signingString) throws Exception
    {
        String name = switch (algorithm)
        {
            case "hmac-sha1" -> "HmacSHA1";
            case "hmac-sha512" -> "HmacSHA512";
            default -> "HmacSHA256";
        };
        Mac mac = Mac.getInstance(name);
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), name));
        return Base64.getEncoder().encodeToString(mac.doFinal(signingString.getBytes(StandardCharsets.UTF_8)));
    }

    /** Sends GET path signed over "date request-line" (or the fields given) for signedPath, with this date. */
    private static ContentResponse send(String path, String signedPath, String algorithm, String secret, Instant date, String fields) throws Exception
    {
        String httpDate = HttpDates.format(date.toEpochMilli());
        String requestLine = "GET " + signedPath + " HTTP/1.1";
        String signing = fields.equals("date request-line") ? "date: " + httpDate + "\n" + requestLine
            : fields.equals("date") ? "date: " + httpDate : requestLine;
        String authorization = "hmac username=\"alice\", algorithm=\"" + algorithm + "\", headers=\"" + fields + "\", signature=\""
            + sign(algorithm, secret, signing) + "\"";
        return client.newRequest(sluice.uri(path)).timeout(10, TimeUnit.SECONDS)
            .headers(headers -> headers.put("Date", httpDate).put("Authorization", authorization)).send();
    }

    private static ContentResponse send(String path, String secret) throws Exception
    {
        return send(path, path, "hmac-sha256", secret, Instant.now(), "date request-line");
    }

    private static void assertRefused(ContentResponse response, String detail) throws Exception
    {
        assertEquals(401, response.getStatus(), response.getContentAsString());
        JsonNode problem = JSON.readTree(response.getContent());
        assertEquals(detail, problem.get("detail").asText());
        assertEquals("hmac realm=\"sluice\", headers=\"date request-line\"", response.getHeaders().get("WWW-Authenticate"));
    }

    @Test
    void aGoodSignatureOpensTheConsumerWithEitherOfItsSecrets() throws Exception
    {
        ContentResponse response = send("/signed/orders?page=2", SECRET);
        assertEquals(200, response.getStatus(), response.getContentAsString());
        TestUpstream.Received received = upstream.take();
        assertEquals("/orders?page=2", received.target());
        assertEquals("alice", received.headers().get("X-Consumer-ID"));
        assertEquals("main", received.headers().get("X-Credential-Identifier"));
        assertNull(received.headers().get("Authorization"), "hide-credentials");

        assertEquals(200, send("/signed/orders", OLD_SECRET).getStatus());
        assertEquals("old", upstream.take().headers().get("X-Credential-Identifier"));
        assertEquals(200, send("/signed/orders", "/signed/orders", "hmac-sha512", SECRET, Instant.now(), "date request-line").getStatus());
        upstream.take();
    }

    @Test
    void wrongSecretsOtherRequestsOldDatesAndPartialSignaturesAreRefused() throws Exception
    {
        assertRefused(send("/signed/orders", "Zz9wR4tq1Lm8Xc3Vb6Nn2Kd7Hj5Gf0Sa"), "The signature does not match.");
        assertRefused(send("/signed/admin", "/signed/orders", "hmac-sha256", SECRET, Instant.now(), "date request-line"),
            "The signature does not match.");
        assertRefused(send("/signed/orders", "/signed/orders", "hmac-sha256", SECRET, Instant.now().minus(Duration.ofMinutes(10)), "date request-line"),
            "The request's Date or X-Date is missing or further from now than the allowed clock skew.");
        assertRefused(send("/signed/orders", "/signed/orders", "hmac-sha256", SECRET, Instant.now(), "date"),
            "The signature must cover date and request-line.");
        assertRefused(send("/signed/orders", "/signed/orders", "hmac-sha1", SECRET, Instant.now(), "date request-line"),
            "The signature's algorithm is not accepted here; allowed: hmac-sha256, hmac-sha384, hmac-sha512.");
        String date = HttpDates.format(System.currentTimeMillis());
        String stranger = "hmac username=\"mallory\", algorithm=\"hmac-sha256\", headers=\"date request-line\", signature=\""
            + sign("hmac-sha256", SECRET, "date: " + date + "\nGET /signed/orders HTTP/1.1") + "\"";
        assertRefused(client.newRequest(sluice.uri("/signed/orders")).timeout(10, TimeUnit.SECONDS)
            .headers(headers -> headers.put("Date", date).put("Authorization", stranger)).send(), "The signature does not match.");
        ContentResponse unsigned = client.newRequest(sluice.uri("/signed/orders")).timeout(10, TimeUnit.SECONDS).send();
        assertRefused(unsigned, "This route requires an HMAC signature.");
        ContentResponse garbled = client.newRequest(sluice.uri("/signed/orders")).timeout(10, TimeUnit.SECONDS)
            .headers(headers -> headers.put("Authorization", "hmac username=alice")).send();
        assertRefused(garbled, "The Authorization hmac field is not well formed.");
        assertNull(upstream.poll(200), "nothing refused reached the upstream");
    }

    @Test
    void shortOrPatternedSecretsAreRefusedAtStartWithoutRepeatingThem()
    {
        ConfigException refused = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class, () -> dev.sluice.config.SettingsParser.parse("test",
            java.util.Map.of("consumer.bob.hmac-secret.main", "too-short", "consumer.eve.hmac-secret.main", "ab".repeat(20),
                "auth.hmac.algorithms", "hmac-md5"), name -> null));
        assertEquals(java.util.List.of(
            "Key 'consumer.bob.hmac-secret.main' does not hold a usable secret (shorter than 32 bytes); allowed: a random secret of at least 32 bytes, "
                + "e.g. from: openssl rand -base64 48, given as ${NAME} from the environment.",
            "Key 'consumer.eve.hmac-secret.main' does not hold a usable secret (it is one short sequence repeated); allowed: a random secret of at "
                + "least 32 bytes, e.g. from: openssl rand -base64 48, given as ${NAME} from the environment.",
            "Key 'auth.hmac.algorithms' has value 'hmac-md5'; allowed: hmac-sha1, hmac-sha256, hmac-sha384, hmac-sha512."), refused.problems());
        assertTrue(refused.getMessage().indexOf("too-short") < 0 && refused.getMessage().indexOf("abab") < 0);
    }
}
