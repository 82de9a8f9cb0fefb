// Operators' regular expressions on long client input: RE2 where it takes them, Java's engine bounded where it does not.
package dev.sluice.config;

import java.util.regex.PatternSyntaxException;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfiguredRegexTest
{
    @Test
    void aRepeatedGroupJudgesAnyLengthOnRe2()
    {
        // On Java's engine this overflows the stack at a few thousand repetitions.
        ConfiguredRegex rule = ConfiguredRegex.compile("(ab|cd)+e", true);
        assertTrue(rule.linear());
        assertTrue(rule.find("ab".repeat(100_000) + "E"), "case-insensitive, as configured");
        assertFalse(rule.find("ab".repeat(100_000)));
    }

    @Test
    void whatRe2DoesNotTakeOrReadsDifferentlyStaysOnJavasEngine()
    {
        ConfiguredRegex lookahead = ConfiguredRegex.compile("(?=a)ab", false);
        assertFalse(lookahead.linear());
        assertTrue(lookahead.find("xab"));
        // RE2 would read the intersection as the characters '&' and '[' and so on.
        ConfiguredRegex intersection = ConfiguredRegex.compile("^[a-z&&[^e]]$", false);
        assertFalse(intersection.linear());
        assertTrue(intersection.find("d"));
        assertFalse(intersection.find("e"));
        assertFalse(intersection.find("&"));
        // RE2's $ is the very end only: on RE2 a message ending in a line break would pass this rule.
        ConfiguredRegex end = ConfiguredRegex.compile("secret$", true);
        assertFalse(end.linear());
        assertTrue(end.find("my SECRET\n"));
        assertThrows(PatternSyntaxException.class, () -> ConfiguredRegex.compile("(unclosed", false), "Java's syntax is the one checked");
    }

    @Test
    void javasEngineEndsInTooComplexInsteadOfAStackOverflowOrARunawayMatch()
    {
        ConfiguredRegex deep = ConfiguredRegex.compile("(?=ab)(ab|cd)+e", false);
        assertFalse(deep.linear());
        assertThrows(ConfiguredRegex.TooComplex.class, () -> deep.find("ab".repeat(100_000)));
        // Exponential with a backreference (about 2^28 steps, seconds unbounded): stopped at the budget.
        ConfiguredRegex runaway = ConfiguredRegex.compile("^((a+)+)(?!x)\\2b", false);
        assertThrows(ConfiguredRegex.TooComplex.class, () -> runaway.find("a".repeat(28)));
        assertThrows(ConfiguredRegex.TooComplex.class, () -> deep.replace("ab".repeat(100_000), "x"));
    }

    @Test
    void replacementIsLiteralAndCounted()
    {
        for (ConfiguredRegex rule : new ConfiguredRegex[]{ConfiguredRegex.compile("\\d{4}", false), ConfiguredRegex.compile("(?<=-)\\d{4}", false)})
        {
            ConfiguredRegex.Replaced replaced = rule.replace("T-1234 and T-5678", "[$0\\]");
            assertEquals("T-[$0\\] and T-[$0\\]", replaced.text(), rule.toString());
            assertEquals(2, replaced.count());
            assertEquals(0, rule.replace("none", "x").count());
        }
    }
}
