// Sluice's JSON buffers are not kept in thread-locals, which would pin its class loader in a container.
package dev.sluice.http;

import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;

class JsonTest
{
    @Test
    void buffersAreRecycledThroughASharedPoolNotThreadLocals()
    {
        assertFalse(Json.FACTORY._getRecyclerPool() instanceof JsonRecyclerPools.ThreadLocalPool);
        assertSame(JsonRecyclerPools.sharedConcurrentDequePool(), Json.FACTORY._getRecyclerPool());
        assertSame(Json.FACTORY, Json.mapper().getFactory());
    }
}
