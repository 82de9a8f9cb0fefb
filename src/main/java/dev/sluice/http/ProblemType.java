// The kinds of response Sluice writes itself, each with its status and a stable type URI.
package dev.sluice.http;

/**
 * Every response Sluice makes on its own account is one of these, written as
 * {@code application/problem+json} (RFC 9457) by {@link ProblemWriter}. The {@code type} member is
 * {@code urn:sluice:problem:<slug>}: stable, so clients can branch on it, and not a web address
 * that could go stale.
 */
public enum ProblemType
{
    BAD_REQUEST(400, "bad-request", "Bad request"),
    BAD_PATH(400, "bad-path", "Malformed request path"),
    INVALID_REQUEST(400, "invalid-request", "Request does not match the API description"),
    UNAUTHORIZED(401, "unauthorized", "Authentication required"),
    FORBIDDEN(403, "forbidden", "Forbidden"),
    INSUFFICIENT_SCOPE(403, "insufficient-scope", "Insufficient scope"),
    TLS_REQUIRED(403, "tls-required", "HTTPS required"),
    NOT_FOUND(404, "not-found", "Not found"),
    NO_ROUTE(404, "no-route", "No route matches this request"),
    METHOD_NOT_ALLOWED(405, "method-not-allowed", "Method not allowed"),
    REQUEST_TIMEOUT(408, "request-timeout", "Request timed out"),
    LENGTH_REQUIRED(411, "length-required", "Length required"),
    PAYLOAD_TOO_LARGE(413, "payload-too-large", "Request too large"),
    URI_TOO_LONG(414, "uri-too-long", "Request target too long"),
    UNSUPPORTED_MEDIA_TYPE(415, "unsupported-media-type", "Unsupported media type"),
    RANGE_NOT_SATISFIABLE(416, "range-not-satisfiable", "Range not satisfiable"),
    EXPECTATION_FAILED(417, "expectation-failed", "Expectation not supported"),
    UPGRADE_REQUIRED(426, "upgrade-required", "Protocol upgrade required"),
    RATE_LIMITED(429, "rate-limited", "Too many requests"),
    HEADERS_TOO_LARGE(431, "headers-too-large", "Request header fields too large"),
    INTERNAL(500, "internal", "Internal error"),
    UNSUPPORTED_TRANSFER_CODING(501, "unsupported-transfer-coding", "Transfer coding not supported"),
    WEBSOCKET_NOT_SUPPORTED(501, "websocket-not-supported", "WebSocket not supported here"),
    HTTP_VERSION_NOT_SUPPORTED(505, "http-version-not-supported", "HTTP version not supported"),
    BAD_GATEWAY(502, "bad-gateway", "Upstream unavailable"),
    NOT_READY(503, "not-ready", "Not ready"),
    MAINTENANCE(503, "maintenance", "Down for maintenance"),
    NO_TARGET(503, "no-healthy-target", "No healthy upstream target"),
    UPSTREAM_SATURATED(503, "upstream-saturated", "Upstream connections busy"),
    TOO_MANY_WEBSOCKETS(503, "too-many-websockets", "Too many WebSocket connections"),
    AUTH_UNAVAILABLE(503, "auth-unavailable", "Authentication unavailable"),
    RATE_LIMIT_UNAVAILABLE(503, "rate-limit-unavailable", "Rate limiting unavailable"),
    GATEWAY_TIMEOUT(504, "gateway-timeout", "Upstream timed out"),
    LOOP_DETECTED(508, "loop-detected", "Request loop"),
    /** A failure a route's {@code fault.abort} injects on purpose; titled with the status's reason phrase. */
    FAULT_INJECTED(0, "fault-injected", null),
    /** A status a route answers by configuration ({@code route.<name>.respond}); titled with the status's reason phrase. */
    ROUTE_ANSWER(0, "route-answer", null);

    private final int status;
    private final String slug;
    private final String type;
    private final String title;

    ProblemType(int status, String slug, String title)
    {
        this.status = status;
        this.slug = slug;
        this.type = "urn:sluice:problem:" + slug;
        this.title = title;
    }

    public int status()
    {
        return status;
    }

    public String type()
    {
        return type;
    }

    /** The last part of {@link #type}, such as {@code rate-limited}. */
    public String slug()
    {
        return slug;
    }

    /** The title, or null for {@link #ROUTE_ANSWER} and {@link #FAULT_INJECTED}, titled with their status's reason phrase. */
    public String title()
    {
        return title;
    }

    /**
     * The problem type for a status some other part (the container, an error dispatch) chose.
     * Each status the containers answer on their own has a type here, so a 505 is not filed as
     * Sluice's internal error, nor a 414 titled "Bad request"; any other takes the generic type
     * of its class.
     */
    public static ProblemType forStatus(int status)
    {
        for (ProblemType problemType : values())
        {
            // The first entry of each status is its generic form.
            if (problemType.status == status)
            {
                return problemType;
            }
        }
        return status >= 500 ? INTERNAL : BAD_REQUEST;
    }
}
