// An HTTP/2 upstream that turns a request away unprocessed (GOAWAY below its stream, or REFUSED_STREAM): the request goes again.
package dev.sluice.proxy;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import dev.sluice.testing.LogCapture;
import dev.sluice.testing.RawHttp2Server;
import dev.sluice.testing.SluiceUnderTest;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * gRPC servers with a maximum connection age and the front ends of hosted APIs rotate HTTP/2
 * connections with a GOAWAY; a request sent just then is not processed (RFC 9113 section 8.7),
 * and neither is one reset with REFUSED_STREAM. Before the change, a GET met a 502 unless the
 * route retried on another target, a POST always did, and the target's health counted it.
 */
class Http2UnprocessedTest
{
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Test
    void aRequestTheUpstreamDidNotProcessGoesAgainWhateverItsMethod() throws Exception
    {
        for (RawHttp2Server.Behaviour refusal : new RawHttp2Server.Behaviour[] {RawHttp2Server.Behaviour.GOAWAY, RawHttp2Server.Behaviour.REFUSED_STREAM})
        {
            try (RawHttp2Server upstream = RawHttp2Server.start(refusal, null, 200, "text/plain", "processed");
                 LogCapture log = LogCapture.start();
                 SluiceUnderTest sluice = SluiceUnderTest.start("""
                     upstream.h2.url = %s
                     upstream.h2.http-version = 2
                     upstream.h2.outlier.consecutive-failures = 1
                     route.h2.path = /h2
                     route.h2.upstream = h2
                     route.h2.strip-prefix = true
                     """.formatted(upstream.uri())))
            {
                for (int i = 0; i < 6; i++)
                {
                    HttpRequest.Builder request = HttpRequest.newBuilder(sluice.uri("/h2/orders"));
                    if (i % 2 == 1)
                    {
                        request.POST(HttpRequest.BodyPublishers.ofString("{\"item\":" + i + "}"));
                    }
                    HttpResponse<String> answer = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
                    assertEquals(200, answer.statusCode(), refusal + " request " + i + ": " + answer.body() + "\n" + log.text());
                    assertEquals("processed", answer.body());
                }
                assertTrue(upstream.refused() > 0, refusal + ": the upstream turned streams away (" + upstream.refused() + ")");
                assertFalse(log.text().contains("failed"), refusal + ": nothing held against the target\n" + log.text());
            }
        }
    }
}
