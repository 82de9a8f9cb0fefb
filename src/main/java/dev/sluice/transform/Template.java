// A header, query or JSON value with ${...} references filled per request, compiled once at load.
package dev.sluice.transform;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code ${consumer.id}}, {@code ${consumer.username}}, {@code ${jwt.claim.<name>}},
 * {@code ${client.ip}}, {@code ${request.id}}, {@code ${route}}, {@code ${header.<name>}} and
 * {@code ${query.<name>}} are filled from the request; {@code ${env.<NAME>}} was filled when the
 * configuration was read (by the configuration reader, like every other {@code ${NAME}}). A
 * reference to something the request does not have is empty, and a value that comes out empty
 * is left out altogether (no empty header, no empty parameter, no empty JSON field).
 */
public final class Template
{
    /** What a template can read of one request. */
    public interface Source
    {
        String consumerId();

        String consumerUsername();

        String claim(String name);

        String clientIp();

        String requestId();

        String route();

        String header(String name);

        String query(String name);
    }

    private enum Kind
    {
        LITERAL, CONSUMER_ID, CONSUMER_USERNAME, CLAIM, CLIENT_IP, REQUEST_ID, ROUTE, HEADER, QUERY
    }

    private record Part(Kind kind, String text)
    {
    }

    private final String source;
    private final List<Part> parts;
    private final String constant;

    private Template(String source, List<Part> parts)
    {
        this.source = source;
        this.parts = List.copyOf(parts);
        this.constant = parts.stream().allMatch(part -> part.kind == Kind.LITERAL)
            ? parts.stream().map(Part::text).reduce("", String::concat) : null;
    }

    /**
     * @throws IllegalArgumentException naming what is wrong, for the configuration error
     */
    public static Template compile(String text)
    {
        List<Part> parts = new ArrayList<>();
        int at = 0;
        while (at < text.length())
        {
            int start = text.indexOf("${", at);
            if (start < 0)
            {
                parts.add(new Part(Kind.LITERAL, text.substring(at)));
                break;
            }
            if (start > at)
            {
                parts.add(new Part(Kind.LITERAL, text.substring(at, start)));
            }
            int end = text.indexOf('}', start);
            if (end < 0)
            {
                throw new IllegalArgumentException("an unclosed ${ at position " + start);
            }
            parts.add(reference(text.substring(start + 2, end)));
            at = end + 1;
        }
        return new Template(text, parts);
    }

    private static Part reference(String name)
    {
        switch (name)
        {
            case "consumer.id":
                return new Part(Kind.CONSUMER_ID, null);
            case "consumer.username":
                return new Part(Kind.CONSUMER_USERNAME, null);
            case "client.ip":
                return new Part(Kind.CLIENT_IP, null);
            case "request.id":
                return new Part(Kind.REQUEST_ID, null);
            case "route":
                return new Part(Kind.ROUTE, null);
            default:
                break;
        }
        if (name.startsWith("jwt.claim.") && name.length() > 10)
        {
            return new Part(Kind.CLAIM, name.substring(10));
        }
        if (name.startsWith("header.") && name.length() > 7)
        {
            return new Part(Kind.HEADER, name.substring(7));
        }
        if (name.startsWith("query.") && name.length() > 6)
        {
            return new Part(Kind.QUERY, name.substring(6));
        }
        throw new IllegalArgumentException("an unknown reference ${" + name + "}; allowed: ${consumer.id}, ${consumer.username}, ${jwt.claim.<name>}, "
            + "${client.ip}, ${request.id}, ${route}, ${header.<name>}, ${query.<name>}, ${env.<NAME>}");
    }

    /** Whether the value is the same for every request (no reference to the request). */
    public boolean constant()
    {
        return constant != null;
    }

    /** The value for one request; empty when it comes out empty. */
    public String expand(Source request)
    {
        if (constant != null)
        {
            return constant;
        }
        StringBuilder out = new StringBuilder(32);
        for (Part part : parts)
        {
            String value = switch (part.kind)
            {
                case LITERAL -> part.text;
                case CONSUMER_ID -> request.consumerId();
                case CONSUMER_USERNAME -> request.consumerUsername();
                case CLAIM -> request.claim(part.text);
                case CLIENT_IP -> request.clientIp();
                case REQUEST_ID -> request.requestId();
                case ROUTE -> request.route();
                case HEADER -> request.header(part.text);
                case QUERY -> request.query(part.text);
            };
            if (value != null)
            {
                out.append(value);
            }
        }
        return out.toString();
    }

    /**
     * Whether a header value is safe to send: no CR, LF or NUL (a header line injected through a
     * reference to what the client sent) and no other control character but tab.
     */
    public static boolean safeHeaderValue(String value)
    {
        for (int i = 0; i < value.length(); i++)
        {
            char c = value.charAt(i);
            if ((c < 0x20 && c != '\t') || c == 0x7f)
            {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString()
    {
        return source;
    }
}
