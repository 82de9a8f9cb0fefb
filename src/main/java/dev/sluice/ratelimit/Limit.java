// One limit such as "10/s burst 20": a Bucket4j bandwidth, parsed from its readable form.
package dev.sluice.ratelimit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BandwidthBuilder;

/**
 * {@code N/unit} allows N requests per second, minute, hour or day ({@code s}, {@code m},
 * {@code h}, {@code d}); {@code burst B} lets a quiet client spend up to B at once (the bucket's
 * capacity; default N). Refill is greedy by default: tokens come back continuously, one every
 * unit/N, as in nginx's {@code limit_req}. {@code interval} refills all N at once at the end of
 * each unit instead, like a fixed window per client.
 *
 * @param requests N, refilled per {@link #period}
 * @param burst the bucket's capacity
 */
public record Limit(long requests, Duration period, long burst, boolean interval)
{
    private static final Pattern FORM = Pattern.compile("(\\d{1,9})\\s*/\\s*([smhd])(?:\\s+burst\\s+(\\d{1,9}))?(?:\\s+(interval|greedy))?");
    public static final String ALLOWED = "limits such as 10/s, 100/m burst 150, 1000/h or 20000/d interval, comma-separated; "
        + "units s, m, h, d; N and burst at least 1";

    /**
     * Parses a comma-separated list; throws with a message saying which item is wrong.
     */
    public static List<Limit> parseList(String text)
    {
        List<Limit> limits = new ArrayList<>();
        for (String item : text.split(",", -1))
        {
            limits.add(parse(item.trim()));
        }
        return limits;
    }

    static Limit parse(String text)
    {
        Matcher matcher = FORM.matcher(text.toLowerCase(Locale.ROOT));
        if (!matcher.matches())
        {
            throw new IllegalArgumentException(text);
        }
        long requests = Long.parseLong(matcher.group(1));
        long burst = matcher.group(3) == null ? requests : Long.parseLong(matcher.group(3));
        if (requests < 1 || burst < 1)
        {
            throw new IllegalArgumentException(text);
        }
        Duration period = switch (matcher.group(2))
        {
            case "s" -> Duration.ofSeconds(1);
            case "m" -> Duration.ofMinutes(1);
            case "h" -> Duration.ofHours(1);
            default -> Duration.ofDays(1);
        };
        return new Limit(requests, period, burst, "interval".equals(matcher.group(4)));
    }

    public Bandwidth bandwidth()
    {
        var capacity = BandwidthBuilder.builder().capacity(burst);
        return (interval ? capacity.refillIntervally(requests, period) : capacity.refillGreedy(requests, period)).build();
    }

    /**
     * This limit in {@code RateLimit-Policy} form (draft-ietf-httpapi-ratelimit-headers):
     * {@code 10;w=1;burst=20}.
     */
    public String policy()
    {
        return requests + ";w=" + period.toSeconds() + (burst != requests ? ";burst=" + burst : "");
    }

    /**
     * Seconds until a bucket holding {@code available} tokens of this limit is full again.
     */
    long secondsToFull(long available)
    {
        long missing = Math.max(0, burst - available);
        if (missing == 0)
        {
            return 0;
        }
        if (interval)
        {
            // Whole periods; the bucket does not say how far into the current one it is.
            long periods = (missing + requests - 1) / requests;
            return periods * period.toSeconds();
        }
        double seconds = (double)missing * period.toSeconds() / requests;
        return (long)Math.ceil(seconds);
    }
}
