// Per-provider admission: a cap on requests in flight, a bounded queue served fairly across consumers, and a deadline.
package dev.sluice.ai;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.eclipse.jetty.util.thread.Scheduler;

/**
 * With {@code ai.provider.<p>.max-in-flight} set, at most that many requests go to the provider
 * at once; the rest wait, holding no thread, in a queue of at most {@code queue}, of which one
 * consumer may hold at most {@code queue-per-consumer}. A freed slot goes to the consumers with
 * waiting requests in turn (round robin), so one consumer flooding the queue delays the others
 * by at most one request each round. A request refused by the queue (its consumer's share full:
 * 429; the queue full or its deadline passed: 503, both with {@code Retry-After}) may still be
 * tried on the alias's next target.
 */
final class ProviderQueues
{
    private final Scheduler scheduler;
    private final Map<String, Gate> gates = new ConcurrentHashMap<>();

    ProviderQueues(Scheduler scheduler)
    {
        this.scheduler = scheduler;
    }

    /** A request waiting for a slot. */
    final class Waiter
    {
        private final Gate gate;
        private final String consumer;
        private final Runnable granted;
        private final Consumer<AiErrors.Error> refused;
        private final long queuedAt = System.nanoTime();
        private Scheduler.Task deadline;
        private boolean done;

        private Waiter(Gate gate, String consumer, Runnable granted, Consumer<AiErrors.Error> refused)
        {
            this.gate = gate;
            this.consumer = consumer;
            this.granted = granted;
            this.refused = refused;
        }

        long waitedNanos()
        {
            return System.nanoTime() - queuedAt;
        }

        /** Leaves the queue (the client went away); true when it was still waiting. */
        boolean cancel()
        {
            synchronized (gate)
            {
                if (done)
                {
                    return false;
                }
                done = true;
                gate.remove(this);
            }
            if (deadline != null)
            {
                deadline.cancel();
            }
            return true;
        }
    }

    /** One provider's slots and queue. */
    private static final class Gate
    {
        private int inFlight;
        private int queued;
        private long refusals;
        private long timeouts;
        /** Waiting requests per consumer, in the order the consumers are served. */
        private final LinkedHashMap<String, ArrayDeque<Waiter>> byConsumer = new LinkedHashMap<>();
        private Governance.QueueSpec spec;

        void remove(Waiter waiter)
        {
            ArrayDeque<Waiter> own = byConsumer.get(waiter.consumer);
            if (own != null && own.remove(waiter))
            {
                queued--;
                if (own.isEmpty())
                {
                    byConsumer.remove(waiter.consumer);
                }
            }
        }

        /** The next waiter in turn: the first consumer's oldest, that consumer then moved to the back. */
        Waiter next()
        {
            var first = byConsumer.entrySet().iterator();
            if (!first.hasNext())
            {
                return null;
            }
            Map.Entry<String, ArrayDeque<Waiter>> entry = first.next();
            first.remove();
            Waiter waiter = entry.getValue().poll();
            if (!entry.getValue().isEmpty())
            {
                byConsumer.put(entry.getKey(), entry.getValue());
            }
            queued--;
            return waiter;
        }
    }

    /**
     * Runs {@code granted} when the provider has a slot (at once when it has one now), or
     * {@code refused} with the error to answer. Every grant must be followed by one
     * {@link #release(String)}.
     *
     * @return the waiter when the request is queued (to cancel it), else null
     */
    Waiter acquire(String provider, Governance.QueueSpec spec, String consumer, Runnable granted, Consumer<AiErrors.Error> refused)
    {
        Gate gate = gates.computeIfAbsent(provider, name -> new Gate());
        Waiter waiter;
        AiErrors.Error refusal = null;
        synchronized (gate)
        {
            gate.spec = spec;
            if (gate.inFlight < spec.maxInFlight() && gate.queued == 0)
            {
                gate.inFlight++;
                waiter = null;
            }
            else
            {
                ArrayDeque<Waiter> own = gate.byConsumer.get(consumer);
                if (gate.queued >= spec.queue())
                {
                    gate.refusals++;
                    refusal = new AiErrors.Error(503, "overloaded_error", "The model provider's queue is full; try again shortly.", null,
                        "queue_full", 1);
                }
                else if (own != null && own.size() >= spec.perConsumer())
                {
                    gate.refusals++;
                    refusal = new AiErrors.Error(429, "rate_limit_error", "You have " + own.size()
                        + " requests waiting for this model provider already, your share of its queue; try again shortly.", null, "queue_share_full", 1);
                }
                waiter = new Waiter(gate, consumer, granted, refused);
                if (refusal == null)
                {
                    gate.byConsumer.computeIfAbsent(consumer, c -> new ArrayDeque<>()).add(waiter);
                    gate.queued++;
                }
            }
        }
        if (refusal != null)
        {
            refused.accept(refusal);
            return null;
        }
        if (waiter == null)
        {
            granted.run();
            return null;
        }
        waiter.deadline = scheduler.schedule(() -> expire(waiter), spec.timeout().toMillis(), TimeUnit.MILLISECONDS);
        return waiter;
    }

    private void expire(Waiter waiter)
    {
        synchronized (waiter.gate)
        {
            if (waiter.done)
            {
                return;
            }
            waiter.done = true;
            waiter.gate.remove(waiter);
            waiter.gate.timeouts++;
        }
        waiter.refused.accept(new AiErrors.Error(503, "overloaded_error", "No slot at the model provider freed within "
            + waiter.gate.spec.timeout().toMillis() + " ms; try again shortly.", null, "queue_timeout", 1));
    }

    /** Frees a slot and hands it to the next waiter in turn. */
    void release(String provider)
    {
        Gate gate = gates.get(provider);
        if (gate == null)
        {
            return;
        }
        Waiter next;
        synchronized (gate)
        {
            do
            {
                next = gate.next();
            }
            while (next != null && next.done);
            if (next == null)
            {
                gate.inFlight--;
                return;
            }
            next.done = true;
        }
        if (next.deadline != null)
        {
            next.deadline.cancel();
        }
        next.granted.run();
    }

    /** Each provider's slots in use and queue depth, for the admin view. */
    Map<String, Object> view()
    {
        Map<String, Object> view = new java.util.TreeMap<>();
        gates.forEach((provider, gate) ->
        {
            synchronized (gate)
            {
                Map<String, Object> one = new LinkedHashMap<>();
                one.put("in_flight", gate.inFlight);
                one.put("max_in_flight", gate.spec.maxInFlight());
                one.put("queued", gate.queued);
                one.put("queue", gate.spec.queue());
                Map<String, Integer> perConsumer = new HashMap<>();
                gate.byConsumer.forEach((consumer, waiting) -> perConsumer.put(consumer, waiting.size()));
                one.put("queued_by_consumer", new java.util.TreeMap<>(perConsumer));
                one.put("refused", gate.refusals);
                one.put("timed_out", gate.timeouts);
                view.put(provider, one);
            }
        });
        return view;
    }
}
