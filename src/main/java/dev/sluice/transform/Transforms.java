// Applies a route's header, query and JSON edits; plain logic over Jetty's fields, query strings and Jackson trees.
package dev.sluice.transform;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.eclipse.jetty.http.HttpFields;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every value a template produces is checked before it is used: a header value with CR, LF, NUL
 * or another control character (which a client could have put in a header or parameter the
 * template reads) is left out and logged, never sent; an empty value is left out.
 */
public final class Transforms
{
    private static final Logger LOG = LoggerFactory.getLogger(Transforms.class);

    private Transforms()
    {
    }

    private static String headerValue(Template template, Template.Source source, String name)
    {
        String value = template.expand(source);
        if (value.isEmpty())
        {
            return null;
        }
        if (!Template.safeHeaderValue(value))
        {
            LOG.warn("{} header {} left out: its template '{}' produced a control character", source.requestId(), name, template);
            return null;
        }
        return value;
    }

    /** Edits the headers about to go upstream. */
    public static void requestHeaders(HeaderOps ops, Template.Source source, HttpFields.Mutable headers)
    {
        for (String name : ops.remove())
        {
            headers.remove(name);
        }
        for (Map.Entry<String, String> rename : ops.rename().entrySet())
        {
            List<String> values = headers.getValuesList(rename.getKey());
            if (!values.isEmpty())
            {
                headers.remove(rename.getKey());
                for (String value : values)
                {
                    headers.add(rename.getValue(), value);
                }
            }
        }
        for (Map.Entry<String, Template> set : ops.set().entrySet())
        {
            String value = headerValue(set.getValue(), source, set.getKey());
            headers.remove(set.getKey());
            if (value != null)
            {
                headers.put(set.getKey(), value);
            }
        }
        for (Map.Entry<String, Template> add : ops.add().entrySet())
        {
            if (!headers.contains(add.getKey()))
            {
                String value = headerValue(add.getValue(), source, add.getKey());
                if (value != null)
                {
                    headers.put(add.getKey(), value);
                }
            }
        }
        for (Map.Entry<String, Template> append : ops.append().entrySet())
        {
            String value = headerValue(append.getValue(), source, append.getKey());
            if (value != null)
            {
                headers.add(append.getKey(), value);
            }
        }
    }

    /** Edits response header pairs ({name, value}) from the upstream before they are copied to the client. */
    public static List<String[]> responseHeaders(HeaderOps ops, Template.Source source, List<String[]> headers)
    {
        List<String[]> out = new ArrayList<>(headers.size() + ops.set().size() + ops.add().size());
        for (String[] header : headers)
        {
            if (ops.remove().stream().noneMatch(name -> name.equalsIgnoreCase(header[0])))
            {
                String renamed = null;
                for (Map.Entry<String, String> rename : ops.rename().entrySet())
                {
                    if (rename.getKey().equalsIgnoreCase(header[0]))
                    {
                        renamed = rename.getValue();
                    }
                }
                out.add(new String[] {renamed != null ? renamed : header[0], header[1]});
            }
        }
        for (Map.Entry<String, Template> set : ops.set().entrySet())
        {
            out.removeIf(header -> header[0].equalsIgnoreCase(set.getKey()));
            String value = headerValue(set.getValue(), source, set.getKey());
            if (value != null)
            {
                out.add(new String[] {set.getKey(), value});
            }
        }
        for (Map.Entry<String, Template> add : ops.add().entrySet())
        {
            if (out.stream().noneMatch(header -> header[0].equalsIgnoreCase(add.getKey())))
            {
                String value = headerValue(add.getValue(), source, add.getKey());
                if (value != null)
                {
                    out.add(new String[] {add.getKey(), value});
                }
            }
        }
        for (Map.Entry<String, Template> append : ops.append().entrySet())
        {
            String value = headerValue(append.getValue(), source, append.getKey());
            if (value != null)
            {
                out.add(new String[] {append.getKey(), value});
            }
        }
        return out;
    }

