// gRPC's health-checking protocol (grpc.health.v1.Health/Check) on the wire: the request's bytes and the answer's verdict.
package dev.sluice.upstream;

import java.nio.charset.StandardCharsets;

/**
 * The check is one unary call: a {@code HealthCheckRequest} (field 1, {@code service}, a string)
 * in gRPC's length-prefixed framing, answered by a {@code HealthCheckResponse} whose field 1 is
 * the serving status (SERVING = 1). Two one-field protobuf messages: encoded and read here rather
 * than with a protobuf runtime that Sluice would otherwise not need.
 */
public final class GrpcHealth
{
    /** The method every gRPC health service answers (grpc/doc/health-checking.md). */
    public static final String PATH = "/grpc.health.v1.Health/Check";
    static final int SERVING = 1;
    private static final String[] STATUS_NAMES = {"UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"};

    private GrpcHealth()
    {
    }

    /** The request body: the 5-byte gRPC prefix (not compressed, length) and the message. */
    public static byte[] request(String service)
    {
        byte[] name = service.getBytes(StandardCharsets.UTF_8);
        byte[] length = varint(name.length);
        int messageLength = name.length == 0 ? 0 : 1 + length.length + name.length;
        byte[] body = new byte[5 + messageLength];
        body[1] = (byte)(messageLength >>> 24);
        body[2] = (byte)(messageLength >>> 16);
        body[3] = (byte)(messageLength >>> 8);
        body[4] = (byte)messageLength;
        if (name.length > 0)
        {
            body[5] = 0x0a; // field 1, length-delimited
            System.arraycopy(length, 0, body, 6, length.length);
            System.arraycopy(name, 0, body, 6 + length.length, name.length);
        }
        return body;
    }

    /**
     * Null when the answer's message says SERVING, else why not (its status, or what is wrong
     * with the bytes).
     */
    public static String notServing(byte[] body)
    {
        if (body.length < 5)
        {
            return "no health message in the answer";
        }
        if (body[0] != 0)
        {
            return "a compressed health message";
        }
        long length = ((body[1] & 0xffL) << 24) | ((body[2] & 0xff) << 16) | ((body[3] & 0xff) << 8) | (body[4] & 0xff);
        if (length != body.length - 5)
        {
            return "a health message of " + (body.length - 5) + " bytes where " + length + " were announced";
        }
        // Fields in any order; an absent status is its default, UNKNOWN (proto3).
        long status = 0;
        int at = 5;
        while (at < body.length)
        {
            long[] key = readVarint(body, at);
            if (key == null)
            {
                return "a malformed health message";
            }
            at = (int)key[1];
            int wireType = (int)(key[0] & 7);
            long field = key[0] >>> 3;
            if (wireType == 0)
            {
                long[] value = readVarint(body, at);
                if (value == null)
                {
                    return "a malformed health message";
                }
                at = (int)value[1];
                if (field == 1)
                {
                    status = value[0];
                }
            }
            else if (wireType == 2)
            {
                long[] size = readVarint(body, at);
                if (size == null || size[0] > body.length - size[1])
                {
                    return "a malformed health message";
                }
                at = (int)(size[1] + size[0]);
            }
            else if ((wireType == 1 || wireType == 5) && at + (wireType == 1 ? 8 : 4) <= body.length)
            {
                // A fixed 64- or 32-bit field of a later version: skipped.
                at += wireType == 1 ? 8 : 4;
            }
            else
            {
                return "a malformed health message";
            }
        }
        return status == SERVING ? null : "serving status " + (status >= 0 && status < STATUS_NAMES.length ? STATUS_NAMES[(int)status] : status);
    }

    private static byte[] varint(int value)
    {
        byte[] bytes = new byte[5];
        int n = 0;
        while ((value & ~0x7f) != 0)
        {
            bytes[n++] = (byte)((value & 0x7f) | 0x80);
            value >>>= 7;
        }
        bytes[n++] = (byte)value;
        return java.util.Arrays.copyOf(bytes, n);
    }

    /** The varint at {@code at} and the index after it, or null when it runs past the end or past 64 bits. */
    private static long[] readVarint(byte[] bytes, int at)
    {
        long value = 0;
        for (int shift = 0; shift < 64 && at < bytes.length; shift += 7)
        {
            byte b = bytes[at++];
            value |= (long)(b & 0x7f) << shift;
            if ((b & 0x80) == 0)
            {
                return new long[] {value, at};
            }
        }
        return null;
    }
}
