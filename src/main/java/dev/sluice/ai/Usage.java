// Token counts of one AI answer, as the provider reported them or as Sluice counted them.
package dev.sluice.ai;

/**
 * @param cachedTokens prompt tokens served from the provider's prompt cache (part of {@code promptTokens})
 * @param reasoningTokens completion tokens spent reasoning (part of {@code completionTokens})
 * @param estimated whether Sluice counted with a tokenizer because the provider said nothing
 * @param cacheWriteTokens prompt tokens written to the provider's prompt cache (part of
 *        {@code promptTokens}; Anthropic charges them above the input price)
 * @param webSearches searches Anthropic's web search tool made for the answer (billed per search)
 */
public record Usage(long promptTokens, long completionTokens, long cachedTokens, long reasoningTokens, boolean estimated, long cacheWriteTokens,
    long webSearches)
{
    public static final Usage NONE = new Usage(0, 0, 0, 0, false);

    /**
     * The most tokens one count of one answer may have; a provider's larger count is taken as this
     * many. No model reads or writes near a billion tokens in one answer, and the bound keeps sums
     * and costs far from overflowing.
     */
    public static final long MAX_TOKENS = 1_000_000_000L;

    /**
     * Counts are never negative nor past {@link #MAX_TOKENS}: a provider's usage is read into
     * budgets and token limits, where a negative count would give back what was spent and one near
     * {@code Long.MAX_VALUE} would overflow into nonsense (both seen from a misbehaving server).
     */
    public Usage
    {
        promptTokens = bounded(promptTokens);
        completionTokens = bounded(completionTokens);
        cachedTokens = bounded(cachedTokens);
        reasoningTokens = bounded(reasoningTokens);
        cacheWriteTokens = bounded(cacheWriteTokens);
        webSearches = bounded(webSearches);
    }

    /** A count from a provider's usage object, bounded as above; {@code fallback} when it is absent. */
    public static long tokens(com.fasterxml.jackson.databind.JsonNode count, long fallback)
    {
        return count == null || count.isMissingNode() || count.isNull() ? fallback : bounded(count.asLong(0));
    }

    /** As above, 0 when absent. */
    public static long tokens(com.fasterxml.jackson.databind.JsonNode count)
    {
        return tokens(count, 0);
    }

    private static long bounded(long count)
    {
        return Math.max(0, Math.min(MAX_TOKENS, count));
    }

    /** Usage without web searches. */
    public Usage(long promptTokens, long completionTokens, long cachedTokens, long reasoningTokens, boolean estimated, long cacheWriteTokens)
    {
        this(promptTokens, completionTokens, cachedTokens, reasoningTokens, estimated, cacheWriteTokens, 0);
    }

    /** Usage without prompt-cache writes. */
    public Usage(long promptTokens, long completionTokens, long cachedTokens, long reasoningTokens, boolean estimated)
    {
        this(promptTokens, completionTokens, cachedTokens, reasoningTokens, estimated, 0, 0);
    }

    public long totalTokens()
    {
        return promptTokens + completionTokens;
    }
}
