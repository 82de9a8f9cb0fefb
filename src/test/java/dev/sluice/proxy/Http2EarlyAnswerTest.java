// An HTTP/2 upstream that answers before it has read the request body and resets the stream with NO_ERROR: the client gets that answer.
package dev.sluice.proxy;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import dev.sluice.testing.RawHttp2Server;
import dev.sluice.testing.SluiceUnderTest;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * RFC 9113 section 8.1: a server may answer before the request is complete and then reset the
 * stream with NO_ERROR, asking the client to stop sending; the client must not discard the answer.
 * gRPC servers and Envoy do this with an early 413 or 401 to a large upload.
 */
class Http2EarlyAnswerTest
{
    @Test
    void anEarlyAnswerFollowedByAResetWithNoErrorReachesTheClient() throws Exception
    {
        try (RawHttp2Server upstream = RawHttp2Server.start(RawHttp2Server.Behaviour.EARLY_ANSWER, null, 413, "text/plain", "too large");
             SluiceUnderTest sluice = SluiceUnderTest.start("""
                 upstream.h2.url = %s
                 upstream.h2.http-version = 2
                 route.h2.path = /h2
                 route.h2.upstream = h2
                 route.h2.strip-prefix = true
                 """.formatted(upstream.uri())))
        {
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            for (int size : new int[] {1000, 200_000, 4_000_000})
            {
                // With a length (kept for a resend up to 64 KiB, streamed beyond), then chunked (streamed).
                for (boolean chunked : new boolean[] {false, true})
                {
                    byte[] body = new byte[size];
                    HttpRequest.BodyPublisher publisher = chunked
                        ? HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(body))
                        : HttpRequest.BodyPublishers.ofByteArray(body);
                    HttpResponse<String> answer = http.send(HttpRequest.newBuilder(sluice.uri("/h2/upload")).POST(publisher).build(),
                        HttpResponse.BodyHandlers.ofString());
                    assertEquals(413, answer.statusCode(), size + " bytes, chunked " + chunked + ": " + answer.body());
                    assertEquals("too large", answer.body());
                }
            }
        }
    }
}
