// Reads an Authorization: hmac field and the lines its signature covers out of a servlet request.
package dev.sluice.auth;

import java.util.ArrayList;
import java.util.Base64;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;

import jakarta.servlet.http.HttpServletRequest;

/** The filter's half of {@link HmacSignatures}: HTTP in, a {@link HmacSignatures.Presented} out. */
final class HmacRequest
{
    private static final String SCHEME = "hmac ";
    /** More fields than any signature needs is a malformed one. */
    private static final int MAX_FIELDS = 32;
    private static final HmacSignatures.Presented MALFORMED = new HmacSignatures.Presented(null, null, List.of(), null, null, null);

    private HmacRequest()
    {
    }

    /** What an {@code Authorization: hmac ...} field presents, or null for another scheme. */
    static HmacSignatures.Presented presented(HttpServletRequest request, String authorization)
    {
        if (authorization == null || authorization.length() < SCHEME.length() || !authorization.regionMatches(true, 0, SCHEME, 0, SCHEME.length()))
        {
            return null;
        }
        String username = null;
        String algorithm = null;
        String headers = null;
        String signature = null;
        for (String part : authorization.substring(SCHEME.length()).split(","))
        {
            int equals = part.indexOf('=');
            if (equals < 0)
            {
                return MALFORMED;
            }
            String name = part.substring(0, equals).strip().toLowerCase(Locale.ROOT);
            String value = part.substring(equals + 1).strip();
            if (value.length() < 2 || value.charAt(0) != '"' || value.charAt(value.length() - 1) != '"')
            {
                return MALFORMED;
            }
            value = value.substring(1, value.length() - 1);
            switch (name)
            {
                case "username" -> username = value;
                case "algorithm" -> algorithm = value.toLowerCase(Locale.ROOT);
                case "headers" -> headers = value;
                case "signature" -> signature = value;
                default ->
                {
                    return MALFORMED;
                }
            }
        }
        if (username == null || algorithm == null || headers == null || signature == null)
        {
            return MALFORMED;
        }
        byte[] decoded;
        try
        {
            decoded = Base64.getDecoder().decode(signature);
        }
        catch (IllegalArgumentException x)
        {
            return MALFORMED;
        }
        List<String> fields = new ArrayList<>();
        for (String field : headers.strip().split("\\s+"))
        {
            fields.add(field.toLowerCase(Locale.ROOT));
        }
        if (fields.size() > MAX_FIELDS)
        {
            return MALFORMED;
        }
        String date = request.getHeader("X-Date") != null ? request.getHeader("X-Date") : request.getHeader("Date");
        return new HmacSignatures.Presented(username, algorithm, List.copyOf(fields), decoded, signingString(request, fields), date);
    }

    /** One line per signed field, {@code name: value} (values of a repeated field joined by ", "), or null when one is missing. */
    private static String signingString(HttpServletRequest request, List<String> fields)
    {
        StringBuilder lines = new StringBuilder(256);
        for (String field : fields)
        {
            if (lines.length() > 0)
            {
                lines.append('\n');
            }
            if (field.equals("request-line"))
            {
                String query = request.getQueryString();
                lines.append(request.getMethod()).append(' ').append(request.getRequestURI()).append(query == null ? "" : "?" + query)
                    .append(' ').append(request.getProtocol());
                continue;
            }
            Enumeration<String> values = request.getHeaders(field);
            if (values == null || !values.hasMoreElements())
            {
                return null;
            }
            lines.append(field).append(": ").append(values.nextElement());
            while (values.hasMoreElements())
            {
                lines.append(", ").append(values.nextElement());
            }
        }
        return lines.toString();
    }
}
