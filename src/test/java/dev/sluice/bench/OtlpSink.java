// A collector stand-in for the benchmark: takes OTLP/HTTP exports and throws them away, counting spans' bytes.
package dev.sluice.bench;

import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicLong;

import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;

/**
 * {@code java dev.sluice.bench.OtlpSink PORT}: answers every POST with 200 and an empty body after
 * reading it, so a Sluice exporting spans to it pays the whole cost of exporting (encoding and
 * sending) and none of a real collector's.
 */
public final class OtlpSink
{
    private OtlpSink()
    {
    }

    public static void main(String[] args) throws Exception
    {
        AtomicLong bytes = new AtomicLong();
        Server server = new Server(new InetSocketAddress("127.0.0.1", Integer.parseInt(args[0])));
        server.setHandler(new Handler.Abstract()
        {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception
            {
                try (var in = Content.Source.asInputStream(request))
                {
                    bytes.addAndGet(in.transferTo(java.io.OutputStream.nullOutputStream()));
                }
                response.setStatus(200);
                response.getHeaders().put("Content-Type", "application/x-protobuf");
                callback.succeeded();
                return true;
            }
        });
        server.start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> System.out.println("OTLP sink received " + bytes.get() + " bytes")));
        server.join();
    }
}
