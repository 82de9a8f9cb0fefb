// Reads route.<name>.transform.* into TransformSettings.
package dev.sluice.transform;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.config.ConfigReader;
import dev.sluice.config.SettingsParser;
import dev.sluice.route.Route;
import dev.sluice.route.RouteTable;

/**
 * Keys (documented in {@code conf/sluice.properties}), under {@code route.<name>.transform.}:
 * {@code request.header.*}, {@code request.query.*} and {@code response.header.*} with
 * {@code add.<name>}, {@code set.<name>}, {@code append.<name>} (templates), {@code remove} (a
 * list) and {@code rename.<name>}; {@code request.json.*} and {@code response.json.*} with
 * {@code add.<pointer>}, {@code set.<pointer>}, {@code remove} (a list of pointers),
 * {@code rename.<pointer>} (a new name) and {@code move.<pointer>} (a pointer);
 * {@code response.xml-to-json}, {@code request.json-to-xml} (and {@code .root}),
 * {@code max-body}, {@code required}, {@code response.gzip}.
 */
public final class TransformSettingsParser
{
    private static final ObjectMapper JSON = dev.sluice.http.Json.mapper();
    private static final Set<String> HOP = dev.sluice.http.HeaderNames.CONNECTION_AND_FRAMING;

    private TransformSettingsParser()
    {
    }

    public static TransformSettings parse(ConfigReader reader, RouteTable routes, Set<String> cachedRoutes)
    {
        Map<String, RouteTransform> transforms = new TreeMap<>();
        for (Route route : routes.routes())
        {
            String prefix = "route." + route.name() + ".transform.";
            if (reader.keysUnder(prefix).isEmpty())
            {
                continue;
            }
            HeaderOps requestHeaders = ops(reader, prefix + "request.header.", true);
            HeaderOps requestQuery = ops(reader, prefix + "request.query.", false);
            HeaderOps responseHeaders = ops(reader, prefix + "response.header.", true);
            List<JsonOp> requestJson = json(reader, prefix + "request.json.");
            List<JsonOp> responseJson = json(reader, prefix + "response.json.");
            boolean xmlToJson = reader.bool(prefix + "response.xml-to-json", false);
            boolean jsonToXml = reader.bool(prefix + "request.json-to-xml", false);
            String root = reader.string(prefix + "request.json-to-xml.root", "request");
            if (!root.matches("[A-Za-z_][A-Za-z0-9_.-]{0,63}") || root.toLowerCase(Locale.ROOT).startsWith("xml"))
            {
                reader.invalid(prefix + "request.json-to-xml.root", root, "an XML element name such as request");
            }
            long maxBody = reader.size(prefix + "max-body", 1 << 20, 64L << 20);
            boolean required = reader.bool(prefix + "required", false);
            String gzip = reader.string(prefix + "response.gzip", "transform");
            if (!gzip.equals("transform") && !gzip.equals("pass"))
            {
                reader.invalid(prefix + "response.gzip", gzip, "transform (decompress, transform, compress again) or pass (leave gzip bodies untouched)");
            }
            RouteTransform transform = new RouteTransform(requestHeaders, requestQuery, responseHeaders, requestJson, responseJson, xmlToJson,
                jsonToXml ? root : null, maxBody, required, gzip.equals("transform"));
            if (transform.responseBody() && cachedRoutes.contains(route.name()))
            {
                reader.problem("Keys '" + prefix + "response.*' transform the body of route '" + route.name() + "', which is cached (route."
                    + route.name() + ".cache); allowed: one or the other, for now: the cache would keep the upstream's body.");
            }
            if (cachedRoutes.contains(route.name()))
            {
                for (Map.Entry<String, Map<String, Template>> kind : Map.of("set", responseHeaders.set(), "add", responseHeaders.add(), "append",
                    responseHeaders.append()).entrySet())
                {
                    for (Map.Entry<String, Template> header : kind.getValue().entrySet())
                    {
                        if (!header.getValue().constant())
                        {
                            // A stored response would carry one request's value (a request id, a client address) to every later hit.
                            reader.invalid(prefix + "response.header." + kind.getKey() + "." + header.getKey(), header.getValue().toString(),
                                "a fixed value: route '" + route.name() + "' is cached, and a cached response is shared between requests");
                        }
                    }
                }
            }
            if (route.ai())
            {
                reader.problem("Keys '" + prefix + "*' are set on AI route '" + route.name()
                    + "'; allowed: transforms on proxied routes only: the AI front builds its provider requests and its answers itself.");
            }
            else if (route.answer() != null && (!transform.requestHeaders().empty() || !transform.requestQuery().empty() || transform.requestBody()
                || transform.responseBody()))
            {
                reader.problem("Keys '" + prefix + "*' other than response.header.* are set on route '" + route.name()
                    + "', which Sluice answers itself (redirect or respond); allowed: response.header.* there, the rest on proxied routes only.");
            }
            transforms.put(route.name(), transform);
        }
        return new TransformSettings(transforms);
    }

