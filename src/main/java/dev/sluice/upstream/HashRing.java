// Consistent hashing: a ring of points per target, so a key keeps its target and few keys move.
package dev.sluice.upstream;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Ketama-style ring. Each target with weight above zero gets points in proportion to its weight
 * (160 for the heaviest); a key goes to the first point at or after its hash whose target is a
 * candidate. Adding a target takes over only the arcs its points land on, about 1/N of keys;
 * a target that is ejected or unhealthy hands its keys to the next targets on the ring and
 * takes them back when it returns.
 */
final class HashRing implements Balancer
{
    static final int POINTS = 160;

    private final long[] points;
    private final Member[] owners;
    private final int memberCount;

    HashRing(List<Member> members)
    {
        memberCount = members.size();
        int maxWeight = members.stream().mapToInt(member -> member.target.weight()).max().orElse(1);
        int count = 0;
        int[] perMember = new int[members.size()];
        for (int i = 0; i < members.size(); i++)
        {
            int weight = members.get(i).target.weight();
            perMember[i] = weight == 0 ? 0 : Math.max(1, (int)Math.round((double)POINTS * weight / maxWeight));
            count += perMember[i];
        }
        long[][] entries = new long[count][];
        int next = 0;
        for (int i = 0; i < members.size(); i++)
        {
            String authority = members.get(i).target.authority();
            for (int p = 0; p < perMember[i]; p++)
            {
                entries[next++] = new long[] {hash(authority + "#" + p), i};
            }
        }
        Arrays.sort(entries, (x, y) -> Long.compareUnsigned(x[0], y[0]));
        points = new long[count];
        owners = new Member[count];
        for (int i = 0; i < count; i++)
        {
            points[i] = entries[i][0];
            owners[i] = members.get((int)entries[i][1]);
        }
    }

    @Override
    public Member choose(List<Member> candidates, String hashKey, long now)
    {
        if (points.length == 0)
        {
            return candidates.get(0);
        }
        boolean[] allowed = new boolean[memberCount];
        for (Member candidate : candidates)
        {
            allowed[candidate.index] = true;
        }
        int start = firstAtOrAfter(hash(hashKey));
        for (int i = 0; i < points.length; i++)
        {
            Member owner = owners[(start + i) % points.length];
            if (allowed[owner.index])
            {
                return owner;
            }
        }
        // Only candidates without points (weight 0 are never candidates): fall back to the first.
        return candidates.get(0);
    }

    private int firstAtOrAfter(long hash)
    {
        int low = 0;
        int high = points.length - 1;
        if (Long.compareUnsigned(hash, points[high]) > 0)
        {
            return 0;
        }
        while (low < high)
        {
            int mid = (low + high) >>> 1;
            if (Long.compareUnsigned(points[mid], hash) < 0)
            {
                low = mid + 1;
            }
            else
            {
                high = mid;
            }
        }
        return low;
    }

    /** FNV-1a over UTF-8, finished with MurmurHash3's 64-bit mix so nearby keys spread. */
    static long hash(String key)
    {
        long h = 0xcbf29ce484222325L;
        for (byte b : key.getBytes(StandardCharsets.UTF_8))
        {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }
}
