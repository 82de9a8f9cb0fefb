// Reading comma-separated header fields whose elements may carry ";" parameters (TE, CDN-Loop).
package dev.sluice.http;

import java.util.Enumeration;

public final class HeaderLists
{
    private HeaderLists()
    {
    }

    /**
     * Whether any of the fields lists {@code token} as an element, compared without regard to case
     * and without the element's {@code ;} parameters. No split and no stream: {@code CDN-Loop} is
     * read on every request that carries it.
     */
    public static boolean lists(Enumeration<String> fields, String token)
    {
        while (fields != null && fields.hasMoreElements())
        {
            String field = fields.nextElement();
            int start = 0;
            while (start <= field.length())
            {
                int comma = field.indexOf(',', start);
                int end = comma < 0 ? field.length() : comma;
                int semicolon = field.indexOf(';', start);
                if (field.substring(start, semicolon >= 0 && semicolon < end ? semicolon : end).strip().equalsIgnoreCase(token))
                {
                    return true;
                }
                start = end + 1;
            }
        }
        return false;
    }
}
