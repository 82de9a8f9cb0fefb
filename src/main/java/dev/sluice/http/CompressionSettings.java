// compression.* and route.<name>.compression: which answers the launcher gzips on their way to the client.
package dev.sluice.http;

import java.util.List;
import java.util.Map;

/**
 * Response compression, as nginx's {@code gzip} and Envoy's compressor do it: an answer is
 * gzipped when the client accepts gzip, its media type is listed, it is at least
 * {@code minSize} bytes or of unknown length, and nothing says it must not be (it is already
 * encoded, a range, {@code Cache-Control: no-transform}, gRPC). Applied by the embedded
 * launcher; a container running the WAR uses its own compression.
 *
 * @param gzip {@code compression = gzip}: on for every route that does not say otherwise
 * @param minSize answers with a {@code Content-Length} below this stay as they are
 * @param types media types compressed: exact ({@code application/json}), a whole type
 *        ({@code text/*}) or a structured suffix ({@code application/*+json})
 * @param level the deflate level, 1 (fastest) to 9 (smallest)
 * @param routes {@code route.<name>.compression}, where set: true for gzip, false for off
 */
public record CompressionSettings(boolean gzip, long minSize, List<String> types, int level, Map<String, Boolean> routes)
{
    /** The context attribute the launcher sets when it applies these settings. */
    public static final String APPLIED_ATTRIBUTE = CompressionSettings.class.getName() + ".applied";

    public static final long DEFAULT_MIN_SIZE = 1024;
    public static final int DEFAULT_LEVEL = 1;
    public static final List<String> DEFAULT_TYPES = List.of("application/json", "application/*+json", "application/x-ndjson", "application/xml",
        "application/*+xml", "application/javascript", "application/graphql", "text/plain", "text/html", "text/css", "text/csv", "text/xml",
        "text/javascript", "text/markdown", "image/svg+xml");

    private static final java.util.regex.Pattern PATTERN =
        java.util.regex.Pattern.compile("[a-z0-9][a-z0-9!#$&^_.+-]*/(\\*|\\*\\+[a-z0-9!#$&^_.-]+|[a-z0-9][a-z0-9!#$&^_.+-]*)");

    public static final CompressionSettings NONE = new CompressionSettings(false, DEFAULT_MIN_SIZE, DEFAULT_TYPES, DEFAULT_LEVEL, Map.of());

    public CompressionSettings
    {
        types = List.copyOf(types);
        routes = Map.copyOf(routes);
    }

    /** Whether answers of the route (null: no route matched) may be compressed. */
    public boolean appliesTo(String route)
    {
        Boolean set = route == null ? null : routes.get(route);
        return set != null ? set : gzip;
    }

    /** Whether any answer may be compressed. */
    public boolean anywhere()
    {
        return gzip || routes.containsValue(Boolean.TRUE);
    }

    /**
     * Whether a media type's essence (lower case, no parameters) is one of {@link #types}.
     * gRPC never is: its messages carry their own compression, and a gRPC client reads no
     * {@code Content-Encoding}.
     */
    public boolean compressible(String essence)
    {
        if (essence == null || essence.startsWith("application/grpc"))
        {
            return false;
        }
        for (String type : types)
        {
            if (matches(type, essence))
            {
                return true;
            }
        }
        return false;
    }

    private static boolean matches(String pattern, String essence)
    {
        int star = pattern.indexOf('*');
        if (star < 0)
        {
            return pattern.equals(essence);
        }
        // type/* or type/*+suffix: the type and '/' alike, then any subtype (with the suffix).
        String prefix = pattern.substring(0, star);
        String suffix = pattern.substring(star + 1);
        return essence.length() > prefix.length() + suffix.length() && essence.startsWith(prefix) && essence.endsWith(suffix)
            && essence.indexOf('/', prefix.length()) < 0;
    }

    /** The patterns {@link #types} may hold: {@code type/subtype}, {@code type/*} or {@code type/*+suffix}, lower case. */
    public static boolean validPattern(String pattern)
    {
        return PATTERN.matcher(pattern).matches();
    }
}
