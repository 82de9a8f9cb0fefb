// The mappings between HTTP and gRPC statuses Sluice uses, and grpc-message's encoding.
package dev.sluice.http;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class GrpcResponseTest
{
    @Test
    void refusalsMapToTheCodesTheirMeaningHas()
    {
        assertEquals(16, GrpcResponse.code(401));
        assertEquals(8, GrpcResponse.code(429), "a quota, not an outage to retry");
        assertEquals(14, GrpcResponse.code(502));
        assertEquals(4, GrpcResponse.code(504));
        assertEquals(3, GrpcResponse.code(400));
        assertEquals(2, GrpcResponse.code(418));
    }

    @Test
    void upstreamCodesStandForTheHttpStatusesOutlierDetectionCounts()
    {
        assertEquals(200, GrpcResponse.httpStatus("0"));
        assertEquals(503, GrpcResponse.httpStatus("14"));
        assertEquals(504, GrpcResponse.httpStatus("4"));
        assertEquals(400, GrpcResponse.httpStatus("9"), "FAILED_PRECONDITION: the caller's, not the target's");
        for (String odd : new String[] {"17", "-1", "", "x", "0014"})
        {
            assertEquals(500, GrpcResponse.httpStatus(odd), odd);
        }
    }

    @Test
    void theMessageIsPercentEncodedUtf8()
    {
        assertEquals("No route matches this method, host and path.", GrpcResponse.percentEncoded("No route matches this method, host and path."));
        assertEquals("caf%C3%A9 100%25%0Adone", GrpcResponse.percentEncoded("café 100%\ndone"));
    }
}
