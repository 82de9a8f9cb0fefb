// What an upstream failure means: the status the client gets, the outcome logged, a short reason.
package dev.sluice.proxy;

import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.util.concurrent.TimeoutException;

import dev.sluice.exchange.Exchange;
import dev.sluice.upstream.RetryPolicy;

/**
 * Classifies the {@link Throwable} Jetty's client reports for a failed upstream exchange. Plain
 * logic, no servlet types: {@link SluiceProxyServlet} carries the decision out.
 */
final class UpstreamFailure
{
    private UpstreamFailure()
    {
    }

    static final String UNTRUSTED_DETAIL = "The upstream's TLS certificate was not trusted.";

    /**
     * The TLS handshake failed on the upstream's certificate: untrusted, expired, or for another
     * host name.
     */
    static boolean untrustedCertificate(Throwable failure)
    {
        for (Throwable cause = failure; cause != null; cause = cause.getCause())
        {
            if (cause instanceof java.security.cert.CertificateException || cause instanceof java.security.cert.CertPathValidatorException
                || cause instanceof javax.net.ssl.SSLPeerUnverifiedException)
            {
                return true;
            }
        }
        return false;
    }

    /**
     * What kind of failure a retry decision sees.
     *
     * @param sent whether any of the request reached the connection
     */
    static RetryPolicy.Failure retryKind(Throwable failure, boolean sent)
    {
        if (!sent)
        {
            return RetryPolicy.Failure.CONNECT;
        }
        return isTimeout(failure) ? RetryPolicy.Failure.TIMEOUT : RetryPolicy.Failure.RESET;
    }

    /** Every kind of timeout: connect, idle and total. */
    static boolean isTimeout(Throwable failure)
    {
        return failure instanceof TimeoutException || failure instanceof SocketTimeoutException;
    }

    /** 504 for timeouts (connecting included, as nginx answers), 431 for a head too large to send, else 502. */
    static int status(Throwable failure)
    {
        if (requestHeadTooLarge(failure))
        {
            return 431;
        }
        return saturated(failure) ? 503 : isTimeout(failure) ? 504 : 502;
    }

    /**
     * The request head Sluice would send, the client's fields with its own added, is larger than
     * the upstream client takes ({@link UpstreamClients#MIN_REQUEST_HEAD_BYTES} or more): only in a
     * container that lets in heads that large. Nothing was sent; the request's, not the target's.
     * Jetty's client says so only in its message.
     */
    static boolean requestHeadTooLarge(Throwable failure)
    {
        return failure instanceof IllegalArgumentException && "Request headers too large".equals(failure.getMessage());
    }

    /**
     * Nothing was sent: every connection to the target stayed busy for the queue timeout, or
     * the queue itself was full. Not the target's fault, and not worth waiting for.
     */
    static boolean saturated(Throwable failure)
    {
        return failure instanceof Saturated || failure instanceof java.util.concurrent.RejectedExecutionException;
    }

    static final String HEADERS_DETAIL = "The upstream's response headers are larger or more numerous than Sluice accepts.";

    /** The upstream's response head was over {@code proxy.max-response-header-size} or {@code proxy.max-response-headers}. */
    static boolean headersTooLarge(Throwable failure)
    {
        for (Throwable cause = failure; cause != null; cause = cause.getCause())
        {
            // Jetty's response parser reports its header byte limit with the response's own status.
            if (cause instanceof HeadersTooLarge
                || (cause instanceof org.eclipse.jetty.http.HttpException http && http.getReason() != null
                    && http.getReason().contains("Header Bytes Too Large")))
            {
                return true;
            }
        }
        return false;
    }

    /** Aborts a response with more header fields than allowed. */
    static final class HeadersTooLarge extends Exception
    {
        private static final long serialVersionUID = 1L;

        HeadersTooLarge(int max)
        {
            super("more than " + max + " response header fields", null, false, false);
        }
    }

    static final String UNEXPECTED_DETAIL = "The upstream's answer was one Sluice cannot pass on.";

    static final String INVALID_DETAIL = "The upstream's answer was not valid HTTP.";

    /**
     * Why Jetty's response parser refused the upstream's answer (a doubled Content-Length, a
     * control character or space in a field, a malformed status line), or null when it did not.
     * Jetty's own message names the connection, not the fault, so the log showed only the class.
     */
    static String invalidAnswer(Throwable failure)
    {
        for (Throwable cause = failure; cause != null; cause = cause.getCause())
        {
            if (cause instanceof org.eclipse.jetty.http.HttpException http && http.getReason() != null)
            {
                return http.getReason();
            }
        }
        return null;
    }

