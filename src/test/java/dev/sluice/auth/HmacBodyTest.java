// auth.hmac.validate-body: a signed request's body must match the Digest or Content-Digest its signature covers.
package dev.sluice.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.cache.HttpDates;
import dev.sluice.testing.SluiceUnderTest;
import dev.sluice.testing.TestUpstream;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.StringRequestContent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Without a body check an HMAC signature over the date and request line says nothing of the body:
 * whoever sees a signed {@code POST} (a log, a proxy in between) can send it again within the
 * clock skew with a body of their own. With {@code auth.hmac.validate-body = true}, as Kong's
 * {@code validate_request_body}, the body must match its digest and the signature must cover the
 * digest; the upstream gets the body as the client sent it.
 */
class HmacBodyTest
{
    private static final String SECRET = "q8Vd3Lx0ZrT6mNw1YbPc7HsK2eJuGa5F";
    private static final String BODY = "{\"to\":\"bob\",\"amount\":10}";
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
            route.pay.path = /pay
            route.pay.upstream = app
            route.pay.auth = hmac
            auth.hmac.validate-body = true
            auth.hmac.max-body = 1KB
            """.formatted(upstream.url(), SECRET));
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

    private static String base64(String algorithm, String text) throws Exception
    {
        return Base64.getEncoder().encodeToString(MessageDigest.getInstance(algorithm).digest(text.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * POSTs {@code body} to /pay with the digest field given (name and value, or null for none),
     * signed with alice's secret over the date, the request line and {@code signedField}.
     */
    private static ContentResponse post(String body, String field, String value, String signedField) throws Exception
    {
        String date = HttpDates.format(System.currentTimeMillis());
        String fields = "date request-line" + (signedField == null ? "" : " " + signedField.toLowerCase(java.util.Locale.ROOT));
        String signing = "date: " + date + "\nPOST /pay HTTP/1.1" + (signedField == null ? "" : "\n" + signedField.toLowerCase(java.util.Locale.ROOT) + ": " + value);
        String authorization = "hmac username=\"alice\", algorithm=\"hmac-sha256\", headers=\"" + fields + "\", signature=\""
            + HmacAuthTest.sign("hmac-sha256", SECRET, signing) + "\"";
        Request request = client.newRequest(sluice.uri("/pay")).method("POST").timeout(10, TimeUnit.SECONDS)
            .headers(headers -> headers.put("Date", date).put("Authorization", authorization));
        if (field != null)
        {
            request.headers(headers -> headers.put(field, value));
        }
        if (body != null)
        {
            request.body(new StringRequestContent("application/json", body));
        }
        return request.send();
    }

    private static void assertRefused(ContentResponse response, String detail) throws Exception
    {
        assertEquals(401, response.getStatus(), response.getContentAsString());
        assertEquals(detail, new ObjectMapper().readTree(response.getContent()).get("detail").asText());
        assertEquals("hmac realm=\"sluice\", headers=\"date request-line\"", response.getHeaders().get("WWW-Authenticate"));
    }

    @Test
    void aBodyMatchingTheSignedDigestGoesUpstreamAsSent() throws Exception
    {
        String digest = "SHA-256=" + base64("SHA-256", BODY);
        ContentResponse response = post(BODY, "Digest", digest, "Digest");
        assertEquals(200, response.getStatus(), response.getContentAsString());
        TestUpstream.Received received = upstream.take();
        assertEquals(BODY, received.body());
        assertEquals(digest, received.headers().get("Digest"));
        assertEquals("alice", received.headers().get("X-Consumer-ID"));

        // RFC 9530's Content-Digest, SHA-512.
        assertEquals(200, post(BODY, "Content-Digest", "sha-512=:" + base64("SHA-512", BODY) + ":", "Content-Digest").getStatus());
        assertEquals(BODY, upstream.take().body());

        // No body, no digest needed.
        assertEquals(200, post(null, null, null, null).getStatus());
        upstream.take();
    }

    @Test
    void anotherBodyAnUnsignedDigestOrNoneIsRefused() throws Exception
    {
        String digest = "SHA-256=" + base64("SHA-256", BODY);
        assertRefused(post("{\"to\":\"mallory\",\"amount\":10000}", "Digest", digest, "Digest"), "The request body does not match its Digest field.");
        assertRefused(post("{\"to\":\"mallory\",\"amount\":10000}", "Content-Digest", "sha-256=:" + base64("SHA-256", BODY) + ":", "Content-Digest"),
            "The request body does not match its Content-Digest field.");
        // Right for the body, but the signature does not vouch for it: anyone could have made it.
        assertRefused(post(BODY, "Digest", digest, null), "The signature must cover the Digest field.");
        assertRefused(post(BODY, null, null, null),
            "A signed request with a body must carry a Digest (SHA-256=<base64>) or Content-Digest field, covered by the signature.");
        assertRefused(post(BODY, "Digest", "MD5=" + base64("MD5", BODY), "Digest"),
            "The Digest field names no algorithm accepted here; allowed: SHA-256, SHA-512.");
        assertRefused(post(BODY, "Digest", "SHA-256=not base64!", "Digest"), "The Digest field is not well formed.");
        assertNull(upstream.poll(200), "nothing refused reached the upstream");
    }

    @Test
    void aBodyLargerThanItChecksIsRefusedWith413() throws Exception
    {
        String large = "{\"pad\":\"" + "x".repeat(2000) + "\"}";
        ContentResponse response = post(large, "Digest", "SHA-256=" + base64("SHA-256", large), "Digest");
        assertEquals(413, response.getStatus(), response.getContentAsString());
        assertEquals("The request body is larger than the 1024 bytes whose signed digest this route checks.",
            new ObjectMapper().readTree(response.getContent()).get("detail").asText());
        assertNull(upstream.poll(200));
    }
}
