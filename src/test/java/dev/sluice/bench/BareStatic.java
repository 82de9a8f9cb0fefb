// The floor of a servlet answer for the benchmark: Jetty 12 ee10 serving fixed bytes from a servlet.
package dev.sluice.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;

/**
 * {@code java dev.sluice.bench.BareStatic PORT DIR}: a stock embedded Jetty 12 whose one servlet
 * answers {@code /NAME} with the bytes of the file DIR/NAME, all read once at start (404 for
 * others): what any servlet-based answer (Sluice's cache hit among them) costs at the least on
 * this machine, no filter, no lookup but one small map.
 */
public final class BareStatic
{
    private BareStatic()
    {
    }

    public static void main(String[] args) throws Exception
    {
        java.util.Map<String, byte[]> bodies = new java.util.HashMap<>();
        try (java.util.stream.Stream<Path> files = Files.list(Path.of(args[1])))
        {
            for (Path file : files.filter(Files::isRegularFile).toList())
            {
                bodies.put("/" + file.getFileName(), Files.readAllBytes(file));
            }
        }
        Server server = new Server(new InetSocketAddress("127.0.0.1", Integer.parseInt(args[0])));
        ServletContextHandler context = new ServletContextHandler();
        context.addServlet(new ServletHolder(new HttpServlet()
        {
            @Override
            protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException
            {
                byte[] body = bodies.get(request.getPathInfo());
                if (body == null)
                {
                    response.sendError(404);
                    return;
                }
                response.setContentType("application/json");
                response.setContentLength(body.length);
                response.getOutputStream().write(body);
            }
        }), "/*");
        server.setHandler(context);
        server.start();
        System.out.println("BareStatic listening on " + args[0]);
        server.join();
    }
}
