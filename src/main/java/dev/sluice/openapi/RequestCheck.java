// Checks one request's parameters and body against its OpenAPI operation and lists what is wrong.
package dev.sluice.openapi;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import dev.sluice.http.MediaTypes;
import dev.sluice.http.Violation;

/**
 * Parameter text becomes a JSON value by the parameter schema's type before the schema sees it
 * (so {@code ?limit=ten} is "string found, integer expected", and {@code ?limit=10} is 10); arrays
 * are repeated parameters ({@code form}, explode) or comma-separated. Each violation carries a
 * JSON Pointer into the request seen as one document: {@code /path/<name>},
 * {@code /query/<name>}, {@code /header/<name>}, {@code /cookie/<name>} and {@code /body/...}.
 * Messages are the validator's and name the rule, never echo the value.
 */
public final class RequestCheck
{
    /** At most this many violations are listed; the first ones are enough to fix a request. */
    public static final int MAX_VIOLATIONS = 20;
    private static final ObjectMapper JSON = dev.sluice.http.Json.strictMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private RequestCheck()
    {
    }

    /** What the check reads of a request. */
    public interface Request
    {
        String rawQuery();

        /** Every value of the header, in order; empty when absent. */
        List<String> headers(String name);

        String cookie(String name);
    }

    /** The operation's schema for a body of this media type: exact, then type/*, then *\/*; absent key: not accepted. */
    public static Map.Entry<String, Schema> content(Map<String, Schema> content, String mediaType)
    {
        for (String key : new String[] {mediaType, mediaType.contains("/") ? mediaType.substring(0, mediaType.indexOf('/')) + "/*" : "", "*/*"})
        {
            if (content.containsKey(key))
            {
                return new java.util.AbstractMap.SimpleImmutableEntry<>(key, content.get(key));
            }
        }
        return null;
    }

    /** The parameters' violations. */
    public static List<Violation> parameters(ApiDocument.Operation operation, Map<String, String> pathValues, Request request)
    {
        List<Violation> violations = new ArrayList<>();
        for (ApiDocument.Param param : operation.params())
        {
            List<String> raw = switch (param.in())
            {
                case "path" -> pathValues.containsKey(param.name()) ? List.of(decode(pathValues.get(param.name()), false)) : List.of();
                case "query" -> query(request.rawQuery(), param.name());
                case "header" -> request.headers(param.name());
                default -> request.cookie(param.name()) == null ? List.of() : List.of(request.cookie(param.name()));
            };
            String pointer = "/" + param.in() + "/" + param.name().replace("~", "~0").replace("/", "~1");
            if (raw.isEmpty())
            {
                if (param.required())
                {
                    violations.add(new Violation(pointer, "required " + param.in() + " parameter '" + param.name() + "' is missing"));
                }
                continue;
            }
            if (param.schema() == null)
            {
                continue;
            }
            JsonNode value;
            if ("array".equals(param.type()))
            {
                ArrayNode array = NODES.arrayNode();
                List<String> items = raw.size() == 1 && !(param.in().equals("query") && param.explode()) ? List.of(raw.get(0).split(",", -1)) : raw;
                items.forEach(item -> array.add(value(item, param.itemType())));
                value = array;
            }
            else
            {
                value = value(raw.get(0), param.type());
            }
            add(violations, pointer, param.schema().validate(value));
        }
        return violations;
    }

    /**
     * The body's violations: a required body missing, or JSON that does not parse or does not
     * match the schema for its media type. Non-JSON bodies are only checked for being allowed.
     */
    public static List<Violation> body(Schema schema, String mediaType, byte[] body)
    {
        List<Violation> violations = new ArrayList<>();
        if (schema == null || !MediaTypes.json(mediaType))
        {
            return violations;
        }
        JsonNode tree;
        try
        {
            tree = JSON.readTree(body);
        }
        catch (JsonProcessingException x)
        {
            String fault = dev.sluice.http.Json.fault(x);
            violations.add(new Violation("/body", fault == null ? "the body is not valid JSON" : "the body is not valid JSON: " + fault));
            return violations;
        }
        catch (IOException x)
        {
            violations.add(new Violation("/body", "the body could not be read"));
            return violations;
        }
        if (tree == null || tree.isMissingNode())
        {
            violations.add(new Violation("/body", "the body is empty"));
            return violations;
        }
        add(violations, "/body", schema.validate(tree));
        return violations;
    }

    /** Violations of a response body, for the log. */
    public static List<Violation> response(Schema schema, JsonNode body)
    {
        List<Violation> violations = new ArrayList<>();
        add(violations, "/body", schema.validate(body));
        return violations;
    }

    private static void add(List<Violation> violations, String prefix, List<Error> errors)
    {
        for (Error error : errors)
        {
            if (violations.size() == MAX_VIOLATIONS)
            {
                return;
            }
            String location = error.getInstanceLocation() == null ? "" : error.getInstanceLocation().toString();
            if ("required".equals(error.getKeyword()) && error.getProperty() != null)
            {
                location = location + "/" + error.getProperty().replace("~", "~0").replace("/", "~1");
            }
            violations.add(new Violation(prefix + location, message(error)));
        }
    }

    /** The validator's message without the location it starts with (the pointer says that). */
    private static String message(Error error)
    {
        String message = error.getMessage();
        if (message == null)
        {
            return error.getKeyword() == null ? "invalid" : "fails '" + error.getKeyword() + "'";
        }
        String location = error.getInstanceLocation() == null ? null : error.getInstanceLocation().toString();
        if (location != null && message.startsWith(location + ": "))
        {
            message = message.substring(location.length() + 2);
        }
        else if (message.startsWith(": "))
        {
            message = message.substring(2);
        }
        return message;
    }

    /** Text as the JSON value the parameter's type asks for; text again when it is not one (the schema then says so). */
    static JsonNode value(String text, String type)
    {
        if (type == null)
        {
            return NODES.textNode(text);
        }
        try
        {
            return switch (type)
            {
                case "integer" -> NODES.numberNode(new BigInteger(text));
                case "number" -> NODES.numberNode(new BigDecimal(text));
                case "boolean" -> text.equals("true") ? NODES.booleanNode(true) : text.equals("false") ? NODES.booleanNode(false) : NODES.textNode(text);
                default -> NODES.textNode(text);
            };
        }
        catch (NumberFormatException x)
        {
            return NODES.textNode(text);
        }
    }

    private static List<String> query(String rawQuery, String name)
    {
        if (rawQuery == null || rawQuery.isEmpty())
        {
            return List.of();
        }
        List<String> values = new ArrayList<>(1);
        int start = 0;
        while (start <= rawQuery.length())
        {
            int end = rawQuery.indexOf('&', start);
            if (end < 0)
            {
                end = rawQuery.length();
            }
            String pair = rawQuery.substring(start, end);
            int equals = pair.indexOf('=');
            String key = decode(equals < 0 ? pair : pair.substring(0, equals), true);
            if (name.equals(key))
            {
                values.add(equals < 0 ? "" : decode(pair.substring(equals + 1), true));
            }
            start = end + 1;
        }
        return values;
    }

    private static String decode(String text, boolean plusIsSpace)
    {
        try
        {
            return URLDecoder.decode(plusIsSpace ? text : text.replace("+", "%2B"), StandardCharsets.UTF_8);
        }
        catch (IllegalArgumentException x)
        {
            return text;
        }
    }
}
