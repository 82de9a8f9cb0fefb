// The index entry of a resource whose responses Vary: which headers select, and the variant keys.
package dev.sluice.cache;

import java.util.List;

/**
 * Stored under the primary key when a response carries {@code Vary}; each variant is stored
 * under the primary key plus its normalised selecting values. Keeps at most
 * {@link #MAX_VARIANTS} variant keys, newest last, so a header with endless values cannot grow
 * one resource without bound; the oldest is dropped from the index (and evicted by the store in
 * time).
 *
 * @param vary the lower-case header names the newest response's Vary listed
 * @param keys the variant keys stored so far
 */
public record Variants(List<String> vary, List<String> keys) implements CacheEntry
{
    public static final int MAX_VARIANTS = 64;

    public Variants
    {
        vary = List.copyOf(vary);
        keys = List.copyOf(keys);
    }
}
