// One route's OpenAPI document, read once at load: its operations, with parameter and body schemas compiled.
package dev.sluice.openapi;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.dialect.Dialect;
import com.networknt.schema.dialect.Dialects;
import com.networknt.schema.keyword.AnnotationKeyword;
import com.networknt.schema.path.PathType;
import dev.sluice.config.ConfiguredRegex;

/**
 * Paths are matched the way OpenAPI says: a path without templates wins over a templated one,
 * then the one with more literal segments. The path matched is the one the upstream receives
 * (after the route's strip-prefix), less the path of the document's first {@code servers} URL
 * when it starts with it. Only references inside the document ({@code #/...}) are followed: a
 * reference to another file or a URL is refused at load, so validating never reaches the
 * network or the file system.
 */
public final class ApiDocument
{
    private static final ObjectMapper JSON = dev.sluice.http.Json.mapper();
    private static final YAMLMapper YAML = new YAMLMapper();
    private static final List<String> METHODS = List.of("get", "put", "post", "delete", "options", "head", "patch", "trace");
    private static final int MAX_REF_HOPS = 32;

    private final String basePath;
    private final List<PathItem> paths;

    /** A parameter: where it is, whether it must be there, how its text becomes a value, and its schema. */
    public record Param(String name, String in, boolean required, String type, String itemType, boolean explode, Schema schema)
    {
    }

    /** The media types a body may have, each with its schema (null: any content). */
    public record Body(boolean required, Map<String, Schema> content)
    {
    }

    /** One operation: its parameters, its body, and its responses' schemas by status then media type. */
    public record Operation(String method, String template, List<Param> params, Body body, Map<String, Map<String, Schema>> responses)
    {
    }

    private record PathItem(String template, String[] segments, int literals, Map<String, Operation> operations)
    {
        /** The path parameters' raw values when the path matches, else null. */
        Map<String, String> match(String[] path)
        {
            if (path.length != segments.length)
            {
                return null;
            }
            Map<String, String> values = null;
            for (int i = 0; i < segments.length; i++)
            {
                String segment = segments[i];
                if (segment.length() > 2 && segment.charAt(0) == '{' && segment.charAt(segment.length() - 1) == '}')
                {
                    if (path[i].isEmpty())
                    {
                        return null;
                    }
                    if (values == null)
                    {
                        values = new LinkedHashMap<>();
                    }
                    values.put(segment.substring(1, segment.length() - 1), path[i]);
                }
                else if (!segment.equals(path[i]))
                {
                    return null;
                }
            }
            return values == null ? Map.of() : values;
        }
    }

    /** What a request's method and path found: an operation (with path values), or why not. */
    public record Lookup(Operation operation, Map<String, String> pathValues, Set<String> allowed)
    {
        public boolean pathFound()
        {
            return allowed != null;
        }
    }

    private ApiDocument(String basePath, List<PathItem> paths)
    {
        this.basePath = basePath;
        this.paths = paths;
    }

