// JSON threat protection: how deep, wide and long a JSON request body may be before an upstream parses it.
package dev.sluice.guard;

import java.io.IOException;
import java.util.Arrays;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;

/**
 * {@code guard.json.*} (Apigee's JSONThreatProtection, Kong's JSON threat protection): limits on
 * a JSON body's nesting, the members of one object, the elements of one array and the length of
 * strings and member names, so that a body built to exhaust an upstream's parser (ten thousand
 * nested arrays, a million-member object, a 50 MB string) never reaches it. Member names repeated
 * in one object are refused too: parsers disagree on which copy wins, so a check in one service
 * and the use in another can read different values. A limit of -1 is not checked.
 *
 * <p>The body is read whole (up to {@code maxBody}) and checked with Jackson's streaming parser,
 * one token at a time: nothing is built from it.</p>
 *
 * @param maxDepth the most objects and arrays nested in one another
 * @param maxEntries the most members of one object
 * @param maxElements the most elements of one array
 * @param maxString the longest string value, in characters
 * @param maxName the longest member name, in characters
 * @param maxBody the largest body read to check it (413 beyond)
 */
public record JsonLimits(int maxDepth, int maxEntries, int maxElements, int maxString, int maxName, long maxBody)
{
    private static final JsonFactory JSON = JsonFactory.builder()
        .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
        // The limits here are the ones that count; Jackson's own stay as a floor for what is unset.
        .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(2_000).maxStringLength(Integer.MAX_VALUE)
            .maxNameLength(Integer.MAX_VALUE).build())
        .build();

    /** Why {@code body} is refused (a sentence for the client), or null when it passes. */
    public String violation(byte[] body)
    {
        // Per open container: its count of members or elements, and whether it is an array.
        int[] counts = new int[16];
        boolean[] arrays = new boolean[16];
        int depth = 0;
        try (JsonParser parser = JSON.createParser(body))
        {
            JsonToken token = parser.nextToken();
            if (token == null)
            {
                return "The request body is empty, not JSON.";
            }
            while (token != null)
            {
                if (depth > 0 && arrays[depth - 1] && token != JsonToken.END_ARRAY && ++counts[depth - 1] > maxElements && maxElements >= 0)
                {
                    return "An array in the request body has more than " + maxElements + " elements; this route takes at most " + maxElements + ".";
                }
                switch (token)
                {
                    case START_OBJECT, START_ARRAY ->
                    {
                        if (++depth > maxDepth && maxDepth >= 0)
                        {
                            return "The request body nests objects and arrays more than " + maxDepth + " deep; this route takes at most " + maxDepth + ".";
                        }
                        if (depth > counts.length)
                        {
                            counts = Arrays.copyOf(counts, counts.length * 2);
                            arrays = Arrays.copyOf(arrays, arrays.length * 2);
                        }
                        counts[depth - 1] = 0;
                        arrays[depth - 1] = token == JsonToken.START_ARRAY;
                    }
                    case END_OBJECT, END_ARRAY -> depth--;
                    case FIELD_NAME ->
                    {
                        if (parser.getTextLength() > maxName && maxName >= 0)
                        {
                            return "A member name in the request body is longer than " + maxName + " characters; this route takes at most " + maxName + ".";
                        }
                        if (++counts[depth - 1] > maxEntries && maxEntries >= 0)
                        {
                            return "An object in the request body has more than " + maxEntries + " members; this route takes at most " + maxEntries + ".";
                        }
                    }
                    case VALUE_STRING ->
                    {
                        if (parser.getTextLength() > maxString && maxString >= 0)
                        {
                            return "A string in the request body is longer than " + maxString + " characters; this route takes at most " + maxString + ".";
                        }
                    }
                    default ->
                    {
                        // Numbers, true, false, null: nothing to count but their place in an array.
                    }
                }
                if (depth == 0)
                {
                    break;
                }
                token = parser.nextToken();
            }
            if (parser.nextToken() != null)
            {
                return "The request body has more after its JSON value" + at(parser.currentTokenLocation()) + ".";
            }
            return null;
        }
        catch (com.fasterxml.jackson.core.exc.StreamConstraintsException x)
        {
            return "The request body nests objects and arrays deeper than Sluice reads (2000).";
        }
        catch (JsonParseException x)
        {
            String message = x.getOriginalMessage();
            if (message != null && message.startsWith("Duplicate field"))
            {
                return "An object in the request body names a member twice" + at(x.getLocation()) + "; parsers disagree on which one counts.";
            }
            return "The request body is not valid JSON" + at(x.getLocation()) + ".";
        }
        catch (IOException x)
        {
            return "The request body is not valid JSON.";
        }
    }

    private static String at(JsonLocation location)
    {
        return location == null || location.getLineNr() < 1 ? "" : " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
    }
}