    /** Aborts an upstream answer Sluice cannot pass on: an unsolicited 101, an unknown 1xx. */
    static final class UnexpectedAnswer extends Exception
    {
        private static final long serialVersionUID = 1L;

        UnexpectedAnswer(String what)
        {
            super("the upstream sent " + what, null, false, false);
        }
    }

    /** Stops sending a body to an upstream that has answered in full already. */
    static final class AnsweredEarly extends Exception
    {
        private static final long serialVersionUID = 1L;

        AnsweredEarly()
        {
            super("the upstream answered before the request body ended", null, false, false);
        }
    }

    /** Ends an exchange still running when Sluice stops. */
    static final class Stopping extends Exception
    {
        private static final long serialVersionUID = 1L;

        Stopping()
        {
            super("Sluice is stopping", null, false, false);
        }
    }

    /** Aborts a request that waited too long for a connection to its target. */
    static final class Saturated extends Exception
    {
        private static final long serialVersionUID = 1L;

        Saturated(String target, long waitedMillis)
        {
            super("every connection to " + target + " stayed busy for " + waitedMillis + " ms", null, false, false);
        }
    }

    /**
     * How the exchange ended, for the access log.
     *
     * @param committed whether part of the response had already gone to the client
     */
    static Exchange.Outcome outcome(Throwable failure, boolean committed)
    {
        if (committed)
        {
            // Part of the response went out: the stream broke, on one side or the other.
            return Exchange.Outcome.UPSTREAM_FAILED;
        }
        if (saturated(failure))
        {
            return Exchange.Outcome.UPSTREAM_SATURATED;
        }
        if (requestHeadTooLarge(failure))
        {
            return Exchange.Outcome.BAD_REQUEST;
        }
        if (isTimeout(failure))
        {
            return Exchange.Outcome.UPSTREAM_TIMEOUT;
        }
        if (failure instanceof ConnectException || failure instanceof UnresolvedAddressException)
        {
            return Exchange.Outcome.UPSTREAM_REFUSED;
        }
        return Exchange.Outcome.UPSTREAM_FAILED;
    }

    /**
     * A one-line reason for the log; Jetty's own messages can carry whole connection dumps.
     */
    static String describe(Throwable failure)
    {
        if (saturated(failure))
        {
            return "connection pool saturated (" + failure.getMessage() + ")";
        }
        if (headersTooLarge(failure))
        {
            // Jetty's message names the connection ("bad response on ...Connection@1f2e::..."): the limit says more.
            for (Throwable cause = failure; cause != null; cause = cause.getCause())
            {
                if (cause instanceof HeadersTooLarge)
                {
                    return "response headers over the limit (" + cause.getMessage() + ")";
                }
            }
            return "response headers over the limit (a head larger than proxy.max-response-header-size)";
        }
        if (dev.sluice.http.ClientFailures.unprocessed(failure))
        {
            return "turned away unprocessed by the HTTP/2 upstream (GOAWAY or REFUSED_STREAM)";
        }
        String invalid = invalidAnswer(failure);
        if (invalid != null)
        {
            return "invalid HTTP answer (" + dev.sluice.http.ClientText.quoted(invalid, 120) + ")";
        }
        if (isTimeout(failure))
        {
            return "timed out (" + failure.getMessage() + ")";
        }
        if (failure instanceof ConnectException)
        {
            return "connection refused";
        }
        return dev.sluice.http.ClientFailures.describe(failure, "upstream");
    }

    /** The detail of a 502 that this failure explains better than {@link #detail(int)}, or null. */
    static String badGatewayDetail(Throwable failure)
    {
        if (untrustedCertificate(failure))
        {
            return UNTRUSTED_DETAIL;
        }
        if (headersTooLarge(failure))
        {
            return HEADERS_DETAIL;
        }
        for (Throwable cause = failure; cause != null; cause = cause.getCause())
        {
            if (cause instanceof UnexpectedAnswer)
            {
                return UNEXPECTED_DETAIL;
            }
        }
        return invalidAnswer(failure) == null ? null : INVALID_DETAIL;
    }

    /** The problem detail for a status Sluice answers on the upstream's behalf. */
    static String detail(int status)
    {
        return switch (status)
        {
            case 504 -> "The upstream did not answer in time.";
            case 503 -> "Every connection to the upstream is busy; try again shortly.";
            case 502 -> "The upstream could not be reached or closed the connection.";
            case 431 -> "The request's header fields, with those Sluice adds, are larger than Sluice sends upstream.";
            case 408 -> dev.sluice.http.RequestBodies.TOO_SLOW;
            case 400 -> "The request body could not be read.";
            default -> null;
        };
    }
}
