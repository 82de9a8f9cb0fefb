// gRPC's health-check messages as Sluice writes and reads them, against the protobuf classes of grpc-java's health service.
package dev.sluice.upstream;

import java.util.Arrays;

import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class GrpcHealthTest
{
    private static byte[] framed(byte[] message)
    {
        byte[] body = new byte[5 + message.length];
        body[3] = (byte)(message.length >>> 8);
        body[4] = (byte)message.length;
        System.arraycopy(message, 0, body, 5, message.length);
        return body;
    }

    @Test
    void theRequestIsWhatProtobufWrites()
    {
        assertArrayEquals(new byte[5], GrpcHealth.request(""), "the whole server: an empty message");
        for (String service : new String[] {"acme.orders.v1.OrderService", "x".repeat(200)})
        {
            assertArrayEquals(framed(HealthCheckRequest.newBuilder().setService(service).build().toByteArray()), GrpcHealth.request(service));
        }
    }

    @Test
    void onlyServingPasses()
    {
        assertNull(GrpcHealth.notServing(framed(HealthCheckResponse.newBuilder().setStatus(HealthCheckResponse.ServingStatus.SERVING).build().toByteArray())));
        assertEquals("serving status NOT_SERVING", GrpcHealth.notServing(framed(
            HealthCheckResponse.newBuilder().setStatus(HealthCheckResponse.ServingStatus.NOT_SERVING).build().toByteArray())));
        assertEquals("serving status SERVICE_UNKNOWN", GrpcHealth.notServing(framed(
            HealthCheckResponse.newBuilder().setStatus(HealthCheckResponse.ServingStatus.SERVICE_UNKNOWN).build().toByteArray())));
        // proto3 leaves a default out: an empty message is UNKNOWN.
        assertEquals("serving status UNKNOWN", GrpcHealth.notServing(framed(new byte[0])));
        // Fields it does not know (a later version's) are skipped.
        assertNull(GrpcHealth.notServing(framed(new byte[] {0x12, 0x02, 'h', 'i', 0x18, (byte)0x96, 0x01, 0x25, 1, 2, 3, 4, 0x08, 0x01})));
    }

    @Test
    void malformedAnswersAreNotServing()
    {
        byte[] serving = framed(new byte[] {0x08, 0x01});
        assertEquals("no health message in the answer", GrpcHealth.notServing(new byte[0]));
        byte[] compressed = serving.clone();
        compressed[0] = 1;
        assertEquals("a compressed health message", GrpcHealth.notServing(compressed));
        assertEquals("a health message of 1 bytes where 2 were announced", GrpcHealth.notServing(Arrays.copyOf(serving, 6)));
        assertEquals("a malformed health message", GrpcHealth.notServing(framed(new byte[] {0x08, (byte)0x80})));
        assertEquals("a malformed health message", GrpcHealth.notServing(framed(new byte[] {0x12, 0x05, 'h'})));
        assertEquals("a malformed health message", GrpcHealth.notServing(framed(new byte[] {0x0d, 1, 2})));
        assertEquals("a malformed health message", GrpcHealth.notServing(framed(new byte[] {0x0b})), "a group: not in proto3");
    }
}
