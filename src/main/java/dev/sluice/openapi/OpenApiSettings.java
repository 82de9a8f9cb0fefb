// Each route's OpenAPI contract (route.<name>.openapi*); most routes have none.
package dev.sluice.openapi;

import java.nio.file.Path;
import java.util.Map;

public record OpenApiSettings(Map<String, OpenApiSettings.RouteApi> routes)
{
    public static final OpenApiSettings NONE = new OpenApiSettings(Map.of());

    /**
     * @param maxBody the largest request body checked; a larger one is refused (413)
     * @param logResponses whether upstream responses are checked too, and violations logged
     */
    public record RouteApi(Path file, ApiDocument document, long maxBody, boolean logResponses)
    {
    }

    public OpenApiSettings
    {
        routes = Map.copyOf(routes);
    }

    /** The route's contract, or null when it has none. */
    public RouteApi route(String name)
    {
        return routes.get(name);
    }
}
