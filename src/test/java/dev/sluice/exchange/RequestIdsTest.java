// Which incoming request ids are kept, and the ones Sluice makes.
package dev.sluice.exchange;

import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RequestIdsTest
{
    @ParameterizedTest
    @ValueSource(strings = {"abc", "550e8400-e29b-41d4-a716-446655440000", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "a.b_c:d"})
    void saneIdsAreKept(String id)
    {
        assertEquals(id, RequestIds.accept(id));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "has space", "quote\"", "new\nline", "{json}", "ünïcode"})
    void unsafeIdsAreReplaced(String id)
    {
        String accepted = RequestIds.accept(id);
        assertNotEquals(id, accepted);
        assertTrue(accepted.matches("[0-9a-f]{32}"), accepted);
    }

    @Test
    void overlongIdsAreReplaced()
    {
        assertEquals(32, RequestIds.accept("a".repeat(129)).length());
        assertEquals("a".repeat(128), RequestIds.accept("a".repeat(128)));
    }

    @Test
    void generatedIdsDiffer()
    {
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 10_000; i++)
        {
            ids.add(RequestIds.generate());
        }
        assertEquals(10_000, ids.size());
    }
}
