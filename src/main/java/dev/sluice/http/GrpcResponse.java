// A gRPC call's response: Sluice's own refusals written as gRPC statuses instead of problem documents.
package dev.sluice.http;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;

/**
 * gRPC clients read a call's outcome from {@code grpc-status} and {@code grpc-message}, not from
 * the HTTP status: given a 401 problem document they report "HTTP status code 401, invalid
 * content-type" and, for 429 and 502-504 alike, {@code UNAVAILABLE}, which their retry policies
 * retry. For a gRPC request ({@link #wrap}) {@link ProblemWriter} answers as Envoy and Kong do for
 * their own replies: HTTP 200, {@code application/grpc}, the status and Sluice's detail in the
 * headers and no body, ended at once; the status is repeated in trailers for containers that end
 * a bodiless answer with an empty DATA frame rather than with its header block (Tomcat). The
 * access log and metrics still see the HTTP status the refusal stands for ({@link #getStatus}).
 */
public final class GrpcResponse extends HttpServletResponseWrapper
{
    /** gRPC status codes (grpc/doc/statuscodes.md). */
    static final int UNKNOWN = 2;
    static final int INVALID_ARGUMENT = 3;
    static final int DEADLINE_EXCEEDED = 4;
    static final int PERMISSION_DENIED = 7;
    static final int RESOURCE_EXHAUSTED = 8;
    static final int UNIMPLEMENTED = 12;
    static final int INTERNAL = 13;
    static final int UNAVAILABLE = 14;
    static final int UNAUTHENTICATED = 16;

    /** The HTTP status of the refusal written, or 0 while none was; read when the exchange closes, often on another thread. */
    private volatile int refusedStatus;
    /** The call's grpc-status from the upstream's trailers, once they arrived. */
    private volatile String trailerStatus;

    /** For a gRPC-Web call, the type its refusals carry; null for gRPC. */
    private final String webType;

    private GrpcResponse(HttpServletResponse response, String webType)
    {
        super(response);
        this.webType = webType;
    }

    /**
     * The response wrapped when the request is a gRPC call (HTTP/2 with {@code application/grpc}
     * or {@code application/grpc+<codec>}) or a gRPC-Web one ({@code application/grpc-web} or
     * {@code application/grpc-web-text}, with or without a codec, over any HTTP version: its
     * refusals are headers-only answers, which gRPC-Web clients read), else the response itself.
     */
    public static HttpServletResponse wrap(HttpServletRequest request, HttpServletResponse response)
    {
        String type = request.getContentType();
        if (type == null || !type.regionMatches(true, 0, "application/grpc", 0, 16))
        {
            return response;
        }
        GrpcWebType web = GrpcWebType.of(type);
        if (web != null)
        {
            return new GrpcResponse(response, web.withCodec("+proto"));
        }
        char next = type.length() > 16 ? type.charAt(16) : ';';
        return (next == ';' || next == '+') && "HTTP/2.0".equals(request.getProtocol()) ? new GrpcResponse(response, null) : response;
    }

    /**
     * The gRPC response under any wrappers a filter put around it (the CORS guard's, for one),
     * or null when the call is not gRPC: a check with {@code instanceof} on the response a filter
     * handed on would miss it.
     */
    public static GrpcResponse of(jakarta.servlet.ServletResponse response)
    {
        while (response instanceof jakarta.servlet.ServletResponseWrapper wrapper)
        {
            if (response instanceof GrpcResponse grpc)
            {
                return grpc;
            }
            response = wrapper.getResponse();
        }
        return null;
    }

    /** The refusal's HTTP status once one was written, so that logs and metrics count it as such. */
    @Override
    public int getStatus()
    {
        return refusedStatus != 0 ? refusedStatus : super.getStatus();
    }

    /** Records the grpc-status the upstream's trailers carried (null when they had none). */
    public void trailerStatus(String status)
    {
        this.trailerStatus = status;
    }

    /**
     * The call's gRPC status for logs and spans: in the upstream's trailers, else in the headers
     * (a "trailers-only" answer, or Sluice's own refusal); null when the call has none (it broke off).
     */
    public String grpcStatus()
    {
        String status = trailerStatus;
        return status != null ? status : getHeader("grpc-status");
    }

