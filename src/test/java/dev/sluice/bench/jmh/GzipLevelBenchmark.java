// JMH: what gzip costs per answer at the levels compression.level offers, for the default's choice.
package dev.sluice.bench.jmh;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.zip.Deflater;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One reused deflater (as the launcher's pool hands out) compressing a JSON answer whole: a
 * list of records with ids, names from a small vocabulary, prices and timestamps, as list
 * endpoints return. The compressed size is printed once per run, beside the time.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 6, time = 1)
@Fork(1)
public class GzipLevelBenchmark
{
    @Param({"1", "6", "9"})
    public int level;

    @Param({"4096", "102400"})
    public int size;

    private byte[] json;
    private Deflater deflater;
    private final byte[] out = new byte[256 * 1024];

    @Setup
    public void setUp()
    {
        json = listOfRecords(size);
        deflater = new Deflater(level, true);
        // Printed by the forked JVM beside the run: what the level buys.
        System.out.println("level " + level + ": " + json.length + " bytes of JSON to " + compress());
    }

    /** JSON of about {@code bytes} bytes. */
    static byte[] listOfRecords(int bytes)
    {
        String[] names = {"widget", "gadget", "sprocket", "flange", "grommet", "bracket", "washer", "spring"};
        String[] states = {"in_stock", "backordered", "discontinued"};
        Random random = new Random(42);
        StringBuilder text = new StringBuilder("{\"items\":[");
        for (int id = 1; text.length() < bytes - 200; id++)
        {
            text.append("{\"id\":").append(100_000 + id)
                .append(",\"name\":\"").append(names[random.nextInt(names.length)]).append(' ').append(random.nextInt(1000))
                .append("\",\"price\":").append(random.nextInt(100_000) / 100.0)
                .append(",\"state\":\"").append(states[random.nextInt(states.length)])
                .append("\",\"updated\":\"2026-12-0").append(1 + random.nextInt(6)).append('T').append(10 + random.nextInt(10)).append(':')
                .append(10 + random.nextInt(50)).append(":00Z\"},");
        }
        text.setLength(text.length() - 1);
        return text.append("]}").toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The same with a deflater made for the answer and ended after it, as an unpooled one is. */
    @Benchmark
    public int compressWithNewDeflater()
    {
        Deflater fresh = new Deflater(level, true);
        try
        {
            return deflate(fresh);
        }
        finally
        {
            fresh.end();
        }
    }

    @Benchmark
    public int compress()
    {
        deflater.reset();
        return deflate(deflater);
    }

    /** The whole JSON through {@code deflater}; the compressed length. */
    private int deflate(Deflater deflater)
    {
        deflater.setInput(json);
        deflater.finish();
        int total = 0;
        while (!deflater.finished())
        {
            total += deflater.deflate(out, total, out.length - total);
        }
        return total;
    }
}
