// JMH: what Jetty's per-connection header field cache costs the server's parser, by how it is set.
package dev.sluice.bench.jmh;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.http.HttpCompliance;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.http.HttpVersion;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * One keep-alive connection's parser reading the same request head again and again, as a client
 * that sends the same bearer token on every request makes it: with the field cache case-sensitive
 * (what Sluice set so values reach the upstream as written), case-insensitive (Jetty's default,
 * which may hand back an earlier request's spelling), or off.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 6, time = 1)
@Fork(1)
public class HeaderCacheBenchmark
{
    /** The RS256 JWT bench/run.sh sends (542 characters: base64url, a third of it upper case). */
    private static final String TOKEN = "eyJraWQiOiJiZW5jaCIsImFsZyI6IlJTMjU2In0.eyJhdWQiOiJiZW5jaCIsInN1YiI6ImJlbmNoLXVzZXIiLCJzY2" +
        "9wZSI6ImJlbmNoIiwiaXNzIjoiaHR0cHM6Ly9iZW5jaC5zbHVpY2UuZGV2LyIsImV4cCI6MTc5NjYwMzY4OCwiaWF0" +
        "IjoxNzk2NTE3Mjg4fQ.JxWdsik0FfWOfWXGvvTDf16Gt9-kHH1J_mTrEsdxsaC2CS-ZCp10uVpk9xFNHCSTFL54hc3" +
        "pTD89VcOgUqoGXIv1VTYNjZNJ5BvwFFpMesWBxm8dCyuLyfGFexsQAlAJUSViXbzqh0_h_V6w7RKnk-3MWGNFh1-7J" +
        "57A_80Nxmp__uUwGYTtt__2pVe2cWJDPPesJNraMa9ZO1UWnujTFUZ0UzzWlIdK4eS6kOQ-osAltTEcBhosSvZ1p5x" +
        "toBSk-CfHhh5Vz-VijpQeo3FoykPlWBJHvF-5dTT_zAycqVFBLqCVCkxiP6bruyTM8JaFVetzPz8p9je7WnDrp5RS5" +
        "Q";

    @Param({"sensitive", "insensitive", "off"})
    public String cache;

    @Param({"token", "none"})
    public String authorization;

    /** Jetty's server connectors read into direct buffers by default. */
    @Param({"direct", "heap"})
    public String buffer;

    private HttpParser parser;
    private ByteBuffer head;
    private Sink sink;

    @Setup
    public void setUp()
    {
        String request = "GET /jwt/small HTTP/1.1\r\nHost: 127.0.0.1:9501\r\n"
            + ("token".equals(authorization) ? "Authorization: Bearer " + TOKEN + "\r\n" : "")
            + "User-Agent: wrk\r\nAccept: */*\r\n\r\n";
        byte[] bytes = request.getBytes(StandardCharsets.ISO_8859_1);
        head = "direct".equals(buffer) ? ByteBuffer.allocateDirect(bytes.length).put(bytes).flip() : ByteBuffer.wrap(bytes);
        sink = new Sink();
        parser = new HttpParser(sink, 8192, HttpCompliance.RFC9110);
        switch (cache)
        {
            case "sensitive" -> parser.setHeaderCacheCaseSensitive(true);
            case "insensitive" -> parser.setHeaderCacheCaseSensitive(false);
            default -> parser.setHeaderCacheSize(0);
        }
    }

    @Benchmark
    public void parseHead(Blackhole blackhole)
    {
        sink.blackhole = blackhole;
        ByteBuffer buffer = head.duplicate();
        while (buffer.hasRemaining() && !parser.parseNext(buffer))
        {
            // parseNext returns true once the message is complete
        }
        parser.reset();
    }

    private static final class Sink implements HttpParser.RequestHandler
    {
        Blackhole blackhole;

        @Override public void startRequest(String method, String uri, HttpVersion version) { blackhole.consume(uri); }
        @Override public void parsedHeader(HttpField field) { blackhole.consume(field); }
        @Override public boolean headerComplete() { return false; }
        @Override public boolean content(ByteBuffer item) { return false; }
        @Override public boolean contentComplete() { return false; }
        @Override public boolean messageComplete() { return true; }
        @Override public void earlyEOF() { }
    }
}
