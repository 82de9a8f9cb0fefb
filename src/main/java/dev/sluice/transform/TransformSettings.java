// Each route's transforms (route.<name>.transform.*); most routes have none.
package dev.sluice.transform;

import java.util.Map;

public record TransformSettings(Map<String, RouteTransform> routes)
{
    public static final TransformSettings NONE = new TransformSettings(Map.of());

    public TransformSettings
    {
        routes = Map.copyOf(routes);
    }

    /** The route's transforms, or null when it has none. */
    public RouteTransform route(String name)
    {
        return routes.get(name);
    }
}