    /**
     * Reads and compiles the document (YAML or JSON).
     *
     * @throws IllegalArgumentException saying what is wrong with it, for the configuration error
     */
    public static ApiDocument load(Path file) throws IOException
    {
        byte[] bytes = Files.readAllBytes(file);
        JsonNode document;
        try
        {
            document = YAML.readTree(bytes);
        }
        catch (IOException x)
        {
            throw new IllegalArgumentException("it is not YAML or JSON (" + x.getMessage().lines().findFirst().orElse("") + ")");
        }
        if (document == null || !document.isObject())
        {
            throw new IllegalArgumentException("it is not an OpenAPI document (no top-level object)");
        }
        String version = document.path("openapi").asText("");
        Dialect dialect;
        if (version.startsWith("3.0."))
        {
            dialect = Dialects.getOpenApi30();
        }
        else if (version.startsWith("3.1."))
        {
            dialect = Dialects.getOpenApi31();
        }
        else
        {
            throw new IllegalArgumentException("its version is '" + (version.isEmpty() ? document.path("swagger").asText("none") : version)
                + "'; OpenAPI 3.0 and 3.1 are supported");
        }
        String external = externalReference(document);
        if (external != null)
        {
            throw new IllegalArgumentException("it refers to '" + external + "' outside itself; only references within the document (#/...) are followed");
        }
        if (!document.path("paths").isObject())
        {
            throw new IllegalArgumentException("it has no paths");
        }
        // The document's own keywords (openapi, info, paths...) are not schema keywords: kept as
        // annotations without the validator's warning for each, which would only alarm operators.
        dialect = Dialect.builder(dialect).unknownKeywordFactory((keyword, context) -> new AnnotationKeyword(keyword)).build();
        String iri = "https://sluice.invalid/openapi/" + Integer.toHexString(file.toAbsolutePath().toString().hashCode()) + ".json";
        String text = JSON.writeValueAsString(document);
        SchemaRegistry registry = SchemaRegistry.withDialect(dialect, builder -> builder
            .schemaRegistryConfig(SchemaRegistryConfig.builder().pathType(PathType.JSON_POINTER).formatAssertionsEnabled(true)
                .regularExpressionFactory(ApiDocument::pattern).build())
            .schemas(Map.of(iri, text))
            // Nothing is ever fetched: not through a $id that moves the base, not through a $schema.
            .schemaLoader(loader -> loader.fetchRemoteResources(false)));
        Compiler compiler = new Compiler(document, registry, iri);
        List<PathItem> items = new ArrayList<>();
        Iterator<Map.Entry<String, JsonNode>> fields = document.path("paths").fields();
        while (fields.hasNext())
        {
            Map.Entry<String, JsonNode> entry = fields.next();
            items.add(compiler.pathItem(entry.getKey(), entry.getValue()));
        }
        // Literal paths before templated ones (OpenAPI's rule), then the most literal segments.
        items.sort(Comparator.comparingInt((PathItem item) -> item.literals() == item.segments().length ? 0 : 1)
            .thenComparing(Comparator.comparingInt(PathItem::literals).reversed()));
        return new ApiDocument(basePath(document), List.copyOf(items));
    }

    private static String basePath(JsonNode document)
    {
        String url = document.path("servers").path(0).path("url").asText("");
        if (url.isEmpty() || url.contains("{"))
        {
            return "";
        }
        try
        {
            String path = URI.create(url).getRawPath();
            return path == null || path.equals("/") ? "" : path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        }
        catch (IllegalArgumentException x)
        {
            return "";
        }
    }

    /**
     * A schema's {@code pattern}, as networknt's JDK factory adapts it (ECMAScript's {@code $},
     * long Unicode property names), run by {@link ConfiguredRegex}: a pattern such as
     * {@code ^(ab|cd)+$} on a long parameter overflowed Java's stack and the client got a 500. A
     * value the pattern cannot be judged on does not match it (400).
     */
    private static com.networknt.schema.regex.RegularExpression pattern(String regex)
    {
        ConfiguredRegex compiled = ConfiguredRegex.compile(com.networknt.schema.regex.RegularExpressions.replaceLongformCharacterProperties(
            com.networknt.schema.regex.RegularExpressions.replaceDollarAnchors(regex)), false);
        return value ->
        {
            try
            {
                return compiled.find(value);
            }
            catch (ConfiguredRegex.TooComplex x)
            {
                return false;
            }
        };
    }

    private static String externalReference(JsonNode node)
    {
        if (node.isObject())
        {
            JsonNode ref = node.get("$ref");
            if (ref != null && ref.isTextual() && !ref.asText().startsWith("#"))
            {
                return ref.asText();
            }
            if (ref != null && !ref.isTextual() && !ref.isObject())
            {
                // (An object may be the schema of a property named "$ref".) The validator read
                // null as a relative file and said "FileNotFoundException: .../openapi/null".
                throw new IllegalArgumentException("it has a $ref that is not a string: " + ref);
            }
        }
        for (JsonNode child : node)
        {
            String found = externalReference(child);
            if (found != null)
            {
                return found;
            }
        }
        return null;
    }

