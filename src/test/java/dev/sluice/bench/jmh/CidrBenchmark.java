// JMH: the address work every request on a guarded route (and every request through trusted proxies) does.
package dev.sluice.bench.jmh;

import java.util.concurrent.TimeUnit;

import dev.sluice.exchange.Cidr;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** Reading a client's IPv4 address and checking it against an allow list of two blocks, as the bench's guarded route does. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class CidrBenchmark
{
    private final Cidr loopback = Cidr.parse("127.0.0.0/8");
    private final Cidr office = Cidr.parse("192.168.2.0/23");
    private String address = "192.168.3.17";

    @Benchmark
    public boolean ipv4AllowList()
    {
        byte[] bytes = Cidr.literal(address);
        return loopback.contains(bytes) || office.contains(bytes);
    }
}
