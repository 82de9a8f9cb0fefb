// The child spans of one sampled exchange (auth, rate limit, cache lookup, upstream attempts), kept until it ends.
package dev.sluice.observe;

import java.util.ArrayList;
import java.util.List;

import dev.sluice.exchange.TraceContext;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanKind;

/**
 * Present on an exchange ({@code Exchange.spans()}) only when spans are exported and the trace
 * is sampled, so unsampled requests pay one null check per stage. Filters and the proxy servlet
 * add what they timed; {@link Tracing} turns them into OTLP spans when the exchange completes.
 * At most {@value #MAX_CHILDREN} children are kept, so a request retried many times cannot grow
 * without bound.
 */
public final class Spans
{
    static final int MAX_CHILDREN = 32;

    /**
     * One finished stage.
     *
     * @param startNanos and {@code endNanos}: {@link System#nanoTime()} readings
     * @param error whether the stage failed (span status ERROR)
     */
    public record Child(String name, SpanKind kind, String spanId, long startNanos, long endNanos, Attributes attributes, boolean error)
    {
    }

    private final List<Child> children = new ArrayList<>(4);
    private int dropped;

    public void add(String name, SpanKind kind, long startNanos, long endNanos, Attributes attributes, boolean error)
    {
        add(new Child(name, kind, TraceContext.newSpanId(), startNanos, endNanos, attributes, error));
    }

    public synchronized void add(Child child)
    {
        if (children.size() < MAX_CHILDREN)
        {
            children.add(child);
        }
        else
        {
            dropped++;
        }
    }

    synchronized List<Child> children()
    {
        return List.copyOf(children);
    }

    synchronized int dropped()
    {
        return dropped;
    }
}
