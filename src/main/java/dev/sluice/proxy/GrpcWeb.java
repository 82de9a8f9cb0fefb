// gRPC-Web to gRPC and back: browsers' calls (HTTP/1.1 or 2, no trailers) to gRPC services over HTTP/2.
package dev.sluice.proxy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

import dev.sluice.http.GrpcWebType;
import dev.sluice.http.ProblemType;
import jakarta.servlet.http.HttpServletRequest;

/**
 * What Envoy's {@code grpc_web} filter and Kong's grpc-web plugin do, per gRPC's PROTOCOL-WEB.md:
 * a request of type {@code application/grpc-web[+codec]} goes upstream as
 * {@code application/grpc[+codec]} with {@code TE: trailers}, its body unchanged (the
 * length-prefixed messages are the same); {@code application/grpc-web-text} bodies are base64 and
 * are decoded first. The answer goes back with the gRPC-Web type, its messages unchanged (or
 * base64 for text, in groups of three bytes so that no padding falls mid-stream), and the
 * upstream's trailers as a last frame (flag {@code 0x80}, then {@code name:value\r\n} lines), since
 * browsers cannot read HTTP trailers. A trailers-only answer keeps its {@code grpc-status} in the
 * headers, where gRPC-Web clients read it too.
 */
final class GrpcWeb
{
    /** The largest request body read: gRPC's default largest message (4 MiB) with its 5-byte prefix; as base64 for text calls. */
    static final int MAX_REQUEST_BODY = 4 * 1024 * 1024 + 5;
    private static final int MAX_TEXT_REQUEST_BODY = (MAX_REQUEST_BODY + 2) / 3 * 4;

    /** The refusal of a request body that cannot be a gRPC-Web call (the client's fault). */
    static final class Refused extends Exception
    {
        private static final long serialVersionUID = 1L;
        private final ProblemType type;

        Refused(ProblemType type, String message)
        {
            super(message, null, false, false);
            this.type = type;
        }

        ProblemType type()
        {
            return type;
        }
    }

    private GrpcWeb()
    {
    }

    /** The call's mode when the request is gRPC-Web ({@code application/grpc-web}, {@code -text}, each with {@code +codec}); else null. */
    static GrpcWebType mode(HttpServletRequest request)
    {
        return GrpcWebType.of(request.getContentType());
    }

    /** The gRPC request type upstream. */
    static String upstreamType(GrpcWebType mode)
    {
        return "application/grpc" + mode.codec();
    }

    /** The client's type for an upstream answer of gRPC type {@code upstreamType} (its codec kept). */
    static String clientType(GrpcWebType mode, String upstreamType)
    {
        String codec = mode.codec();
        if (upstreamType != null && upstreamType.regionMatches(true, 0, "application/grpc+", 0, 17))
        {
            int end = upstreamType.indexOf(';');
            codec = (end < 0 ? upstreamType.substring(16) : upstreamType.substring(16, end)).trim().toLowerCase(java.util.Locale.ROOT);
        }
        return mode.withCodec(codec);
    }

    /**
     * The request's body as gRPC sends it: read whole (blocking; one message of at most 4 MiB, as
     * browsers send one message per call), base64 decoded for text calls.
     */
    static byte[] body(HttpServletRequest request, GrpcWebType mode, dev.sluice.config.ProxySettings pace) throws IOException, Refused
    {
        int max = mode.text() ? MAX_TEXT_REQUEST_BODY : MAX_REQUEST_BODY;
        long declared = request.getContentLengthLong();
        if (declared > max)
        {
            throw new Refused(ProblemType.PAYLOAD_TOO_LARGE, "The gRPC-Web request body is " + declared + " bytes; at most " + max + " are taken.");
        }
        byte[] body = dev.sluice.http.RequestBodies.readUpTo(request, max, pace);
        if (body == null)
        {
            throw new Refused(ProblemType.PAYLOAD_TOO_LARGE, "The gRPC-Web request body is larger than the " + max + " bytes taken.");
        }
        return mode.text() ? decode(body) : body;
    }

