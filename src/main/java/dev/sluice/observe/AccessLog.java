// Writes one JSON line per exchange when it completes: to standard output by default, nothing else on the line.
package dev.sluice.observe;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
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
 * {@code sluice.access} instead, formatted as the logging back-end decides. A file is rotated by
 * size ({@link AccessLogRotation}), or followed when logrotate renames it.</p>
 *
 * <p>Asynchronous: a request thread only puts the finished exchange on a bounded queue; one
 * writer thread formats and logs, in completion order, each batch of lines as UTF-8 bytes from one
 * reused JSON generator and one write per output (2.5x cheaper per line than a String each,
 * AccessLogLineBenchmark). {@code time} is UTC to the millisecond. Formatting and the logging back-end's
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
                    rotation = entry.exchange().settings().accessLogRotation();
                    String output = entry.exchange().settings().accessLogOutput();
                    if ("slf4j".equals(output))
                    {
                        LOG.info(line(entry.exchange(), entry.status(), entry.endNanos()));
                    }
                    else
                    {
                        write(pending(output).json, entry.exchange(), entry.status(), entry.endNanos(), time);
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
            catch (IOException | RuntimeException x)
            {
                SELF.warn("Access-log line could not be written: {}", x.toString());
                batch.clear();
                pending.clear();
            }
        }
        closeFile();
    }

    /**
     * One output's lines of the current batch: a JSON generator writing UTF-8 straight into a
     * byte buffer, which goes out in one write per batch (no String per line, no re-encoding).
     */
    private static final class Pending
    {
        final java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream(64 * 1024);
        final JsonGenerator json;

        Pending() throws IOException
        {
            json = JSON.createGenerator(bytes);
            // Lines are separated by the newline each one ends with, not by Jackson's space.
            json.setRootValueSeparator(null);
        }
    }

    /** Lines waiting for the end of the batch, per output; written in one go. */
    private final java.util.Map<String, Pending> pending = new java.util.LinkedHashMap<>();
    private final TimeText time = new TimeText();
    private java.io.OutputStream file;
    private String filePath;
    private long fileBytes;
    private long lastExistsCheck;
    /** The rotation of the latest exchange's configuration; written and read by the writer thread only. */
    private AccessLogRotation rotation;

    private Pending pending(String output) throws IOException
    {
        Pending each = pending.get(output);
        if (each == null)
        {
            each = new Pending();
            pending.put(output, each);
        }
        return each;
    }

    private void flush() throws IOException
    {
        for (java.util.Map.Entry<String, Pending> each : pending.entrySet())
        {
            Pending lines = each.getValue();
            lines.json.flush();
            if (lines.bytes.size() == 0)
            {
                continue;
            }
            String output = each.getKey();
            try
            {
                switch (output)
                {
                    // Looked up each time: the stream may have been replaced (tests, containers that redirect it).
                    case "stdout" -> write(System.out, lines.bytes);
                    case "stderr" -> write(System.err, lines.bytes);
                    default -> writeFile(output, lines.bytes);
                }
            }
            catch (IOException x)
            {
                SELF.warn("Access-log lines could not be written to {}: {}", output, x.toString());
            }
            lines.bytes.reset();
        }
    }

    private static void write(java.io.PrintStream stream, java.io.ByteArrayOutputStream lines) throws IOException
    {
        // Hands the buffer's own array to PrintStream.write(byte[], ...), which passes the bytes
        // through; print(String) would encode them again. A PrintStream sets its error flag
        // rather than throw.
        lines.writeTo(stream);
        stream.flush();
    }

    private void writeFile(String path, java.io.ByteArrayOutputStream lines) throws IOException
    {
        long now = System.nanoTime();
        if (file != null && now - lastExistsCheck > 1_000_000_000L)
        {
            lastExistsCheck = now;
            if (!Files.exists(Path.of(filePath)))
            {
                // Renamed away (logrotate): start a new file under the configured name.
                closeFile();
            }
        }
        if (!path.equals(filePath))
        {
            closeFile();
            open(path);
        }
        AccessLogRotation limits = rotation;
        if (limits == null || limits.maxBytes() <= 0 || fileBytes + lines.size() <= limits.maxBytes())
        {
            lines.writeTo(file);
            fileBytes += lines.size();
            return;
        }
        // The batch crosses the size: write it line by line, rotating before the line that would cross.
        byte[] bytes = lines.toByteArray();
        int start = 0;
        for (int i = 0; i < bytes.length; i++)
        {
            if (bytes[i] != '\n')
            {
                continue;
            }
            int length = i + 1 - start;
            if (fileBytes > 0 && fileBytes + length > limits.maxBytes())
            {
                closeFile();
                rotate(Path.of(path), limits.maxFiles());
                open(path);
            }
            file.write(bytes, start, length);
            fileBytes += length;
            start = i + 1;
        }
    }

    private void open(String path) throws IOException
    {
        Path target = Path.of(path);
        file = Files.newOutputStream(target, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        filePath = path;
        fileBytes = Files.size(target);
        lastExistsCheck = System.nanoTime();
    }

    /** access.log → access.log.1 → … → access.log.N; the one beyond N is deleted. */
    static void rotate(Path file, int keep) throws IOException
    {
        Path oldest = file.resolveSibling(file.getFileName() + "." + keep);
        Files.deleteIfExists(oldest);
        for (int i = keep - 1; i >= 1; i--)
        {
            Path from = file.resolveSibling(file.getFileName() + "." + i);
            if (Files.exists(from))
            {
                Files.move(from, file.resolveSibling(file.getFileName() + "." + (i + 1)), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        if (Files.exists(file))
        {
            Files.move(file, file.resolveSibling(file.getFileName() + ".1"), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private void closeFile()
    {
        if (file != null)
        {
            try
            {
                file.close();
            }
            catch (IOException x)
            {
                SELF.debug("closing the access-log file failed: {}", x.toString());
            }
            file = null;
            filePath = null;
            fileBytes = 0;
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
     * The JSON line for an exchange that ended with {@code status} at {@code nowNanos}, without
     * the newline (what the {@code slf4j} output logs).
     */
    public static String line(Exchange exchange, int status, long nowNanos)
    {
        StringWriter out = new StringWriter(256);
        try (JsonGenerator json = JSON.createGenerator(out))
        {
            fields(json, exchange, status, nowNanos, new TimeText());
        }
        catch (IOException x)
        {
            throw new UncheckedIOException(x);
        }
        return out.toString();
    }

    /** Writes the line and its newline to {@code json}, which writes several in a row. */
    public static void write(JsonGenerator json, Exchange exchange, int status, long nowNanos, TimeText time) throws IOException
    {
        fields(json, exchange, status, nowNanos, time);
        json.writeRaw('\n');
    }

    private static void fields(JsonGenerator json, Exchange exchange, int status, long nowNanos, TimeText time) throws IOException
    {
        json.writeStartObject();
        json.writeStringField("time", time.format(exchange.startedAt()));
        json.writeStringField("id", exchange.id());
        if (exchange.traceId() != null)
        {
            json.writeStringField("trace_id", exchange.traceId());
        }
        json.writeStringField("client", exchange.clientAddress());
        json.writeStringField("method", exchange.method());
        json.writeStringField("path", exchange.path());
        RouteMatch match = exchange.routeMatch();
        if (match != null)
        {
            json.writeStringField("route", match.route().name());
            json.writeStringField("upstream", exchange.upstream());
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
        if (exchange.grpcStatus() != null)
        {
            json.writeStringField("grpc_status", exchange.grpcStatus());
        }
        json.writeNumberField("bytes_in", exchange.bytesIn());
        json.writeNumberField("bytes_out", exchange.bytesOut());
        if (exchange.compressedTo() >= 0)
        {
            json.writeNumberField("bytes_out_compressed", exchange.compressedTo());
        }
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
        dev.sluice.ai.AiRecord ai = exchange.ai();
        if (ai != null)
        {
            ai(json, ai);
        }
        json.writeEndObject();
    }

    /** Usage, cost and timing of an AI exchange; text only when ai.log.bodies is on. */
    private static void ai(JsonGenerator json, dev.sluice.ai.AiRecord ai) throws IOException
    {
        json.writeObjectFieldStart("ai");
        json.writeStringField("alias", ai.alias());
        json.writeStringField("provider", ai.provider());
        json.writeStringField("model", ai.model());
        json.writeNumberField("attempts", ai.attempts());
        json.writeBooleanField("stream", ai.stream());
        dev.sluice.ai.Usage usage = ai.usage();
        if (usage != null)
        {
            json.writeNumberField("prompt_tokens", usage.promptTokens());
            json.writeNumberField("completion_tokens", usage.completionTokens());
            json.writeNumberField("cached_tokens", usage.cachedTokens());
            json.writeNumberField("reasoning_tokens", usage.reasoningTokens());
            json.writeBooleanField("tokens_estimated", usage.estimated());
            if (usage.webSearches() > 0)
            {
                json.writeNumberField("web_searches", usage.webSearches());
            }
            json.writeNumberField("cost_usd", Math.round(ai.cost() * 1e8) / 1e8);
        }
        if (ai.ttftNanos() >= 0)
        {
            json.writeNumberField("ttft_ms", millis(ai.ttftNanos()));
        }
        if (ai.providerNanos() >= 0)
        {
            json.writeNumberField("provider_ms", millis(ai.providerNanos()));
        }
        double rate = ai.tokensPerSecond();
        if (rate >= 0)
        {
            json.writeNumberField("tokens_per_second", Math.round(rate * 10) / 10.0);
        }
        if (ai.prompt() != null)
        {
            json.writeStringField("prompt", ai.prompt());
        }
        if (ai.completion() != null)
        {
            json.writeStringField("completion", ai.completion());
        }
        dev.sluice.ai.AiRecord.Governed governed = ai.governed();
        if (governed.cache() != null)
        {
            json.writeStringField("cache", governed.cache());
            if (governed.tokensSaved() > 0)
            {
                json.writeNumberField("tokens_saved", governed.tokensSaved());
            }
        }
        if (governed.redactions() > 0)
        {
            json.writeNumberField("redactions", governed.redactions());
        }
        if (governed.queuedNanos() > 0)
        {
            json.writeNumberField("queued_ms", millis(governed.queuedNanos()));
        }
        json.writeEndObject();
    }

    private static double millis(long nanos)
    {
        return Math.round(nanos / 1_000.0) / 1_000.0;
    }
}