    /** Writes the refusal as a gRPC status; 0 bytes of body. Nothing when the answer has begun. */
    int refuse(int status, String detail)
    {
        if (isCommitted())
        {
            return 0;
        }
        resetBuffer();
        refusedStatus = status;
        super.setStatus(HttpServletResponse.SC_OK);
        setContentType(webType != null ? webType : "application/grpc");
        String code = Integer.toString(code(status));
        String message = detail == null ? null : percentEncoded(detail);
        setHeader("grpc-status", code);
        if (message != null)
        {
            setHeader("grpc-message", message);
        }
        if (webType != null)
        {
            // gRPC-Web: the status in the headers is the whole answer (browsers read no trailers).
            setContentLength(0);
            try
            {
                getOutputStream().close();
            }
            catch (java.io.IOException | IllegalStateException x)
            {
                // The client is gone, or a writer is in use: the container ends the answer.
            }
            return 0;
        }
        // And in trailers: Jetty ends a bodiless answer with its header block, but Tomcat sends an
        // empty DATA frame to end it, after which gRPC clients read no status from the headers
        // ("unexpected EOS on empty DATA frame"); trailers they read in either case.
        try
        {
            java.util.Map<String, String> trailers = message == null ? java.util.Map.of("grpc-status", code)
                : java.util.Map.of("grpc-status", code, "grpc-message", message);
            setTrailerFields(() -> trailers);
        }
        catch (IllegalStateException x)
        {
            // A container that sends no trailers on this response: the headers say it.
        }
        // Ended now, as one header block: a streaming client still sending waits for this, and
        // would otherwise have it only once Sluice stopped reading its body (UnreadBodies).
        try
        {
            getOutputStream().close();
        }
        catch (IllegalStateException writerInUse)
        {
            try
            {
                getWriter().close();
            }
            catch (java.io.IOException | IllegalStateException x)
            {
                // Nothing to end it with: the container ends it when the exchange does.
            }
        }
        catch (java.io.IOException x)
        {
            // The client is gone.
        }
        return 0;
    }

    /**
     * The gRPC code for the HTTP status of a refusal: gRPC's own mapping
     * (http-grpc-status-mapping.md) where it fits Sluice's meaning, with 400 as a bad argument
     * rather than an internal error, 413/429/431 as an exhausted resource (a quota, not an
     * outage to retry) and 408/504 as a deadline.
     */
    static int code(int status)
    {
        return switch (status)
        {
            case 400, 411, 415, 422 -> INVALID_ARGUMENT;
            case 401 -> UNAUTHENTICATED;
            case 403 -> PERMISSION_DENIED;
            case 404, 405, 501 -> UNIMPLEMENTED;
            case 408, 504 -> DEADLINE_EXCEEDED;
            case 413, 429, 431 -> RESOURCE_EXHAUSTED;
            case 502, 503 -> UNAVAILABLE;
            case 500 -> INTERNAL;
            default -> UNKNOWN;
        };
    }

    /**
     * The HTTP status a gRPC status stands for, as Envoy maps them for its outlier detection
     * (UNAVAILABLE 503, DEADLINE_EXCEEDED 504, INTERNAL and UNKNOWN 500, ...); 500 for a value
     * that is not a code.
     */
    public static int httpStatus(String grpcStatus)
    {
        return switch (parseCode(grpcStatus))
        {
            case 0 -> 200;
            case 1 -> 499;
            case 3, 9, 11 -> 400;
            case 4 -> 504;
            case 5 -> 404;
            case 6, 10 -> 409;
            case 7 -> 403;
            case 8 -> 429;
            case 12 -> 501;
            case 14 -> 503;
            case 16 -> 401;
            default -> 500;
        };
    }

    /** A grpc-status value's code, 0 to 16; -1 for anything else (an upstream may send anything). */
    public static int parseCode(String grpcStatus)
    {
        if (grpcStatus.isEmpty() || grpcStatus.length() > 2)
        {
            return -1;
        }
        int code = 0;
        for (int i = 0; i < grpcStatus.length(); i++)
        {
            char c = grpcStatus.charAt(i);
            if (c < '0' || c > '9')
            {
                return -1;
            }
            code = code * 10 + (c - '0');
        }
        return code <= UNAUTHENTICATED ? code : -1;
    }

    /** grpc-message's encoding: UTF-8, with bytes outside printable ASCII and '%' as %XX. */
    static String percentEncoded(String text)
    {
        StringBuilder out = new StringBuilder(text.length());
        for (byte b : text.getBytes(java.nio.charset.StandardCharsets.UTF_8))
        {
            if (b >= 0x20 && b <= 0x7e && b != '%')
            {
                out.append((char)b);
            }
            else
            {
                out.append('%').append(Character.toUpperCase(Character.forDigit((b >> 4) & 0xf, 16)))
                    .append(Character.toUpperCase(Character.forDigit(b & 0xf, 16)));
            }
        }
        return out.toString();
    }

    /**
     * A {@code grpc-timeout} field in nanoseconds (gRPC over HTTP/2: 1 to 8 digits and a unit,
     * {@code H M S m u n}), or -1 when absent or not in that form (then not applied, as Envoy
     * ignores one it cannot read).
     */
    public static long timeoutNanos(String field)
    {
        if (field == null || field.length() < 2 || field.length() > 9)
        {
            return -1;
        }
        long amount = 0;
        for (int i = 0; i < field.length() - 1; i++)
        {
            char c = field.charAt(i);
            if (c < '0' || c > '9')
            {
                return -1;
            }
            amount = amount * 10 + (c - '0');
        }
        return switch (field.charAt(field.length() - 1))
        {
            case 'H' -> java.util.concurrent.TimeUnit.HOURS.toNanos(amount);
            case 'M' -> java.util.concurrent.TimeUnit.MINUTES.toNanos(amount);
            case 'S' -> java.util.concurrent.TimeUnit.SECONDS.toNanos(amount);
            case 'm' -> java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(amount);
            case 'u' -> java.util.concurrent.TimeUnit.MICROSECONDS.toNanos(amount);
            case 'n' -> amount;
            default -> -1;
        };
    }
}
