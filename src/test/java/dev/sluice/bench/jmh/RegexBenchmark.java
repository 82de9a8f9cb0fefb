// JMH: a prompt-guard rule and a redaction on a prompt: Java's engine as before, ConfiguredRegex (Java's engine bounded) now, and RE2/J, which takes over.
package dev.sluice.bench.jmh;

import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import dev.sluice.config.ConfiguredRegex;
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
 * The test suite's deny rule ({@code \b(password|api[ _-]?key)\b}, case-insensitive, no match:
 * the whole prompt is read) and the built-in e-mail redaction, on a prompt of ordinary English of
 * {@code chars} characters. Run with {@code bench/jmh.sh RegexBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class RegexBenchmark
{
    private static final String RULE = "\\b(password|api[ _-]?key)\\b";
    private static final String EMAIL = "[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,253}\\.[A-Za-z]{2,24}";

    @Param({"1000", "100000"})
    public int chars;

    private String prompt;
    private Pattern javaRule;
    private ConfiguredRegex re2Rule;
    private Pattern javaEmail;
    private ConfiguredRegex re2Email;
    private com.google.re2j.Pattern re2OnlyRule;
    private com.google.re2j.Pattern re2OnlyEmail;

    @Setup
    public void setUp()
    {
        StringBuilder text = new StringBuilder();
        String sentence = "Tell me in ten words why an API gateway sits in front of language models, and write to ada@example.com. ";
        while (text.length() < chars)
        {
            text.append(sentence);
        }
        prompt = text.substring(0, chars);
        javaRule = Pattern.compile(RULE, Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
        re2Rule = ConfiguredRegex.compile(RULE, true);
        javaEmail = Pattern.compile(EMAIL);
        re2Email = ConfiguredRegex.compile(EMAIL, false);
        re2OnlyRule = com.google.re2j.Pattern.compile(RULE, com.google.re2j.Pattern.CASE_INSENSITIVE);
        re2OnlyEmail = com.google.re2j.Pattern.compile(EMAIL);
        if (!re2Rule.linear() || !re2Email.linear())
        {
            throw new IllegalStateException("RE2/J should be able to take over both");
        }
    }

    @Benchmark
    public boolean denyRuleJava()
    {
        return javaRule.matcher(prompt).find();
    }

    @Benchmark
    public boolean denyRuleConfigured()
    {
        return re2Rule.find(prompt);
    }

    @Benchmark
    public boolean denyRuleRe2Only()
    {
        return re2OnlyRule.matcher(prompt).find();
    }

    @Benchmark
    public String redactJava()
    {
        return javaEmail.matcher(prompt).replaceAll("[REDACTED:email]");
    }

    @Benchmark
    public String redactConfigured()
    {
        return re2Email.replace(prompt, "[REDACTED:email]").text();
    }

    @Benchmark
    public String redactRe2Only()
    {
        return re2OnlyEmail.matcher(prompt).replaceAll("[REDACTED:email]");
    }
}
