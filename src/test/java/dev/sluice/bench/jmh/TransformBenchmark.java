// JMH: a route's per-request transform work: three header edits, a JSON response body edit, an OpenAPI body check.
package dev.sluice.bench.jmh;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.networknt.schema.Schema;
import dev.sluice.config.Settings;
import dev.sluice.config.SettingsParser;
import dev.sluice.openapi.ApiDocument;
import dev.sluice.openapi.RequestCheck;
import dev.sluice.transform.ResponseBody;
import dev.sluice.transform.RouteTransform;
import dev.sluice.transform.Template;
import dev.sluice.transform.Transforms;
import org.eclipse.jetty.http.HttpFields;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The transforms as bench/run.sh's routes configure them, on the same ~200 B JSON body, without
 * the network: what a transform adds to one request's CPU. Average time per operation.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class TransformBenchmark
{
    private static final byte[] SMALL = ("{\"id\":42,\"name\":\"sluice\",\"tags\":[\"api\",\"proxy\",\"bench\"],\"active\":true,\"score\":97.5,"
        + "\"owner\":{\"id\":7,\"name\":\"ada\"},\"note\":\"" + "x".repeat(60) + "\"}").getBytes(StandardCharsets.UTF_8);
    private static final byte[] PET = "{\"id\":10,\"name\":\"doggie\",\"category\":{\"id\":1,\"name\":\"Dogs\"},\"photoUrls\":[\"a.png\"],\"status\":\"available\"}"
        .getBytes(StandardCharsets.UTF_8);

    private RouteTransform headers;
    private RouteTransform json;
    private Template.Source source;
    private HttpFields.Mutable requestHeaders;
    private Schema pet;

    @Setup
    public void setUp() throws Exception
    {
        Settings settings = SettingsParser.parse("bench", Map.ofEntries(
            Map.entry("upstream.u.url", "http://127.0.0.1:9"),
            Map.entry("route.h.path", "/h"), Map.entry("route.h.upstream", "u"),
            Map.entry("route.h.transform.request.header.set.X-Client", "${client.ip}"),
            Map.entry("route.h.transform.request.header.remove", "X-Debug"),
            Map.entry("route.h.transform.response.header.set.X-Served-By", "sluice"),
            Map.entry("route.j.path", "/j"), Map.entry("route.j.upstream", "u"),
            Map.entry("route.j.transform.response.json.remove", "/note"),
            Map.entry("route.j.transform.response.json.set./served_by", "sluice")), name -> null);
        headers = settings.transform().route("h");
        json = settings.transform().route("j");
        source = new Template.Source()
        {
            @Override
            public String consumerId()
            {
                return null;
            }

            @Override
            public String consumerUsername()
            {
                return null;
            }

            @Override
            public String claim(String name)
            {
                return null;
            }

            @Override
            public String clientIp()
            {
                return "127.0.0.1";
            }

            @Override
            public String requestId()
            {
                return "r-1";
            }

            @Override
            public String route()
            {
                return "h";
            }

            @Override
            public String header(String name)
            {
                return null;
            }

            @Override
            public String query(String name)
            {
                return null;
            }
        };
        requestHeaders = HttpFields.build();
        ApiDocument document = ApiDocument.load(Path.of("src/test/resources/openapi/petstore-3.0.yaml"));
        pet = document.find("POST", "/pet").operation().body().content().get("application/json");
    }

    @Benchmark
    public int threeHeaderTransforms()
    {
        requestHeaders.clear();
        requestHeaders.put("Host", "127.0.0.1").put("User-Agent", "wrk").put("X-Debug", "1").put("Accept", "*/*");
        Transforms.requestHeaders(headers.requestHeaders(), source, requestHeaders);
        java.util.List<String[]> response = new java.util.ArrayList<>(4);
        response.add(new String[] {"Content-Type", "application/json"});
        response.add(new String[] {"Content-Length", "212"});
        return requestHeaders.size() + Transforms.responseHeaders(headers.responseHeaders(), source, response).size();
    }

    @Benchmark
    public int jsonResponseTransform()
    {
        ResponseBody body = ResponseBody.begin(json, "GET", 200, "application/json", null, SMALL.length, "*/*");
        body.add(SMALL, 0, SMALL.length);
        return body.finish(source, "application/json").body().length;
    }

    @Benchmark
    public int openApiBodyCheck()
    {
        return RequestCheck.body(pet, "application/json", PET).size();
    }
}
