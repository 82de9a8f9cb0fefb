// The tokenizer's count, exact for ordinary text and scaled from a sample for very long text.
package dev.sluice.ai;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.EncodingType;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TokenCounterTest
{
    @Test
    void ordinaryTextIsCountedExactly()
    {
        assertEquals(7, TokenCounter.count("Hello from openai: Say hi"), "o200k_base");
        assertEquals(0, TokenCounter.count(""));
        assertEquals(0, TokenCounter.count(null));
    }

    /** Text past the sample (a long answer cut short without usage) is counted from its first part, within a few per cent. */
    @Test
    void veryLongTextIsCountedFromASample()
    {
        StringBuilder text = new StringBuilder();
        String[] words = {"Streams", "of", "tokens", "from", "many", "models,", "with", "numbers", "like", "3.14159", "and", "émigré", "words."};
        for (int i = 0; text.length() < 3 * TokenCounter.SAMPLE; i++)
        {
            text.append(words[(i * 5) % words.length]).append(i % 11 == 0 ? "\n" : " ");
        }
        long exact = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.O200K_BASE).countTokens(text.toString());
        long counted = TokenCounter.count(text.toString());
        assertTrue(Math.abs(counted - exact) <= exact / 50, "counted " + counted + ", exactly " + exact);
        String emoji = "😀".repeat(TokenCounter.SAMPLE);
        assertTrue(TokenCounter.count(emoji) > 0, "a sample never ends inside a surrogate pair");
    }
}
