// The floor of Sluice's design for the benchmark: Jetty's ProxyServlet.Transparent, no filters.
package dev.sluice.bench;

import java.net.InetSocketAddress;

import org.eclipse.jetty.ee10.proxy.AsyncProxyServlet;
import org.eclipse.jetty.ee10.proxy.ProxyServlet;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;

/**
 * {@code java dev.sluice.bench.BareProxy PORT UPSTREAM_URL [async]}: a stock embedded Jetty 12 with
 * {@code ProxyServlet.Transparent} (or {@code AsyncProxyServlet.Transparent} with {@code async})
 * and the same client thread count Sluice uses.
 */
public final class BareProxy
{
    private BareProxy()
    {
    }

    public static void main(String[] args) throws Exception
    {
        Server server = new Server(new InetSocketAddress("127.0.0.1", Integer.parseInt(args[0])));
        ServletContextHandler context = new ServletContextHandler();
        boolean async = args.length > 2 && args[2].equals("async");
        ServletHolder holder = new ServletHolder(async ? new AsyncProxyServlet.Transparent() : new ProxyServlet.Transparent());
        holder.setInitParameter("proxyTo", args[1]);
        holder.setInitParameter("maxThreads", "200");
        holder.setAsyncSupported(true);
        context.addServlet(holder, "/*");
        server.setHandler(context);
        server.start();
        System.out.println("BareProxy listening on " + args[0]);
        server.join();
    }
}
