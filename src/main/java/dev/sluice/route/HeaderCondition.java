// A header a route requires: present with an exact value, or present at all.
package dev.sluice.route;

import java.util.function.Function;

/**
 * {@code route.<name>.header.<Header-Name> = value} requires that exact value (case-sensitive);
 * {@code *} requires only that the header is present.
 */
public record HeaderCondition(String name, String value)
{
    public static final String ANY = "*";

    public boolean matches(Function<String, String> headers)
    {
        String actual = headers.apply(name);
        if (actual == null)
        {
            return false;
        }
        return ANY.equals(value) || value.equals(actual);
    }

    boolean excludes(HeaderCondition other)
    {
        return name.equalsIgnoreCase(other.name) && !ANY.equals(value) && !ANY.equals(other.value) && !value.equals(other.value);
    }
}
