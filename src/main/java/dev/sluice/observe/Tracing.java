// Span export for the web application: decides which exchanges are recorded and turns them into OTLP spans.
package dev.sluice.observe;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import dev.sluice.exchange.Exchange;
import dev.sluice.exchange.TraceContext;
import dev.sluice.route.RouteMatch;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.sdk.common.InstrumentationLibraryInfo;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.data.StatusData;
import jakarta.servlet.ServletContext;

/**
 * One per web application (context attribute {@link #ATTRIBUTE}). With {@code observe.otlp.endpoint}
 * unset it does nothing but one settings check per request. With it set, each exchange is sampled
 * once at its start: a trusted proxy's sampled flag decides for the trace it continues (parent-based),
 * any other trace is recorded with probability {@code observe.otlp.sample-ratio}, and a recorded
 * trace goes upstream with the sampled flag set so the back-end records its part too.
 *
 * <p>A recorded exchange becomes one SERVER span (its id is the one upstream sees as parent when no
 * attempt was made, and the parent of every child) and children timed by the stages: {@code auth},
 * {@code ratelimit}, {@code cache lookup}, and one CLIENT span per upstream attempt whose id is the
 * parent id sent upstream with that attempt. Attribute names follow OpenTelemetry's HTTP semantic
 * conventions; Sluice's own start with {@code sluice.}. Spans are built directly as the SDK's
 * {@link SpanData} (Sluice already owns the ids and the timing), then exported by {@link SpanExport}.</p>
 */
public final class Tracing implements AutoCloseable
{
    public static final String ATTRIBUTE = Tracing.class.getName();

    static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");
    static final AttributeKey<Long> STATUS = AttributeKey.longKey("http.response.status_code");
    static final AttributeKey<String> ROUTE = AttributeKey.stringKey("http.route");
    static final AttributeKey<String> PATH = AttributeKey.stringKey("url.path");
    static final AttributeKey<String> SCHEME = AttributeKey.stringKey("url.scheme");
    static final AttributeKey<String> CLIENT = AttributeKey.stringKey("client.address");
    static final AttributeKey<String> ERROR = AttributeKey.stringKey("error.type");
    static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");
    static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey("server.port");
    static final AttributeKey<String> URL = AttributeKey.stringKey("url.full");
    static final AttributeKey<String> GEN_AI_OPERATION = AttributeKey.stringKey("gen_ai.operation.name");
    static final AttributeKey<String> GEN_AI_SYSTEM = AttributeKey.stringKey("gen_ai.system");
    static final AttributeKey<String> GEN_AI_REQUEST_MODEL = AttributeKey.stringKey("gen_ai.request.model");
    static final AttributeKey<String> GEN_AI_RESPONSE_MODEL = AttributeKey.stringKey("gen_ai.response.model");
    static final AttributeKey<Long> GEN_AI_INPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.input_tokens");
    static final AttributeKey<Long> GEN_AI_OUTPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.output_tokens");
    static final AttributeKey<Long> RESEND = AttributeKey.longKey("http.request.resend_count");
    static final AttributeKey<String> ROUTE_NAME = AttributeKey.stringKey("sluice.route");
    static final AttributeKey<String> REQUEST_ID = AttributeKey.stringKey("sluice.request_id");
    static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("sluice.outcome");
    static final AttributeKey<String> CACHE_STATUS = AttributeKey.stringKey("sluice.cache.status");
    /** OpenTelemetry's RPC convention for a gRPC call's status code. */
    static final AttributeKey<Long> GRPC_STATUS = AttributeKey.longKey("rpc.grpc.status_code");
    static final AttributeKey<Long> DROPPED_CHILDREN = AttributeKey.longKey("sluice.spans.dropped");

    private volatile SpanExport export;
    private long retiredExported;
    private long retiredDropped;
    private long retiredFailed;

    private Tracing()
    {
    }

