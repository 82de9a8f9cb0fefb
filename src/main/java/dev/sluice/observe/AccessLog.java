// Writes one JSON line per exchange when it completes: to standard output by default, nothing else on the line.
package dev.sluice.observe;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.sluice.auth.Identity;
import dev.sluice.exchange.Exchange;
import dev.sluice.route.RouteMatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The access log line, built only from the {@link Exchange}: time, id, client, method, path
 * (without the query string, which may carry credentials), route, upstream, target (host:port of the last attempt), attempts, consumer (id or token subject), status, bytes in
 * and out, total and upstream latency, and the outcome. No header value is ever logged, so
 * {@code Authorization}, cookies and API keys cannot appear.
 *
 * <p>Lines are pure JSON, one per exchange, so log shippers need no parsing rules: written
 * straight to standard output (default), standard error or a file ({@code exchange.access-log.output}),
 * the same in the launcher, Jetty and Tomcat; {@code slf4j} sends them through the logger
 * {@code sluice.access} instead, formatted as the logging back-end decides.</p>
 *
 * <p>Asynchronous: a request thread only puts the finished exchange on a bounded queue; one
 * writer thread formats and logs, in completion order. Formatting and the logging back-end's
 * write cost about a fifth of a plain proxied request's CPU when done inline (see
 * docs/PERFORMANCE.md). When the writer cannot keep up the queue is full and lines are dropped,
 * never the request held: the count of dropped lines is logged as a warning.</p>
 */
public final class AccessLog implements AutoCloseable
{
    /** The logger name; route it to its own file in your logging configuration. */
    public static final String LOGGER_NAME = "sluice.access";
    static final int QUEUE_CAPACITY = 16_384;
    private static final long IDLE_PAUSE_MILLIS = 5;
    private static final Logger LOG = LoggerFactory.getLogger(LOGGER_NAME);
    private static final Logger SELF = LoggerFactory.getLogger(AccessLog.class);
    private static final JsonFactory JSON = dev.sluice.http.Json.FACTORY;

    private final BlockingQueue<Entry> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
    private final AtomicLong dropped = new AtomicLong();
    private final Thread writer;
    private volatile boolean running = true;

    private record Entry(Exchange exchange, int status, long endNanos)
    {
    }

    public AccessLog()
    {
        writer = new Thread(this::drain, "sluice-access-log");
        writer.setDaemon(true);
        writer.start();
    }

    /**
     * Queues the line for an exchange that ended with {@code status} at {@code endNanos}.
     */
    public void write(Exchange exchange, int status, long endNanos)
    {
        if (!exchange.settings().accessLog() || ("slf4j".equals(exchange.settings().accessLogOutput()) && !LOG.isInfoEnabled()))
        {
            return;
        }
        if (!queue.offer(new Entry(exchange, status, endNanos)))
        {
            dropped.incrementAndGet();
        }
    }

    private void drain()
    {
        List<Entry> batch = new ArrayList<>(1024);
        long reportedDrops = 0;
        while (running || !queue.isEmpty())
        {
            try
            {
                queue.drainTo(batch, 1024);
                if (batch.isEmpty())
                {
                    // Polling, not waiting on the queue: a waiting writer would have to be woken
                    // (a futex call and a context switch) for every single request.
                    Thread.sleep(IDLE_PAUSE_MILLIS);
                }
                for (Entry entry : batch)
                {
                    String output = entry.exchange().settings().accessLogOutput();
                    String line = line(entry.exchange(), entry.status(), entry.endNanos());
                    if ("slf4j".equals(output))
                    {
                        LOG.info(line);
                    }
                    else
                    {
                        appendable(output).append(line).append('\n');
                    }
                }
                batch.clear();
                flush();
                long drops = dropped.get();
                if (drops != reportedDrops)
                {
                    SELF.warn("{} access-log lines dropped so far: the log could not keep up", drops);
                    reportedDrops = drops;
                }
            }
            catch (InterruptedException x)
            {
                running = false;
            }
            catch (RuntimeException x)
            {
                SELF.warn("Access-log line could not be written: {}", x.toString());
                batch.clear();
                pending.clear();
            }
        }
        closeFile();
    }

    /** Lines waiting for the end of the batch, per output; written in one go. */
    private final java.util.Map<String, StringBuilder> pending = new java.util.LinkedHashMap<>();
    private java.io.Writer file;
    private String filePath;

