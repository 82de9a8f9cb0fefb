// Upstream answers without a body (304, 204, HEAD) reach the client with the length the upstream declared, or none.
package dev.sluice.proxy;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import dev.sluice.testing.ScriptedUpstream;
import dev.sluice.testing.SluiceUnderTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * RFC 9110 §8.6: a 304 may declare only the length a 200 would have had and a 204 none at all. Each
 * case sends the bodiless request and then a second one on the same connection, so a wrong length
 * would also show as a broken second answer. The scripted upstream closes every connection after
 * one answer, and says so.
 */
class BodilessResponsesTest
{
    private static final String OK = "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhello";

    private static ScriptedUpstream upstream;
    private static SluiceUnderTest sluice;

    @BeforeAll
    static void start() throws Exception
    {
        upstream = new ScriptedUpstream();
        upstream.script("/ok", OK);
        sluice = SluiceUnderTest.start("""
            upstream.app.url = %s
            route.app.path = /
            route.app.upstream = app
            """.formatted(upstream.url()));
    }

    @AfterAll
    static void stop() throws Exception
    {
        sluice.close();
        upstream.close();
    }

    /** The two answers to {@code method path} and then GET /ok, on one connection. */
    private static String[] twoOnOneConnection(String method, String path) throws Exception
    {
        try (Socket socket = new Socket("127.0.0.1", sluice.port()))
        {
            socket.setSoTimeout(10_000);
            String requests = method + " " + path + " HTTP/1.1\r\nHost: localhost\r\nIf-None-Match: \"v1\"\r\n\r\n"
                + "GET /ok HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
            socket.getOutputStream().write(requests.getBytes(StandardCharsets.ISO_8859_1));
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            in.transferTo(out);
            String text = out.toString(StandardCharsets.ISO_8859_1);
            int second = text.indexOf("HTTP/1.1 200 OK", 1);
            assertTrue(second > 0, "no second answer on the connection:\n" + text);
            return new String[] {text.substring(0, second), text.substring(second)};
        }
    }

    private static boolean declaresLength(String head)
    {
        return head.toLowerCase(java.util.Locale.ROOT).contains("\r\ncontent-length:");
    }

    @ParameterizedTest
    @ValueSource(strings = {"GET", "HEAD"})
    void aNotModifiedWithoutLengthGetsNoneFromSluice(String method) throws Exception
    {
        upstream.script("/304", "HTTP/1.1 304 Not Modified\r\nConnection: close\r\nETag: \"v1\"\r\nCache-Control: max-age=60\r\n\r\n");
        String[] answers = twoOnOneConnection(method, "/304");
        assertTrue(answers[0].startsWith("HTTP/1.1 304 "), answers[0]);
        assertTrue(answers[0].contains("ETag: \"v1\""), answers[0]);
        assertFalse(declaresLength(answers[0]), "a 304 must not declare a length the upstream did not: " + answers[0]);
        assertTrue(answers[1].endsWith("\r\n\r\nhello"), answers[1]);
    }

    @Test
    void aNotModifiedKeepsTheLengthTheUpstreamDeclared() throws Exception
    {
        upstream.script("/304-sized", "HTTP/1.1 304 Not Modified\r\nConnection: close\r\nETag: \"v1\"\r\nContent-Length: 1234\r\n\r\n");
        String[] answers = twoOnOneConnection("GET", "/304-sized");
        assertTrue(answers[0].startsWith("HTTP/1.1 304 "), answers[0]);
        assertTrue(answers[0].contains("\r\nContent-Length: 1234\r\n"), answers[0]);
        assertTrue(answers[1].endsWith("\r\n\r\nhello"), answers[1]);
    }

    /**
     * RFC 9110 §8.6 forbids a length on a 204 and §15.3.5 says a 204 ends at its head. An upstream
     * that sends a length (and two bytes) anyway got a 500 from Sluice, whose container then
     * waited for that body; nginx passes the 204 on and drops what followed it.
     */
    @ParameterizedTest
    @ValueSource(strings = {"", "Content-Length: 2\r\n\r\nok"})
    void aNoContentDeclaresNoLengthWhateverTheUpstreamSaid(String ending) throws Exception
    {
        String path = "/204-" + ending.length();
        upstream.script(path, "HTTP/1.1 204 No Content\r\nConnection: close\r\nX-Done: yes\r\n" + (ending.isEmpty() ? "\r\n" : ending));
        String[] answers = twoOnOneConnection("GET", path);
        assertTrue(answers[0].startsWith("HTTP/1.1 204 "), answers[0]);
        assertTrue(answers[0].contains("X-Done: yes"), answers[0]);
        assertFalse(declaresLength(answers[0]), answers[0]);
        assertTrue(answers[0].endsWith("\r\n\r\n"), "a 204 has no body: " + answers[0]);
        assertTrue(answers[1].endsWith("\r\n\r\nhello"), answers[1]);
    }

    @Test
    void aHeadAnswerKeepsTheLengthOfWhatAGetWouldGet() throws Exception
    {
        upstream.script("/head", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 5\r\n\r\n");
        String[] answers = twoOnOneConnection("HEAD", "/head");
        assertTrue(answers[0].contains("\r\nContent-Length: 5\r\n"), answers[0]);
        assertTrue(answers[0].endsWith("\r\n\r\n"), "a HEAD answer has no body: " + answers[0]);
        assertTrue(answers[1].endsWith("\r\n\r\nhello"), answers[1]);
    }
}
