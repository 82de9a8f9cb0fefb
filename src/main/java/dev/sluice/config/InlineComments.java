// Removes end-of-line comments ("value   # why") from properties text before Java reads it.
package dev.sluice.config;

/**
 * Java's properties format knows only whole-line comments: in {@code timeout = 30s   # upstream's}
 * the comment is part of the value. Typed values were then refused with a puzzling value, and
 * free text (a header value, a claim name, a query parameter) was taken as written and silently
 * never matched. So, as in Kong's {@code kong.conf} and YAML, a {@code #} after a space or tab
 * in a value starts a comment that runs to the end of the line; the spaces before it go too.
 *
 * <p>What stays as it was: a {@code #} not after whitespace ({@code https://host/#top},
 * {@code a#b}); a {@code #} that begins a value ({@code color = #fff}) or a continuation line;
 * an escaped one ({@code \#}, which Java then reads as {@code #}: the way to write " #" into a
 * value); whole-line comments ({@code #} or {@code !} first on a line); keys. Line ends are kept,
 * so the properties parser sees the same lines.</p>
 */
final class InlineComments
{
    private InlineComments()
    {
    }

    static String strip(String text)
    {
        StringBuilder out = new StringBuilder(text.length());
        boolean continuation = false;
        int start = 0;
        int length = text.length();
        while (start < length)
        {
            int end = start;
            while (end < length && text.charAt(end) != '\n' && text.charAt(end) != '\r')
            {
                end++;
            }
            int next = end;
            if (next < length && text.charAt(next) == '\r')
            {
                next++;
            }
            if (next < length && text.charAt(next) == '\n' && (next == end || text.charAt(next - 1) == '\r'))
            {
                next++;
            }
            String line = strippedLine(text, start, end, continuation);
            out.append(line).append(text, end, next);
            continuation = endsWithOddBackslashes(line) && !isCommentOrBlank(line, continuation);
            start = next;
        }
        return out.toString();
    }

    /** The line with its trailing comment removed, or as it was. */
    private static String strippedLine(String text, int start, int end, boolean continuation)
    {
        int i = skipWhitespace(text, start, end);
        if (i == end || (!continuation && (text.charAt(i) == '#' || text.charAt(i) == '!')))
        {
            return text.substring(start, end);
        }
        if (!continuation)
        {
            // The key runs to an unescaped '=', ':' or whitespace; then whitespace, one separator, whitespace.
            while (i < end && !isSeparator(text.charAt(i)) && !isWhitespace(text.charAt(i)))
            {
                i += text.charAt(i) == '\\' ? 2 : 1;
            }
            i = skipWhitespace(text, Math.min(i, end), end);
            if (i < end && isSeparator(text.charAt(i)))
            {
                i = skipWhitespace(text, i + 1, end);
            }
        }
        // i is the value's first character: a '#' there is the value's own.
        int blankFrom = -1;
        for (int j = i; j < end; j++)
        {
            char c = text.charAt(j);
            if (c == '\\')
            {
                j++;
                blankFrom = -1;
            }
            else if (isWhitespace(c))
            {
                if (blankFrom < 0)
                {
                    blankFrom = j;
                }
            }
            else if (c == '#' && blankFrom >= 0)
            {
                return text.substring(start, blankFrom);
            }
            else
            {
                blankFrom = -1;
            }
        }
        return text.substring(start, end);
    }

    private static boolean isCommentOrBlank(String line, boolean continuation)
    {
        int i = skipWhitespace(line, 0, line.length());
        return i == line.length() || (!continuation && (line.charAt(i) == '#' || line.charAt(i) == '!'));
    }

    private static boolean endsWithOddBackslashes(String line)
    {
        int count = 0;
        for (int i = line.length() - 1; i >= 0 && line.charAt(i) == '\\'; i--)
        {
            count++;
        }
        return count % 2 == 1;
    }

    private static int skipWhitespace(String text, int from, int end)
    {
        int i = from;
        while (i < end && isWhitespace(text.charAt(i)))
        {
            i++;
        }
        return i;
    }

    private static boolean isWhitespace(char c)
    {
        return c == ' ' || c == '\t' || c == '\f';
    }

    private static boolean isSeparator(char c)
    {
        return c == '=' || c == ':';
    }
}
