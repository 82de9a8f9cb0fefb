// JMH: what AI governance adds per request: token reservation and settlement, a budget, a provider queue slot, the cache key.
package dev.sluice.ai;

import java.net.URI;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.ratelimit.Limit;
import dev.sluice.ratelimit.LocalBucketStore;
import dev.sluice.ratelimit.RedisBucketStore;
import dev.sluice.testing.RedisServer;
import io.github.bucket4j.TimeMeter;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * In package {@code dev.sluice.ai} (not {@code dev.sluice.bench.jmh}) to reach the package's
 * own classes; {@code bench/jmh.sh GovernanceBenchmark} runs it.
 * <ul>
 * <li>{@code tokensLocal}: {@link TokenLimits#reserve} of a consumer under a token limit and a
 * request limit that never refuse, then settling the real usage — two buckets taken, one adjusted,
 * in process. {@code tokensRedis}: the same against redis-server on loopback.</li>
 * <li>{@code budgetLocal}: a worst-case cost reserved against a consumer budget and settled.</li>
 * <li>{@code queueSlot}: a provider slot taken and given back, uncontended.</li>
 * <li>{@code cacheKey}: the normalised SHA-256 key of a two-message chat request.</li>
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class GovernanceBenchmark
{
    private RedisServer redis;
    private RedisBucketStore redisStore;
    private TokenLimits local;
    private TokenLimits remote;
    private Governance governance;
    private TokenLimits.Asker asker;
    private BudgetBook budgets;
    private ProviderQueues queues;
    private Governance.QueueSpec queue;
    private AiCache cache;
    private ObjectNode body;
    private ScheduledExecutorScheduler scheduler;
    private final Usage usage = new Usage(30, 12, 0, 0, false);
    private final ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC);

    @Setup
    public void setUp() throws Exception
    {
        redis = RedisServer.start();
        LocalBucketStore store = new LocalBucketStore(100_000, TimeMeter.SYSTEM_MILLISECONDS);
        redisStore = new RedisBucketStore(URI.create(redis.uri()), Duration.ofSeconds(1), "bench:");
        local = new TokenLimits(() -> store);
        remote = new TokenLimits(() -> redisStore);
        Governance.TokenLimit limit = new Governance.TokenLimit("tpm", Limit.parseList("999999999/s"), Limit.parseList("999999999/s"),
            Governance.Count.TOTAL, Governance.Scope.CONSUMER, Set.of(), Set.of(), Set.of(), Set.of());
        governance = new Governance(List.of(limit), true, Governance.Budgets.NONE, Governance.CacheSpec.OFF, Map.of(), Map.of(), Map.of(), Map.of(),
            Map.of(), Duration.ZERO, 64);
        asker = new TokenLimits.Asker("ai", "gpt", "bench", Set.of(), "consumer/bench");
        scheduler = new ScheduledExecutorScheduler();
        scheduler.start();
        budgets = new BudgetBook(new Governance.Budgets(Map.of("bench", new Governance.Budget(Long.MAX_VALUE / 4, Governance.Period.MONTH)), Map.of(),
            429, null, false), null, Duration.ofSeconds(1), scheduler);
        queues = new ProviderQueues(scheduler);
        queue = new Governance.QueueSpec(8, 100, 50, Duration.ofSeconds(30));
        cache = new AiCache(new Governance.CacheSpec(Set.of("ai"), Duration.ofHours(1), 1000, 0, null, 0, 1 << 20, false, false, false));
        body = (ObjectNode)AnthropicTranslation.JSON.readTree("{\"model\":\"gpt\",\"temperature\":0.2,\"messages\":[{\"role\":\"system\",\"content\":"
            + "\"Be brief.\"},{\"role\":\"user\",\"content\":\"Tell me in ten words why an API gateway sits in front of language models\"}]}");
    }

    @TearDown
    public void tearDown() throws Exception
    {
        budgets.close();
        cache.close();
        scheduler.stop();
        redisStore.close();
        redis.close();
    }

    @Benchmark
    public Object tokensLocal()
    {
        TokenLimits.Outcome outcome = local.reserve(governance, asker, 30, 256);
        outcome.reservation().settle(usage);
        return outcome;
    }

    @Benchmark
    public Object tokensRedis()
    {
        TokenLimits.Outcome outcome = remote.reserve(governance, asker, 30, 256);
        outcome.reservation().settle(usage);
        return outcome;
    }

    @Benchmark
    public Object budgetLocal()
    {
        BudgetBook.Outcome outcome = budgets.reserve("bench", Set.of(), 0.0021, now);
        outcome.reservation().settle(0.0004);
        return outcome;
    }

    @Benchmark
    public Object queueSlot()
    {
        boolean[] granted = new boolean[1];
        queues.acquire("p", queue, "c:bench", () -> granted[0] = true, error -> { });
        queues.release("p");
        return granted;
    }

    @Benchmark
    public String cacheKey()
    {
        return cache.key(AiFront.Operation.CHAT, "consumer/bench", body);
    }
}