    private StringBuilder appendable(String output)
    {
        return pending.computeIfAbsent(output, ignored -> new StringBuilder(4096));
    }

    private void flush()
    {
        for (java.util.Map.Entry<String, StringBuilder> batch : pending.entrySet())
        {
            StringBuilder lines = batch.getValue();
            if (lines.length() == 0)
            {
                continue;
            }
            String output = batch.getKey();
            try
            {
                switch (output)
                {
                    // Looked up each time: the stream may have been replaced (tests, containers that redirect it).
                    case "stdout" -> write(System.out, lines);
                    case "stderr" -> write(System.err, lines);
                    default -> writeFile(output, lines);
                }
            }
            catch (java.io.IOException x)
            {
                SELF.warn("Access-log lines could not be written to {}: {}", output, x.toString());
            }
            lines.setLength(0);
        }
    }

    private static void write(java.io.PrintStream stream, StringBuilder lines)
    {
        stream.print(lines);
        stream.flush();
    }

    private void writeFile(String path, StringBuilder lines) throws java.io.IOException
    {
        if (!path.equals(filePath))
        {
            closeFile();
            file = java.nio.file.Files.newBufferedWriter(java.nio.file.Path.of(path), java.nio.charset.StandardCharsets.UTF_8,
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
            filePath = path;
        }
        file.append(lines);
        file.flush();
    }

    private void closeFile()
    {
        if (file != null)
        {
            try
            {
                file.close();
            }
            catch (java.io.IOException x)
            {
                SELF.debug("closing the access-log file failed: {}", x.toString());
            }
            file = null;
            filePath = null;
        }
    }

    /**
     * Writes what is queued and stops the writer (bounded: at most a few seconds).
     */
    @Override
    public void close()
    {
        running = false;
        try
        {
            writer.join(5_000);
        }
        catch (InterruptedException x)
        {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The JSON line for an exchange that ended with {@code status} at {@code nowNanos}.
     */
    public static String line(Exchange exchange, int status, long nowNanos)
    {
        StringWriter out = new StringWriter(256);
        try (JsonGenerator json = JSON.createGenerator(out))
        {
            json.writeStartObject();
            json.writeStringField("time", DateTimeFormatter.ISO_INSTANT.format(exchange.startedAt()));
            json.writeStringField("id", exchange.id());
            json.writeStringField("client", exchange.clientAddress());
            json.writeStringField("method", exchange.method());
            json.writeStringField("path", exchange.path());
            RouteMatch match = exchange.routeMatch();
            if (match != null)
            {
                json.writeStringField("route", match.route().name());
                json.writeStringField("upstream", match.route().upstream());
            }
            else
            {
                json.writeNullField("route");
                json.writeNullField("upstream");
            }
            if (exchange.target() != null)
            {
                json.writeStringField("target", exchange.target());
            }
            else
            {
                json.writeNullField("target");
            }
            json.writeNumberField("attempts", exchange.attempts());
            if (exchange.cacheStatus() != null)
            {
                json.writeStringField("cache", exchange.cacheStatus());
            }
            // Who, never with what: the consumer id, or a token's subject with its issuer
            // (jwt:corp/alice; consumer ids never contain '/'), not the credential itself.
            Identity identity = exchange.identity();
            if (identity != null && identity.key() != null)
            {
                json.writeStringField("consumer", identity.consumer() != null ? identity.consumer().id() : identity.key());
            }
            else
            {
                json.writeNullField("consumer");
            }
            json.writeNumberField("status", status);
            json.writeNumberField("bytes_in", exchange.bytesIn());
            json.writeNumberField("bytes_out", exchange.bytesOut());
            json.writeNumberField("duration_ms", millis(nowNanos - exchange.startNanos()));
            long upstreamNanos = exchange.upstreamNanos();
            if (upstreamNanos >= 0)
            {
                json.writeNumberField("upstream_ms", millis(upstreamNanos));
            }
            else
            {
                json.writeNullField("upstream_ms");
            }
            json.writeStringField("outcome", exchange.outcome().label());
            json.writeEndObject();
        }
        catch (IOException x)
        {
            throw new UncheckedIOException(x);
        }
        return out.toString();
    }

    private static double millis(long nanos)
    {
        return Math.round(nanos / 1_000.0) / 1_000.0;
    }
}
