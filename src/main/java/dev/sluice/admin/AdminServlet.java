// Sluice's admin endpoints under /-/admin/: upstream target state, guarded by token and address.
package dev.sluice.admin;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.cache.CacheRuntime;
import dev.sluice.config.ConfigStore;
import dev.sluice.exchange.RequestIds;
import dev.sluice.http.HeaderNames;
import dev.sluice.http.ProblemType;
import dev.sluice.http.ProblemWriter;
import dev.sluice.upstream.Pool;
import dev.sluice.upstream.Pools;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Mapped to {@code /-/admin/*}, which routes can never claim. Off (404) until
 * {@code admin.token} is set; then each call needs the token as a bearer credential from an
 * address in {@code admin.allow}. Answers are JSON and never cached.
 * <ul>
 *   <li>{@code GET /-/admin/upstreams}: every target of every pool with its state
 *       ({@code healthy}, {@code unhealthy}, {@code ejected}, {@code probing}, {@code drained}),
 *       ejection end, requests in flight and latency average.</li>
 *   <li>{@code DELETE /-/admin/cache?url=U}: purges one URL (every route, consumer and variant
 *       of it); {@code U} is a full {@code http://host/path?query} or a {@code /path?query} on
 *       any host. {@code ?prefix=/path/} purges every URL whose path starts so;
 *       {@code ?all=true} empties the cache. Answers {@code {"purged": n}}.</li>
 * </ul>
 */
public final class AdminServlet extends HttpServlet
{
    private static final long serialVersionUID = 1L;
    private static final ObjectMapper JSON = dev.sluice.http.Json.mapper();
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(AdminServlet.class);

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException
    {
        String id = RequestIds.accept(request.getHeader(HeaderNames.REQUEST_ID));
        response.setHeader(HeaderNames.REQUEST_ID, id);
        response.setHeader("Cache-Control", "no-store");
        Object store = getServletContext().getAttribute(ConfigStore.ATTRIBUTE);
        AdminSettings admin = store instanceof ConfigStore config ? config.current().admin() : AdminSettings.OFF;
        if (!AdminAccess.check(request, response, admin, id))
        {
            return;
        }
        String path = request.getPathInfo() == null ? "" : request.getPathInfo();
        if (path.equals("/upstreams"))
        {
            if (!request.getMethod().equals("GET"))
            {
                response.setHeader(HeaderNames.ALLOW, "GET");
                ProblemWriter.write(response, ProblemType.METHOD_NOT_ALLOWED, "Use GET.", id);
                return;
            }
            Object pools = getServletContext().getAttribute(Pools.class.getName());
            upstreams(response, pools instanceof Pools found ? found.view() : List.of());
            return;
        }
        if (path.equals("/cache"))
        {
            purge(request, response, id);
            return;
        }
        ProblemWriter.write(response, ProblemType.NOT_FOUND, "No such Sluice endpoint.", id);
    }

    private void purge(HttpServletRequest request, HttpServletResponse response, String id) throws IOException
    {
        if (!request.getMethod().equals("DELETE"))
        {
            response.setHeader(HeaderNames.ALLOW, "DELETE");
            ProblemWriter.write(response, ProblemType.METHOD_NOT_ALLOWED, "Use DELETE.", id);
            return;
        }
        if (!(getServletContext().getAttribute(CacheRuntime.ATTRIBUTE) instanceof CacheRuntime cache))
        {
            ProblemWriter.write(response, ProblemType.NOT_READY, "The cache is not running.", id);
            return;
        }
        String url = request.getParameter("url");
        String prefix = request.getParameter("prefix");
        boolean all = "true".equals(request.getParameter("all"));
        int given = (url != null ? 1 : 0) + (prefix != null ? 1 : 0) + (all ? 1 : 0);
        if (given != 1 || (url != null && url.isBlank()) || (prefix != null && !prefix.startsWith("/")))
        {
            ProblemWriter.write(response, ProblemType.BAD_REQUEST,
                "Give exactly one of url=<http://host/path?query or /path?query>, prefix=</path/> or all=true.", id);
            return;
        }
        int purged;
        if (all)
        {
            purged = cache.store().purge(stored -> true);
            cache.store().clear();
        }
        else if (url != null)
        {
            purged = cache.store().purge(stored -> stored.equals(url) || (url.startsWith("/") && pathOf(stored).equals(url)));
        }
        else
        {
            purged = cache.store().purge(stored -> pathOf(stored).startsWith(prefix));
        }
        LOG.info("Admin purge ({}) removed {} cached responses", all ? "all" : url != null ? "url " + url : "prefix " + prefix, purged);
        byte[] body = ("{\"purged\":" + purged + "}\n").getBytes(StandardCharsets.UTF_8);
        response.setStatus(200);
        response.setContentType("application/json");
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }

    /** {@code /path?query} of a stored {@code scheme://host/path?query}. */
    private static String pathOf(String url)
    {
        int scheme = url.indexOf("://");
        int slash = scheme < 0 ? -1 : url.indexOf('/', scheme + 3);
        return slash < 0 ? "/" : url.substring(slash);
    }

    private static void upstreams(HttpServletResponse response, List<Pool.TargetView> views) throws IOException
    {
        java.io.ByteArrayOutputStream buffer = new java.io.ByteArrayOutputStream();
        try (JsonGenerator json = JSON.getFactory().createGenerator(buffer))
        {
            json.writeStartObject();
            json.writeArrayFieldStart("targets");
            for (Pool.TargetView view : views)
            {
                json.writeStartObject();
                json.writeStringField("upstream", view.upstream());
                json.writeStringField("target", view.target());
                json.writeStringField("zone", view.zone());
                json.writeNumberField("weight", view.weight());
                json.writeStringField("state", view.state());
                json.writeBooleanField("health_check_passing", view.healthy());
                json.writeStringField("ejected_until", view.ejectedUntil() == null ? null : view.ejectedUntil().toString());
                json.writeNumberField("in_flight", view.inFlight());
                json.writeNumberField("latency_ewma_ms", Math.round(view.latencyMillis() * 1000) / 1000.0);
                json.writeEndObject();
            }
            json.writeEndArray();
            json.writeEndObject();
        }
        byte[] bytes = buffer.toByteArray();
        response.setStatus(200);
        response.setContentType("application/json");
        response.setCharacterEncoding(StandardCharsets.UTF_8.name());
        response.setContentLength(bytes.length);
        response.getOutputStream().write(bytes);
    }
}
