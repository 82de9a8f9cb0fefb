// A small echo server for demo mode, so a newcomer sees Sluice work with no other server.
package dev.sluice.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * Answers every request with a JSON description of what it received: method, path, query,
 * headers and the body's size (and its first 4 KiB as text). It listens on loopback only.
 * The shipped {@code conf/sluice.properties} routes {@code /echo} to it. Under {@code /ai/v1/} it
 * plays a model provider instead ({@link DemoModelProvider}), for the demo's AI route.
 */
public final class DemoUpstream implements AutoCloseable
{
    private static final int BODY_PREVIEW = 4096;

    private final Server server;

    private DemoUpstream(Server server)
    {
        this.server = server;
    }

    public static DemoUpstream start(int port) throws Exception
    {
        Server server = new Server();
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.addServlet(new EchoServlet(), "/*");
        context.addServlet(new DemoModelProvider(), "/ai/v1/*");
        server.setHandler(context);
        server.start();
        return new DemoUpstream(server);
    }

    public URI uri()
    {
        return URI.create("http://127.0.0.1:" + ((ServerConnector)server.getConnectors()[0]).getLocalPort() + "/");
    }

    @Override
    public void close() throws Exception
    {
        server.stop();
    }

    private static final class EchoServlet extends HttpServlet
    {
        private static final long serialVersionUID = 1L;
        private static final ObjectMapper JSON = dev.sluice.http.Json.mapper();

        @Override
        protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException
        {
            Map<String, Object> echo = new LinkedHashMap<>();
            echo.put("upstream", "sluice-demo-echo");
            echo.put("method", request.getMethod());
            echo.put("path", request.getRequestURI());
            echo.put("query", request.getQueryString());
            Map<String, List<String>> headers = new LinkedHashMap<>();
            for (String name : Collections.list(request.getHeaderNames()))
            {
                headers.put(name, Collections.list(request.getHeaders(name)));
            }
            echo.put("headers", headers);
            byte[] preview = new byte[BODY_PREVIEW];
            int previewLength = 0;
            long total = 0;
            byte[] buffer = new byte[16384];
            try (InputStream in = request.getInputStream())
            {
                int read;
                while ((read = in.read(buffer)) >= 0)
                {
                    int keep = Math.min(read, BODY_PREVIEW - previewLength);
                    System.arraycopy(buffer, 0, preview, previewLength, keep);
                    previewLength += keep;
                    total += read;
                }
            }
            echo.put("body_bytes", total);
            echo.put("body_preview", new String(preview, 0, previewLength, java.nio.charset.StandardCharsets.UTF_8));
            byte[] body = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(echo);
            response.setStatus(200);
            if (request.getRequestURI().startsWith("/catalog"))
            {
                // The demo's cacheable API: Sluice's cache keeps these for 30 s (see route.catalog).
                response.setHeader("Cache-Control", "public, max-age=30");
                response.setHeader("Date", org.eclipse.jetty.http.DateGenerator.formatDate(System.currentTimeMillis()));
            }
            response.setContentType("application/json");
            response.setContentLength(body.length + 1);
            response.getOutputStream().write(body);
            response.getOutputStream().write('\n');
        }
    }
}
