// The JSON limits as a pure check: nesting, members, elements, string and name lengths, duplicates, malformed bodies.
package dev.sluice.guard;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class JsonLimitsTest
{
    private static final JsonLimits LIMITS = new JsonLimits(3, 2, 3, 10, 5, 1 << 20);

    private static String check(JsonLimits limits, String body)
    {
        return limits.violation(body.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aBodyWithinEveryLimitPasses()
    {
        assertNull(check(LIMITS, "{\"a\":{\"b\":[1,2,\"0123456789\"]},\"d\":null}"));
        // Each array counts its own elements; a child's are not its parent's.
        assertNull(check(LIMITS, "[[1,2,3],[4,5,6],[7,8,9]]"));
        assertNull(check(LIMITS, "\"a scalar\""));
        assertNull(check(LIMITS, "  42  "));
    }

    @Test
    void eachLimitIsNamedWhenPassed()
    {
        assertEquals("The request body nests objects and arrays more than 3 deep; this route takes at most 3.", check(LIMITS, "[[[[1]]]]"));
        assertEquals("An object in the request body has more than 2 members; this route takes at most 2.", check(LIMITS, "{\"a\":1,\"b\":2,\"c\":3}"));
        assertEquals("An array in the request body has more than 3 elements; this route takes at most 3.", check(LIMITS, "[1,{},[],\"x\"]"));
        assertEquals("A string in the request body is longer than 10 characters; this route takes at most 10.", check(LIMITS, "{\"a\":\"01234567890\"}"));
        assertEquals("A string in the request body is longer than 10 characters; this route takes at most 10.", check(LIMITS, "\"01234567890\""));
        assertEquals("A member name in the request body is longer than 5 characters; this route takes at most 5.", check(LIMITS, "{\"abcdef\":1}"));
    }

    @Test
    void repeatedNamesMalformedBodiesAndTrailingContentAreRefused()
    {
        assertEquals("An object in the request body names a member twice (line 1, column 11); parsers disagree on which one counts.",
            check(LIMITS, "{\"a\":1,\"a\":2}"));
        assertEquals("The request body is not valid JSON (line 1, column 6).", check(LIMITS, "{\"a\":"));
        assertEquals("The request body is not valid JSON (line 2, column 2).", check(LIMITS, "{\n}}"));
        assertEquals("The request body has more after its JSON value (line 1, column 4).", check(LIMITS, "{} {}"));
        assertEquals("The request body is empty, not JSON.", check(LIMITS, "   "));
    }

    @Test
    void limitsOfMinusOneAreNotCheckedButSluiceReadsNoDeeperThan2000()
    {
        JsonLimits unchecked = new JsonLimits(-1, -1, -1, -1, -1, 1 << 20);
        assertNull(check(unchecked, "[".repeat(1500) + "]".repeat(1500)));
        assertNull(check(unchecked, "{\"" + "n".repeat(10_000) + "\":\"" + "s".repeat(100_000) + "\"}"));
        assertEquals("The request body nests objects and arrays deeper than Sluice reads (2000).", check(unchecked, "[".repeat(2500) + "]".repeat(2500)));
    }
}
