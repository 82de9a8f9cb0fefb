// Money budgets per consumer and group per calendar day or month: reserved before the call, settled after it, kept across restarts.
package dev.sluice.ai;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Spending is counted in nano-USD per budget and period ({@code consumer:alice:2026-12}), UTC
 * calendar days and months. A request reserves its worst-case cost (its prompt and completion
 * reservation at the dearest target of its alias) against every budget that applies, all or
 * nothing, and is refused when a budget cannot hold it; the real cost replaces the reservation
 * when the answer ends.
 *
 * <p>Where spending lives: with {@code ratelimit.store = redis}, in the same Redis, one
 * {@code INCRBY} per budget and step, so every node counts into one sum and nothing is lost on a
 * restart; keys expire a day after their period. Otherwise in this process, written to
 * {@code ai.budget.file} atomically (a temporary file moved over the old one) at most once a
 * second while spending changes, and on shutdown; a crash loses at most the last second.</p>
 */
final class BudgetBook implements AutoCloseable
{
    private final Governance.Budgets settings;
    private final Map<String, AtomicLong> local = new ConcurrentHashMap<>();
    private final AtomicBoolean dirty = new AtomicBoolean();
    private final RedisClient redisClient;
    private volatile StatefulRedisConnection<String, String> redis;
    /** The next write of the file, rescheduled after each; null with Redis or no file. */
    private volatile Scheduler.Task writer;
    private volatile boolean closed;
    final Reservation none = new Reservation(List.of());

    BudgetBook(Governance.Budgets settings, URI redisUri, Duration redisTimeout, Scheduler scheduler)
    {
        this(settings, redisUri, redisTimeout, null, scheduler);
    }

    BudgetBook(Governance.Budgets settings, URI redisUri, Duration redisTimeout, Path redisCaFile, Scheduler scheduler)
    {
        this.settings = settings;
        if (settings.redis() && redisUri != null)
        {
            redisClient = dev.sluice.ratelimit.RedisClients.create(redisUri, redisTimeout, redisCaFile);
        }
        else
        {
            redisClient = null;
            load();
            if (settings.file() != null)
            {
                writeEverySecond(scheduler);
            }
        }
    }

    private void writeEverySecond(Scheduler scheduler)
    {
        if (!closed)
        {
            writer = scheduler.schedule(() ->
            {
                save();
                writeEverySecond(scheduler);
            }, 1, TimeUnit.SECONDS);
        }
    }

    /** One budget a request reserved against, and how much. */
    private record Hold(String key, long nanos, Duration ttl)
    {
    }

    /** What a request holds; settle it exactly once. */
    final class Reservation
    {
        private final List<Hold> holds;
        private final AtomicBoolean settled = new AtomicBoolean();

        private Reservation(List<Hold> holds)
        {
            this.holds = holds;
        }

        /** Replaces the reservation with the real cost in USD (0 when nothing was answered). */
        void settle(double costUsd)
        {
            if (holds.isEmpty() || !settled.compareAndSet(false, true))
            {
                return;
            }
            long actual = Math.round(costUsd * 1e9);
            for (Hold hold : holds)
            {
                try
                {
                    add(hold.key(), actual - hold.nanos(), hold.ttl());
                }
                catch (RuntimeException x)
                {
                    AiFront.LOG.warn("Settling AI budget {} failed: {}", hold.key(), x.getClass().getSimpleName());
                }
            }
        }
    }

    /** A reservation, or the error refusing the request (with its Retry-After). */
    record Outcome(Reservation reservation, AiErrors.Error refusal)
    {
    }

    /** The budgets that apply to a consumer: its own, then its groups' (sorted). */
    private List<String[]> applicable(String consumer, java.util.Set<String> groups)
    {
        List<String[]> names = new ArrayList<>();
        if (consumer != null && settings.consumers().containsKey(consumer))
        {
            names.add(new String[] {"consumer", consumer});
        }
        for (String group : new java.util.TreeSet<>(groups))
        {
            if (settings.groups().containsKey(group))
            {
                names.add(new String[] {"group", group});
            }
        }
        return names;
    }

