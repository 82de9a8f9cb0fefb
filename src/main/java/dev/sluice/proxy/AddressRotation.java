// Spreads an upstream host name's new connections over its addresses, instead of always the first.
package dev.sluice.proxy;

import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.SocketAddressResolver;

/**
 * Jetty's client resolves a target's host name when it opens a connection and tries the
 * addresses in the order the resolver gave them, moving on only when one fails to connect: a
 * name with several addresses (a Kubernetes headless service, a DNS round-robin) had every
 * connection on its first address. This resolver starts each resolution at the next address in
 * turn, so new connections spread over all of them; the others stay behind it, in order, as
 * fallbacks. Only addresses of the first one's family take turns: a name with both IPv4 and IPv6
 * addresses keeps the family the JVM prefers first, since the other may be unreachable (a
 * connection would wait for the connect timeout before falling back).
 *
 * <p>Connections are pooled and reused, so requests spread as connections do: evenly under
 * concurrent load, and on one address while a single connection serves a quiet client. Which
 * addresses a name has is the JVM's to say: it caches lookups for 30 s
 * ({@code networkaddress.cache.ttl}).</p>
 */
final class AddressRotation implements SocketAddressResolver
{
    /** Names are upstream targets from the configuration, not clients' choice; this bounds them anyway. */
    private static final int MAX_NAMES = 4096;

    private final SocketAddressResolver resolver;
    private final Map<String, AtomicInteger> turns = new ConcurrentHashMap<>();

    AddressRotation(SocketAddressResolver resolver)
    {
        this.resolver = resolver;
    }

    @Override
    public void resolve(String host, int port, Map<String, Object> context, Promise<List<InetSocketAddress>> promise)
    {
        resolver.resolve(host, port, context, Promise.from(addresses -> promise.succeeded(addresses.size() < 2 ? addresses : rotated(addresses, turn(host, port))),
            promise::failed));
    }

    private int turn(String host, int port)
    {
        if (turns.size() >= MAX_NAMES)
        {
            turns.clear();
        }
        return turns.computeIfAbsent(host + ':' + port, name -> new AtomicInteger()).getAndIncrement();
    }

    /**
     * The addresses of the first one's family, rotated to start at {@code turn} (modulo their
     * number), then the others in their order.
     */
    static List<InetSocketAddress> rotated(List<InetSocketAddress> addresses, int turn)
    {
        boolean v4 = addresses.get(0).getAddress() instanceof Inet4Address;
        List<InetSocketAddress> family = new ArrayList<>(addresses.size());
        List<InetSocketAddress> others = new ArrayList<>();
        for (InetSocketAddress address : addresses)
        {
            (address.getAddress() instanceof Inet4Address == v4 ? family : others).add(address);
        }
        List<InetSocketAddress> result = new ArrayList<>(addresses.size());
        int start = Math.floorMod(turn, family.size());
        for (int i = 0; i < family.size(); i++)
        {
            result.add(family.get((start + i) % family.size()));
        }
        result.addAll(others);
        return result;
    }
}
