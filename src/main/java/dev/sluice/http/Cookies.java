// A request cookie's value by name, for the places that read one: auth's token cookie, sticky sessions, hashing, OpenAPI parameters.
package dev.sluice.http;

import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;

/** Reads the container's parsed cookies; the first of several with one name wins, as the servlet API lists them in order sent. */
public final class Cookies
{
    private Cookies()
    {
    }

    /** The value of the first cookie named {@code name}, or null when the request has none. */
    public static String value(HttpServletRequest request, String name)
    {
        Cookie[] cookies = request.getCookies();
        if (cookies != null)
        {
            for (Cookie cookie : cookies)
            {
                if (cookie.getName().equals(name))
                {
                    return cookie.getValue();
                }
            }
        }
        return null;
    }
}
