// route.<name>.split.<upstream>: a share of a route's requests sent to other upstreams (canary releases).
package dev.sluice.route;

import java.util.List;

import dev.sluice.upstream.PoolSettings;

/**
 * What nginx's {@code split_clients}, Envoy's {@code weighted_clusters} and Kong's canary plugin
 * do: a new version of a service (its own upstream, with its own pool, base path and TLS) takes
 * a share of the route's requests, the route's own upstream the rest.
 *
 * @param shares the other upstreams and their shares in percent, in configuration order; together at most 100
 * @param by what keeps a client on one side ({@code split.by}: a header, cookie, the client's
 *        address, the consumer or the path, hashed), or null to draw per request
 */
public record Split(List<Share> shares, PoolSettings.HashOn by)
{
    public record Share(String upstream, int percent)
    {
    }

    public Split
    {
        shares = List.copyOf(shares);
    }

    /**
     * The upstream for a request that drew {@code bucket} (0 to 99), or {@code main} when the
     * bucket falls past every share.
     */
    public String upstream(int bucket, String main)
    {
        int upTo = 0;
        for (Share share : shares)
        {
            upTo += share.percent();
            if (bucket < upTo)
            {
                return share.upstream();
            }
        }
        return main;
    }

    /** A bucket from 0 to 99 for a key: the same key always the same bucket, keys spread evenly. */
    public static int bucket(String key)
    {
        // String.hashCode is stable across JVMs; the finalizer of MurmurHash3 spreads similar keys.
        int h = key.hashCode();
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        return Math.floorMod(h, 100);
    }
}