    Outcome reserve(String consumer, java.util.Set<String> groups, double worstCostUsd, ZonedDateTime now)
    {
        List<String[]> names = applicable(consumer, groups);
        if (names.isEmpty())
        {
            return new Outcome(none, null);
        }
        long nanos = Math.max(0, Math.round(worstCostUsd * 1e9));
        List<Hold> holds = new ArrayList<>();
        for (String[] name : names)
        {
            Governance.Budget budget = (name[0].equals("consumer") ? settings.consumers() : settings.groups()).get(name[1]);
            String key = name[0] + ":" + name[1] + ":" + period(budget.period(), now);
            ZonedDateTime reset = reset(budget.period(), now);
            Duration ttl = Duration.between(now, reset).plusDays(1);
            long after;
            try
            {
                after = add(key, nanos, ttl);
            }
            catch (RuntimeException x)
            {
                release(holds);
                return new Outcome(null, new AiErrors.Error(503, "api_error", "The budget store cannot be reached; try again shortly.", null,
                    "budget_store_unavailable", 1));
            }
            // Refused only when this request takes the sum past the budget; a zero-cost request passes while anything is left.
            if (after > budget.nanoUsd() && (nanos > 0 || after - nanos >= budget.nanoUsd()))
            {
                try
                {
                    add(key, -nanos, ttl);
                }
                catch (RuntimeException ignored)
                {
                    // The key expires with its period.
                }
                release(holds);
                long seconds = Math.max(1, Duration.between(now, reset).toSeconds());
                String type = settings.status() == 402 ? "insufficient_quota" : "rate_limit_error";
                return new Outcome(null, new AiErrors.Error(settings.status(), type, "The " + name[0] + " '" + name[1] + "' has spent its budget of "
                    + usd(budget.nanoUsd()) + " USD per " + budget.period().name().toLowerCase(java.util.Locale.ROOT) + " (" + usd(after - nanos)
                    + " USD used, this request may cost up to " + usd(nanos) + " USD); it resets at " + reset.toInstant() + ".", null, "budget_exceeded",
                    seconds));
            }
            holds.add(new Hold(key, nanos, ttl));
        }
        return new Outcome(new Reservation(holds), null);
    }

    private void release(List<Hold> holds)
    {
        for (Hold hold : holds)
        {
            try
            {
                add(hold.key(), -hold.nanos(), hold.ttl());
            }
            catch (RuntimeException ignored)
            {
                // The key expires with its period.
            }
        }
    }

    /** Adds to a budget's spending; returns the new sum. */
    private long add(String key, long nanos, Duration ttl)
    {
        if (redisClient != null)
        {
            try
            {
                StatefulRedisConnection<String, String> connection = connection();
                long after = connection.sync().incrby("sluice:ai:budget:" + key, nanos);
                if (after == nanos)
                {
                    connection.sync().expire("sluice:ai:budget:" + key, ttl.toSeconds());
                }
                return after;
            }
            finally
            {
                dev.sluice.ratelimit.RedisBucketStore.leaveNoThreadLocals();
            }
        }
        long after = local.computeIfAbsent(key, k -> new AtomicLong()).addAndGet(nanos);
        dirty.set(true);
        return after;
    }

    private long spent(String key)
    {
        if (redisClient != null)
        {
            try
            {
                String value = connection().sync().get("sluice:ai:budget:" + key);
                return value == null ? 0 : Long.parseLong(value);
            }
            finally
            {
                dev.sluice.ratelimit.RedisBucketStore.leaveNoThreadLocals();
            }
        }
        AtomicLong value = local.get(key);
        return value == null ? 0 : value.get();
    }

    private StatefulRedisConnection<String, String> connection()
    {
        StatefulRedisConnection<String, String> open = redis;
        if (open == null)
        {
            synchronized (this)
            {
                if (redis == null)
                {
                    redis = redisClient.connect(StringCodec.UTF8);
                }
                open = redis;
            }
        }
        return open;
    }

