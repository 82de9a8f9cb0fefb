// A constant-rate (open-loop) load for latency at a fixed throughput, which wrk cannot do.
package dev.sluice.bench;

import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * Sends GET requests at a fixed rate for a fixed time, each timed from the moment it was due,
 * not the moment it went out, so a stalled server is charged for the requests it delayed
 * (no coordinated omission). Reports p50 and p99 in milliseconds, and how many failed.
 */
final class RateLoad
{
    record Result(double p50, double p99, int failures, int sent)
    {
    }

    private RateLoad()
    {
    }

    static Result run(String url, int ratePerSecond, long seconds) throws Exception
    {
        return run(url, ratePerSecond, seconds, 0);
    }

    /**
     * @param warmupSeconds first sent at the same rate over the same client and not counted: a
     * new client opens its connections (and the server accepts them and starts threads) during
     * its first moments, which otherwise fills the top percent of the timed requests
     */
    static Result run(String url, int ratePerSecond, long seconds, long warmupSeconds) throws Exception
    {
        HttpClient client = new HttpClient();
        QueuedThreadPool threads = new QueuedThreadPool(16);
        threads.setName("rate-load");
        client.setExecutor(threads);
        client.setMaxConnectionsPerDestination(128);
        // Open loop: requests must queue, not be refused by the client's own queue limit.
        client.setMaxRequestsQueuedPerDestination(1_000_000);
        client.start();
        try
        {
            if (warmupSeconds > 0)
            {
                send(client, url, ratePerSecond, warmupSeconds);
            }
            return send(client, url, ratePerSecond, seconds);
        }
        finally
        {
            client.stop();
        }
    }

    private static Result send(HttpClient client, String url, int ratePerSecond, long seconds) throws Exception
    {
        int total = (int)(ratePerSecond * seconds);
        long[] latencies = new long[total];
        AtomicInteger failures = new AtomicInteger();
        AtomicLong index = new AtomicLong();
        CountDownLatch done = new CountDownLatch(total);
        long intervalNanos = 1_000_000_000L / ratePerSecond;
        long start = System.nanoTime();
        for (int i = 0; i < total; i++)
        {
            long due = start + i * intervalNanos;
            long wait = due - System.nanoTime();
            if (wait > 0)
            {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            client.newRequest(url).timeout(10, TimeUnit.SECONDS).send(result ->
            {
                if (result.isFailed() || result.getResponse().getStatus() != 200)
                {
                    failures.incrementAndGet();
                }
                latencies[(int)index.getAndIncrement()] = System.nanoTime() - due;
                done.countDown();
            });
        }
        done.await(30, TimeUnit.SECONDS);
        int count = (int)Math.min(index.get(), total);
        long[] sorted = Arrays.copyOf(latencies, count);
        Arrays.sort(sorted);
        return new Result(percentile(sorted, 0.50), percentile(sorted, 0.99), failures.get() + (total - count), total);
    }

    private static double percentile(long[] sorted, double fraction)
    {
        if (sorted.length == 0)
        {
            return Double.NaN;
        }
        return sorted[Math.min(sorted.length - 1, (int)Math.ceil(fraction * sorted.length) - 1)] / 1_000_000.0;
    }
}
