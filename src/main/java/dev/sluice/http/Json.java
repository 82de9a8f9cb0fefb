// The one Jackson factory Sluice writes and reads JSON with, set up so no class loader is pinned.
package dev.sluice.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
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

    private Json()
    {
    }

    /** A new mapper over the shared factory. */
    public static ObjectMapper mapper()
    {
        return new ObjectMapper(FACTORY);
    }
}