    /** The operation for a method and a raw (still percent-encoded) upstream path. */
    public Lookup find(String method, String rawPath)
    {
        String path = rawPath == null || rawPath.isEmpty() ? "/" : rawPath;
        if (!basePath.isEmpty() && path.startsWith(basePath) && (path.length() == basePath.length() || path.charAt(basePath.length()) == '/'))
        {
            path = path.length() == basePath.length() ? "/" : path.substring(basePath.length());
        }
        String[] segments = split(path);
        String lower = method.toLowerCase(Locale.ROOT);
        for (PathItem item : paths)
        {
            Map<String, String> values = item.match(segments);
            if (values == null)
            {
                continue;
            }
            Operation operation = item.operations().get(lower);
            if (operation == null && lower.equals("head"))
            {
                operation = item.operations().get("get");
            }
            Set<String> allowed = new TreeSet<>();
            item.operations().keySet().forEach(name -> allowed.add(name.toUpperCase(Locale.ROOT)));
            return new Lookup(operation, values, allowed);
        }
        return new Lookup(null, Map.of(), null);
    }

    private static String[] split(String path)
    {
        String trimmed = path.startsWith("/") ? path.substring(1) : path;
        if (trimmed.endsWith("/") && !trimmed.isEmpty())
        {
            trimmed = trimmed.substring(0, trimmed.length() - 1);
        }
        return trimmed.split("/", -1);
    }

    /** Walks the document once, following its internal references, and compiles each schema where it sits. */
    private static final class Compiler
    {
        private final JsonNode document;
        private final SchemaRegistry registry;
        private final String iri;

        Compiler(JsonNode document, SchemaRegistry registry, String iri)
        {
            this.document = document;
            this.registry = registry;
            this.iri = iri;
        }

        /** A node and the pointer where it really sits, references followed. */
        private record At(JsonNode node, String pointer)
        {
        }

        private At resolve(JsonNode node, String pointer)
        {
            for (int hops = 0; node != null && node.has("$ref") && node.get("$ref").isTextual(); hops++)
            {
                if (hops == MAX_REF_HOPS)
                {
                    throw new IllegalArgumentException("its references at " + pointer + " go round in a circle");
                }
                String ref = node.get("$ref").asText();
                pointer = ref.substring(1);
                node = document.at(pointer.isEmpty() ? "" : pointer);
                if (node.isMissingNode())
                {
                    throw new IllegalArgumentException("its reference '" + ref + "' points at nothing");
                }
            }
            return new At(node, pointer);
        }

        private static String escape(String name)
        {
            return name.replace("~", "~0").replace("/", "~1");
        }

        private Schema schema(String pointer)
        {
            Schema schema = registry.getSchema(SchemaLocation.of(iri + "#" + pointer));
            schema.initializeValidators();
            return schema;
        }

        PathItem pathItem(String template, JsonNode raw)
        {
            At item = resolve(raw, "/paths/" + escape(template));
            String[] segments = split(template);
            int literals = 0;
            for (String segment : segments)
            {
                if (!segment.startsWith("{"))
                {
                    literals++;
                }
            }
            Map<String, Operation> operations = new LinkedHashMap<>();
            for (String method : METHODS)
            {
                JsonNode operation = item.node().get(method);
                if (operation != null && operation.isObject())
                {
                    operations.put(method, operation(method, template, item, operation, item.pointer() + "/" + method));
                }
            }
            return new PathItem(template, segments, literals, Map.copyOf(operations));
        }

