// Authorization and introspection services that close an idle keep-alive connection as Sluice reuses it: the check goes again on a new one.
package dev.sluice.auth;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

import dev.sluice.testing.LogCapture;
import dev.sluice.testing.SluiceUnderTest;
import dev.sluice.testing.SocketUpstream;
import dev.sluice.testing.TestUpstream;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Node.js (oauth2-proxy's and many OPA sidecars' neighbours) and uvicorn close keep-alive
 * connections idle for 5 s without saying so, and a check Sluice sends on such a connection
 * just then meets a closed socket. Before the change that was a 503 "authentication
 * unavailable" for the client, and a warning naming Jetty's connection object. Here each
 * service answers the first request on a connection and closes it when the next arrives, which
 * makes the race certain.
 */
class AuthClosedConnectionTest
{
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    /** Answers the first request on a connection (keeping it open) and closes it when the next one arrives, unanswered. */
    private static void answerOnceThenClose(Socket socket, String body) throws IOException
    {
        InputStream in = socket.getInputStream();
        String head = SocketUpstream.readHead(in);
        in.readNBytes(SocketUpstream.contentLength(head));
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        socket.getOutputStream().write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + bytes.length + "\r\n\r\n")
            .getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().write(bytes);
        socket.getOutputStream().flush();
        SocketUpstream.readHead(in);
    }

    private static int get(SluiceUnderTest sluice, String path, int token) throws Exception
    {
        HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(sluice.uri(path)).header("Authorization", "Bearer token-" + token).build(),
            HttpResponse.BodyHandlers.ofString());
        // The service's connection goes back to Sluice's pool as its answer ends; the next check must find it there.
        Thread.sleep(150);
        return answer.statusCode();
    }

    @Test
    void aCheckOnAConnectionTheServiceClosedGoesAgainOnANewOneAndOnAFreshOneIsNotSentTwice() throws Exception
    {
        try (TestUpstream upstream = TestUpstream.start();
             SocketUpstream forward = new SocketUpstream("forward", socket -> answerOnceThenClose(socket, "{}"));
             SocketUpstream introspection = new SocketUpstream("introspection",
                 socket -> answerOnceThenClose(socket, "{\"active\":true,\"sub\":\"ada\",\"exp\":9999999999}"));
             SocketUpstream dropping = new SocketUpstream("dropping", socket -> SocketUpstream.readHead(socket.getInputStream()));
             LogCapture log = LogCapture.start();
             SluiceUnderTest sluice = SluiceUnderTest.start("""
                 upstream.app.url = %s
                 auth.forward.sso.url = %s/check
                 auth.forward.down.url = %s/check
                 route.fwd.path = /fwd
                 route.fwd.upstream = app
                 route.fwd.auth.forward = sso
                 route.down.path = /down
                 route.down.upstream = app
                 route.down.auth.forward = down
                 auth.introspection.idp.url = %s/introspect
                 auth.introspection.idp.client-id = sluice
                 auth.introspection.idp.client-secret = secret-secret-secret
                 route.intro.path = /intro
                 route.intro.upstream = app
                 route.intro.auth = introspection:idp
                 """.formatted(upstream.url(), forward.url(), dropping.url(), introspection.url())))
        {
            for (String path : new String[] {"/fwd/a", "/intro/a"})
            {
                for (int i = 0; i < 3; i++)
                {
                    // A new token each time: introspection answers are cached per token.
                    assertEquals(200, get(sluice, path, i), path + " request " + i + "\n" + log.text());
                }
            }
            assertEquals(3, forward.connections(), "each check after the first met a closed connection and took a new one");
            assertEquals(3, introspection.connections());

            assertEquals(503, get(sluice, "/down/a", 0));
            assertEquals(1, dropping.connections(), "a check that fails on a fresh connection is not sent again");
            assertTrue(log.text().contains("forward auth 'down' failed: connection closed by the service"), log.text());
            assertFalse(log.text().contains("SocketChannelEndPoint@"), "no connection dump in the log\n" + log.text());
        }
    }
}