    public static Tracing of(ServletContext context)
    {
        synchronized (context)
        {
            if (context.getAttribute(ATTRIBUTE) instanceof Tracing tracing)
            {
                return tracing;
            }
            Tracing tracing = new Tracing();
            context.setAttribute(ATTRIBUTE, tracing);
            return tracing;
        }
    }

    /**
     * Decides whether the exchange is recorded, sets its sampled flag and, when recorded, gives
     * it a {@link Spans} to collect stages in.
     *
     * @param parentDecided whether a trusted proxy sent a valid traceparent, whose flag then decides
     */
    public void begin(Exchange exchange, boolean parentDecided)
    {
        TracingSettings settings = exchange.settings().tracing();
        if (!settings.enabled())
        {
            return;
        }
        TraceContext trace = exchange.trace();
        boolean sampled = parentDecided ? trace.sampled()
            : settings.sampleRatio() >= 1 || (settings.sampleRatio() > 0 && ThreadLocalRandom.current().nextDouble() < settings.sampleRatio());
        if (sampled != trace.sampled())
        {
            exchange.trace(trace.withSampled(sampled));
        }
        if (sampled)
        {
            exchange.spans(new Spans());
        }
    }

    /** Builds the exchange's spans and queues them for export; never blocks. */
    public void end(Exchange exchange, int status, long endNanos)
    {
        Spans spans = exchange.spans();
        if (spans == null)
        {
            return;
        }
        TracingSettings settings = exchange.settings().tracing();
        SpanExport current = export;
        if (current == null || (current.settings() != settings && !current.settings().equals(settings)))
        {
            current = exportFor(settings);
        }
        TraceContext trace = exchange.trace();
        long epochStart = exchange.startedAt().getEpochSecond() * 1_000_000_000L + exchange.startedAt().getNano();
        long base = exchange.startNanos();
        Resource resource = current.resource();
        SpanContext server = SpanContext.create(trace.traceId(), trace.spanId(), TraceFlags.getSampled(), TraceState.getDefault());
        SpanContext parent = trace.parentId() == null ? SpanContext.getInvalid()
            : SpanContext.createFromRemoteParent(trace.traceId(), trace.parentId(), TraceFlags.getSampled(), TraceState.getDefault());

        RouteMatch match = exchange.routeMatch();
        AttributesBuilder attributes = Attributes.builder()
            .put(METHOD, exchange.method())
            .put(PATH, exchange.path())
            .put(SCHEME, exchange.connectionSecure() ? "https" : "http")
            .put(STATUS, status)
            .put(CLIENT, exchange.clientAddress())
            .put(REQUEST_ID, exchange.id())
            .put(OUTCOME, exchange.outcome().label());
        if (match != null)
        {
            attributes.put(ROUTE, match.route().path().toString()).put(ROUTE_NAME, match.route().name());
        }
        if (exchange.cacheStatus() != null)
        {
            attributes.put(CACHE_STATUS, exchange.cacheStatus());
        }
        if (exchange.grpcStatus() != null)
        {
            try
            {
                attributes.put(GRPC_STATUS, Long.parseLong(exchange.grpcStatus()));
            }
            catch (NumberFormatException x)
            {
                // Not a number: the upstream's odd value stays in the access log only.
            }
        }
        if (status >= 500)
        {
            attributes.put(ERROR, Integer.toString(status));
        }
        List<Spans.Child> children = spans.children();
        if (spans.dropped() > 0)
        {
            attributes.put(DROPPED_CHILDREN, spans.dropped());
        }
        String name = match == null ? exchange.method() : exchange.method() + " " + match.route().path();
        List<SpanData> data = new ArrayList<>(children.size() + 1);
        data.add(new Span(name, SpanKind.SERVER, server, parent, status >= 500, epochStart, epochStart + (endNanos - base), attributes.build(),
            resource));
        for (Spans.Child child : children)
        {
            SpanContext context = SpanContext.create(trace.traceId(), child.spanId(), TraceFlags.getSampled(), TraceState.getDefault());
            data.add(new Span(child.name(), child.kind(), context, server, child.error(), epochStart + (child.startNanos() - base),
                epochStart + (child.endNanos() - base), child.attributes(), resource));
        }
        current.submit(data);
    }