        private Operation operation(String method, String template, At item, JsonNode operation, String pointer)
        {
            // Operation-level parameters override path-level ones of the same name and place.
            Map<String, Param> params = new LinkedHashMap<>();
            addParams(params, item.node().path("parameters"), item.pointer() + "/parameters");
            addParams(params, operation.path("parameters"), pointer + "/parameters");
            Body body = null;
            if (operation.has("requestBody"))
            {
                At request = resolve(operation.get("requestBody"), pointer + "/requestBody");
                body = new Body(request.node().path("required").asBoolean(false), content(request));
            }
            Map<String, Map<String, Schema>> responses = new LinkedHashMap<>();
            Iterator<Map.Entry<String, JsonNode>> statuses = operation.path("responses").fields();
            while (statuses.hasNext())
            {
                Map.Entry<String, JsonNode> status = statuses.next();
                At response = resolve(status.getValue(), pointer + "/responses/" + escape(status.getKey()));
                responses.put(status.getKey().toUpperCase(Locale.ROOT), content(response));
            }
            return new Operation(method.toUpperCase(Locale.ROOT), template, List.copyOf(params.values()), body, responses);
        }

        private Map<String, Schema> content(At owner)
        {
            Map<String, Schema> content = new LinkedHashMap<>();
            Iterator<Map.Entry<String, JsonNode>> types = owner.node().path("content").fields();
            while (types.hasNext())
            {
                Map.Entry<String, JsonNode> type = types.next();
                JsonNode schema = type.getValue().get("schema");
                content.put(type.getKey().toLowerCase(Locale.ROOT),
                    schema == null ? null : schema(owner.pointer() + "/content/" + escape(type.getKey()) + "/schema"));
            }
            return content;
        }

        private void addParams(Map<String, Param> params, JsonNode list, String pointer)
        {
            if (!list.isMissingNode() && !list.isArray())
            {
                // An object's get(i) is null: this was a NullPointerException, a stack trace at start-up.
                throw new IllegalArgumentException("its parameters at " + pointer + " are not a list");
            }
            for (int i = 0; i < list.size(); i++)
            {
                At param = resolve(list.get(i), pointer + "/" + i);
                String name = param.node().path("name").asText("");
                String in = param.node().path("in").asText("");
                if (name.isEmpty() || !Set.of("path", "query", "header", "cookie").contains(in))
                {
                    throw new IllegalArgumentException("the parameter at " + param.pointer() + " has no name or no valid 'in'");
                }
                JsonNode schemaNode = param.node().get("schema");
                Schema schema = schemaNode == null ? null : schema(param.pointer() + "/schema");
                String type = null;
                String itemType = null;
                if (schemaNode != null)
                {
                    At resolved = resolve(schemaNode, param.pointer() + "/schema");
                    type = type(resolved.node());
                    if ("array".equals(type))
                    {
                        itemType = type(resolve(resolved.node().path("items"), resolved.pointer() + "/items").node());
                    }
                }
                String style = param.node().path("style").asText(in.equals("query") || in.equals("cookie") ? "form" : "simple");
                boolean explode = param.node().path("explode").asBoolean(style.equals("form"));
                // Path parameters are always required (OpenAPI); header names are case-insensitive.
                boolean required = in.equals("path") || param.node().path("required").asBoolean(false);
                String key = in + ":" + (in.equals("header") ? name.toLowerCase(Locale.ROOT) : name);
                params.put(key, new Param(name, in, required, type, itemType, explode, schema));
            }
        }

        /** The schema's type: its "type", or (3.1) the first of a list that is not "null". */
        private static String type(JsonNode schema)
        {
            JsonNode type = schema.get("type");
            if (type == null)
            {
                return null;
            }
            if (type.isArray())
            {
                Set<String> types = new LinkedHashSet<>();
                type.forEach(value -> types.add(value.asText()));
                types.remove("null");
                return types.isEmpty() ? null : types.iterator().next();
            }
            return type.asText();
        }
    }
}
