// GET /-/metrics: the Prometheus scrape endpoint, off the proxy path.
package dev.sluice.admin;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import dev.sluice.config.ConfigStore;
import dev.sluice.config.Settings;
import dev.sluice.exchange.RequestIds;
import dev.sluice.http.HeaderNames;
import dev.sluice.http.ProblemType;
import dev.sluice.http.ProblemWriter;
import dev.sluice.observe.Metrics;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Prometheus text format 0.0.4, or OpenMetrics 1.0 when the scraper's {@code Accept} asks for
 * {@code application/openmetrics-text}. Open without a token to peers inside
 * {@code metrics.allow}; otherwise it needs the admin token from {@code admin.allow}
 * (Prometheus sends it with {@code authorization: credentials}). 404 when
 * {@code metrics.enabled = false}, or when neither way in is configured.
 */
public final class MetricsServlet extends HttpServlet
{
    private static final long serialVersionUID = 1L;

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException
    {
        String id = RequestIds.accept(request.getHeader(HeaderNames.REQUEST_ID));
        response.setHeader(HeaderNames.REQUEST_ID, id);
        response.setHeader("Cache-Control", "no-store");
        Settings settings = getServletContext().getAttribute(ConfigStore.ATTRIBUTE) instanceof ConfigStore store ? store.current() : null;
        if (settings == null || !settings.metrics().enabled() || (!settings.admin().enabled() && settings.metrics().allow().isEmpty()))
        {
            ProblemWriter.write(response, ProblemType.NOT_FOUND, "No such Sluice endpoint.", id);
            return;
        }
        if (!settings.metrics().allows(AdminAccess.peer(request)))
        {
            if (!settings.admin().enabled())
            {
                ProblemWriter.write(response, ProblemType.FORBIDDEN, "Metrics are not open to this address (metrics.allow).", id);
                return;
            }
            if (!AdminAccess.check(request, response, settings.admin(), id))
            {
                return;
            }
        }
        if (!request.getMethod().equals("GET") && !request.getMethod().equals("HEAD"))
        {
            response.setHeader(HeaderNames.ALLOW, "GET, HEAD");
            ProblemWriter.write(response, ProblemType.METHOD_NOT_ALLOWED, "Use GET or HEAD.", id);
            return;
        }
        Metrics.Scrape scrape = Metrics.of(getServletContext()).scrape(request.getHeader("Accept"));
        byte[] body = scrape.body().getBytes(StandardCharsets.UTF_8);
        response.setStatus(200);
        response.setContentType(scrape.contentType());
        response.setContentLength(body.length);
        if (!request.getMethod().equals("HEAD"))
        {
            response.getOutputStream().write(body);
        }
    }
}
