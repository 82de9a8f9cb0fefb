// gRPC-Web's text encoding of an answer that arrives in pieces of any size, and the trailer frame.
package dev.sluice.proxy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The pieces an upstream's DATA frames come in are not multiples of three bytes; encoding each
 * on its own would put padding mid-stream, which gRPC-Web clients that decode the stream as one
 * base64 text cannot read. Here any split of the body must give one base64 text whose only
 * padding is at its end and which decodes to the body followed by the trailer frame.
 */
class GrpcWebCodecTest
{
    @Test
    void anySplitOfTheBodyEncodesToOneBase64TextEndingInTheTrailerFrame()
    {
        Random random = new Random(42);
        Map<String, String> trailers = new LinkedHashMap<>();
        trailers.put("grpc-status", "0");
        trailers.put("x-checksum", "c0ffee");
        for (int round = 0; round < 200; round++)
        {
            byte[] body = new byte[random.nextInt(300)];
            random.nextBytes(body);
            GrpcWeb.Answer answer = new GrpcWeb.Answer(new dev.sluice.http.GrpcWebType(true, "+proto"));
            StringBuilder text = new StringBuilder();
            int at = 0;
            while (at < body.length)
            {
                int piece = Math.min(body.length - at, 1 + random.nextInt(10));
                text.append(new String(answer.piece(body, at, piece), StandardCharsets.US_ASCII));
                at += piece;
            }
            text.append(new String(answer.end(trailers), StandardCharsets.US_ASCII));
            String encoded = text.toString();
            int padding = encoded.indexOf('=');
            assertTrue(padding < 0 || padding >= encoded.length() - 2, "padding only at the end: " + encoded);
            ByteArrayOutputStream expected = new ByteArrayOutputStream();
            expected.writeBytes(body);
            expected.writeBytes(GrpcWeb.frame(trailers));
            assertArrayEquals(expected.toByteArray(), Base64.getDecoder().decode(encoded));
        }
    }

    @Test
    void theTrailerFrameIsFlagLengthAndHeaderLines()
    {
        Map<String, String> trailers = new LinkedHashMap<>();
        trailers.put("grpc-status", "5");
        trailers.put("grpc-message", "not%20found");
        byte[] frame = GrpcWeb.frame(trailers);
        String lines = "grpc-status:5\r\ngrpc-message:not%20found\r\n";
        assertEquals((byte)0x80, frame[0]);
        assertEquals(lines.length(), ((frame[1] & 0xff) << 24) | ((frame[2] & 0xff) << 16) | ((frame[3] & 0xff) << 8) | (frame[4] & 0xff));
        assertEquals(lines, new String(frame, 5, frame.length - 5, StandardCharsets.ISO_8859_1));
    }

    @Test
    void aTextRequestMayBeSeveralPaddedSegments() throws Exception
    {
        byte[] one = {1, 2, 3, 4};
        byte[] two = {5};
        String text = Base64.getEncoder().encodeToString(one) + "\r\n" + Base64.getEncoder().encodeToString(two);
        assertArrayEquals(new byte[] {1, 2, 3, 4, 5}, GrpcWeb.decode(text.getBytes(StandardCharsets.US_ASCII)));
        assertThrows(GrpcWeb.Refused.class, () -> GrpcWeb.decode("abc".getBytes(StandardCharsets.US_ASCII)));
        assertThrows(GrpcWeb.Refused.class, () -> GrpcWeb.decode("ab!d".getBytes(StandardCharsets.US_ASCII)));
    }
}
