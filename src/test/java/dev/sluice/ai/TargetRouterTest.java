// Ordering a model's targets by strategy, and cooling down the ones that fail.
package dev.sluice.ai;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TargetRouterTest
{
    private static final AiSettings.Target CHEAP = new AiSettings.Target("p", "cheap", 0.1, 0.4, 0.1, 0.1, 0, 8_000, 100, 1, AiSettings.ThinkingForm.BUDGET);
    private static final AiSettings.Target DEAR = new AiSettings.Target("p", "dear", 3, 15, 3, 3, 0, 200_000, 100, 3, AiSettings.ThinkingForm.BUDGET);
    private static final AiSettings.Cooldown COOLDOWN = new AiSettings.Cooldown(2, Duration.ofSeconds(10), Duration.ofSeconds(30));
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final TargetRouter router = new TargetRouter(now::get);

    private static AiSettings.Model model(AiSettings.Strategy strategy, AiSettings.Target... targets)
    {
        return new AiSettings.Model("m", AiSettings.Kind.CHAT, List.of(targets), strategy, 2, null, false);
    }

    private static List<String> names(List<AiSettings.Target> targets)
    {
        return targets.stream().map(AiSettings.Target::model).toList();
    }

    @Test
    void priorityKeepsTheConfiguredOrderAndCostPicksTheCheapestThatFits()
    {
        assertEquals(List.of("dear", "cheap"), names(router.order(model(AiSettings.Strategy.PRIORITY, DEAR, CHEAP), 100, 0)));
        assertEquals(List.of("cheap", "dear"), names(router.order(model(AiSettings.Strategy.COST, DEAR, CHEAP), 100, 0)));
        assertEquals(List.of("dear"), names(router.order(model(AiSettings.Strategy.COST, DEAR, CHEAP), 50_000, 0)), "a prompt too big for the cheap one's window");
    }

    @Test
    void leastBusyAndLatencyFollowWhatTheTargetsDo()
    {
        router.started(CHEAP);
        router.started(CHEAP);
        router.started(DEAR);
        assertEquals(List.of("dear", "cheap"), names(router.order(model(AiSettings.Strategy.LEAST_BUSY, CHEAP, DEAR), 0, 0)));
        router.succeeded(CHEAP, 400_000_000L, 1_000_000_000L, 100);
        router.succeeded(DEAR, 100_000_000L, 500_000_000L, 100);
        assertEquals(List.of("dear", "cheap"), names(router.order(model(AiSettings.Strategy.LATENCY, CHEAP, DEAR), 0, 0)));
        for (int i = 0; i < 10; i++)
        {
            router.succeeded(DEAR, 2_000_000_000L, 5_000_000_000L, 100);
        }
        assertEquals(List.of("cheap", "dear"), names(router.order(model(AiSettings.Strategy.LATENCY, CHEAP, DEAR), 0, 0)), "the EWMA moved");
    }

    @Test
    void weightedSpreadsByWeight()
    {
        Map<String, Integer> firsts = new HashMap<>();
        for (int i = 0; i < 4000; i++)
        {
            firsts.merge(router.order(model(AiSettings.Strategy.WEIGHTED, CHEAP, DEAR), 0, 0).get(0).model(), 1, Integer::sum);
        }
        double share = firsts.get("dear") / 4000.0;
        assertTrue(share > 0.70 && share < 0.80, "weight 3 of 4: " + firsts);
    }

    @Test
    void aTargetThatKeepsFailingCoolsDownAndComesBackByItself()
    {
        AiSettings.Model model = model(AiSettings.Strategy.PRIORITY, DEAR, CHEAP);
        router.failed(DEAR, COOLDOWN, 0);
        assertEquals(List.of("dear", "cheap"), names(router.order(model, 0, 0)), "one failure is not enough");
        now.addAndGet(Duration.ofSeconds(11).toNanos());
        router.failed(DEAR, COOLDOWN, 0);
        assertEquals(List.of("dear", "cheap"), names(router.order(model, 0, 0)), "the first failure left the window");
        router.failed(DEAR, COOLDOWN, 0);
        assertEquals(List.of("cheap", "dear"), names(router.order(model, 0, 0)), "two in the window: cooling, tried last");
        now.addAndGet(Duration.ofSeconds(31).toNanos());
        assertEquals(List.of("dear", "cheap"), names(router.order(model, 0, 0)), "back after the cooldown");
    }

    @Test
    void retryAfterCoolsATargetDownAtOnceForThatLong()
    {
        AiSettings.Model model = model(AiSettings.Strategy.PRIORITY, DEAR, CHEAP);
        router.failed(DEAR, COOLDOWN, Duration.ofSeconds(5).toNanos());
        assertEquals(List.of("cheap", "dear"), names(router.order(model, 0, 0)));
        now.addAndGet(Duration.ofSeconds(6).toNanos());
        assertEquals(List.of("dear", "cheap"), names(router.order(model, 0, 0)));
    }
}
