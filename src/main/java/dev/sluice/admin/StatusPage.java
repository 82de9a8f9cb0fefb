// Serves the status page (/-/admin/ui): four static files from the class path, under a strict CSP.
package dev.sluice.admin;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

import dev.sluice.http.ProblemType;
import dev.sluice.http.ProblemWriter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * The page holds no data and no secret: its script asks for the admin token, keeps it in a
 * variable (never in the URL or storage) and reads the admin API and {@code /-/metrics} with
 * it. Everything comes from Sluice itself: no CDN, no inline script or style, no framing.
 */
final class StatusPage
{
    /** Nothing but same-origin scripts, styles and requests; no framing, no forms posted anywhere, no base-URI tricks. */
    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
        + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    private static final Map<String, String[]> FILES = Map.of(
        "/ui", new String[]{"ui/index.html", "text/html;charset=utf-8"},
        "/ui/status.js", new String[]{"ui/status.js", "text/javascript;charset=utf-8"},
        "/ui/status.css", new String[]{"ui/status.css", "text/css;charset=utf-8"},
        "/ui/favicon.svg", new String[]{"ui/favicon.svg", "image/svg+xml"});
    private static final Map<String, byte[]> CONTENT = load();

    private StatusPage()
    {
    }

    private static Map<String, byte[]> load()
    {
        Map<String, byte[]> content = new java.util.HashMap<>();
        FILES.forEach((path, file) ->
        {
            try (InputStream in = StatusPage.class.getResourceAsStream(file[0]))
            {
                if (in == null)
                {
                    throw new IllegalStateException(file[0] + " is missing from the build");
                }
                content.put(path, in.readAllBytes());
            }
            catch (IOException x)
            {
                throw new UncheckedIOException(x);
            }
        });
        return Map.copyOf(content);
    }

    static void serve(HttpServletRequest request, HttpServletResponse response, String path, String id) throws IOException
    {
        String[] file = FILES.get(path);
        if (file == null)
        {
            ProblemWriter.write(response, ProblemType.NOT_FOUND, "No such Sluice endpoint.", id);
            return;
        }
        if (!request.getMethod().equals("GET") && !request.getMethod().equals("HEAD"))
        {
            response.setHeader("Allow", "GET, HEAD");
            ProblemWriter.write(response, ProblemType.METHOD_NOT_ALLOWED, "Use GET.", id);
            return;
        }
        byte[] body = CONTENT.get(path);
        response.setStatus(200);
        response.setContentType(file[1]);
        response.setHeader("Content-Security-Policy", CSP);
        response.setHeader("X-Frame-Options", "DENY");
        response.setHeader("X-Content-Type-Options", "nosniff");
        response.setHeader("Referrer-Policy", "no-referrer");
        response.setHeader("Cross-Origin-Opener-Policy", "same-origin");
        response.setHeader("Cross-Origin-Resource-Policy", "same-origin");
        response.setContentLength(body.length);
        if (!request.getMethod().equals("HEAD"))
        {
            response.getOutputStream().write(body);
        }
    }
}
