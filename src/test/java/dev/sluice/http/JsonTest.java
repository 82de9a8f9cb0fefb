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

    /**
     * Making a strict mapper once changed the shared factory, so from then on every mapper
     * refused repeated names (the AI front's, depending on whether a transform had been loaded).
     */
    @Test
    void onlyTheStrictMapperRefusesANameTwice() throws Exception
    {
        String twice = "{\"a\":1,\"a\":2}";
        org.junit.jupiter.api.Assertions.assertThrows(com.fasterxml.jackson.core.JsonProcessingException.class,
            () -> Json.strictMapper().readTree(twice));
        org.junit.jupiter.api.Assertions.assertEquals(2, Json.mapper().readTree(twice).path("a").asInt(), "the last, as Jackson and most parsers read it");
    }
}
