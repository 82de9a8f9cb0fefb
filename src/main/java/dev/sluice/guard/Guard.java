// What one route (or every route) lets through before authentication: addresses, methods, sizes, types.
package dev.sluice.guard;

import java.time.Duration;
import java.util.List;
import java.util.Set;

import dev.sluice.exchange.Cidr;

/**
 * A route's guard, already merged with the global one ({@code guard.*}): each route setting
 * replaces the global one it names, except deny lists, which add up (a global deny cannot be
 * lifted by a route). Empty lists and sets, and zero or negative sizes, mean no limit.
 *
 * @param allow if not empty, only client addresses in these blocks pass (403 otherwise)
 * @param deny client addresses in these blocks never pass (403); deny wins over allow
 * @param methods if not empty, the methods this route takes (405 with {@code Allow} otherwise)
 * @param maxBody the largest request body in bytes (413), or -1
 * @param maxHeaders the most request header fields (431), or 0
 * @param maxHeaderBytes the largest total of request header names and values in bytes (431), or 0
 * @param contentTypes if not empty, the media types a request body may have ({@code type/*} allowed; 415 otherwise)
 * @param maintenance whether the route answers 503 with {@code Retry-After: retryAfter} instead of forwarding
 * @param json limits on JSON request bodies, or null; checked by the proxy servlet after
 *        authentication, since it reads the body, not by the guard filter
 */
public record Guard(
    List<Cidr> allow,
    List<Cidr> deny,
    Set<String> methods,
    long maxBody,
    int maxHeaders,
    long maxHeaderBytes,
    Set<String> contentTypes,
    boolean maintenance,
    Duration retryAfter,
    JsonLimits json)
{
    public static final Guard NONE = new Guard(List.of(), List.of(), Set.of(), -1, 0, 0, Set.of(), false, Duration.ofSeconds(60), null);

    public Guard
    {
        allow = List.copyOf(allow);
        deny = List.copyOf(deny);
        methods = java.util.Collections.unmodifiableSet(new java.util.LinkedHashSet<>(methods));
        contentTypes = java.util.Collections.unmodifiableSet(new java.util.LinkedHashSet<>(contentTypes));
    }

    /** Whether the guard filter checks anything at all: most routes' guard is empty, and costs one comparison. */
    public boolean empty()
    {
        return allow.isEmpty() && deny.isEmpty() && methods.isEmpty() && maxBody < 0 && maxHeaders == 0 && maxHeaderBytes == 0
            && contentTypes.isEmpty() && !maintenance;
    }

    /** Whether a client address passes the address lists. */
    public boolean admits(String address)
    {
        if (allow.isEmpty() && deny.isEmpty())
        {
            return true;
        }
        byte[] bytes = Cidr.literal(address);
        for (Cidr block : deny)
        {
            if (block.contains(bytes))
            {
                return false;
            }
        }
        if (allow.isEmpty())
        {
            return true;
        }
        for (Cidr block : allow)
        {
            if (block.contains(bytes))
            {
                return true;
            }
        }
        return false;
    }

    /** Whether a body of this media type (parameters already cut, lower case) is accepted. */
    public boolean accepts(String mediaType)
    {
        if (contentTypes.isEmpty() || contentTypes.contains(mediaType))
        {
            return true;
        }
        int slash = mediaType.indexOf('/');
        return slash > 0 && contentTypes.contains(mediaType.substring(0, slash) + "/*");
    }
}
