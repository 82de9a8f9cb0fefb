// The index entry of a resource whose responses Vary: which headers select, and the variant keys.
package dev.sluice.cache;

import java.util.List;

/**
 * Stored under the primary key when a response carries {@code Vary}; each variant is stored
 * under the primary key plus its normalised selecting values. Keeps at most
 * {@link #MAX_VARIANTS} variant keys, newest last, so a header with endless values cannot grow
 * one resource without bound; the oldest is dropped from the index (and evicted by the store in
 * time).
 * {@code vary} holds the lower-case header names the newest response's Vary listed, {@code keys}
 * the variant keys stored so far. A class, not a record, for Ehcache's heap sizing.
 */
public final class Variants implements CacheEntry
{
    public static final int MAX_VARIANTS = 64;

    private final String[] vary;
    private final String[] keys;

    public Variants(List<String> vary, List<String> keys)
    {
        this.vary = vary.toArray(new String[0]);
        this.keys = keys.toArray(new String[0]);
    }

    public List<String> vary()
    {
        return List.of(vary);
    }

    public List<String> keys()
    {
        return List.of(keys);
    }
}
