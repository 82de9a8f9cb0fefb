// Side-by-side load run behind the choice of AsyncProxyServlet over ProxyServlet (not a test).
package dev.sluice.bench;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.sluice.testing.SluiceUnderTest;
import org.eclipse.jetty.ee10.proxy.AsyncProxyServlet;
import org.eclipse.jetty.ee10.proxy.ProxyServlet;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;

/**
 * Runs wrk (Debian package {@code wrk}) against, in one process and interleaved round by round:
 * the upstream directly, a bare {@code ProxyServlet.Transparent}, a bare
 * {@code AsyncProxyServlet.Transparent}, and Sluice itself (real web.xml, all filters), each for a
 * ~200-byte and a 100 KiB response. Prints the median requests/s and p99 of each, and the ratios.
 * Run with {@code bench/servlet-choice.sh}. Absolute numbers depend on the machine; the ratios
 * from one run are the result.
 */
public final class ServletChoiceBench
{
    private ServletChoiceBench()
    {
    }

    public static void main(String[] args) throws Exception
    {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        String duration = args.length > 1 ? args[1] : "5s";
        int connections = args.length > 2 ? Integer.parseInt(args[2]) : 32;

        byte[] small = ("{\"id\":42,\"name\":\"sluice\",\"items\":[1,2,3],\"padding\":\"" + "x".repeat(120) + "\"}").getBytes(StandardCharsets.US_ASCII);
        byte[] large = new byte[100 * 1024];
        java.util.Arrays.fill(large, (byte)'y');
        byte[] huge = new byte[4 * 1024 * 1024];
        Server upstream = new Server();
        ServerConnector upstreamConnector = connector(upstream);
        upstream.setHandler(new Handler.Abstract()
        {
            @Override
            public boolean handle(Request request, Response response, Callback callback)
            {
                String path = request.getHttpURI().getPath();
                byte[] body = path.endsWith("/huge") ? huge : path.endsWith("/large") ? large : small;
                response.getHeaders().put("Content-Type", "application/json");
                response.write(true, java.nio.ByteBuffer.wrap(body), callback);
                return true;
            }
        });
        upstream.start();
        String upstreamUrl = "http://127.0.0.1:" + upstreamConnector.getLocalPort();

        Map<String, String> targets = new LinkedHashMap<>();
        targets.put("direct", upstreamUrl);
        targets.put("ProxyServlet", "http://127.0.0.1:" + bare(new ProxyServlet.Transparent(), upstreamUrl));
        targets.put("AsyncProxyServlet", "http://127.0.0.1:" + bare(new AsyncProxyServlet.Transparent(), upstreamUrl));
        SluiceUnderTest sluice = SluiceUnderTest.start("upstream.app.url = " + upstreamUrl
            + "\nroute.app.path = /\nroute.app.upstream = app\nexchange.access-log = false\n");
        targets.put("Sluice", "http://127.0.0.1:" + sluice.port());

        for (Map.Entry<String, String> target : targets.entrySet())
        {
            wrk(target.getValue() + "/small", "3s", connections);
            wrk(target.getValue() + "/large", "3s", connections);
        }
        Map<String, List<double[]>> results = new LinkedHashMap<>();
        for (int round = 0; round < rounds; round++)
        {
            for (String size : List.of("small", "large"))
            {
                for (Map.Entry<String, String> target : targets.entrySet())
                {
                    double[] result = wrk(target.getValue() + "/" + size, duration, connections);
                    results.computeIfAbsent(target.getKey() + " " + size, key -> new ArrayList<>()).add(result);
                }
            }
        }
        System.out.printf("%n%-24s %12s %10s%n", "scenario", "median rps", "p99 ms");
        Map<String, Double> medians = new LinkedHashMap<>();
        for (Map.Entry<String, List<double[]>> entry : results.entrySet())
        {
            double rps = median(entry.getValue(), 0);
            medians.put(entry.getKey(), rps);
            System.out.printf("%-24s %12.0f %10.2f%n", entry.getKey(), rps, median(entry.getValue(), 1));
        }
        for (String size : List.of("small", "large"))
        {
            System.out.printf("%s: AsyncProxyServlet/ProxyServlet = %.2f, Sluice/AsyncProxyServlet = %.2f, Sluice/ProxyServlet = %.2f%n", size,
                medians.get("AsyncProxyServlet " + size) / medians.get("ProxyServlet " + size),
                medians.get("Sluice " + size) / medians.get("AsyncProxyServlet " + size),
                medians.get("Sluice " + size) / medians.get("ProxyServlet " + size));
        }
        // Stalled clients: 250 connections ask for 4 MiB and never read, more than the proxy's 200
        // client threads. A blocking proxy parks a thread on each; then fast clients are measured.
        System.out.printf("%nwith 250 stalled clients holding 4 MiB responses:%n");
        for (Map.Entry<String, String> target : targets.entrySet())
        {
            if (target.getKey().equals("direct"))
            {
                continue;
            }
            List<java.net.Socket> stalled = new ArrayList<>();
            java.net.URI uri = java.net.URI.create(target.getValue());
            for (int i = 0; i < 250; i++)
            {
                java.net.Socket socket = new java.net.Socket(uri.getHost(), uri.getPort());
                socket.setReceiveBufferSize(4096);
                socket.getOutputStream().write("GET /huge HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                stalled.add(socket);
            }
            Thread.sleep(2000);
            double[] result;
            try
            {
                result = wrk(target.getValue() + "/small", duration, connections);
            }
            catch (IllegalStateException x)
            {
                result = new double[]{0, Double.NaN};
            }
            System.out.printf("%-24s %12.0f %10.2f%n", target.getKey() + " small", result[0], result[1]);
            for (java.net.Socket socket : stalled)
            {
                socket.close();
            }
            Thread.sleep(1000);
        }
        System.out.printf("rounds=%d duration=%s connections=%d cores=%d java=%s%n", rounds, duration, connections,
            Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
        sluice.close();
        System.exit(0);
    }

    private static ServerConnector connector(Server server)
    {
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        return connector;
    }

    private static int bare(jakarta.servlet.Servlet servlet, String upstreamUrl) throws Exception
    {
        Server server = new Server();
        ServerConnector connector = connector(server);
        ServletContextHandler context = new ServletContextHandler();
        ServletHolder holder = new ServletHolder(servlet);
        holder.setInitParameter("proxyTo", upstreamUrl);
        holder.setInitParameter("maxThreads", "200");
        holder.setAsyncSupported(true);
        context.addServlet(holder, "/*");
        server.setHandler(context);
        server.start();
        return connector.getLocalPort();
    }

    private static double[] wrk(String url, String duration, int connections) throws Exception
    {
        Wrk.Result result = Wrk.run(List.of(), url, duration, connections);
        if (result.failed())
        {
            throw new IllegalStateException("wrk failed for " + url + ": " + result.failure());
        }
        return new double[]{result.rps(), result.p99()};
    }

    private static double median(List<double[]> values, int index)
    {
        double[] sorted = values.stream().mapToDouble(value -> value[index]).sorted().toArray();
        return sorted[sorted.length / 2];
    }
}
