// Structured output across the two APIs: OpenAI's json_schema response format as Claude's output_config.format, and back.
package dev.sluice.ai;

import java.util.Iterator;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Both providers constrain an answer to a JSON Schema, asked for differently: OpenAI's clients
 * send {@code response_format: {type: json_schema, json_schema: {name, schema, strict}}} (the
 * Responses API's {@code text.format}, which Sluice reads as that), Anthropic's send
 * {@code output_config.format: {type: json_schema, schema}} (before its general release a
 * top-level {@code output_format}). Without this an agent asking a Claude target for a typed
 * result (the Agents SDK's {@code outputType}, the AI SDK's {@code generateObject}) was refused,
 * and a Claude client's format was dropped on the way to an OpenAI target, which then answered in
 * prose.
 *
 * <p>Claude takes a narrower dialect than OpenAI (its structured-outputs guide): every object
 * closed with {@code additionalProperties: false}; no numeric, string-length or array-size
 * constraints beyond {@code minItems} of 0 or 1; ten string formats. {@link #fitForClaude} does
 * what Anthropic's own SDKs do before sending a schema: what Claude cannot take moves into the
 * description, where the model still reads it, and the client, which has the whole schema, can
 * validate the answer against it.</p>
 */
final class StructuredOutput
{
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** The string formats Claude's structured outputs take. */
    private static final Set<String> CLAUDE_FORMATS = Set.of("date-time", "time", "date", "duration", "email", "hostname", "uri", "ipv4", "ipv6",
        "uuid");
    /** The name an OpenAI format needs and Anthropic's has none of. */
    static final String NAME = "output";

    private StructuredOutput()
    {
    }

    /**
     * Claude's {@code output_config.format} for an OpenAI client's {@code response_format}, or null
     * when it asks for plain text (or is absent).
     *
     * @param drop whether a format Claude has no equivalent of (JSON mode) is dropped rather than refused
     */
    static ObjectNode forClaude(JsonNode responseFormat, boolean drop) throws Unsupported
    {
        if (responseFormat == null || responseFormat.isNull())
        {
            return null;
        }
        String type = responseFormat.path("type").asText("");
        switch (type)
        {
            case "text":
                return null;
            case "json_schema":
                JsonNode given = responseFormat.path("json_schema");
                if (!given.path("schema").isObject())
                {
                    throw new Unsupported("response_format.json_schema.schema", "'response_format.json_schema.schema' must be an object (a JSON Schema).");
                }
                JsonNode schema = fitForClaude(given.get("schema"));
                if (schema instanceof ObjectNode root && !root.has("description") && given.path("description").isTextual())
                {
                    // What the format is for, which OpenAI gives the model beside the schema.
                    root.put("description", given.get("description").asText());
                }
                ObjectNode format = NODES.objectNode().put("type", "json_schema");
                format.set("schema", schema);
                return format;
            case "json_object":
                if (drop)
                {
                    return null;
                }
                throw new Unsupported("response_format", "Anthropic models have no JSON mode ('response_format' of type 'json_object'): "
                    + "send a 'json_schema' format instead, which Claude answers as structured output.");
            default:
                throw new Unsupported("response_format.type", "'response_format.type' must be 'text', 'json_schema' or 'json_object'.");
        }
    }

    /**
     * Puts {@code format} into the request's {@code output_config} unless the client set a format
     * there itself; on a copy of the client's {@code output_config} (its effort too), which every
     * target tried shares.
     */
    static void intoOutputConfig(ObjectNode request, JsonNode format)
    {
        if (format != null && !request.path("output_config").has("format"))
        {
            ObjectNode config = request.get("output_config") instanceof ObjectNode given ? given.deepCopy() : NODES.objectNode();
            request.set("output_config", config.set("format", format));
        }
    }

    /**
     * The schema as Claude's structured outputs take it, on a copy: closed objects, the formats
     * and keywords it knows, the rest of each node's keywords appended to that node's description
     * as {@code {name: value, ...}}.
     */
    static JsonNode fitForClaude(JsonNode schema)
    {
        if (!(schema instanceof ObjectNode given))
        {
            return schema;
        }
        // The node's keywords not placed yet (a shallow copy: nested schemas are fitted on their own copies).
        ObjectNode rest = NODES.objectNode();
        rest.setAll(given);
        ObjectNode out = NODES.objectNode();
        JsonNode ref = rest.remove("$ref");
        if (ref != null)
        {
            return out.set("$ref", ref);
        }
        // The dialect's name is metadata, not a constraint worth telling the model.
        rest.remove("$schema");
        for (String definitions : new String[] {"$defs", "definitions"})
        {
            if (rest.remove(definitions) instanceof ObjectNode defs)
            {
                ObjectNode fitted = out.putObject(definitions);
                defs.fields().forEachRemaining(def -> fitted.set(def.getKey(), fitForClaude(def.getValue())));
            }
        }
        JsonNode type = rest.remove("type");
        JsonNode anyOf = rest.has("anyOf") ? rest.remove("anyOf") : rest.remove("oneOf");
        JsonNode allOf = rest.remove("allOf");
        if (anyOf instanceof ArrayNode variants)
        {
            // oneOf as anyOf: Claude takes only the latter, and a model's answer fits one variant either way.
            ArrayNode fitted = out.putArray("anyOf");
            variants.forEach(variant -> fitted.add(fitForClaude(variant)));
        }
        else if (allOf instanceof ArrayNode parts)
        {
            ArrayNode fitted = out.putArray("allOf");
            parts.forEach(part -> fitted.add(fitForClaude(part)));
        }
        if (type == null && rest.has("properties"))
        {
            type = NODES.textNode("object");
        }
        if (type != null)
        {
            out.set("type", type);
        }
        move(rest, out, "description");
        move(rest, out, "title");
        if (is(type, "object"))
        {
            ObjectNode properties = out.putObject("properties");
            if (rest.remove("properties") instanceof ObjectNode declared)
            {
                declared.fields().forEachRemaining(property -> properties.set(property.getKey(), fitForClaude(property.getValue())));
            }
            rest.remove("additionalProperties");
            out.put("additionalProperties", false);
            move(rest, out, "required");
        }
        if (is(type, "string") && rest.path("format").isTextual() && CLAUDE_FORMATS.contains(rest.path("format").asText()))
        {
            move(rest, out, "format");
        }
        if (is(type, "array"))
        {
            if (rest.has("items"))
            {
                out.set("items", fitForClaude(rest.remove("items")));
            }
            JsonNode minItems = rest.path("minItems");
            if (minItems.isIntegralNumber() && (minItems.asInt() == 0 || minItems.asInt() == 1))
            {
                move(rest, out, "minItems");
            }
        }
        // Primitive enums and constants, which Claude takes for every type that has them.
        if (rest.path("enum").isArray() && allPrimitive(rest.get("enum")))
        {
            move(rest, out, "enum");
        }
        if (rest.has("const") && !rest.get("const").isContainerNode())
        {
            move(rest, out, "const");
        }
        if (!rest.isEmpty())
        {
            StringBuilder moved = new StringBuilder(out.path("description").asText(""));
            moved.append(moved.isEmpty() ? "{" : "\n\n{");
            for (Iterator<Map.Entry<String, JsonNode>> fields = rest.fields(); fields.hasNext(); )
            {
                Map.Entry<String, JsonNode> field = fields.next();
                moved.append(field.getKey()).append(": ").append(field.getValue()).append(fields.hasNext() ? ", " : "}");
            }
            out.put("description", moved.toString());
        }
        return out;
    }

    /**
     * OpenAI's {@code response_format} for a Claude client's {@code output_config.format}, or null
     * when it is not a JSON Schema. Strict (OpenAI guarantees the schema, as Claude does) when the
     * schema is within OpenAI's strict dialect; else OpenAI follows it as guidance, as it would for
     * one of its own clients asking without {@code strict}.
     */
    static ObjectNode forOpenAi(JsonNode outputFormat)
    {
        if (!"json_schema".equals(outputFormat.path("type").asText()) || !outputFormat.path("schema").isObject())
        {
            return null;
        }
        ObjectNode format = NODES.objectNode().put("type", "json_schema");
        ObjectNode schema = format.putObject("json_schema").put("name", NAME);
        schema.set("schema", outputFormat.get("schema"));
        schema.put("strict", "object".equals(outputFormat.path("schema").path("type").asText()) && strictable(outputFormat.get("schema")));
        return format;
    }

    /**
     * Whether OpenAI's strict mode takes the schema: every object closed and all its properties
     * required, and none of the combinations strict mode refuses.
     */
    static boolean strictable(JsonNode schema)
    {
        if (!schema.isObject())
        {
            return !schema.isBoolean();
        }
        for (String refused : new String[] {"allOf", "oneOf", "not", "if", "patternProperties", "dependentRequired", "dependentSchemas"})
        {
            if (schema.has(refused))
            {
                return false;
            }
        }
        JsonNode properties = schema.get("properties");
        if (is(schema.get("type"), "object") || properties != null)
        {
            if (!schema.path("additionalProperties").isBoolean() || schema.get("additionalProperties").asBoolean())
            {
                return false;
            }
            Set<String> required = new java.util.HashSet<>();
            schema.path("required").forEach(name -> required.add(name.asText()));
            for (Iterator<Map.Entry<String, JsonNode>> fields = properties == null ? java.util.Collections.emptyIterator() : properties.fields();
                 fields.hasNext(); )
            {
                Map.Entry<String, JsonNode> property = fields.next();
                if (!required.contains(property.getKey()) || !strictable(property.getValue()))
                {
                    return false;
                }
            }
        }
        for (String nested : new String[] {"items", "$defs", "definitions", "anyOf"})
        {
            JsonNode value = schema.get(nested);
            if (value == null)
            {
                continue;
            }
            Iterator<JsonNode> parts = nested.equals("items") ? java.util.List.of(value).iterator() : value.elements();
            while (parts.hasNext())
            {
                if (!strictable(parts.next()))
                {
                    return false;
                }
            }
        }
        return true;
    }

    private static boolean is(JsonNode type, String name)
    {
        if (type == null)
        {
            return false;
        }
        if (type.isArray())
        {
            for (JsonNode one : type)
            {
                if (name.equals(one.asText()))
                {
                    return true;
                }
            }
            return false;
        }
        return name.equals(type.asText());
    }

    private static boolean allPrimitive(JsonNode values)
    {
        for (JsonNode value : values)
        {
            if (value.isContainerNode())
            {
                return false;
            }
        }
        return true;
    }

    private static void move(ObjectNode from, ObjectNode to, String name)
    {
        JsonNode value = from.remove(name);
        if (value != null)
        {
            to.set(name, value);
        }
    }
}
