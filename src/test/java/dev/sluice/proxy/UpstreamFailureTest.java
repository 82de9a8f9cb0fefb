// Classifying upstream failures: status, access-log outcome and log reason.
package dev.sluice.proxy;

import java.io.EOFException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.util.concurrent.TimeoutException;

import dev.sluice.exchange.Exchange;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class UpstreamFailureTest
{
    @Test
    void timeoutsOfEveryKindAre504AndEverythingElse502()
    {
        assertEquals(504, UpstreamFailure.status(new TimeoutException("Idle timeout expired: 500/500 ms")));
        assertEquals(504, UpstreamFailure.status(new SocketTimeoutException("Connect Timeout")));
        assertEquals(502, UpstreamFailure.status(new ConnectException("Connection refused")));
        assertEquals(502, UpstreamFailure.status(new EOFException()));
    }

    @Test
    void outcomesSayWhatHappenedAndAStartedResponseIsABrokenStream()
    {
        assertEquals(Exchange.Outcome.UPSTREAM_TIMEOUT, UpstreamFailure.outcome(new SocketTimeoutException(), false));
        assertEquals(Exchange.Outcome.UPSTREAM_REFUSED, UpstreamFailure.outcome(new ConnectException(), false));
        assertEquals(Exchange.Outcome.UPSTREAM_FAILED, UpstreamFailure.outcome(new EOFException(), false));
        assertEquals(Exchange.Outcome.UPSTREAM_FAILED, UpstreamFailure.outcome(new TimeoutException(), true));
    }

    @Test
    void logReasonsAreShortAndNeverAConnectionDump()
    {
        assertEquals("timed out (Total timeout 800 ms elapsed)", UpstreamFailure.describe(new TimeoutException("Total timeout 800 ms elapsed")));
        assertEquals("connection refused", UpstreamFailure.describe(new ConnectException("Connection refused")));
        assertEquals("connection closed by the upstream", UpstreamFailure.describe(new EOFException("HttpConnectionOverHTTP@18c1c6c9::SocketChannelEndPoint@5dc35bb5{...}")));
        assertEquals("IllegalStateException", UpstreamFailure.describe(new IllegalStateException("HttpChannel@1234{state=...}")));
        assertEquals("IllegalStateException: bad response", UpstreamFailure.describe(new IllegalStateException("bad response")));
        // As Jetty's client reports a head over its byte limit: its message named the connection.
        assertEquals("response headers over the limit (a head larger than proxy.max-response-header-size)", UpstreamFailure.describe(
            new java.io.IOException("HTTP protocol violation: bad response on HttpConnectionOverHTTP@1f2e::SocketChannelEndPoint@3a4b{...}",
                new org.eclipse.jetty.http.BadMessageException(400, "Header Bytes Too Large"))));
        assertEquals("response headers over the limit (more than 100 response header fields)",
            UpstreamFailure.describe(new java.io.IOException("aborted", new UpstreamFailure.HeadersTooLarge(100))));
        // As Jetty's HTTP/2 client reports a stream above a GOAWAY's last one, and one reset with REFUSED_STREAM.
        assertEquals("turned away unprocessed by the HTTP/2 upstream (GOAWAY or REFUSED_STREAM)", UpstreamFailure.describe(
            new org.eclipse.jetty.client.RetryableRequestException(new org.eclipse.jetty.http2.RetryableStreamException())));
        assertEquals("turned away unprocessed by the HTTP/2 upstream (GOAWAY or REFUSED_STREAM)",
            UpstreamFailure.describe(new java.io.IOException("refused_stream_error")));
        // As Jetty's HTTP/2 client refuses to open a stream on a connection a GOAWAY is closing.
        assertEquals("turned away unprocessed by the HTTP/2 upstream (GOAWAY or REFUSED_STREAM)",
            UpstreamFailure.describe(new IllegalStateException("session closed")));
        // Any other reset says nothing of whether the request was processed.
        assertEquals("IOException: cancel_stream_error", UpstreamFailure.describe(new java.io.IOException("cancel_stream_error")));
    }
}
