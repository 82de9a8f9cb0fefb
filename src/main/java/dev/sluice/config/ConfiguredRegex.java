// An operator's regular expression run on what clients send: in linear time where RE2 takes it, and never a StackOverflowError or a runaway match.
package dev.sluice.config;

import java.util.regex.PatternSyntaxException;

/**
 * Java's engine backtracks, and recurses once per repetition of a group: a prompt-guard rule such
 * as {@code (ab|cd)+e} on a 20 KB message, or an OpenAPI {@code pattern} such as
 * {@code ^(ab|cd)+$} on a long query parameter, threw {@code StackOverflowError} and the client
 * got a 500. An expression RE2 can take runs on RE2/J, whose time is linear in the input and
 * whose stack does not grow with it (Envoy runs every configured regex on RE2 for the same
 * reason). Expressions RE2 does not take (lookaround, backreferences, possessive quantifiers,
 * Java's own classes) keep Java's engine, bounded: a match that overflows the stack or runs past
 * {@link #BACKTRACKING_BUDGET_NANOS} ends in {@link TooComplex}, which callers answer as a
 * client error. The syntax stays Java's: an expression is checked by Java's compiler first.
 */
public final class ConfiguredRegex
{
    /** The longest one match of Java's engine may run. */
    static final long BACKTRACKING_BUDGET_NANOS = 250_000_000L;

    private final String text;
    private final com.google.re2j.Pattern linear;
    private final java.util.regex.Pattern backtracking;

    private ConfiguredRegex(String text, com.google.re2j.Pattern linear, java.util.regex.Pattern backtracking)
    {
        this.text = text;
        this.linear = linear;
        this.backtracking = backtracking;
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
            return new ConfiguredRegex(text, null, jdk);
        }
        try
        {
            return new ConfiguredRegex(text, com.google.re2j.Pattern.compile(text, caseInsensitive ? com.google.re2j.Pattern.CASE_INSENSITIVE : 0), null);
        }
        catch (com.google.re2j.PatternSyntaxException x)
        {
            return new ConfiguredRegex(text, null, jdk);
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

    /** Whether RE2 runs this expression (linear time); false when Java's engine does. */
    public boolean linear()
    {
        return linear != null;
    }

    public String text()
    {
        return text;
    }

    /**
     * Whether the expression occurs in {@code input}.
     *
     * @throws TooComplex when Java's engine cannot finish the match within its bounds
     */
    public boolean find(CharSequence input)
    {
        if (linear != null)
        {
            return linear.matcher(input).find();
        }
        try
        {
            return backtracking.matcher(new Bounded(input)).find();
        }
        catch (StackOverflowError x)
        {
            throw new TooComplex();
        }
    }

    /** The input with each occurrence replaced by {@code replacement} (taken literally), and how many there were. */
    public Replaced replace(String input, String replacement)
    {
        StringBuilder out = null;
        int count = 0;
        if (linear != null)
        {
            com.google.re2j.Matcher matcher = linear.matcher(input);
            while (matcher.find())
            {
                out = out == null ? new StringBuilder(input.length()) : out;
                matcher.appendReplacement(out, com.google.re2j.Matcher.quoteReplacement(replacement));
                count++;
            }
            return count == 0 ? new Replaced(input, 0) : new Replaced(matcher.appendTail(out).toString(), count);
        }
        try
        {
            java.util.regex.Matcher matcher = backtracking.matcher(new Bounded(input));
            while (matcher.find())
            {
                out = out == null ? new StringBuilder(input.length()) : out;
                matcher.appendReplacement(out, java.util.regex.Matcher.quoteReplacement(replacement));
                count++;
            }
            return count == 0 ? new Replaced(input, 0) : new Replaced(matcher.appendTail(out).toString(), count);
        }
        catch (StackOverflowError x)
        {
            throw new TooComplex();
        }
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

        Bounded(CharSequence input)
        {
            this(input, System.nanoTime() + BACKTRACKING_BUDGET_NANOS);
        }

        private Bounded(CharSequence input, long deadline)
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
