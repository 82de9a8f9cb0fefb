// Token counts of one AI answer, as the provider reported them or as Sluice counted them.
package dev.sluice.ai;

/**
 * @param cachedTokens prompt tokens served from the provider's prompt cache (part of {@code promptTokens})
 * @param reasoningTokens completion tokens spent reasoning (part of {@code completionTokens})
 * @param estimated whether Sluice counted with a tokenizer because the provider said nothing
 */
public record Usage(long promptTokens, long completionTokens, long cachedTokens, long reasoningTokens, boolean estimated)
{
    public static final Usage NONE = new Usage(0, 0, 0, 0, false);

    public long totalTokens()
    {
        return promptTokens + completionTokens;
    }
}
