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
