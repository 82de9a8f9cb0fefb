// The exchanges between sending upstream and completing: swept for full pools and slow bodies, drained when Sluice stops.
package dev.sluice.proxy;

import java.io.IOException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiPredicate;

import dev.sluice.exchange.Exchange;
import dev.sluice.http.BodyWatchdog;
import dev.sluice.http.HeaderNames;
import dev.sluice.http.ProblemType;
import dev.sluice.http.ProblemWriter;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the proxy servlet has in flight, and the three things that need all of it at once:
 * <ul>
 * <li>every {@link #SWEEP_MILLIS}, a request waiting for a connection longer than
 * {@code proxy.queue-timeout} while every connection to its target is busy fails with 503 (a
 * full pool never hangs a request), and a request body that stalls or trickles
 * ({@link BodyWatchdog}) ends as the client's (408). One timer for all requests rather than one
 * per request on the hot path;</li>
 * <li>on stop, {@link #drain} lets requests finish within {@code proxy.drain-timeout} and ends
 * the rest as Sluice's own doing (outcome {@code stopping}), never blamed on the client or the
 * upstream;</li>
 * <li>a container that times a request out as it stops (Tomcat does, for every waiting
 * asynchronous request, once its connector pauses) gets the same answer instead of its 500.</li>
 * </ul>
 */
final class InFlight
{
    static final long SWEEP_MILLIS = 100;
    static final String STOPPING_DETAIL = "Sluice is stopping; try again.";
    private static final Logger LOG = LoggerFactory.getLogger(InFlight.class);

    private final Set<Attempts> exchanges = ConcurrentHashMap.newKeySet();
    private final Scheduler scheduler;
    private final BiPredicate<Attempts, Request> poolBusy;
    private volatile boolean stopping;

    /**
     * @param poolBusy whether every connection to the attempt's target is in use (as opposed to
     * one still being opened, which is the connect timeout's business)
     */
    InFlight(Scheduler scheduler, BiPredicate<Attempts, Request> poolBusy)
    {
        this.scheduler = scheduler;
        this.poolBusy = poolBusy;
    }

    void start()
    {
        scheduler.schedule(this::sweep, SWEEP_MILLIS, TimeUnit.MILLISECONDS);
    }

    boolean stopping()
    {
        return stopping;
    }

    /** Follows the exchange until its asynchronous cycle completes. */
    void track(Attempts attempts, HttpServletRequest clientRequest, HttpServletResponse proxyResponse)
    {
        attempts.clientRequest = clientRequest;
        exchanges.add(attempts);
        clientRequest.getAsyncContext().addListener(new Listener(attempts, proxyResponse));
    }

    private void sweep()
    {
        try
        {
            long now = System.nanoTime();
            for (Attempts attempts : exchanges)
            {
                check(attempts, now);
            }
        }
        catch (RuntimeException x)
        {
            LOG.warn("Checking requests in flight failed: {}", x.toString());
        }
        finally
        {
            if (!stopping)
            {
                scheduler.schedule(this::sweep, SWEEP_MILLIS, TimeUnit.MILLISECONDS);
            }
        }
    }

    private void check(Attempts attempts, long now)
    {
        if (attempts.exchange.closed())
        {
            // Ended without its asynchronous listeners: Jetty skips them for a response it aborted (UpstreamAttempt.clientAborted).
            exchanges.remove(attempts);
            return;
        }
        Request current = attempts.current;
        Exchange exchange = attempts.exchange;
        if (current == null)
        {
            // A body read whole (request-buffering) before anything goes upstream: held to the same rate.
            ReplayableBody buffering = attempts.body;
            String slow = buffering == null || !buffering.readBeforeSending() ? null : slowBody(attempts, now);
            if (slow != null)
            {
                LOG.info("{} client request body too slow: {}", exchange.id(), slow);
                buffering.refuse(new TimeoutException(slow));
            }
            return;
        }
        long queueNanos = exchange.settings().proxy().queueTimeout().toNanos();
        if (!attempts.connected && now - attempts.sentNanos >= queueNanos && poolBusy.test(attempts, current))
        {
            current.abort(new UpstreamFailure.Saturated(attempts.member.target().authority(), TimeUnit.NANOSECONDS.toMillis(queueNanos)));
            return;
        }
        String slow = slowBody(attempts, now);
        if (slow != null)
        {
            // The client's fault: answered 408, the target not blamed, nothing retried.
            LOG.info("{} client request body too slow: {}", exchange.id(), slow);
            exchange.outcome(Exchange.Outcome.CLIENT_BODY_FAILED);
            attempts.clientStatus = 408;
            current.abort(new TimeoutException(slow));
        }
    }

    /** Why the request's body is too slow ({@code proxy.request-body.*}), or null while it is not (or has ended). */
    private static String slowBody(Attempts attempts, long now)
    {
        BodyWatchdog body = attempts.bodyWatch;
        Exchange exchange = attempts.exchange;
        return body != null && !exchange.requestBodyRead() && exchange.outcome() == Exchange.Outcome.OK ? body.check(now, exchange.bytesIn()) : null;
    }

    /**
     * New requests are refused from now on; those in flight get up to {@code timeout} to finish,
     * and whatever is still running then is ended (503 if nothing was sent yet).
     */
    void drain(Duration timeout)
    {
        stopping = true;
        if (exchanges.isEmpty())
        {
            return;
        }
        LOG.info("Stopping: waiting up to {} ms for {} requests in flight", timeout.toMillis(), exchanges.size());
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!exchanges.isEmpty() && System.nanoTime() < deadline)
        {
            try
            {
                Thread.sleep(20);
            }
            catch (InterruptedException x)
            {
                Thread.currentThread().interrupt();
                break;
            }
        }
        for (Attempts attempts : exchanges)
        {
            LOG.warn("{} ended: Sluice is stopping and the request did not finish within proxy.drain-timeout", attempts.exchange.id());
            attempts.exchange.outcome(Exchange.Outcome.STOPPING);
            Request current = attempts.current;
            if (current != null)
            {
                current.abort(new UpstreamFailure.Stopping());
            }
        }
    }

    /** The answer while stopping: 503, try again, and this connection is closed. */
    static long writeStopping(HttpServletResponse response, String requestId)
    {
        response.setHeader(HeaderNames.RETRY_AFTER, "1");
        response.setHeader(HttpHeader.CONNECTION.asString(), "close");
        return ProblemWriter.write(response, ProblemType.NOT_READY, STOPPING_DETAIL, requestId);
    }

    private final class Listener implements AsyncListener
    {
        private final Attempts attempts;
        private final HttpServletResponse proxyResponse;

        Listener(Attempts attempts, HttpServletResponse proxyResponse)
        {
            this.attempts = attempts;
            this.proxyResponse = proxyResponse;
        }

        @Override
        public void onComplete(AsyncEvent event)
        {
            exchanges.remove(attempts);
        }

        /**
         * The proxy sets no async timeout, so only a container ending requests as it stops gets
         * here. Answered as Sluice's own stop, not left to the container's 500.
         */
        @Override
        public void onTimeout(AsyncEvent event) throws IOException
        {
            attempts.endedByContainer = true;
            attempts.exchange.outcome(Exchange.Outcome.STOPPING);
            LOG.warn("{} ended: the container is stopping and timed the request out", attempts.exchange.id());
            if (!proxyResponse.isCommitted())
            {
                attempts.exchange.addBytesOut(writeStopping(proxyResponse, attempts.exchange.id()));
            }
            event.getAsyncContext().complete();
            Request current = attempts.current;
            if (current != null)
            {
                current.abort(new UpstreamFailure.Stopping());
            }
        }

        @Override
        public void onError(AsyncEvent event)
        {
            // The exchange filter records the client's failure; completion follows.
        }

        @Override
        public void onStartAsync(AsyncEvent event)
        {
            event.getAsyncContext().addListener(this);
        }
    }
}
