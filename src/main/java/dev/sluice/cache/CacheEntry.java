// What the store holds under a key: a response, or the list of variants of a Vary-ing resource.
package dev.sluice.cache;

/** Either a {@link CachedResponse} or {@link Variants}. */
public sealed interface CacheEntry permits CachedResponse, Variants
{
}
