// W3C Trace Context (traceparent/tracestate): what a client sent, kept or replaced, and what goes upstream.
package dev.sluice.exchange;

/**
 * One exchange's place in a trace. An incoming {@code traceparent} is kept when it is valid by
 * W3C Trace Context level 1 (version {@code 00} exactly 55 characters, a later version at least
 * that with a {@code -} after the flags; lower-case hex; trace id and parent id not all zeros;
 * version {@code ff} refused), else a new trace is started and any {@code tracestate} dropped with
 * it. Sluice is a hop of its own: upstream receives the same trace id with Sluice's new span id as
 * parent. The sampled flag is kept only from a trusted proxy (exchange.trusted-proxies): anyone
 * else cannot make Sluice's upstreams record a trace. Without span export their requests go on
 * unsampled; with it ({@code observe.otlp.endpoint}), Sluice samples them itself
 * ({@code dev.sluice.observe.Tracing}). {@code tracestate} passes through when it is at most 512 characters
 * and 32 members of visible ASCII, as the specification bounds it; otherwise it is dropped.
 *
 * @param traceId 32 lower-case hex digits
 * @param spanId Sluice's span, 16 lower-case hex digits: the parent id upstream sees
 * @param parentId the caller's span id, or null when the trace started here
 * @param sampled whether the trace is recorded
 * @param traceState the tracestate to pass on, or null
 */
public record TraceContext(String traceId, String spanId, String parentId, boolean sampled, String traceState)
{
    static final int MAX_TRACE_STATE = 512;
    static final int MAX_TRACE_STATE_MEMBERS = 32;

    /** The context for an exchange: the client's when valid, else a new trace. */
    public static TraceContext accept(String traceparent, String tracestate, boolean trusted)
    {
        if (traceparent != null && valid(traceparent))
        {
            boolean sampled = trusted && (Character.digit(traceparent.charAt(54), 16) & 1) == 1;
            return new TraceContext(traceparent.substring(3, 35), nonZeroHex(16), traceparent.substring(36, 52), sampled,
                acceptableState(tracestate) ? tracestate : null);
        }
        return new TraceContext(nonZeroHex(32), nonZeroHex(16), null, false, null);
    }

    /** The traceparent value for the upstream request: version 00, this trace, Sluice's span. */
    public String upstreamTraceparent()
    {
        return upstreamTraceparent(spanId);
    }

    /** The same, with the span of one upstream attempt as the parent (when spans are exported). */
    public String upstreamTraceparent(String parentSpanId)
    {
        return "00-" + traceId + "-" + parentSpanId + (sampled ? "-01" : "-00");
    }

    /** A new span id: 16 lower-case hex digits, never all zeros. */
    public static String newSpanId()
    {
        return nonZeroHex(16);
    }

    /** This context with the sampling decision Sluice made (span export on). */
    public TraceContext withSampled(boolean sampled)
    {
        return new TraceContext(traceId, spanId, parentId, sampled, traceState);
    }

    static boolean valid(String value)
    {
        if (value.length() < 55 || value.charAt(2) != '-' || value.charAt(35) != '-' || value.charAt(52) != '-')
        {
            return false;
        }
        String version = value.substring(0, 2);
        if (!lowerHex(version) || version.equals("ff") || (version.equals("00") ? value.length() != 55 : value.length() > 55 && value.charAt(55) != '-'))
        {
            return false;
        }
        String traceId = value.substring(3, 35);
        String parentId = value.substring(36, 52);
        return lowerHex(traceId) && !zeros(traceId) && lowerHex(parentId) && !zeros(parentId) && lowerHex(value.substring(53, 55));
    }

    static boolean acceptableState(String value)
    {
        if (value == null || value.isEmpty() || value.length() > MAX_TRACE_STATE)
        {
            return false;
        }
        int members = 1;
        for (int i = 0; i < value.length(); i++)
        {
            char c = value.charAt(i);
            if (c < 0x20 || c > 0x7e)
            {
                return false;
            }
            if (c == ',')
            {
                members++;
            }
        }
        return members <= MAX_TRACE_STATE_MEMBERS;
    }

    private static boolean lowerHex(String value)
    {
        for (int i = 0; i < value.length(); i++)
        {
            char c = value.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            {
                return false;
            }
        }
        return true;
    }

    private static boolean zeros(String value)
    {
        for (int i = 0; i < value.length(); i++)
        {
            if (value.charAt(i) != '0')
            {
                return false;
            }
        }
        return true;
    }

    private static String nonZeroHex(int digits)
    {
        String value;
        do
        {
            value = RequestIds.randomHex(digits);
        }
        while (zeros(value));
        return value;
    }
}
