// HTTP-date parsing (RFC 9110 §5.6.7): IMF-fixdate plus the two obsolete forms recipients must accept.
package dev.sluice.cache;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses {@code Sun, 06 Nov 1994 08:49:37 GMT}, {@code Sunday, 06-Nov-94 08:49:37 GMT} and
 * {@code Sun Nov  6 08:49:37 1994}; names are matched without regard to case. Anything else
 * (a two-digit year in the fixdate form, "UTC", a one-digit hour, extra spaces) is invalid, which
 * for {@code Expires} means "already expired" (RFC 9111 §5.3).
 */
public final class HttpDates
{
    private static final Pattern FIXDATE = Pattern.compile(
        "(?i)(Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\\d{2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\\d{4}) (\\d{2}):(\\d{2}):(\\d{2}) GMT");
    private static final Pattern RFC850 = Pattern.compile(
        "(?i)(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (\\d{2})-(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)-(\\d{2}) (\\d{2}):(\\d{2}):(\\d{2}) GMT");
    private static final Pattern ASCTIME = Pattern.compile(
        "(?i)(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) ([ \\d]\\d) (\\d{2}):(\\d{2}):(\\d{2}) (\\d{4})");
    private static final String MONTHS = "janfebmaraprmayjunjulaugsepoctnovdec";
    private static final DateTimeFormatter FORMAT = DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.ENGLISH);

    private HttpDates()
    {
    }

    /** Epoch milliseconds, or -1 when the value is not a valid HTTP-date. */
    public static long parse(String value)
    {
        if (value == null)
        {
            return -1;
        }
        String text = value.strip();
        try
        {
            Matcher m = FIXDATE.matcher(text);
            if (m.matches())
            {
                return millis(Integer.parseInt(m.group(4)), m.group(3), m.group(2), m.group(5), m.group(6), m.group(7));
            }
            m = RFC850.matcher(text);
            if (m.matches())
            {
                int year = Integer.parseInt(m.group(4));
                // RFC 9110: a two-digit year more than 50 years in the future is in the past century.
                int now = LocalDate.now(ZoneOffset.UTC).getYear();
                int full = now - now % 100 + year;
                if (full > now + 50)
                {
                    full -= 100;
                }
                return millis(full, m.group(3), m.group(2), m.group(5), m.group(6), m.group(7));
            }
            m = ASCTIME.matcher(text);
            if (m.matches())
            {
                return millis(Integer.parseInt(m.group(7)), m.group(2), m.group(3).strip(), m.group(4), m.group(5), m.group(6));
            }
        }
        catch (RuntimeException x)
        {
            // 31 Feb and the like.
            return -1;
        }
        return -1;
    }

    private static long millis(int year, String month, String day, String hour, String minute, String second)
    {
        int monthNumber = MONTHS.indexOf(month.toLowerCase(Locale.ROOT)) / 3 + 1;
        LocalDateTime time = LocalDateTime.of(LocalDate.of(year, monthNumber, Integer.parseInt(day)),
            LocalTime.of(Integer.parseInt(hour), Integer.parseInt(minute), Integer.parseInt(second)));
        return time.toInstant(ZoneOffset.UTC).toEpochMilli();
    }

    /** The IMF-fixdate form of a time. */
    public static String format(long epochMillis)
    {
        return FORMAT.format(Instant.ofEpochMilli(epochMillis).atOffset(ZoneOffset.UTC));
    }
}
