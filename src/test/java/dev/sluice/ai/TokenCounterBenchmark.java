// JMH: counting the tokens of a long answer that came without usage, whole against sampled.
package dev.sluice.ai;

import java.util.concurrent.TimeUnit;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@code bench/jmh.sh TokenCounterBenchmark}: {@code whole} tokenizes the text entirely (as
 * {@link TokenCounter#count} did for any length), {@code counter} is {@link TokenCounter#count}
 * now, which above {@link TokenCounter#SAMPLE} characters counts the first of them and scales.
 * The text: English-like prose, {@code chars} characters.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class TokenCounterBenchmark
{
    @Param({"65536", "1048576", "16777216"})
    public int chars;

    private String text;
    private Encoding encoding;

    @Setup
    public void setUp()
    {
        String[] words = {"the", "gateway", "answers", "every", "request", "with", "a", "stream", "of", "tokens,", "counted", "once."};
        StringBuilder built = new StringBuilder(chars);
        for (int i = 0; built.length() < chars; i++)
        {
            built.append(words[(i * 7) % words.length]).append(' ');
        }
        text = built.substring(0, chars);
        encoding = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.O200K_BASE);
        TokenCounter.count("warm");
    }

    @Benchmark
    public long whole()
    {
        return encoding.countTokens(text);
    }

    @Benchmark
    public long counter()
    {
        return TokenCounter.count(text);
    }
}
