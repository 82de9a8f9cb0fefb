// The child spans of one sampled exchange (auth, rate limit, cache lookup, upstream attempts), kept until it ends.
package dev.sluice.observe;

import java.util.ArrayList;
import java.util.List;

import dev.sluice.exchange.TraceContext;
import dev.sluice.upstream.Target;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
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

    /**
     * One upstream attempt as a CLIENT span with OpenTelemetry's HTTP client attributes; the URL
     * goes without its query, which may carry what the client sent.
     *
     * @param resend how many attempts came before this one
     * @param status the response status, or 0 when there was none
     * @param failure why the attempt failed, or null
     */
    public void upstreamAttempt(String spanId, long startNanos, long endNanos, String method, String scheme, Target target, String path,
                                int resend, int status, Throwable failure)
    {
        AttributesBuilder attributes = Attributes.builder()
            .put(Tracing.METHOD, method)
            .put(Tracing.SERVER_ADDRESS, target.host())
            .put(Tracing.SERVER_PORT, target.port())
            .put(Tracing.URL, scheme + "://" + target.authority() + path);
        if (status > 0)
        {
            attributes.put(Tracing.STATUS, status);
        }
        if (resend > 0)
        {
            attributes.put(Tracing.RESEND, resend);
        }
        boolean error = status == 0 || status >= 500;
        if (error)
        {
            attributes.put(Tracing.ERROR, status > 0 ? Integer.toString(status) : failure == null ? "_OTHER" : failure.getClass().getName());
        }
        add(new Child(method, SpanKind.CLIENT, spanId, startNanos, endNanos, attributes.build(), error));
    }

    /**
     * One attempt at a model provider as a CLIENT span with OpenTelemetry's GenAI attributes
     * ({@code gen_ai.*}): never the prompt or the answer.
     *
     * @param operation {@code chat} or {@code embeddings}
     * @param system the provider's kind, e.g. {@code openai} or {@code anthropic}
     * @param responseModel the model that answered, or null
     * @param status the provider's status, or 0 when there was none
     * @param inputTokens and {@code outputTokens}: the usage, or negative when unknown
     */
    public void modelAttempt(String spanId, long startNanos, long endNanos, String operation, String system, String requestModel, String responseModel,
                             String host, int port, int status, long inputTokens, long outputTokens, String failure)
    {
        AttributesBuilder attributes = Attributes.builder()
            .put(Tracing.GEN_AI_OPERATION, operation)
            .put(Tracing.GEN_AI_SYSTEM, system)
            .put(Tracing.GEN_AI_REQUEST_MODEL, requestModel)
            .put(Tracing.SERVER_ADDRESS, host)
            .put(Tracing.SERVER_PORT, port);
        if (responseModel != null)
        {
            attributes.put(Tracing.GEN_AI_RESPONSE_MODEL, responseModel);
        }
        if (status > 0)
        {
            attributes.put(Tracing.STATUS, status);
        }
        if (inputTokens >= 0)
        {
            attributes.put(Tracing.GEN_AI_INPUT_TOKENS, inputTokens);
            attributes.put(Tracing.GEN_AI_OUTPUT_TOKENS, outputTokens);
        }
        boolean error = failure != null || status == 0 || status >= 400;
        if (error)
        {
            attributes.put(Tracing.ERROR, failure != null ? failure : status > 0 ? Integer.toString(status) : "_OTHER");
        }
        add(new Child(operation + " " + requestModel, SpanKind.CLIENT, spanId, startNanos, endNanos, attributes.build(), error));
    }

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
