// Closes launcher connections whose request head trickles in: the idle timeout alone counts only silence.
package dev.sluice.launcher;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * nginx's {@code client_header_timeout} for the embedded launcher's HTTP/1 connections: a
 * client sending one header byte every 20 s never trips a 30 s idle timeout and keeps the
 * connection (and a parser) as long as it likes. Once a second every open HTTP/1 connection is
 * looked at; one whose parser has been inside the same request's head for longer than the
 * deadline is closed. The deadline comes from the running configuration
 * ({@code server.request-header-timeout}) at each sweep, so a reload changes it. Containers
 * have their own settings for this (README).
 */
final class HeaderDeadline extends AbstractLifeCycle implements Runnable
{
    private static final Logger LOG = LoggerFactory.getLogger(HeaderDeadline.class);

    private final Server server;
    private final Supplier<Duration> deadline;
    private final Scheduler scheduler = new ScheduledExecutorScheduler("sluice-header-deadline", true);
    /** When each connection was first seen inside a request head, and which request it was. */
    private final Map<EndPoint, long[]> inHead = new ConcurrentHashMap<>();
    private volatile Scheduler.Task next;

    HeaderDeadline(Server server, Supplier<Duration> deadline)
    {
        this.server = server;
        this.deadline = deadline;
    }

    @Override
    protected void doStart() throws Exception
    {
        scheduler.start();
        next = scheduler.schedule(this, 1, TimeUnit.SECONDS);
    }

    @Override
    protected void doStop() throws Exception
    {
        Scheduler.Task task = next;
        if (task != null)
        {
            task.cancel();
        }
        scheduler.stop();
        inHead.clear();
    }

    @Override
    public void run()
    {
        try
        {
            sweep(System.nanoTime());
        }
        catch (RuntimeException x)
        {
            LOG.warn("Request-header deadline check failed: {}", x.toString());
        }
        if (isRunning())
        {
            next = scheduler.schedule(this, 1, TimeUnit.SECONDS);
        }
    }

    void sweep(long now)
    {
        Duration limit = deadline.get();
        if (limit == null || limit.isZero())
        {
            inHead.clear();
            return;
        }
        for (Connector connector : server.getConnectors())
        {
            for (EndPoint endPoint : connector.getConnectedEndPoints())
            {
                Connection connection = endPoint.getConnection();
                if (connection instanceof SslConnection ssl)
                {
                    connection = ssl.getSslEndPoint().getConnection();
                }
                if (!(connection instanceof HttpConnection http))
                {
                    continue;
                }
                HttpParser parser = http.getParser();
                // Read from another thread: a stale view costs at most one sweep.
                if (parser.isStart() || !parser.inHeaderState())
                {
                    inHead.remove(endPoint);
                    continue;
                }
                long request = http.getMessagesIn();
                long[] seen = inHead.get(endPoint);
                if (seen == null || seen[1] != request)
                {
                    inHead.put(endPoint, new long[] {now, request});
                }
                else if (now - seen[0] >= limit.toNanos())
                {
                    LOG.info("Closing a connection from {}: its request head took longer than {} ms", endPoint.getRemoteSocketAddress(), limit.toMillis());
                    inHead.remove(endPoint);
                    endPoint.close();
                }
            }
        }
        inHead.keySet().removeIf(endPoint -> !endPoint.isOpen());
    }
}
