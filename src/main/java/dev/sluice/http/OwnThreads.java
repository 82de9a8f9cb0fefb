// Scheduled executors whose threads are really gone when they are closed, so containers see no leak.
package dev.sluice.http;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * {@code awaitTermination} returns once an executor has no workers, which is a moment before its
 * last thread has finished running; a container that looks for threads a web application left
 * (Tomcat, on undeploy) can still find it alive then. These executors remember their threads
 * and {@link #stop} joins them.
 */
public final class OwnThreads
{
    private final ScheduledExecutorService executor;
    private final List<Thread> threads = new CopyOnWriteArrayList<>();

    /** One daemon thread with this name. */
    public OwnThreads(String name)
    {
        executor = Executors.newSingleThreadScheduledExecutor(runnable ->
        {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            threads.add(thread);
            return thread;
        });
    }

    public ScheduledExecutorService executor()
    {
        return executor;
    }

    /**
     * A Jetty scheduler whose stop also waits (at most two seconds) for its thread to end; Jetty's
     * own only shuts its executor down.
     */
    public static org.eclipse.jetty.util.thread.Scheduler jettyScheduler(String name)
    {
        ThreadGroup group = new ThreadGroup(name);
        return new org.eclipse.jetty.util.thread.ScheduledExecutorScheduler(name, true, null, group)
        {
            @Override
            protected void doStop() throws Exception
            {
                super.doStop();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
                while (group.activeCount() > 0 && System.nanoTime() < deadline)
                {
                    Thread.sleep(5);
                }
            }
        };
    }

    /** Stops the tasks, interrupting one that runs, and waits (at most {@code timeout}) for the thread to end. */
    public void stop(Duration timeout)
    {
        executor.shutdownNow();
        long deadline = System.nanoTime() + timeout.toNanos();
        try
        {
            executor.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
            for (Thread thread : threads)
            {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left > 0)
                {
                    thread.join(left);
                }
            }
        }
        catch (InterruptedException x)
        {
            Thread.currentThread().interrupt();
        }
    }
}
