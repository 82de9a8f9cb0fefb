// What one AI exchange did, for the access log, metrics and the usage book.
package dev.sluice.ai;

/**
 * Filled by the AI front as the exchange goes and read once when it completes.
 *
 * @param alias the model the client asked for
 * @param provider the provider that answered (or was tried last)
 * @param model the model that answered, as the provider named it
 * @param attempts how many targets were tried
 * @param ttftNanos time from the request's arrival to the first content token, or -1
 * @param providerNanos time from sending to the provider to the end of its answer, or -1
 * @param prompt the prompt, only when {@code ai.log.bodies = true}
 * @param completion the answer's text, only when {@code ai.log.bodies = true}
 * @param governed what governance did to the exchange
 */
public record AiRecord(
    String alias,
    String provider,
    String model,
    int attempts,
    boolean stream,
    Usage usage,
    double cost,
    long ttftNanos,
    long providerNanos,
    String prompt,
    String completion,
    Governed governed)
{
    /**
     * @param cache the AI cache's verdict (HIT, MISS, BYPASS) or null when the route does not cache
     * @param tokensSaved on a hit, the tokens the stored answer cost when it was made
     * @param redactions how many matches redaction replaced in the prompt
     * @param queuedNanos how long the request waited for a provider slot
     */
    public record Governed(String cache, long tokensSaved, int redactions, long queuedNanos)
    {
        public static final Governed NONE = new Governed(null, 0, 0, 0);
    }

    /** Output tokens per second of generation (after the first token), or -1 when unknown. */
    public double tokensPerSecond()
    {
        if (usage == null || providerNanos <= 0 || usage.completionTokens() <= 0)
        {
            return -1;
        }
        long generation = ttftNanos > 0 && stream ? Math.max(1, providerNanos - ttftNanos) : providerNanos;
        return usage.completionTokens() * 1e9 / generation;
    }
}
