// Which peers may tell Sluice who the client is (X-Forwarded-For and friends).
package dev.sluice.exchange;

import java.util.List;

/**
 * The front proxies (load balancers, CDNs) whose forwarding headers are believed. From anyone
 * else they are ignored and replaced, so a client cannot pick its own address.
 *
 * <p>The client address is found as nginx's {@code real_ip_recursive on} does: if the peer is
 * trusted, walk {@code X-Forwarded-For} from the right, skipping trusted addresses; the first
 * untrusted one is the client. If every hop is trusted, the left-most is the client.</p>
 */
public record TrustedProxies(List<Cidr> blocks)
{
    public static final TrustedProxies NONE = new TrustedProxies(List.of());

    public TrustedProxies
    {
        blocks = List.copyOf(blocks);
    }

    public boolean trusts(String address)
    {
        if (blocks.isEmpty())
        {
            return false;
        }
        byte[] bytes = Cidr.literal(address);
        for (Cidr block : blocks)
        {
            if (block.contains(bytes))
            {
                return true;
            }
        }
        return false;
    }

    /**
     * The client's address.
     *
     * @param peer the address of the TCP peer
     * @param forwardedFor every {@code X-Forwarded-For} value in order, or an empty list
     */
    public String clientAddress(String peer, List<String> forwardedFor)
    {
        if (!trusts(peer) || forwardedFor.isEmpty())
        {
            return peer;
        }
        String candidate = peer;
        for (int i = forwardedFor.size() - 1; i >= 0; i--)
        {
            String[] hops = forwardedFor.get(i).split(",");
            for (int j = hops.length - 1; j >= 0; j--)
            {
                String hop = stripPort(hops[j].trim());
                if (Cidr.literal(hop) == null)
                {
                    // Garbage in the chain: stop at the last address we could trust.
                    return candidate;
                }
                candidate = hop;
                if (!trusts(hop))
                {
                    return hop;
                }
            }
        }
        return candidate;
    }

    private static String stripPort(String hop)
    {
        if (hop.startsWith("["))
        {
            int close = hop.indexOf(']');
            return close > 0 ? hop.substring(1, close) : hop;
        }
        int colon = hop.indexOf(':');
        if (colon > 0 && hop.indexOf(':', colon + 1) < 0)
        {
            return hop.substring(0, colon);
        }
        return hop;
    }
}
