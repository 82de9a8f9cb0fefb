// Header names Sluice reads or writes itself, in one place.
package dev.sluice.http;

public final class HeaderNames
{
    public static final String REQUEST_ID = "X-Request-ID";
    public static final String TRACEPARENT = "traceparent";
    public static final String TRACESTATE = "tracestate";
    public static final String X_FORWARDED_FOR = "X-Forwarded-For";
    public static final String X_FORWARDED_PROTO = "X-Forwarded-Proto";
    public static final String X_FORWARDED_HOST = "X-Forwarded-Host";
    public static final String X_FORWARDED_PORT = "X-Forwarded-Port";
    public static final String X_FORWARDED_PREFIX = "X-Forwarded-Prefix";
    public static final String X_REAL_IP = "X-Real-IP";
    public static final String FORWARDED = "Forwarded";
    public static final String VIA = "Via";
    public static final String HOST = "Host";
    public static final String ALLOW = "Allow";
    public static final String RETRY_AFTER = "Retry-After";
    public static final String AUTHORIZATION = "Authorization";
    public static final String WWW_AUTHENTICATE = "WWW-Authenticate";
    public static final String TRANSFER_ENCODING = "Transfer-Encoding";
    public static final String EXPECT = "Expect";

    /**
     * Fields of a connection or of a message's framing (lower case): configuration may not copy
     * them from one message to another, as a copied Content-Length would no longer describe the
     * body it came with.
     */
    public static final java.util.Set<String> CONNECTION_AND_FRAMING = java.util.Set.of("connection", "keep-alive", "proxy-connection", "te",
        "trailer", "transfer-encoding", "upgrade", "content-length", "host");

    private HeaderNames()
    {
    }
}
