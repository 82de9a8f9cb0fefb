// Captures what Sluice logs (through the bundled SLF4J provider) while a test runs.
package dev.sluice.testing;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import org.eclipse.jetty.logging.JettyLoggerFactory;
import org.eclipse.jetty.logging.StdErrAppender;
import org.slf4j.LoggerFactory;

public final class LogCapture implements AutoCloseable
{
    private final StdErrAppender appender;
    private final PrintStream original;
    private final PrintStream originalOut;
    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();

    private LogCapture()
    {
        JettyLoggerFactory factory = (JettyLoggerFactory)LoggerFactory.getILoggerFactory();
        appender = (StdErrAppender)factory.getJettyLogger("sluice.access").getAppender();
        // A null stream means "System.err, looked up on each write"; restored as it was.
        original = appender.getStream();
        appender.setStream(tee(original != null ? original : System.err));
        // The access log writes to standard output itself.
        originalOut = System.out;
        System.setOut(tee(originalOut));
    }

    /** A stream that writes to {@code target} and into what this capture holds. */
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
                target.write(b);
            }

            @Override
            public void write(byte[] bytes, int offset, int length)
            {
                synchronized (captured)
                {
                    captured.write(bytes, offset, length);
                }
                target.write(bytes, offset, length);
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
        appender.setStream(original);
        System.setOut(originalOut);
    }
}