    /**
     * Base64 as gRPC-Web text clients send it: possibly several padded segments one after the
     * other (each decoded on its own), line breaks and spaces ignored.
     */
    static byte[] decode(byte[] text) throws Refused
    {
        ByteArrayOutputStream out = new ByteArrayOutputStream(text.length * 3 / 4 + 3);
        byte[] group = new byte[4];
        int filled = 0;
        for (byte b : text)
        {
            if (b == '\r' || b == '\n' || b == ' ' || b == '\t')
            {
                continue;
            }
            group[filled++] = b;
            if (filled == 4)
            {
                try
                {
                    out.writeBytes(Base64.getDecoder().decode(group));
                }
                catch (IllegalArgumentException x)
                {
                    throw new Refused(ProblemType.BAD_REQUEST, "The gRPC-Web text body is not base64.");
                }
                filled = 0;
            }
        }
        if (filled != 0)
        {
            throw new Refused(ProblemType.BAD_REQUEST, "The gRPC-Web text body is not base64: its length is not a multiple of 4.");
        }
        return out.toByteArray();
    }

    /** One answer on its way back: for text calls, the 0 to 2 bytes not yet encoded. */
    static final class Answer
    {
        private final GrpcWebType mode;
        private final byte[] held = new byte[2];
        private int heldCount;

        Answer(GrpcWebType mode)
        {
            this.mode = mode;
        }

        GrpcWebType mode()
        {
            return mode;
        }

        /** A piece of the upstream's body as the client gets it (binary calls: unchanged). */
        byte[] piece(byte[] buffer, int offset, int length)
        {
            if (!mode.text())
            {
                return null;
            }
            byte[] all = new byte[heldCount + length];
            System.arraycopy(held, 0, all, 0, heldCount);
            System.arraycopy(buffer, offset, all, heldCount, length);
            int whole = all.length - all.length % 3;
            heldCount = all.length - whole;
            System.arraycopy(all, whole, held, 0, heldCount);
            return Base64.getEncoder().encode(java.util.Arrays.copyOf(all, whole));
        }

        /**
         * The answer's end as the client gets it: for text calls what was held, then the trailer
         * frame when the upstream sent trailers (a trailers-only answer has its status in the
         * headers already); empty when there is nothing to add.
         */
        byte[] end(Map<String, String> trailers)
        {
            byte[] frame = trailers == null || trailers.isEmpty() ? new byte[0] : frame(trailers);
            if (!mode.text())
            {
                return frame;
            }
            byte[] rest = new byte[heldCount + frame.length];
            System.arraycopy(held, 0, rest, 0, heldCount);
            System.arraycopy(frame, 0, rest, heldCount, frame.length);
            heldCount = 0;
            return Base64.getEncoder().encode(rest);
        }
    }

    /** The trailer frame: flag 0x80, a 4-byte big-endian length, then the fields as HTTP/1 header lines with lower-case names. */
    static byte[] frame(Map<String, String> trailers)
    {
        StringBuilder lines = new StringBuilder(64);
        // The trailers as they pass (Trailers.passing): framing and routing fields are out already.
        trailers.forEach((name, value) -> lines.append(name.toLowerCase(java.util.Locale.ROOT)).append(':').append(value).append("\r\n"));
        byte[] block = lines.toString().getBytes(StandardCharsets.ISO_8859_1);
        byte[] frame = new byte[5 + block.length];
        frame[0] = (byte)0x80;
        frame[1] = (byte)(block.length >>> 24);
        frame[2] = (byte)(block.length >>> 16);
        frame[3] = (byte)(block.length >>> 8);
        frame[4] = (byte)block.length;
        System.arraycopy(block, 0, frame, 5, block.length);
        return frame;
    }
}
