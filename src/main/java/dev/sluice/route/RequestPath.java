// A request path split into segments, percent-decoded for matching, dot segments resolved.
package dev.sluice.route;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The path of a request as routing sees it. Each segment is kept twice: raw (as the client
 * encoded it, which is what goes upstream) and decoded without its path parameters
 * ({@code ;jsessionid=1}, {@code ;v=2}), which is what route patterns are compared with.
 *
 * <p>Dot segments ({@code .}, {@code ..}, also percent-encoded) are resolved here, before
 * matching, so a path can never match one route and then climb out of it upstream. A path that
 * climbs above the root, or hides a separator inside a segment ({@code %2F}, {@code %5C},
 * a backslash), or a control character, or a dot segment behind path parameters ({@code ..;}),
 * is refused: each of those is read differently by different servers, which is how prefix
 * escapes happen. Routes that take encoded slashes ({@code allow-encoded-slashes}: GitLab's API
 * names projects {@code group%2Fproject}) are matched with a path from
 * {@link #parseKeepingEncodedSlashes}, where such a segment is one segment and goes upstream as
 * sent; even there, no part of it between encoded slashes may be a dot segment.</p>
 *
 * <p>A trailing slash is an empty last segment, so {@code /a/} is {@code ["a", ""]} and
 * {@code /} is {@code [""]}.</p>
 */
public final class RequestPath
{
    static final String HIDDEN_SEPARATOR = "the path hides a separator in a percent-escape";

    private final List<String> raw;
    private final List<String> decoded;
    private final boolean encodedSlash;

    private RequestPath(List<String> raw, List<String> decoded, boolean encodedSlash)
    {
        this.raw = List.copyOf(raw);
        this.decoded = List.copyOf(decoded);
        this.encodedSlash = encodedSlash;
    }

    /** The path, refused if any segment hides a {@code /} in a percent-escape. */
    public static RequestPath parse(String rawPath) throws BadPathException
    {
        RequestPath path = parseKeepingEncodedSlashes(rawPath);
        if (path.encodedSlash)
        {
            throw new BadPathException(HIDDEN_SEPARATOR);
        }
        return path;
    }

    /**
     * The path, where a segment may hide a {@code /} in a percent-escape ({@code %2F}): it stays
     * one segment, "a/b" decoded, and {@link #hasEncodedSlash} says so. Everything else is refused
     * as by {@link #parse}, and so is a dot segment between encoded slashes ({@code ..%2F}), which
     * a back-end that decodes before it resolves dot segments would climb with.
     */
    public static RequestPath parseKeepingEncodedSlashes(String rawPath) throws BadPathException
    {
        if (rawPath == null || rawPath.isEmpty())
        {
            rawPath = "/";
        }
        if (rawPath.charAt(0) != '/')
        {
            throw new BadPathException("the path must start with '/'");
        }
        String[] parts = rawPath.substring(1).split("/", -1);
        List<String> raw = new ArrayList<>(parts.length);
        List<String> decoded = new ArrayList<>(parts.length);
        boolean encodedSlash = false;
        for (int i = 0; i < parts.length; i++)
        {
            boolean last = i == parts.length - 1;
            String part = parts[i];
            String text = decode(part);
            if (text.indexOf('/') >= 0)
            {
                encodedSlash = true;
                checkHiddenSegments(text);
            }
            int semicolon = text.indexOf(';');
            String beforeParameters = semicolon < 0 ? text : text.substring(0, semicolon);
            if (semicolon >= 0 && (".".equals(beforeParameters) || "..".equals(beforeParameters)))
            {
                throw new BadPathException("a dot segment carries path parameters");
            }
            if (".".equals(text))
            {
                if (last)
                {
                    raw.add("");
                    decoded.add("");
                }
                continue;
            }
            if ("..".equals(text))
            {
                if (raw.isEmpty())
                {
                    throw new BadPathException("the path climbs above the root");
                }
                raw.remove(raw.size() - 1);
                decoded.remove(decoded.size() - 1);
                if (last)
                {
                    raw.add("");
                    decoded.add("");
                }
                continue;
            }
            raw.add(part);
            // Matched without its parameters, as servlet containers and Spring read it: routed by
            // "admin;x", /api/admin;x went to the route of /api and then reached a back-end that
            // took it for /api/admin, past that route's authentication.
            decoded.add(beforeParameters);
        }
        if (raw.isEmpty())
        {
            raw.add("");
            decoded.add("");
        }
        return new RequestPath(raw, decoded, encodedSlash);
    }

    private static void checkHiddenSegments(String text) throws BadPathException
    {
        for (String each : text.split("/", -1))
        {
            int semicolon = each.indexOf(';');
            String name = semicolon < 0 ? each : each.substring(0, semicolon);
            if (".".equals(name) || "..".equals(name))
            {
                throw new BadPathException("the path hides a dot segment behind an encoded '/'");
            }
        }
    }

    /** Whether a segment hides a {@code /} in a percent-escape (only from {@link #parseKeepingEncodedSlashes}). */
    public boolean hasEncodedSlash()
    {
        return encodedSlash;
    }

    private static String decode(String segment) throws BadPathException
    {
        if (segment.indexOf('\\') >= 0)
        {
            throw new BadPathException("the path contains a backslash");
        }
        if (segment.indexOf('%') < 0)
        {
            checkCharacters(segment);
            return segment;
        }
        ByteBuffer bytes = ByteBuffer.allocate(segment.length());
        for (int i = 0; i < segment.length(); i++)
        {
            char c = segment.charAt(i);
            if (c == '%')
            {
                if (i + 2 >= segment.length())
                {
                    throw new BadPathException("the path has an incomplete percent-escape");
                }
                int high = Character.digit(segment.charAt(i + 1), 16);
                int low = Character.digit(segment.charAt(i + 2), 16);
                if (high < 0 || low < 0)
                {
                    throw new BadPathException("the path has an invalid percent-escape");
                }
                bytes.put((byte)((high << 4) | low));
                i += 2;
            }
            else if (c < 0x80)
            {
                bytes.put((byte)c);
            }
            else
            {
                throw new BadPathException("the path has a character that must be percent-encoded");
            }
        }
        bytes.flip();
        String text;
        try
        {
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(bytes);
            text = chars.toString();
        }
        catch (CharacterCodingException x)
        {
            throw new BadPathException("the path is not valid UTF-8 once decoded");
        }
        if (text.indexOf('\\') >= 0)
        {
            throw new BadPathException(HIDDEN_SEPARATOR);
        }
        checkCharacters(text);
        return text;
    }

    private static void checkCharacters(String text) throws BadPathException
    {
        for (int i = 0; i < text.length(); i++)
        {
            char c = text.charAt(i);
            if (c < 0x20 || c == 0x7f)
            {
                throw new BadPathException("the path contains a control character");
            }
        }
    }

    /**
     * Raw segments, as the client encoded them, dot segments resolved.
     */
    public List<String> raw()
    {
        return raw;
    }

    /**
     * Decoded segments without their path parameters, what route patterns match against.
     */
    public List<String> decoded()
    {
        return decoded;
    }

    /**
     * The normalised raw path, e.g. {@code /a/b%20c/}.
     */
    /**
     * One spelling for every way of writing this path: dot segments resolved, percent-encoding
     * decoded, path parameters ({@code ;p=1}) cut off each segment. For keys that must not be
     * split by how a client chose to encode the same path (rate limits by path).
     */
    public String canonical()
    {
        StringBuilder path = new StringBuilder();
        for (String segment : decoded)
        {
            path.append('/').append(segment);
        }
        return path.length() == 0 ? "/" : path.toString();
    }

    public String rawPath()
    {
        return "/" + String.join("/", raw);
    }

    @Override
    public String toString()
    {
        return rawPath();
    }
}
