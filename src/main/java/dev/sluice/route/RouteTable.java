// All routes, most specific first; picks the route for a request.
package dev.sluice.route;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Routes ordered from most to least specific, compared in this order:
 * <ol>
 * <li>host: exact names, then wildcard names, then routes for any host;</li>
 * <li>more literal path segments;</li>
 * <li>a path of fixed length before one ending in {@code **} (or a prefix);</li>
 * <li>fewer {@code *} segments;</li>
 * <li>a method list before any method;</li>
 * <li>more header conditions.</li>
 * </ol>
 * The first route whose conditions all hold takes the request. Two routes equal on every
 * criterion that could both take the same request are a configuration error
 * ({@link #ties()}): which one wins would otherwise depend on the order of the file.
 */
public final class RouteTable
{
    static final Comparator<Route> MOST_SPECIFIC_FIRST = Comparator
        .comparingInt(Route::hostRank).reversed()
        .thenComparing(Comparator.comparingInt((Route route) -> route.path().literals()).reversed())
        .thenComparing(route -> route.path().hasTail())
        .thenComparingInt(route -> route.path().stars())
        .thenComparing(route -> route.methods().isEmpty())
        .thenComparing(Comparator.comparingInt((Route route) -> route.headers().size()).reversed());

    private final List<Route> routes;

    public RouteTable(List<Route> routes)
    {
        List<Route> sorted = new ArrayList<>(routes);
        sorted.sort(MOST_SPECIFIC_FIRST.thenComparing(Route::name));
        this.routes = List.copyOf(sorted);
    }

    public List<Route> routes()
    {
        return routes;
    }

    public RouteMatch match(RouteRequest request)
    {
        for (Route route : routes)
        {
            String upstreamPath = route.match(request);
            if (upstreamPath != null)
            {
                return new RouteMatch(route, upstreamPath);
            }
        }
        return null;
    }

    /**
     * One message per pair of routes that are equally specific and can take the same request.
     */
    public List<String> ties()
    {
        List<String> ties = new ArrayList<>();
        for (int i = 0; i < routes.size(); i++)
        {
            for (int j = i + 1; j < routes.size(); j++)
            {
                Route first = routes.get(i);
                Route second = routes.get(j);
                if (MOST_SPECIFIC_FIRST.compare(first, second) != 0)
                {
                    break;
                }
                if (first.overlaps(second))
                {
                    ties.add("Routes '" + first.name() + "' and '" + second.name()
                        + "' are equally specific and can match the same request; make one more specific (host, longer path, methods or headers).");
                }
            }
        }
        return ties;
    }
}
