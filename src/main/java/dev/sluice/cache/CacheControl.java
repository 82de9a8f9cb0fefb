// Parsed Cache-Control directives (RFC 9111 §5.2), strict where the RFC is and forgiving where it allows.
package dev.sluice.cache;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Directives by lower-case name, with their (unquoted) argument or null. Every field line is
 * read; the first occurrence of a directive wins. A directive whose name is followed by anything
 * but {@code =} directly (as in {@code max-age =1}) or whose value does not parse is kept as
 * malformed, which for the delta-seconds directives means "not fresh" (§4.2.1: a cache may
 * treat an invalid freshness as stale). Commas inside quoted strings do not split.
 */
public final class CacheControl
{
    /** A delta-seconds value that failed to parse: present but unusable. */
    public static final long INVALID = -1;
    /** delta-seconds above 2^31 are treated as 2^31 (§1.2.2). */
    public static final long MAX_DELTA = 2147483648L;

    private static final CacheControl EMPTY = new CacheControl(Map.of());

    private final Map<String, String> directives;

    private CacheControl(Map<String, String> directives)
    {
        this.directives = directives;
    }

    public static CacheControl parse(List<String> fieldValues)
    {
        if (fieldValues == null || fieldValues.isEmpty())
        {
            return EMPTY;
        }
        Map<String, String> directives = new LinkedHashMap<>();
        for (String value : fieldValues)
        {
            for (String element : split(value))
            {
                parseElement(element, directives);
            }
        }
        return directives.isEmpty() ? EMPTY : new CacheControl(Collections.unmodifiableMap(directives));
    }

    public static CacheControl parse(String fieldValue)
    {
        return fieldValue == null ? EMPTY : parse(List.of(fieldValue));
    }

    /** Splits on commas outside quoted strings. */
    static List<String> split(String value)
    {
        List<String> elements = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < value.length(); i++)
        {
            char c = value.charAt(i);
            if (quoted && c == '\\' && i + 1 < value.length())
            {
                current.append(c).append(value.charAt(++i));
                continue;
            }
            if (c == '"')
            {
                quoted = !quoted;
            }
            if (c == ',' && !quoted)
            {
                elements.add(current.toString());
                current.setLength(0);
                continue;
            }
            current.append(c);
        }
        elements.add(current.toString());
        return elements;
    }

    private static void parseElement(String raw, Map<String, String> directives)
    {
        String element = raw.strip();
        if (element.isEmpty())
        {
            return;
        }
        int equals = element.indexOf('=');
        String name = (equals < 0 ? element : element.substring(0, equals)).toLowerCase(Locale.ROOT);
        if (!isToken(name))
        {
            // "max-age =1": the name is not a token; the directive is ignored (it is not max-age).
            return;
        }
        String argument = null;
        if (equals >= 0)
        {
            String rest = element.substring(equals + 1);
            if (rest.startsWith("\""))
            {
                argument = unquote(rest);
                if (argument == null)
                {
                    argument = "\u0000malformed";
                }
            }
            else if (isToken(rest))
            {
                argument = rest;
            }
            else
            {
                // "max-age= 1" or a value with spaces: present but malformed.
                argument = "\u0000malformed";
            }
        }
        directives.putIfAbsent(name, argument);
    }

    private static String unquote(String quoted)
    {
        StringBuilder value = new StringBuilder();
        for (int i = 1; i < quoted.length(); i++)
        {
            char c = quoted.charAt(i);
            if (c == '\\' && i + 1 < quoted.length())
            {
                value.append(quoted.charAt(++i));
            }
            else if (c == '"')
            {
                return i == quoted.length() - 1 ? value.toString() : null;
            }
            else
            {
                value.append(c);
            }
        }
        return null;
    }

    private static boolean isToken(String text)
    {
        if (text.isEmpty())
        {
            return false;
        }
        for (int i = 0; i < text.length(); i++)
        {
            char c = text.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
            if (!ok)
            {
                return false;
            }
        }
        return true;
    }

    public boolean has(String directive)
    {
        return directives.containsKey(directive);
    }

    public boolean isEmpty()
    {
        return directives.isEmpty();
    }

    /**
     * A delta-seconds directive: -2 when absent, {@link #INVALID} when present but not a
     * non-negative integer (quoted digits are accepted), else the value capped at 2^31.
     */
    public long seconds(String directive)
    {
        if (!directives.containsKey(directive))
        {
            return -2;
        }
        String value = directives.get(directive);
        if (value == null || value.isEmpty())
        {
            return INVALID;
        }
        long seconds = 0;
        for (int i = 0; i < value.length(); i++)
        {
            char c = value.charAt(i);
            if (c < '0' || c > '9')
            {
                return INVALID;
            }
            seconds = Math.min(MAX_DELTA, seconds * 10 + (c - '0'));
        }
        return seconds;
    }

    /**
     * The field names of a qualified {@code no-cache="a, b"} or {@code private="a"}, lower case;
     * empty when the directive is absent or unqualified.
     */
    public List<String> fieldNames(String directive)
    {
        String value = directives.get(directive);
        if (value == null || value.startsWith("\u0000"))
        {
            return List.of();
        }
        List<String> names = new ArrayList<>();
        for (String name : value.split(","))
        {
            if (!name.isBlank())
            {
                names.add(name.strip().toLowerCase(Locale.ROOT));
            }
        }
        return names;
    }

    /** Present without an argument (the unqualified form). */
    public boolean unqualified(String directive)
    {
        return directives.containsKey(directive) && directives.get(directive) == null;
    }

    @Override
    public String toString()
    {
        return directives.toString();
    }
}