    /** The export for these settings; a reload that changed them replaces it (the old one drains in the background). */
    private synchronized SpanExport exportFor(TracingSettings settings)
    {
        SpanExport export = this.export;
        if (export == null || !export.settings().equals(settings))
        {
            SpanExport old = export;
            export = new SpanExport(settings);
            this.export = export;
            if (old != null)
            {
                retire(old);
                Thread closer = new Thread(old::close, "sluice-otlp-close");
                closer.setDaemon(true);
                closer.start();
            }
        }
        return export;
    }

    private void retire(SpanExport old)
    {
        retiredExported += old.exported();
        retiredDropped += old.dropped();
        retiredFailed += old.failed();
    }

    /** Spans the collector took, since start. */
    public synchronized long exported()
    {
        SpanExport current = export;
        return retiredExported + (current == null ? 0 : current.exported());
    }

    /** Spans dropped because the queue was full, since start. */
    public synchronized long dropped()
    {
        SpanExport current = export;
        return retiredDropped + (current == null ? 0 : current.dropped());
    }

    /** Spans the collector did not take (down, slow, refusing), since start. */
    public synchronized long failed()
    {
        SpanExport current = export;
        return retiredFailed + (current == null ? 0 : current.failed());
    }

    @Override
    public synchronized void close()
    {
        SpanExport current = export;
        if (current != null)
        {
            retire(current);
            current.close();
            export = null;
        }
    }

    /** One finished span, as the SDK's exporters read it. */
    private record Span(String name, SpanKind kind, SpanContext context, SpanContext parent, boolean error, long start, long end,
                        Attributes attributes, Resource resource) implements SpanData
    {
        private static final InstrumentationScopeInfo SCOPE = InstrumentationScopeInfo.builder("dev.sluice").setVersion(BuildInfo.version()).build();
        @SuppressWarnings("deprecation")
        private static final InstrumentationLibraryInfo LIBRARY = InstrumentationLibraryInfo.create("dev.sluice", BuildInfo.version());

        @Override
        public String getName()
        {
            return name;
        }

        @Override
        public SpanKind getKind()
        {
            return kind;
        }

        @Override
        public SpanContext getSpanContext()
        {
            return context;
        }

        @Override
        public SpanContext getParentSpanContext()
        {
            return parent;
        }

        @Override
        public StatusData getStatus()
        {
            return error ? StatusData.error() : StatusData.unset();
        }

        @Override
        public long getStartEpochNanos()
        {
            return start;
        }

        @Override
        public Attributes getAttributes()
        {
            return attributes;
        }

        @Override
        public List<EventData> getEvents()
        {
            return List.of();
        }

        @Override
        public List<LinkData> getLinks()
        {
            return List.of();
        }

        @Override
        public long getEndEpochNanos()
        {
            return Math.max(start, end);
        }

        @Override
        public boolean hasEnded()
        {
            return true;
        }

        @Override
        public int getTotalRecordedEvents()
        {
            return 0;
        }

        @Override
        public int getTotalRecordedLinks()
        {
            return 0;
        }

        @Override
        public int getTotalAttributeCount()
        {
            return attributes.size();
        }

        @Override
        @SuppressWarnings("deprecation")
        public InstrumentationLibraryInfo getInstrumentationLibraryInfo()
        {
            return LIBRARY;
        }

        @Override
        public InstrumentationScopeInfo getInstrumentationScopeInfo()
        {
            return SCOPE;
        }

        @Override
        public Resource getResource()
        {
            return resource;
        }
    }
}