    /**
     * The query string to send upstream. Parameters the client sent keep their encoding; values
     * from templates are percent-encoded. Null or empty in, null out when nothing is left.
     */
    public static String query(HeaderOps ops, Template.Source source, String rawQuery)
    {
        List<String[]> pairs = new ArrayList<>();
        if (rawQuery != null && !rawQuery.isEmpty())
        {
            for (String pair : rawQuery.split("&"))
            {
                int equals = pair.indexOf('=');
                pairs.add(equals < 0 ? new String[] {pair, null} : new String[] {pair.substring(0, equals), pair.substring(equals + 1)});
            }
        }
        pairs.removeIf(pair -> ops.remove().contains(decode(pair[0])));
        for (String[] pair : pairs)
        {
            String renamed = ops.rename().get(decode(pair[0]));
            if (renamed != null)
            {
                pair[0] = encode(renamed);
            }
        }
        for (Map.Entry<String, Template> set : ops.set().entrySet())
        {
            pairs.removeIf(pair -> decode(pair[0]).equals(set.getKey()));
            String value = set.getValue().expand(source);
            if (!value.isEmpty())
            {
                pairs.add(new String[] {encode(set.getKey()), encode(value)});
            }
        }
        for (Map.Entry<String, Template> add : ops.add().entrySet())
        {
            if (pairs.stream().noneMatch(pair -> decode(pair[0]).equals(add.getKey())))
            {
                String value = add.getValue().expand(source);
                if (!value.isEmpty())
                {
                    pairs.add(new String[] {encode(add.getKey()), encode(value)});
                }
            }
        }
        for (Map.Entry<String, Template> append : ops.append().entrySet())
        {
            String value = append.getValue().expand(source);
            if (!value.isEmpty())
            {
                pairs.add(new String[] {encode(append.getKey()), encode(value)});
            }
        }
        if (pairs.isEmpty())
        {
            return null;
        }
        StringBuilder out = new StringBuilder();
        for (String[] pair : pairs)
        {
            if (!out.isEmpty())
            {
                out.append('&');
            }
            out.append(pair[0]);
            if (pair[1] != null)
            {
                out.append('=').append(pair[1]);
            }
        }
        return out.toString();
    }

    private static String decode(String text)
    {
        try
        {
            return URLDecoder.decode(text, StandardCharsets.UTF_8);
        }
        catch (IllegalArgumentException x)
        {
            return text;
        }
    }

    private static String encode(String text)
    {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** Applies the edits to a parsed body in place; whether anything changed. */
    public static boolean json(List<JsonOp> ops, Template.Source source, JsonNode root)
    {
        boolean changed = false;
        for (JsonOp op : ops)
        {
            switch (op.kind())
            {
                case REMOVE -> changed |= remove(root, op.path()) != null;
                case RENAME, MOVE ->
                {
                    JsonNode value = remove(root, op.path());
                    if (value != null)
                    {
                        changed |= put(root, op.to(), value, true);
                    }
                }
                case SET, ADD ->
                {
                    JsonNode value = op.literal();
                    if (value == null)
                    {
                        String text = op.value().expand(source);
                        value = text.isEmpty() ? null : JsonNodeFactory.instance.textNode(text);
                    }
                    if (value != null)
                    {
                        changed |= put(root, op.path(), value.deepCopy(), op.kind() == JsonOp.Kind.SET);
                    }
                }
            }
        }
        return changed;
    }

    private static JsonNode remove(JsonNode root, JsonPointer path)
    {
        JsonNode parent = root.at(path.head());
        String last = path.last().getMatchingProperty();
        if (parent instanceof ObjectNode object)
        {
            return object.remove(last);
        }
        if (parent instanceof ArrayNode array && path.last().mayMatchElement() && path.last().getMatchingIndex() < array.size())
        {
            return array.remove(path.last().getMatchingIndex());
        }
        return null;
    }

    /** Puts a value at the pointer, making missing parent objects; false when the path runs through a non-object. */
    private static boolean put(JsonNode root, JsonPointer path, JsonNode value, boolean replace)
    {
        JsonNode node = root;
        JsonPointer at = path;
        while (!at.tail().matches())
        {
            String name = at.getMatchingProperty();
            JsonNode next;
            if (node instanceof ObjectNode object)
            {
                next = object.get(name);
                if (next == null || next.isNull())
                {
                    next = object.putObject(name);
                }
            }
            else if (node instanceof ArrayNode array && at.mayMatchElement() && at.getMatchingIndex() < array.size())
            {
                next = array.get(at.getMatchingIndex());
            }
            else
            {
                return false;
            }
            node = next;
            at = at.tail();
        }
        String name = at.getMatchingProperty();
        if (node instanceof ObjectNode object)
        {
            if (!replace && object.has(name))
            {
                return false;
            }
            object.set(name, value);
            return true;
        }
        if (node instanceof ArrayNode array && at.mayMatchElement())
        {
            int index = at.getMatchingIndex();
            if (index < array.size())
            {
                if (!replace)
                {
                    return false;
                }
                array.set(index, value);
            }
            else
            {
                array.add(value);
            }
            return true;
        }
        return false;
    }
}