    /** Every budget with what is spent and left in the current period, for the admin usage view. */
    Map<String, Object> view(ZonedDateTime now)
    {
        Map<String, Object> view = new TreeMap<>();
        addViews(view, "consumer", settings.consumers(), now);
        addViews(view, "group", settings.groups(), now);
        return view;
    }

    private void addViews(Map<String, Object> view, String kind, Map<String, Governance.Budget> budgets, ZonedDateTime now)
    {
        budgets.forEach((name, budget) ->
        {
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("budget_usd", usd(budget.nanoUsd()));
            one.put("period", budget.period().name().toLowerCase(java.util.Locale.ROOT));
            try
            {
                long spent = Math.max(0, spent(kind + ":" + name + ":" + period(budget.period(), now)));
                one.put("spent_usd", usd(spent));
                one.put("remaining_usd", usd(Math.max(0, budget.nanoUsd() - spent)));
            }
            catch (RuntimeException x)
            {
                one.put("spent_usd", null);
                one.put("remaining_usd", null);
            }
            one.put("resets_at", reset(budget.period(), now).toInstant().toString());
            view.put(kind + ":" + name, one);
        });
    }

    static String period(Governance.Period period, ZonedDateTime now)
    {
        LocalDate day = now.withZoneSameInstant(ZoneOffset.UTC).toLocalDate();
        return period == Governance.Period.DAY ? day.toString() : day.toString().substring(0, 7);
    }

    static ZonedDateTime reset(Governance.Period period, ZonedDateTime now)
    {
        LocalDate day = now.withZoneSameInstant(ZoneOffset.UTC).toLocalDate();
        LocalDate next = period == Governance.Period.DAY ? day.plusDays(1) : day.withDayOfMonth(1).plusMonths(1);
        return next.atStartOfDay(ZoneOffset.UTC);
    }

    static String usd(long nanos)
    {
        return java.math.BigDecimal.valueOf(nanos, 9).setScale(6, java.math.RoundingMode.HALF_UP).stripTrailingZeros().toPlainString();
    }

    private void load()
    {
        Path file = settings.file();
        if (file == null || !Files.exists(file))
        {
            return;
        }
        try
        {
            JsonNode stored = AnthropicTranslation.JSON.readTree(file.toFile());
            for (java.util.Iterator<Map.Entry<String, JsonNode>> it = stored.path("spent_nano_usd").fields(); it.hasNext();)
            {
                Map.Entry<String, JsonNode> entry = it.next();
                local.put(entry.getKey(), new AtomicLong(entry.getValue().asLong()));
            }
        }
        catch (IOException x)
        {
            throw new IllegalStateException("The AI budget file " + file + " (ai.budget.file) could not be read: " + x.getMessage(), x);
        }
    }

    /** Writes spending to the file through a temporary file and an atomic move; only the current periods are kept. */
    synchronized void save()
    {
        Path file = settings.file();
        if (file == null || !dirty.getAndSet(false))
        {
            return;
        }
        ObjectNode root = AnthropicTranslation.JSON.createObjectNode();
        ObjectNode spent = root.putObject("spent_nano_usd");
        ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC);
        String day = period(Governance.Period.DAY, now);
        String month = period(Governance.Period.MONTH, now);
        local.forEach((key, value) ->
        {
            if (key.endsWith(":" + day) || key.endsWith(":" + month))
            {
                spent.put(key, value.get());
            }
        });
        try
        {
            Path parent = file.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            Path temporary = Files.createTempFile(parent, ".budgets", ".tmp");
            Files.write(temporary, AnthropicTranslation.JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        catch (IOException x)
        {
            dirty.set(true);
            AiFront.LOG.warn("Writing the AI budget file {} failed: {}", file, x.toString());
        }
    }

    @Override
    public void close()
    {
        closed = true;
        Scheduler.Task task = writer;
        if (task != null)
        {
            task.cancel();
        }
        save();
        if (redisClient != null)
        {
            StatefulRedisConnection<String, String> open = redis;
            if (open != null)
            {
                open.close();
            }
            redisClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }
}
