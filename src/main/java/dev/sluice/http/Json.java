// The one Jackson factory Sluice writes and reads JSON with, set up so no class loader is pinned.
package dev.sluice.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Jackson recycles its buffers through a thread-local by default. In a container those
 * thread-locals sit on the container's request threads and keep Sluice's classes (and so its
 * whole class loader) alive after an undeploy. A shared pool holds the buffers instead; it goes
 * away with the web application.
 */
public final class Json
{
    public static final JsonFactory FACTORY = JsonFactory.builder().recyclerPool(JsonRecyclerPools.sharedConcurrentDequePool()).build();
    /**
     * The same, refusing a name twice in one object. A factory of its own: enabling the feature
     * through a mapper changes the factory under it, which made every mapper over
     * {@link #FACTORY} strict from the moment the first strict one was made.
     */
    private static final JsonFactory STRICT_FACTORY = JsonFactory.builder().recyclerPool(JsonRecyclerPools.sharedConcurrentDequePool())
        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    private Json()
    {
    }

    /** A new mapper over the shared factory. */
    public static ObjectMapper mapper()
    {
        return new ObjectMapper(FACTORY);
    }

    /**
     * A mapper for JSON that Sluice checks or edits and then forwards (request and response
     * transforms, OpenAPI checks): more after the first value ({@code {"a":1} {"b":2}},
     * {@code {"a":1}xyz}) and a name twice in one object are invalid JSON here. Jackson otherwise
     * reads the first value alone and keeps the last of two names: an edited body silently lost
     * the rest, and a check passed a body the upstream may read otherwise (many parsers keep the
     * first of two names). RFC 8259 leaves duplicate names' meaning open; I-JSON (RFC 7493)
     * forbids them.
     */
    public static ObjectMapper strictMapper()
    {
        ObjectMapper mapper = new ObjectMapper(STRICT_FACTORY);
        mapper.enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        return mapper;
    }

    /**
     * Why {@link #strictMapper} refused a body, in words fit for a problem's detail (no part of the
     * body is quoted): "a name appears twice in one object", "more follows the JSON value", or
     * null for any other fault.
     */
    public static String fault(JsonProcessingException failure)
    {
        String message = failure.getOriginalMessage();
        if (message == null)
        {
            return null;
        }
        if (message.startsWith("Duplicate field") || message.startsWith("Duplicate Object property"))
        {
            return "a name appears twice in one object";
        }
        if (message.startsWith("Trailing token"))
        {
            return "more follows the JSON value";
        }
        return null;
    }
}
