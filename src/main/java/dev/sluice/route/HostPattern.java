// A host a route answers for: an exact name or a leading-wildcard suffix.
package dev.sluice.route;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * {@code api.example.com} matches that host only; {@code *.example.com} matches any name that
 * ends in {@code .example.com} (at least one more label). Compared case-insensitively with the
 * request's host without its port.
 */
public record HostPattern(String text, boolean wildcard, String name)
{
    private static final Pattern HOST = Pattern.compile("[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*");

    public static HostPattern parse(String text)
    {
        String lower = text.toLowerCase(Locale.ROOT);
        boolean wildcard = lower.startsWith("*.");
        String name = wildcard ? lower.substring(2) : lower;
        if (!HOST.matcher(name).matches() && !isIpLiteral(name))
        {
            throw new IllegalArgumentException("a host name such as api.example.com or *.example.com");
        }
        return new HostPattern(text, wildcard, name);
    }

    private static boolean isIpLiteral(String name)
    {
        return name.startsWith("[") && name.endsWith("]") && name.substring(1, name.length() - 1).matches("[0-9a-f:.]+");
    }

    public boolean matches(String host)
    {
        if (host == null)
        {
            return false;
        }
        if (host.endsWith(".") && !host.endsWith(".."))
        {
            // The fully qualified form, "api.example.com.", names the same host (nginx drops the dot too).
            host = host.substring(0, host.length() - 1);
        }
        if (!wildcard)
        {
            return name.equalsIgnoreCase(host);
        }
        return host.length() > name.length() + 1
            && host.regionMatches(true, host.length() - name.length(), name, 0, name.length())
            && host.charAt(host.length() - name.length() - 1) == '.';
    }

    boolean overlaps(HostPattern other)
    {
        if (!wildcard && !other.wildcard)
        {
            return name.equals(other.name);
        }
        if (wildcard && other.wildcard)
        {
            return name.equals(other.name) || name.endsWith("." + other.name) || other.name.endsWith("." + name);
        }
        HostPattern pattern = wildcard ? this : other;
        HostPattern exact = wildcard ? other : this;
        return pattern.matches(exact.name);
    }
}
