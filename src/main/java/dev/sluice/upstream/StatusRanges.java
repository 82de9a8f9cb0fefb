// A set of HTTP statuses written as ranges and single codes: "200-399, 404".
package dev.sluice.upstream;

import java.util.ArrayList;
import java.util.List;

/** Parsed from a comma-separated list of codes and {@code low-high} ranges, each within 100-599. */
public final class StatusRanges
{
    public static final String ALLOWED = "status codes and ranges within 100-599, such as 200-399, 404";

    private final int[][] ranges;
    private final String text;

    private StatusRanges(int[][] ranges, String text)
    {
        this.ranges = ranges;
        this.text = text;
    }

    public static StatusRanges parse(List<String> items)
    {
        if (items.isEmpty())
        {
            throw new IllegalArgumentException(ALLOWED);
        }
        List<int[]> parsed = new ArrayList<>();
        for (String item : items)
        {
            String[] bounds = item.split("-", -1);
            if (bounds.length > 2)
            {
                throw new IllegalArgumentException(ALLOWED);
            }
            int low = code(bounds[0]);
            int high = bounds.length == 2 ? code(bounds[1]) : low;
            if (high < low)
            {
                throw new IllegalArgumentException(ALLOWED);
            }
            parsed.add(new int[] {low, high});
        }
        return new StatusRanges(parsed.toArray(new int[0][]), String.join(", ", items));
    }

    private static int code(String text)
    {
        try
        {
            int code = Integer.parseInt(text.trim());
            if (code >= 100 && code <= 599)
            {
                return code;
            }
        }
        catch (NumberFormatException x)
        {
            // Falls through to the message below.
        }
        throw new IllegalArgumentException(ALLOWED);
    }

    public boolean contains(int status)
    {
        for (int[] range : ranges)
        {
            if (status >= range[0] && status <= range[1])
            {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString()
    {
        return text;
    }
}