    private static HeaderOps ops(ConfigReader reader, String prefix, boolean headers)
    {
        List<String> remove = new ArrayList<>();
        for (String name : reader.list(prefix + "remove"))
        {
            if (checkName(reader, prefix + "remove", name, headers))
            {
                remove.add(name);
            }
        }
        Map<String, String> rename = new LinkedHashMap<>();
        for (String name : reader.keysUnder(prefix + "rename."))
        {
            String to = reader.optional(prefix + "rename." + name).orElse("");
            if (checkName(reader, prefix + "rename." + name, name, headers) && checkName(reader, prefix + "rename." + name, to, headers))
            {
                rename.put(name, to);
            }
        }
        return new HeaderOps(remove, rename, templates(reader, prefix + "set.", headers), templates(reader, prefix + "add.", headers),
            templates(reader, prefix + "append.", headers));
    }

    private static boolean checkName(ConfigReader reader, String key, String name, boolean header)
    {
        if (header ? !SettingsParser.TOKEN.matcher(name).matches() || HOP.contains(name.toLowerCase(Locale.ROOT))
            : name.isEmpty() || name.chars().anyMatch(c -> c <= ' ' || c == '&' || c == '=' || c == '#' || c > 0x7e))
        {
            reader.invalid(key, name, header ? "a header name such as X-Api-Version (not a hop-by-hop header, Host or Content-Length)"
                : "a query parameter name without spaces, &, = or #");
            return false;
        }
        return true;
    }

    private static Map<String, Template> templates(ConfigReader reader, String prefix, boolean headers)
    {
        Map<String, Template> templates = new LinkedHashMap<>();
        for (String name : reader.keysUnder(prefix))
        {
            String key = prefix + name;
            String value = reader.optional(key).orElse("");
            if (!checkName(reader, key, name, headers))
            {
                continue;
            }
            try
            {
                Template template = Template.compile(value);
                if (headers && template.constant() && !Template.safeHeaderValue(value))
                {
                    reader.invalid(key, value, "a header value without control characters");
                    continue;
                }
                templates.put(name, template);
            }
            catch (IllegalArgumentException x)
            {
                reader.invalid(key, value, "a value with references such as ${consumer.id}; it has " + x.getMessage());
            }
        }
        return templates;
    }

    private static List<JsonOp> json(ConfigReader reader, String prefix)
    {
        List<JsonOp> ops = new ArrayList<>();
        for (String path : reader.list(prefix + "remove"))
        {
            JsonPointer pointer = pointer(reader, prefix + "remove", path);
            if (pointer != null)
            {
                ops.add(new JsonOp(JsonOp.Kind.REMOVE, pointer, null, null, null));
            }
        }
        for (String path : reader.keysUnder(prefix + "rename."))
        {
            String key = prefix + "rename." + path;
            String name = reader.optional(key).orElse("");
            JsonPointer pointer = pointer(reader, key, path);
            if (name.isEmpty() || name.contains("/"))
            {
                reader.invalid(key, name, "the field's new name (not a pointer)");
            }
            else if (pointer != null)
            {
                String parent = pointer.head() == null ? "" : pointer.head().toString();
                ops.add(new JsonOp(JsonOp.Kind.RENAME, pointer, JsonPointer.compile(parent + "/" + name.replace("~", "~0")), null, null));
            }
        }
        for (String path : reader.keysUnder(prefix + "move."))
        {
            String key = prefix + "move." + path;
            JsonPointer from = pointer(reader, key, path);
            JsonPointer to = pointer(reader, key, reader.optional(key).orElse(""));
            if (from != null && to != null)
            {
                ops.add(new JsonOp(JsonOp.Kind.MOVE, from, to, null, null));
            }
        }
        for (JsonOp.Kind kind : List.of(JsonOp.Kind.SET, JsonOp.Kind.ADD))
        {
            String sub = prefix + kind.name().toLowerCase(Locale.ROOT) + ".";
            for (String path : reader.keysUnder(sub))
            {
                String key = sub + path;
                JsonPointer pointer = pointer(reader, key, path);
                String value = reader.optional(key).orElse("");
                if (pointer == null)
                {
                    continue;
                }
                if (value.startsWith("json:"))
                {
                    try
                    {
                        ops.add(new JsonOp(kind, pointer, null, null, JSON.readTree(value.substring(5))));
                    }
                    catch (Exception x)
                    {
                        reader.invalid(key, value, "json: followed by a JSON value, such as json:true, json:42 or json:{\"a\":1}");
                    }
                    continue;
                }
                try
                {
                    ops.add(new JsonOp(kind, pointer, null, Template.compile(value), null));
                }
                catch (IllegalArgumentException x)
                {
                    reader.invalid(key, value, "a value with references such as ${consumer.id}; it has " + x.getMessage());
                }
            }
        }
        ops.sort(java.util.Comparator.comparing(JsonOp::kind));
        return ops;
    }

    private static JsonPointer pointer(ConfigReader reader, String key, String path)
    {
        try
        {
            if (!path.startsWith("/") || path.length() < 2)
            {
                throw new IllegalArgumentException();
            }
            return JsonPointer.compile(path);
        }
        catch (IllegalArgumentException x)
        {
            reader.invalid(key, path, "a JSON Pointer to a field, such as /meta/source");
            return null;
        }
    }
}
