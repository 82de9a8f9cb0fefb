// JMH: the cost of normalising a request path and finding its route in a realistic table.
package dev.sluice.bench.jmh;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import dev.sluice.route.BadPathException;
import dev.sluice.route.HeaderCondition;
import dev.sluice.route.HostPattern;
import dev.sluice.route.PathPattern;
import dev.sluice.route.PathRewrite;
import dev.sluice.route.RequestPath;
import dev.sluice.route.Route;
import dev.sluice.route.RouteMatch;
import dev.sluice.route.RouteRequest;
import dev.sluice.route.RouteTable;
import dev.sluice.route.Timeouts;
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
 * A table of {@code routes} routes (prefixes, patterns with {@code *}, some with hosts, methods
 * and headers), matched against a request that hits a route near the end of the order and one
 * that matches none.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class RouteMatchBenchmark
{
    @Param({"10", "100"})
    int routes;

    private RouteTable table;
    private final Map<String, String> headers = Map.of("X-Version", "2");

    @Setup
    public void setUp()
    {
        Timeouts timeouts = new Timeouts(Duration.ofSeconds(5), Duration.ofSeconds(60), Duration.ZERO);
        List<Route> list = new ArrayList<>();
        for (int i = 0; i < routes; i++)
        {
            PathPattern path = PathPattern.parse(i % 3 == 0 ? "/api/v" + i + "/*/items/**" : "/service" + i + "/resources");
            PathRewrite rewrite = i % 2 == 0 ? PathRewrite.parse(PathRewrite.STRIP_PREFIX, path) : null;
            List<HostPattern> hosts = i % 5 == 0 ? List.of(HostPattern.parse("api" + i + ".example.com")) : List.of();
            Set<String> methods = i % 4 == 0 ? Set.of("GET", "POST") : Set.of();
            List<HeaderCondition> conditions = i % 7 == 0 ? List.of(new HeaderCondition("X-Version", "2")) : List.of();
            list.add(new Route("r" + i, path, hosts, methods, conditions, "up", rewrite, false, timeouts, dev.sluice.upstream.RetryPolicy.DEFAULT));
        }
        table = new RouteTable(list);
    }

    @Benchmark
    public RouteMatch matchingRequest() throws BadPathException
    {
        RequestPath path = RequestPath.parse("/service" + (routes - 1) + "/resources/42/details");
        return table.match(new RouteRequest("api.example.com", "GET", path, headers::get));
    }

    @Benchmark
    public RouteMatch unmatchedRequest() throws BadPathException
    {
        RequestPath path = RequestPath.parse("/nowhere/at/all");
        return table.match(new RouteRequest("api.example.com", "GET", path, headers::get));
    }

    @Benchmark
    public RequestPath pathNormalisationOnly() throws BadPathException
    {
        return RequestPath.parse("/api/v3/users%20x/items/./7/../8");
    }
}
