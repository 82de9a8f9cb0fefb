// Sends finished spans to an OTLP/HTTP collector from one background thread, never from a request thread.
package dev.sluice.observe;

import java.io.EOFException;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.RetryPolicy;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bounded queue and one daemon thread: request threads only {@code offer} (a full queue drops
 * the spans and counts them), and the thread sends a batch of up to {@value #BATCH} when that many
 * are waiting or a second has passed, through the
 * OpenTelemetry SDK's OTLP/HTTP exporter, waiting at most the configured timeout for each. A
 * collector that is down, slow or refusing costs requests nothing; its failures are counted and
 * logged once per outage.
 */
final class SpanExport implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(SpanExport.class);
    static final int BATCH = 512;
    private static final long CLOSE_WAIT_MILLIS = 3000;
    private static final long POLL_MILLIS = 50;
    private static final long SEND_EVERY_NANOS = 1_000_000_000L;
    /**
     * One more attempt, after about 50 ms, and only within the export's timeout (the sender
     * stops waiting when the timeout is spent): for a batch that met a connection the collector
     * (or a proxy in front of it) closed while it sat idle, as Node.js and uvicorn do after 5 s
     * without saying so, and for the answers OTLP calls retryable (429, 502, 503, 504, honouring
     * {@code Retry-After} up to the timeout). A timeout or a refused connection is not tried
     * again: the collector is down or slow, and the queue behind this one thread should not wait
     * twice. OTLP export is at-least-once, so a batch a closing collector did take may arrive
     * twice; losing it would be worse.
     */
    private static final RetryPolicy RETRY = RetryPolicy.builder()
        .setMaxAttempts(2)
        .setInitialBackoff(Duration.ofMillis(50))
        .setMaxBackoff(Duration.ofMillis(50))
        .setRetryExceptionPredicate(SpanExport::connectionClosed)
        .build();

    private final TracingSettings settings;
    private final Resource resource;
    private final SpanExporter exporter;
    private final BlockingQueue<SpanData> queue;
    private final Thread thread;
    private final LongAdder exported = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private volatile boolean running = true;
    private boolean failing;

    SpanExport(TracingSettings settings)
    {
        this.settings = settings;
        this.resource = Resource.create(Attributes.of(
            AttributeKey.stringKey("service.name"), settings.serviceName(),
            AttributeKey.stringKey("service.version"), BuildInfo.version()));
        this.queue = new ArrayBlockingQueue<>(settings.queueSize());
        this.exporter = OtlpHttpSpanExporter.builder()
            .setEndpoint(settings.endpoint().toString())
            .setTimeout(settings.timeout())
            .setConnectTimeout(settings.timeout())
            // A web application's own class loader, not the container's, finds the JDK sender.
            .setServiceClassLoader(SpanExport.class.getClassLoader())
            .setRetryPolicy(RETRY)
            .build();
        this.thread = new Thread(this::run, "sluice-otlp-export");
        thread.setDaemon(true);
        thread.start();
    }

    TracingSettings settings()
    {
        return settings;
    }

    /** The resource every span of this export carries: service name and version. */
    Resource resource()
    {
        return resource;
    }

    /** Queues an exchange's spans, all or none; never blocks. */
    void submit(Collection<SpanData> spans)
    {
        if (queue.remainingCapacity() < spans.size())
        {
            dropped.add(spans.size());
            return;
        }
        for (SpanData span : spans)
        {
            if (!queue.offer(span))
            {
                dropped.increment();
            }
        }
    }

    long exported()
    {
        return exported.sum();
    }

    long dropped()
    {
        return dropped.sum();
    }

    long failed()
    {
        return failed.sum();
    }

    private void run()
    {
        List<SpanData> batch = new ArrayList<>(BATCH);
        long lastSend = System.nanoTime();
        while (running || !queue.isEmpty())
        {
            try
            {
                // Polling, never waiting on the queue: a waiting thread would be woken for every
                // request's spans and send them one request at a time. A batch goes when it is full
                // or a second old, as the SDK's own batch processor would.
                if (queue.size() < BATCH && System.nanoTime() - lastSend < SEND_EVERY_NANOS && running)
                {
                    Thread.sleep(POLL_MILLIS);
                    continue;
                }
                queue.drainTo(batch, BATCH);
                lastSend = System.nanoTime();
                if (!batch.isEmpty())
                {
                    send(batch);
                }
            }
            catch (InterruptedException x)
            {
                running = false;
            }
            catch (RuntimeException x)
            {
                failed.add(batch.size());
                LOG.warn("Span export failed: {}", x.toString());
            }
            finally
            {
                batch.clear();
            }
        }
    }

    private void send(List<SpanData> batch)
    {
        CompletableResultCode result = exporter.export(batch).join(settings.timeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
        if (result.isSuccess())
        {
            exported.add(batch.size());
            if (failing)
            {
                failing = false;
                LOG.info("The OTLP collector {} takes spans again", settings.endpoint());
            }
            return;
        }
        failed.add(batch.size());
        if (!failing)
        {
            failing = true;
            LOG.warn("The OTLP collector {} did not take {} spans (down, slow or refusing); spans are counted as failed until it does",
                settings.endpoint(), batch.size());
        }
    }

    /** Whether the JDK client's failure is the connection closing under the request (its cause an {@link EOFException}), not a timeout. */
    static boolean connectionClosed(IOException failure)
    {
        for (Throwable cause = failure; cause != null; cause = cause.getCause() == cause ? null : cause.getCause())
        {
            if (cause instanceof java.net.http.HttpTimeoutException)
            {
                return false;
            }
            if (cause instanceof EOFException)
            {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close()
    {
        running = false;
        try
        {
            // The last spans get a moment to go, but a dead collector never holds up a stop.
            thread.join(Math.min(settings.timeout().toMillis(), CLOSE_WAIT_MILLIS));
        }
        catch (InterruptedException x)
        {
            Thread.currentThread().interrupt();
        }
        thread.interrupt();
        exporter.shutdown().join(2, TimeUnit.SECONDS);
    }
}
