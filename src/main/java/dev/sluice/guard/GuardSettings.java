// Guards and CORS per route: what the guard filter checks before authentication.
package dev.sluice.guard;

import java.util.Map;

/**
 * @param routes each route's guard, merged with the global one; routes without one use {@code global}
 * @param cors each route's CORS policy; routes without one do no CORS
 */
public record GuardSettings(Guard global, Map<String, Guard> routes, Map<String, Cors> cors)
{
    public static final GuardSettings NONE = new GuardSettings(Guard.NONE, Map.of(), Map.of());

    public GuardSettings
    {
        routes = Map.copyOf(routes);
        cors = Map.copyOf(cors);
    }

    public Guard guard(String route)
    {
        Guard guard = routes.get(route);
        return guard != null ? guard : global;
    }

    public Cors cors(String route)
    {
        return cors.get(route);
    }
}
