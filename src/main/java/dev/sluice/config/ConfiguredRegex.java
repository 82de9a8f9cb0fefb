// An operator's regular expression run on what clients send: Java's engine, bounded, with RE2/J taking over a match it cannot finish.
package dev.sluice.config;

import java.util.regex.PatternSyntaxException;

/**
 * Java's engine backtracks, and recurses once per repetition of a group: a prompt-guard rule such
 * as {@code (ab|cd)+e} on a 20 KB message, or an OpenAPI {@code pattern} such as
 * {@code ^(ab|cd)+$} on a long query parameter, threw {@code StackOverflowError} and the client
 * got a 500. Java's engine still runs first (on ordinary text it is three to four times as fast
 * as RE2/J, {@code RegexBenchmark}), but bounded: a match that overflows the stack or runs past
 * its budget is run again on RE2/J, whose time is linear in the input and whose stack does not
 * grow with it (Envoy runs every configured regex on RE2 for the same reason). Expressions RE2
 * does not take, or reads differently, have no second engine: past the bounds they end in
 * {@link TooComplex}, which callers answer as a client error. The syntax stays Java's.
 */
public final class ConfiguredRegex
{
    /** The longest one match of Java's engine may run when RE2/J can take over. */
    static final long BUDGET_BEFORE_RE2_NANOS = 50_000_000L;
    /** The longest one match of Java's engine may run when nothing can take over. */
    static final long BACKTRACKING_BUDGET_NANOS = 250_000_000L;

    private final String text;
    private final java.util.regex.Pattern backtracking;
    private final com.google.re2j.Pattern linear;

    private ConfiguredRegex(String text, java.util.regex.Pattern backtracking, com.google.re2j.Pattern linear)
    {
        this.text = text;
        this.backtracking = backtracking;
        this.linear = linear;
    }

    /**
     * @throws PatternSyntaxException when Java's syntax refuses {@code text}
     */
    public static ConfiguredRegex compile(String text, boolean caseInsensitive)
    {
        java.util.regex.Pattern jdk = java.util.regex.Pattern.compile(text,
            caseInsensitive ? java.util.regex.Pattern.CASE_INSENSITIVE | java.util.regex.Pattern.UNICODE_CASE : 0);
        if (readsDifferently(text))
        {
            return new ConfiguredRegex(text, jdk, null);
        }
        try
        {
            return new ConfiguredRegex(text, jdk, com.google.re2j.Pattern.compile(text, caseInsensitive ? com.google.re2j.Pattern.CASE_INSENSITIVE : 0));
        }
        catch (com.google.re2j.PatternSyntaxException x)
        {
            return new ConfiguredRegex(text, jdk, null);
        }
    }

    /**
     * Constructs both engines take but where RE2 would match less than Java, which for a deny
     * rule would let through what it refused: Java's class intersection ({@code [a-z&&[^e]]},
     * which RE2 reads as literal characters), {@code \v} (Java: any vertical whitespace; RE2: the
     * vertical tab alone) and {@code $} (Java: also before a final line break, so that
     * {@code secret$} refuses "my secret\n"; RE2: only at the very end). Where RE2 matches more
     * ({@code .} across a carriage return, {@code \b} beside a non-ASCII letter) it is kept.
     */
    private static boolean readsDifferently(String text)
    {
        return text.contains("&&") || text.contains("\\v") || text.indexOf('$') >= 0;
    }

    /** Whether RE2/J takes over a match Java's engine cannot finish (so no input is too complex). */
    public boolean linear()
    {
        return linear != null;
    }

    private long budget()
    {
        return linear != null ? BUDGET_BEFORE_RE2_NANOS : BACKTRACKING_BUDGET_NANOS;
    }

    /**
     * Whether the expression occurs in {@code input}.
     *
     * @throws TooComplex when Java's engine cannot finish the match within its bounds and RE2/J cannot take over
     */
    public boolean find(CharSequence input)
    {
        try
        {
            return backtracking.matcher(new Bounded(input, System.nanoTime() + budget())).find();
        }
        catch (StackOverflowError | TooComplex x)
        {
            if (linear == null)
            {
                throw new TooComplex();
            }
        }
        return linear.matcher(input).find();
    }

    /** The input with each occurrence replaced by {@code replacement} (taken literally), and how many there were. */
    public Replaced replace(String input, String replacement)
    {
        StringBuilder out = null;
        int count = 0;
        try
        {
            java.util.regex.Matcher matcher = backtracking.matcher(new Bounded(input, System.nanoTime() + budget()));
            while (matcher.find())
            {
                out = out == null ? new StringBuilder(input.length()) : out;
                matcher.appendReplacement(out, java.util.regex.Matcher.quoteReplacement(replacement));
                count++;
            }
            return count == 0 ? new Replaced(input, 0) : new Replaced(matcher.appendTail(out).toString(), count);
        }
        catch (StackOverflowError | TooComplex x)
        {
            if (linear == null)
            {
                throw new TooComplex();
            }
        }
        out = null;
        count = 0;
        com.google.re2j.Matcher matcher = linear.matcher(input);
        while (matcher.find())
        {
            out = out == null ? new StringBuilder(input.length()) : out;
            matcher.appendReplacement(out, com.google.re2j.Matcher.quoteReplacement(replacement));
            count++;
        }
        return count == 0 ? new Replaced(input, 0) : new Replaced(matcher.appendTail(out).toString(), count);
    }

    @Override
    public String toString()
    {
        return text;
    }

    public record Replaced(String text, int count)
    {
    }

    /** Java's engine could not finish a match within its stack or its time; the input is not judged. */
    public static final class TooComplex extends RuntimeException
    {
        TooComplex()
        {
            super(null, null, false, false);
        }
    }

    /** The input as Java's engine reads it, which gives up once the match has run past its budget. */
    private static final class Bounded implements CharSequence
    {
        private final CharSequence input;
        private final long deadline;
        private int reads;

        Bounded(CharSequence input, long deadline)
        {
            this.input = input;
            this.deadline = deadline;
        }

        @Override
        public char charAt(int index)
        {
            // The clock is read every 4096 characters read: a few nanoseconds each.
            if ((++reads & 0xFFF) == 0 && System.nanoTime() - deadline > 0)
            {
                throw new TooComplex();
            }
            return input.charAt(index);
        }

        @Override
        public int length()
        {
            return input.length();
        }

        @Override
        public CharSequence subSequence(int start, int end)
        {
            return new Bounded(input.subSequence(start, end), deadline);
        }

        @Override
        public String toString()
        {
            return input.toString();
        }
    }
}
