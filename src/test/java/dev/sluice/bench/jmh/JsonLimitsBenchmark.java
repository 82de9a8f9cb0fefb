// JMH: what guard.json.* costs a request: the streaming check of a ~200 B and a ~10 KB JSON body, against Jackson building the tree.
package dev.sluice.bench.jmh;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.guard.JsonLimits;
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
 * The check a route with JSON limits makes on each JSON request body, without the network, and
 * for scale what reading the same body into a tree costs (what an upstream, or Sluice's OpenAPI
 * validation, does with it). Average time per operation.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class JsonLimitsBenchmark
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonLimits LIMITS = new JsonLimits(20, 1000, 1000, 10_000, 256, 1 << 20);

    /** ~200 B: one order; ~10 KB: fifty of them in an array. */
    @Param({"small", "10k"})
    public String size;

    private byte[] body;

    @Setup
    public void setUp()
    {
        String order = "{\"id\":42,\"customer\":{\"id\":7,\"name\":\"ada\"},\"items\":[{\"sku\":\"A-1\",\"qty\":2},{\"sku\":\"B-7\",\"qty\":1}],"
            + "\"note\":\"leave at the door\",\"paid\":true}";
        String text = size.equals("small") ? order : "{\"orders\":[" + String.join(",", java.util.Collections.nCopies(50, order)) + "]}";
        body = text.getBytes(StandardCharsets.UTF_8);
    }

    @Benchmark
    public String check()
    {
        return LIMITS.violation(body);
    }

    @Benchmark
    public Object readTree() throws Exception
    {
        return JSON.readTree(body);
    }
}
