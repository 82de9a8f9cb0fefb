// An OTLP/HTTP trace receiver on loopback that decodes what it is sent with the protocol's own classes.
package dev.sluice.testing;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/** {@code POST /v1/traces} with {@code application/x-protobuf}, as the OTLP exporter sends; answers 200. */
public final class OtlpReceiver implements AutoCloseable
{
    /** A received span with its resource's service name. */
    public record Received(Span span, String service)
    {
        public String traceId()
        {
            return HexFormat.of().formatHex(span.getTraceId().toByteArray());
        }

        public String spanId()
        {
            return HexFormat.of().formatHex(span.getSpanId().toByteArray());
        }

        public String parentId()
        {
            return span.getParentSpanId().isEmpty() ? null : HexFormat.of().formatHex(span.getParentSpanId().toByteArray());
        }

        /** An attribute's value as text (strings, integers, booleans), or null. */
        public String attribute(String key)
        {
            for (KeyValue attribute : span.getAttributesList())
            {
                if (attribute.getKey().equals(key))
                {
                    var value = attribute.getValue();
                    return value.hasStringValue() ? value.getStringValue() : value.hasIntValue() ? Long.toString(value.getIntValue())
                        : value.hasBoolValue() ? Boolean.toString(value.getBoolValue()) : value.toString();
                }
            }
            return null;
        }
    }

    private final List<Received> spans = new CopyOnWriteArrayList<>();
    private final TestUpstream server;
    public volatile int status = 200;

    public OtlpReceiver() throws Exception
    {
        server = TestUpstream.start(new Handler.Abstract()
        {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception
            {
                if (!request.getHttpURI().getPath().equals("/v1/traces") || !request.getMethod().equals("POST"))
                {
                    response.setStatus(404);
                    callback.succeeded();
                    return true;
                }
                ExportTraceServiceRequest export;
                try (InputStream in = Content.Source.asInputStream(request))
                {
                    export = ExportTraceServiceRequest.parseFrom(in);
                }
                if (status == 200)
                {
                    for (ResourceSpans resource : export.getResourceSpansList())
                    {
                        String service = resource.getResource().getAttributesList().stream().filter(kv -> kv.getKey().equals("service.name"))
                            .map(kv -> kv.getValue().getStringValue()).findFirst().orElse(null);
                        for (ScopeSpans scope : resource.getScopeSpansList())
                        {
                            scope.getSpansList().forEach(span -> spans.add(new Received(span, service)));
                        }
                    }
                }
                response.setStatus(status);
                response.getHeaders().put("Content-Type", "application/x-protobuf");
                response.write(true, java.nio.ByteBuffer.wrap(ExportTraceServiceResponse.getDefaultInstance().toByteArray()), callback);
                return true;
            }
        });
    }

    public String endpoint()
    {
        return server.url() + "/v1/traces";
    }

    /** Waits until at least {@code count} spans of the trace arrived, and returns them all. */
    public List<Received> trace(String traceId, int count) throws InterruptedException
    {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (true)
        {
            List<Received> found = new ArrayList<>();
            for (Received span : spans)
            {
                if (span.traceId().equals(traceId))
                {
                    found.add(span);
                }
            }
            if (found.size() >= count || System.nanoTime() > deadline)
            {
                return found;
            }
            Thread.sleep(50);
        }
    }

    public List<Received> all()
    {
        return List.copyOf(spans);
    }

    @Override
    public void close() throws Exception
    {
        server.close();
    }
}
