// The access log's timestamp text, ISO 8601 in UTC to the millisecond, formatted once per second.
package dev.sluice.observe;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * {@code 2026-12-02T13:28:16.123Z}: always three fraction digits, so lines sort as text. The
 * date and time of day are formatted once per second and reused (DateTimeFormatter was most of
 * a line's formatting cost); not thread-safe, each writer has its own.
 */
public final class TimeText
{
    private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss").withZone(ZoneOffset.UTC);

    private long second = Long.MIN_VALUE;
    private String prefix;

    public String format(Instant instant)
    {
        long epochSecond = instant.getEpochSecond();
        if (epochSecond != second)
        {
            prefix = SECONDS.format(instant);
            second = epochSecond;
        }
        int millis = instant.getNano() / 1_000_000;
        char[] text = new char[prefix.length() + 5];
        prefix.getChars(0, prefix.length(), text, 0);
        int at = prefix.length();
        text[at] = '.';
        text[at + 1] = (char)('0' + millis / 100);
        text[at + 2] = (char)('0' + millis / 10 % 10);
        text[at + 3] = (char)('0' + millis % 10);
        text[at + 4] = 'Z';
        return new String(text);
    }
}
