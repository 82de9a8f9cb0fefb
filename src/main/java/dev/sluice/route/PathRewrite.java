// The path sent upstream, built from a template and what the route's wildcards captured.
package dev.sluice.route;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A template such as {@code /v2/{1}/items/{**}}: {@code {N}} is the N-th {@code *} of the route's
 * path, {@code {**}} the rest matched by its trailing {@code **} (or by a prefix path). When the
 * rest is empty, {@code /{**}} disappears with its slash, so {@code /{**}} is exactly "strip the
 * prefix". Captures are inserted raw, as the client encoded them.
 */
public final class PathRewrite
{
    /** Strip the route's prefix: what is left after it goes upstream. */
    public static final String STRIP_PREFIX = "/{**}";

    private static final Pattern REFERENCE = Pattern.compile("\\{(\\d{1,2}|\\*\\*)}");

    private final String template;
    private final List<Object> parts;

    private PathRewrite(String template, List<Object> parts)
    {
        this.template = template;
        this.parts = List.copyOf(parts);
    }

    /**
     * Parses a template against the route's path; the exception message says what is allowed.
     */
    public static PathRewrite parse(String template, PathPattern path)
    {
        if (!template.startsWith("/"))
        {
            throw new IllegalArgumentException("a path template starting with '/', using {1}..{" + Math.max(1, path.stars()) + "} and {**}");
        }
        List<Object> parts = new ArrayList<>();
        Matcher matcher = REFERENCE.matcher(template);
        int at = 0;
        while (matcher.find())
        {
            if (matcher.start() > at)
            {
                parts.add(literal(template.substring(at, matcher.start())));
            }
            String reference = matcher.group(1);
            if ("**".equals(reference))
            {
                if (!path.hasTail())
                {
                    throw new IllegalArgumentException("{**} only when the route's path is a prefix or ends in /**");
                }
                parts.add(Tail.INSTANCE);
            }
            else
            {
                int index = Integer.parseInt(reference);
                if (index < 1 || index > path.stars())
                {
                    throw new IllegalArgumentException("references {1}..{" + path.stars() + "} to the route path's '*' segments");
                }
                parts.add(index - 1);
            }
            at = matcher.end();
        }
        if (at < template.length())
        {
            parts.add(literal(template.substring(at)));
        }
        return new PathRewrite(template, parts);
    }

    private static String literal(String text)
    {
        if (text.contains("{") || text.contains("}") || text.contains("?") || text.contains("#") || text.contains(".."))
        {
            throw new IllegalArgumentException("a path template whose only braces are {N} and {**}, without '?', '#' or '..'");
        }
        return text;
    }

    /**
     * The upstream path for these captures; may be empty (the upstream's base path alone).
     */
    public String apply(PathPattern.Captures captures)
    {
        StringBuilder path = new StringBuilder();
        for (Object part : parts)
        {
            if (part instanceof String text)
            {
                path.append(text);
            }
            else if (part instanceof Integer index)
            {
                path.append(captures.stars().get(index));
            }
            else if (!captures.rest().isEmpty())
            {
                path.append(String.join("/", captures.rest()));
            }
            else if (path.length() > 0 && path.charAt(path.length() - 1) == '/')
            {
                path.setLength(path.length() - 1);
            }
        }
        return path.toString();
    }

    @Override
    public String toString()
    {
        return template;
    }

    private enum Tail
    {
        INSTANCE
    }
}
