// Captures what Sluice logs (through Logback, the bundled SLF4J provider) and its access log while a test runs.
package dev.sluice.testing;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import org.slf4j.LoggerFactory;

public final class LogCapture implements AutoCloseable
{
    private final OutputStreamAppender<ILoggingEvent> appender = new OutputStreamAppender<>();
    private final Logger root;
    private final PrintStream originalOut;
    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();

    private LogCapture()
    {
        // Logback's root logger gets one more appender, synchronous, writing what it formats here.
        LoggerContext context = (LoggerContext)LoggerFactory.getILoggerFactory();
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern("%level %logger - %msg%n%ex");
        encoder.start();
        appender.setContext(context);
        appender.setName("log-capture");
        appender.setEncoder(encoder);
        appender.setOutputStream(tee(null));
        appender.start();
        root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.addAppender(appender);
        // The access log writes to standard output itself.
        originalOut = System.out;
        System.setOut(tee(originalOut));
    }

    /** A stream that writes into what this capture holds, and to {@code target} unless null. */
    private PrintStream tee(PrintStream target)
    {
        OutputStream both = new OutputStream()
        {
            @Override
            public void write(int b)
            {
                synchronized (captured)
                {
                    captured.write(b);
                }
                if (target != null)
                {
                    target.write(b);
                }
            }

            @Override
            public void write(byte[] bytes, int offset, int length)
            {
                synchronized (captured)
                {
                    captured.write(bytes, offset, length);
                }
                if (target != null)
                {
                    target.write(bytes, offset, length);
                }
            }
        };
        return new PrintStream(both, true, StandardCharsets.UTF_8);
    }

    public static LogCapture start()
    {
        return new LogCapture();
    }

    public String text()
    {
        synchronized (captured)
        {
            return captured.toString(StandardCharsets.UTF_8);
        }
    }

    public List<String> lines()
    {
        return Arrays.asList(text().split("\n"));
    }

    /** The access-log line containing the request id, waiting briefly since it is written on completion. */
    public String accessLine(String requestId) throws InterruptedException
    {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (System.nanoTime() < deadline)
        {
            for (String line : lines())
            {
                // Access-log lines are pure JSON on standard output.
                if (line.startsWith("{\"time\"") && line.contains("\"id\":\"" + requestId + "\""))
                {
                    return line;
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no access-log line for request " + requestId + " in:\n" + text());
    }

    @Override
    public void close()
    {
        root.detachAppender(appender);
        appender.stop();
        System.setOut(originalOut);
    }
}
