// A Content-Type's media type without parameters, and whether it is JSON: read the same way by guards, transforms and validation.
package dev.sluice.http;

import java.util.Locale;

public final class MediaTypes
{
    private MediaTypes()
    {
    }

    /** "application/json" for "Application/JSON; charset=utf-8"; "" for none. */
    public static String essence(String contentType)
    {
        if (contentType == null)
        {
            return "";
        }
        int semicolon = contentType.indexOf(';');
        return (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).strip().toLowerCase(Locale.ROOT);
    }

    /** application/json or any +json type. */
    public static boolean json(String essence)
    {
        return essence.equals("application/json") || essence.endsWith("+json");
    }
}
