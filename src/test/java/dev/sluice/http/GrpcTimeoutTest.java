// grpc-timeout as gRPC over HTTP/2 writes it: 1 to 8 digits and a unit.
package dev.sluice.http;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class GrpcTimeoutTest
{
    @Test
    void eachUnitIsReadAndAnythingElseIsNot()
    {
        assertEquals(TimeUnit.HOURS.toNanos(2), GrpcResponse.timeoutNanos("2H"));
        assertEquals(TimeUnit.MINUTES.toNanos(1), GrpcResponse.timeoutNanos("1M"));
        assertEquals(TimeUnit.SECONDS.toNanos(30), GrpcResponse.timeoutNanos("30S"));
        assertEquals(TimeUnit.MILLISECONDS.toNanos(400), GrpcResponse.timeoutNanos("400m"));
        assertEquals(TimeUnit.MICROSECONDS.toNanos(99999999), GrpcResponse.timeoutNanos("99999999u"));
        assertEquals(5, GrpcResponse.timeoutNanos("5n"));
        assertEquals(Long.MAX_VALUE, GrpcResponse.timeoutNanos("99999999H"), "saturates rather than overflowing");
        for (String bad : new String[] {null, "", "5", "m", "123456789S", "-1S", "1.5S", "10s", "10 S"})
        {
            assertEquals(-1, GrpcResponse.timeoutNanos(bad), bad);
        }
    }
}
