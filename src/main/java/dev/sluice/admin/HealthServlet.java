// Sluice's own endpoints under /-/: liveness and readiness, answered here, never proxied.
package dev.sluice.admin;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import dev.sluice.config.ConfigStore;
import dev.sluice.exchange.RequestIds;
import dev.sluice.http.HeaderNames;
import dev.sluice.http.ProblemType;
import dev.sluice.http.ProblemWriter;
import dev.sluice.proxy.SluiceProxyServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * {@code GET /-/health}: 200 while the process serves requests (liveness).
 * {@code GET /-/ready}: 200 once the configuration is loaded and the proxy servlet started,
 * else 503 problem+json (readiness). Both also answer {@code HEAD}; other methods get 405 and
 * other paths under {@code /-/} 404. Mapped to {@code /-/*}, which routes can never claim.
 */
public final class HealthServlet extends HttpServlet
{
    private static final long serialVersionUID = 1L;
    /** Set by the launcher when it has been told to stop and waits out {@code --shutdown-delay}. */
    public static final String STOPPING_ATTRIBUTE = HealthServlet.class.getName() + ".stopping";

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException
    {
        String id = RequestIds.accept(request.getHeader(HeaderNames.REQUEST_ID));
        response.setHeader(HeaderNames.REQUEST_ID, id);
        String path = request.getPathInfo() == null ? "" : request.getPathInfo();
        if (!path.equals("/health") && !path.equals("/ready"))
        {
            ProblemWriter.write(response, ProblemType.NOT_FOUND, "No such Sluice endpoint.", id);
            return;
        }
        if (!request.getMethod().equals("GET") && !request.getMethod().equals("HEAD"))
        {
            response.setHeader(HeaderNames.ALLOW, "GET, HEAD");
            ProblemWriter.write(response, ProblemType.METHOD_NOT_ALLOWED, "Use GET or HEAD.", id);
            return;
        }
        if (path.equals("/health"))
        {
            json(response, request, "{\"status\":\"up\"}\n");
            return;
        }
        Object store = getServletContext().getAttribute(ConfigStore.ATTRIBUTE);
        boolean proxyReady = Boolean.TRUE.equals(getServletContext().getAttribute(SluiceProxyServlet.READY_ATTRIBUTE));
        if (Boolean.TRUE.equals(getServletContext().getAttribute(dev.sluice.config.ConfigListener.UNCONFIGURED_ATTRIBUTE)))
        {
            response.setHeader(HeaderNames.RETRY_AFTER, "60");
            ProblemWriter.write(response, ProblemType.NOT_READY, "No configuration is named, so no route is served; set the context parameter "
                + "or system property sluice.config, or the environment variable SLUICE_CONFIG.", id);
            return;
        }
        if (!(store instanceof ConfigStore config) || !proxyReady || Boolean.TRUE.equals(getServletContext().getAttribute(STOPPING_ATTRIBUTE)))
        {
            response.setHeader(HeaderNames.RETRY_AFTER, "1");
            ProblemWriter.write(response, ProblemType.NOT_READY, "Sluice is starting or stopping.", id);
            return;
        }
        json(response, request, "{\"status\":\"ready\",\"version\":\"" + dev.sluice.observe.BuildInfo.version() + "\",\"routes\":" + config.current().routes().routes().size()
            + ",\"config_reloads\":" + config.reloads() + ",\"config_rejected\":" + config.rejectedReloads() + "}\n");
    }

    private static void json(HttpServletResponse response, HttpServletRequest request, String body) throws IOException
    {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        response.setStatus(200);
        response.setContentType("application/json");
        response.setHeader("Cache-Control", "no-store");
        response.setContentLength(bytes.length);
        if (!request.getMethod().equals("HEAD"))
        {
            response.getOutputStream().write(bytes);
        }
    }
}
