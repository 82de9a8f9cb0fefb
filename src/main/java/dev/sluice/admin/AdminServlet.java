// Sluice's admin endpoints under /-/admin/: upstream target state, guarded by token and address.
package dev.sluice.admin;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.cache.CacheRuntime;
import dev.sluice.config.ConfigStore;
import dev.sluice.config.Settings;
import dev.sluice.exchange.RequestIds;
import dev.sluice.http.HeaderNames;
import dev.sluice.http.ProblemType;
import dev.sluice.http.ProblemWriter;
import dev.sluice.upstream.Pool;
import dev.sluice.tls.ServedCertificates;
import dev.sluice.upstream.Pools;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Mapped to {@code /-/admin/*}, which routes can never claim. Off (404) until
 * {@code admin.token} is set; then each call needs the token as a bearer credential from an
 * address in {@code admin.allow}. Answers are JSON (problem+json on errors) and never cached.
 * Read-only, except the cache purge; described for clients in {@code /-/admin/openapi.json}.
 * <ul>
 *   <li>{@code GET routes}: the route table in match order, each route with its conditions,
 *       filters and own properties (secrets masked);</li>
 *   <li>{@code GET config}: the running configuration's source, SHA-256 and properties, every
 *       secret shown as {@code ***};</li>
 *   <li>{@code GET consumers}: ids, groups, API-key and password labels and certificate mappings, never keys
 *       or their hashes;</li>
 *   <li>{@code GET limits?route=R&consumer=ID|ip=A|header=V|path=P}: that caller's buckets,
 *       read without taking a token;</li>
 *   <li>{@code GET cache}: occupancy and counters per tier; {@code DELETE cache?url=U} purges
 *       one URL (every route, consumer and variant of it; {@code U} is a full
 *       {@code http://host/path?query} or a {@code /path?query} on any host),
 *       {@code ?prefix=/path/} every URL whose path starts so, {@code ?all=true} everything;
 *       answers {@code {"purged": n}};</li>
 *   <li>{@code GET upstreams}: every target of every pool with its state;</li>
 *   <li>{@code GET certificates}: the certificates Sluice serves when it terminates TLS;</li>
 *   <li>{@code GET ui}: the status page ({@link StatusPage}), which needs the address but not
 *       the token: it asks for the token itself.</li>
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
        String path = request.getPathInfo() == null ? "" : request.getPathInfo();
        if (path.equals("/ui") || path.startsWith("/ui/"))
        {
            // The page itself holds no data: it is open to admin.allow addresses, and asks for the token to read the API.
            if (AdminAccess.checkAddress(request, response, admin, id))
            {
                StatusPage.serve(request, response, path, id);
            }
            return;
        }
        if (!AdminAccess.check(request, response, admin, id))
        {
            return;
        }
        if (path.equals("/cache") && request.getMethod().equals("DELETE"))
        {
            purge(request, response, id);
            return;
        }
        if (!VIEWS.contains(path))
        {
            ProblemWriter.write(response, ProblemType.NOT_FOUND, "No such Sluice endpoint; see /-/admin/openapi.json.", id);
            return;
        }
        if (!request.getMethod().equals("GET") && !request.getMethod().equals("HEAD"))
        {
            response.setHeader(HeaderNames.ALLOW, path.equals("/cache") ? "GET, HEAD, DELETE" : "GET, HEAD");
            ProblemWriter.write(response, ProblemType.METHOD_NOT_ALLOWED, path.equals("/cache") ? "Use GET, or DELETE to purge." : "Use GET.", id);
            return;
        }
        ConfigStore config = (ConfigStore)store;
        Settings settings = config.current();
        Object view = switch (path)
        {
            case "/upstreams" -> upstreams(getServletContext().getAttribute(Pools.class.getName()) instanceof Pools found ? found.view() : List.of());
            case "/routes" -> AdminViews.routes(settings, config.properties());
            case "/config" -> AdminViews.config(config);
            case "/consumers" -> AdminViews.consumers(settings);
            case "/certificates" -> AdminViews.certificates(ServedCertificates.of(getServletContext()), java.time.Instant.now());
            case "/cache" -> AdminViews.cache(getServletContext().getAttribute(CacheRuntime.ATTRIBUTE) instanceof CacheRuntime cache
                ? cache.store().tiers() : List.of());
            case "/openapi.json" -> OPENAPI;
            case "/ai/usage" -> aiUsage(settings);
            default -> limits(request, response, settings, id);
        };
        if (view != null)
        {
            json(request, response, view);
        }
    }

    private static final java.util.Set<String> VIEWS = java.util.Set.of("/upstreams", "/routes", "/config", "/consumers", "/limits", "/cache",
        "/certificates", "/openapi.json", "/ai/usage");
    private static final Object OPENAPI = openApi();

    /** Tokens and cost per alias and per consumer since start, and what the AI router knows of each target. */
    private Object aiUsage(dev.sluice.config.Settings settings)
    {
        if (!(getServletContext().getAttribute(dev.sluice.ai.AiFront.ATTRIBUTE) instanceof dev.sluice.ai.AiFront ai))
        {
            return java.util.Map.of("aliases", java.util.Map.of(), "consumers", java.util.Map.of(), "targets", java.util.Map.of());
        }
        java.util.Map<String, Object> view = new java.util.LinkedHashMap<>(ai.usage().view());
        view.put("targets", ai.router().describe());
        view.put("budgets", ai.budgetView(settings.ai(), settings.rateLimit()));
        view.put("queues", ai.queueView());
        return view;
    }

    private static Object openApi()
    {
        try (java.io.InputStream in = AdminServlet.class.getResourceAsStream("admin-openapi.json"))
        {
            return JSON.readTree(in);
        }
        catch (IOException | RuntimeException x)
        {
            throw new IllegalStateException("admin-openapi.json is missing from the build", x);
        }
    }

    /**
     * {@code GET /-/admin/limits?route=R} and one of {@code consumer=ID}, {@code ip=A},
     * {@code header=V}, {@code path=/p}: the limits that apply to that caller and what is left of
     * each, read without taking a token. Null when a problem was answered instead.
     */
    private Object limits(HttpServletRequest request, HttpServletResponse response, Settings settings, String id) throws IOException
    {
        String route = request.getParameter("route");
        dev.sluice.ratelimit.RateLimitPolicy policy = route == null ? null : settings.rateLimit().policies().get(route);
        if (policy == null)
        {
            ProblemWriter.write(response, route == null ? ProblemType.BAD_REQUEST : ProblemType.NOT_FOUND, route == null
                ? "Give route=<name> and one of consumer=, ip=, header= or path=."
                : "No route of that name has rate limits.", id);
            return null;
        }
        String consumerId = request.getParameter("consumer");
        String ip = request.getParameter("ip");
        String header = request.getParameter("header");
        String path = request.getParameter("path");
        int given = (consumerId != null ? 1 : 0) + (ip != null ? 1 : 0) + (header != null ? 1 : 0) + (path != null ? 1 : 0);
        dev.sluice.auth.Consumer consumer = consumerId == null ? null : settings.auth().consumers().get(consumerId);
        if (given > 1 || (consumerId != null && consumer == null))
        {
            ProblemWriter.write(response, ProblemType.BAD_REQUEST, consumerId != null && consumer == null
                ? "No consumer of that id is configured." : "Give at most one of consumer=, ip=, header= or path=.", id);
            return null;
        }
        if (!(getServletContext().getAttribute(dev.sluice.ratelimit.RateLimiter.ATTRIBUTE) instanceof java.util.function.Supplier<?> limiters)
            || !(limiters.get() instanceof dev.sluice.ratelimit.RateLimiter limiter))
        {
            ProblemWriter.write(response, ProblemType.NOT_READY, "Rate limiting is not running.", id);
            return null;
        }
        dev.sluice.auth.Identity identity = consumer == null ? null
            : new dev.sluice.auth.Identity(consumer, null, consumer.groups(), java.util.Set.of(), false, java.util.Map.of(), dev.sluice.auth.Identity.CONSUMERS);
        dev.sluice.ratelimit.RateLimiter.Caller caller = new dev.sluice.ratelimit.RateLimiter.Caller(identity, ip == null ? "" : ip, header, path);
        List<dev.sluice.ratelimit.RateLimiter.LimitState> states;
        try
        {
            states = limiter.peek(route, policy, caller);
        }
        catch (dev.sluice.ratelimit.BucketStore.Unavailable x)
        {
            ProblemWriter.write(response, ProblemType.RATE_LIMIT_UNAVAILABLE, "The rate-limit store cannot be reached.", id);
            return null;
        }
        List<Object> limits = new java.util.ArrayList<>();
        for (dev.sluice.ratelimit.RateLimiter.LimitState state : states)
        {
            limits.add(AdminViews.ordered("policy", state.policy(), "capacity", state.capacity(), "remaining", state.remaining()));
        }
        return AdminViews.ordered("route", route, "by", policy.key().name().toLowerCase(java.util.Locale.ROOT), "store",
            settings.rateLimit().store().name().toLowerCase(java.util.Locale.ROOT), "limits", limits);
    }

    private static void json(HttpServletRequest request, HttpServletResponse response, Object view) throws IOException
    {
        byte[] bytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(view);
        response.setStatus(200);
        response.setContentType("application/json");
        response.setCharacterEncoding(StandardCharsets.UTF_8.name());
        response.setContentLength(bytes.length + 1);
        if (!request.getMethod().equals("HEAD"))
        {
            response.getOutputStream().write(bytes);
            response.getOutputStream().write('\n');
        }
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
        // The parameters as given may hold line breaks: quoted, so that a purge is one log line.
        LOG.info("Admin purge ({}) removed {} cached responses", all ? "all"
            : url != null ? "url " + dev.sluice.http.ClientText.quoted(url, 300) : "prefix " + dev.sluice.http.ClientText.quoted(prefix, 300), purged);
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

    private static Object upstreams(List<Pool.TargetView> views)
    {
        List<Object> targets = new java.util.ArrayList<>();
        for (Pool.TargetView view : views)
        {
            targets.add(AdminViews.ordered("upstream", view.upstream(), "target", view.target(), "zone", view.zone(), "weight", view.weight(),
                "state", view.state(), "health_check_passing", view.healthy(),
                "ejected_until", view.ejectedUntil() == null ? null : view.ejectedUntil().toString(), "in_flight", view.inFlight(),
                "latency_ewma_ms", Math.round(view.latencyMillis() * 1000) / 1000.0));
        }
        return java.util.Map.of("targets", targets);
    }
}
