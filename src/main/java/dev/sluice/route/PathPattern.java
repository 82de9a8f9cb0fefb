// A route's path: a prefix, an exact path, or a pattern with * and a trailing **.
package dev.sluice.route;

import java.util.ArrayList;
import java.util.List;

/**
 * What a route's {@code path} matches, compared segment by segment with the decoded request path:
 * <ul>
 * <li>{@code /api/users}: a prefix. It matches {@code /api/users}, {@code /api/users/} and
 * everything below, but not {@code /api/usersx}. Same as {@code /api/users/**}.</li>
 * <li>{@code =/health}: exactly that path and nothing else.</li>
 * <li>{@code /api/*}{@code /orders}: {@code *} is one whole non-empty segment.</li>
 * <li>{@code /api/*}{@code /orders/**}: {@code **}, only as the last segment, is any number of
 * segments, none included.</li>
 * </ul>
 * Segments matched by {@code *} and {@code **} are the captures a {@link PathRewrite} refers to.
 * A pattern parsed with {@code caseSensitive = false} (a route's {@code case-sensitive = false},
 * Envoy's option of that name) compares its literal segments without regard to ASCII case.
 */
public final class PathPattern
{
    private static final String STAR = "*";
    private static final String TAIL = "**";

    private final String text;
    private final List<String> segments;
    private final boolean tail;
    private final int literals;
    private final int stars;
    private final boolean caseSensitive;

    private PathPattern(String text, List<String> segments, boolean tail, boolean caseSensitive)
    {
        this.text = text;
        this.caseSensitive = caseSensitive;
        this.segments = List.copyOf(segments);
        this.tail = tail;
        this.literals = (int)segments.stream().filter(segment -> !STAR.equals(segment)).count();
        this.stars = segments.size() - literals;
    }

    /**
     * Parses a pattern; the exception message says what is allowed.
     */
    public static PathPattern parse(String text)
    {
        return parse(text, true);
    }

    /**
     * Parses a pattern whose literal segments match with or without regard to case; the
     * exception message says what is allowed.
     */
    public static PathPattern parse(String text, boolean caseSensitive)
    {
        boolean exact = text.startsWith("=");
        String path = exact ? text.substring(1) : text;
        if (!path.startsWith("/"))
        {
            throw new IllegalArgumentException("a path starting with '/' (or '=/' for an exact path)");
        }
        // Requests are matched without their path parameters, so a pattern with ';' could never match.
        if (path.contains("//") || path.contains("\\") || path.contains("?") || path.contains("#") || path.contains("%") || path.contains(";"))
        {
            throw new IllegalArgumentException("a plain path without '//', '\\', '?', '#', ';' or '%' escapes");
        }
        List<String> segments = new ArrayList<>();
        if (!"/".equals(path))
        {
            String trimmed = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
            for (String segment : trimmed.substring(1).split("/", -1))
            {
                segments.add(segment);
            }
        }
        boolean tail = !exact;
        boolean wildcards = false;
        for (int i = 0; i < segments.size(); i++)
        {
            String segment = segments.get(i);
            if (".".equals(segment) || "..".equals(segment))
            {
                throw new IllegalArgumentException("a path without '.' or '..' segments");
            }
            if (TAIL.equals(segment))
            {
                if (i != segments.size() - 1)
                {
                    throw new IllegalArgumentException("'**' only as the last segment");
                }
                wildcards = true;
            }
            else if (STAR.equals(segment))
            {
                wildcards = true;
            }
            else if (segment.contains(STAR))
            {
                throw new IllegalArgumentException("'*' and '**' only as whole segments");
            }
        }
        if (exact && wildcards)
        {
            throw new IllegalArgumentException("an exact path (=/...) without wildcards");
        }
        if (!segments.isEmpty() && "-".equals(segments.get(0)))
        {
            throw new IllegalArgumentException("a path outside /-/, which is reserved for Sluice's own endpoints");
        }
        if (wildcards)
        {
            // A pattern with wildcards matches its own length unless it ends in **.
            tail = !segments.isEmpty() && TAIL.equals(segments.get(segments.size() - 1));
            if (tail)
            {
                segments.remove(segments.size() - 1);
            }
        }
        if (exact && segments.isEmpty())
        {
            // =/ is the root itself, whose only segment is empty.
            segments.add("");
        }
        return new PathPattern(text, segments, tail, caseSensitive);
    }

    /**
     * Matches the decoded segments of the request path; returns the captures or null.
     */
    public Captures match(RequestPath path)
    {
        List<String> decoded = path.decoded();
        if (tail ? decoded.size() < segments.size() : decoded.size() != segments.size())
        {
            return null;
        }
        List<String> starred = null;
        for (int i = 0; i < segments.size(); i++)
        {
            String segment = segments.get(i);
            String actual = decoded.get(i);
            if (STAR.equals(segment))
            {
                if (actual.isEmpty())
                {
                    return null;
                }
                if (starred == null)
                {
                    starred = new ArrayList<>(stars);
                }
                starred.add(path.raw().get(i));
            }
            else if (caseSensitive ? !segment.equals(actual) : !equalsIgnoringAsciiCase(segment, actual))
            {
                return null;
            }
        }
        List<String> rest = tail ? path.raw().subList(segments.size(), decoded.size()) : List.of();
        return new Captures(starred == null ? List.of() : starred, rest);
    }

    /**
     * ASCII letters only: {@link String#equalsIgnoreCase} also folds Unicode pairs such as the
     * Kelvin sign and 'k', which no back-end's path matching treats as one letter.
     */
    private static boolean equalsIgnoringAsciiCase(String a, String b)
    {
        if (a.length() != b.length())
        {
            return false;
        }
        for (int i = 0; i < a.length(); i++)
        {
            char x = a.charAt(i);
            char y = b.charAt(i);
            if (x == y)
            {
                continue;
            }
            int lower = x | 0x20;
            if (lower != (y | 0x20) || lower < 'a' || lower > 'z')
            {
                return false;
            }
        }
        return true;
    }

    public boolean caseSensitive()
    {
        return caseSensitive;
    }

    public boolean hasTail()
    {
        return tail;
    }

    public int stars()
    {
        return stars;
    }

    int literals()
    {
        return literals;
    }

    /**
     * Whether some path matches both patterns.
     */
    boolean overlaps(PathPattern other)
    {
        int common = Math.min(segments.size(), other.segments.size());
        for (int i = 0; i < common; i++)
        {
            String mine = segments.get(i);
            String theirs = other.segments.get(i);
            boolean same = caseSensitive && other.caseSensitive ? mine.equals(theirs) : equalsIgnoringAsciiCase(mine, theirs);
            if (!STAR.equals(mine) && !STAR.equals(theirs) && !same)
            {
                return false;
            }
        }
        if (segments.size() == other.segments.size())
        {
            return true;
        }
        // The shorter pattern must be able to absorb the longer one's extra segments.
        return segments.size() < other.segments.size() ? tail : other.tail;
    }

    @Override
    public String toString()
    {
        return text;
    }

    /**
     * What the wildcards matched, as raw (still encoded) segments.
     *
     * @param stars one entry per {@code *}, in order
     * @param rest the segments matched by the (explicit or implied) trailing {@code **}
     */
    public record Captures(List<String> stars, List<String> rest)
    {
    }
}
