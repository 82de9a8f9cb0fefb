// A WebSocket's upgrade request upstream and what follows from its answer: a tunnel, the upstream's own answer, or Sluice's problem.
package dev.sluice.proxy;

import java.io.IOException;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.sluice.exchange.Exchange;
import dev.sluice.exchange.Exchanges;
import dev.sluice.http.HeaderNames;
import dev.sluice.http.ProblemType;
import dev.sluice.http.ProblemWriter;
import dev.sluice.route.Timeouts;
import dev.sluice.upstream.Member;
import dev.sluice.upstream.Pool;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.client.BufferingResponseListener;
import org.eclipse.jetty.client.HttpUpgrader;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The proxy servlet builds the upgrade request as it builds any (target, fields, forwarding);
 * this sends it with {@code Upgrade} and {@code Connection}, waits for the answer on the
 * container's thread (one round trip), and then: a 101 switches the client's connection to a
 * tunnel ({@link WebSocketTunnel}); any other answer is passed on as the upstream gave it; a
 * failure is the same 502 or 504 problem as for any request. It also keeps the count of open
 * tunnels against {@code proxy.websocket.max-connections}, and closes them when Sluice stops.
 */
final class WebSocketHandshake
{
    private static final Logger LOG = LoggerFactory.getLogger(WebSocketHandshake.class);
    /** The most of a refusal's body (a 403 page, a 426) that is passed on; more is a 502. */
    static final int MAX_REFUSAL_BYTES = 64 * 1024;

    private final Set<WebSocketTunnel.Link> open = WebSocketTunnel.Link.newOpenSet();
    /** Tunnels open or being opened. */
    private final AtomicInteger count = new AtomicInteger();
    private final Executor executor;
    /** Whether the client's side can be switched at Jetty's own level (see {@link JettyUpgrade}). */
    private final boolean jettyUpgrade = JettyUpgrade.Visible.check();

    WebSocketHandshake(Executor executor)
    {
        this.executor = executor;
    }

    /**
     * Answers 501 for a handshake this container cannot tunnel: one without {@code Content-Length}
     * in a standalone Jetty, whose servlet upgrade would end it at once (see {@link JettyUpgrade}).
     */
    boolean refusedHere(HttpServletRequest clientRequest, HttpServletResponse proxyResponse, Exchange exchange, ServletContext context)
    {
        if (jettyUpgrade || clientRequest.getHeader(HttpHeader.CONTENT_LENGTH.asString()) != null
            || !context.getServerInfo().toLowerCase(Locale.ROOT).startsWith("jetty/"))
        {
            return false;
        }
        exchange.outcome(Exchange.Outcome.BAD_REQUEST);
        exchange.addBytesOut(ProblemWriter.write(proxyResponse, ProblemType.WEBSOCKET_NOT_SUPPORTED,
            "WebSocket upgrades without Content-Length (every browser's) cannot be tunnelled by Sluice as a WAR in Jetty 12; "
                + "run Sluice's launcher, or the WAR in Tomcat.", exchange.id(), exchange.traceId()));
        return true;
    }

    /** Takes a place for one more tunnel, or answers 503 when {@code proxy.websocket.max-connections} are open; give it back with {@link #release} unless {@link #open} kept it. */
    boolean admit(HttpServletResponse proxyResponse, Exchange exchange)
    {
        if (count.incrementAndGet() <= exchange.settings().proxy().maxWebSockets())
        {
            return true;
        }
        count.decrementAndGet();
        exchange.outcome(Exchange.Outcome.UPSTREAM_SATURATED);
        proxyResponse.setHeader(HeaderNames.RETRY_AFTER, "5");
        exchange.addBytesOut(ProblemWriter.write(proxyResponse, ProblemType.TOO_MANY_WEBSOCKETS,
            "Too many WebSocket connections are open (proxy.websocket.max-connections); try again later.", exchange.id(), exchange.traceId()));
        return false;
    }

    void release()
    {
        count.decrementAndGet();
    }

    /** Ends every open tunnel (Sluice is stopping). */
    void closeAll()
    {
        for (WebSocketTunnel.Link link : java.util.List.copyOf(open))
        {
            link.end(Exchange.Outcome.STOPPING, null);
        }
    }

    /**
     * Sends the upgrade request and acts on the answer; true once a tunnel's link holds the place
     * {@link #admit} took (it gives it back when it ends).
     */
    boolean open(HttpServletRequest clientRequest, HttpServletResponse proxyResponse, Exchange exchange, Attempts attempts, Request proxyRequest,
                 Exchanges exchanges) throws IOException
    {
        Member member = attempts.member;
        proxyRequest.headers(headers ->
        {
            // The two hop-by-hop fields the upgrade needs, which the proxy's copy of the client's fields leaves out.
            headers.put(HttpHeader.UPGRADE, "websocket");
            headers.put(HttpHeader.CONNECTION, "Upgrade");
        });
        Timeouts timeouts = exchange.routeMatch().route().timeouts();
        Listener handshake = new Listener(executor);
        proxyRequest.attribute(HttpUpgrader.Factory.class.getName(), handshake);
        // Until the answer; once it switched, the connection's own idle timeout is the route's too (switchTo).
        proxyRequest.idleTimeout(timeouts.idle().toMillis(), TimeUnit.MILLISECONDS);
        proxyRequest.timeout(timeouts.total().toMillis(), TimeUnit.MILLISECONDS);
        exchange.attempted(member.target().authority());
        String spanId = null;
        if (exchange.spans() != null && exchange.trace() != null)
        {
            // Recorded: the handshake is a span of its own and the upstream's parent, as any attempt is.
            spanId = dev.sluice.exchange.TraceContext.newSpanId();
            String traceparent = exchange.trace().upstreamTraceparent(spanId);
            proxyRequest.headers(headers -> headers.put(dev.sluice.http.HeaderNames.TRACEPARENT, traceparent));
        }
        long started = System.nanoTime();
        exchange.upstreamStarted(started);
        proxyRequest.send(handshake);
        Answer answer;
        try
        {
            // Jetty's client ends the request within its connect, idle and total timeouts; the
            // bound here only guards against a handshake that never ends for another reason.
            long bound = timeouts.connect().toMillis() + timeouts.idle().toMillis() + 5_000;
            answer = handshake.answer().get(bound, TimeUnit.MILLISECONDS);
        }
        catch (java.util.concurrent.TimeoutException x)
        {
            proxyRequest.abort(x);
            answer = handshake.answer().getNow(new Failed(x));
        }
        catch (InterruptedException x)
        {
            Thread.currentThread().interrupt();
            proxyRequest.abort(x);
            answer = new Failed(x);
        }
        catch (java.util.concurrent.ExecutionException x)
        {
            answer = new Failed(x.getCause());
        }
        long answered = System.nanoTime();
        if (spanId != null)
        {
            int status = answer instanceof Switched switched ? switched.response().getStatus()
                : answer instanceof Refused refused ? refused.response().getStatus() : 0;
            exchange.spans().upstreamAttempt(spanId, started, answered, proxyRequest.getMethod(), proxyRequest.getScheme(), member.target(),
                proxyRequest.getPath(), 0, status, answer instanceof Failed failed ? failed.failure() : null);
        }
        if (answer instanceof Switched switched)
        {
            exchange.upstreamResponded(answered);
            attempts.pool.finished(member, Pool.Result.SUCCESS, answered - started);
            return switchTo(clientRequest, proxyResponse, exchange, attempts, switched, attempts.pool.hold(member), exchanges);
        }
        else if (answer instanceof Refused refused)
        {
            exchange.upstreamResponded(answered);
            Response response = refused.response();
            attempts.pool.finished(member, attempts.pool.failureStatus(response.getStatus()) ? Pool.Result.FAILURE : Pool.Result.SUCCESS, answered - started);
            proxyResponse.setStatus(response.getStatus());
            UpstreamResponseHeaders.copy(clientRequest, proxyResponse, response, exchange, new UpstreamResponseHeaders.Passing(response, exchange, false));
            attempts.addOwnFields(proxyResponse, exchange.secure());
            byte[] body = refused.body();
            proxyResponse.setContentLength(body.length);
            proxyResponse.getOutputStream().write(body);
            exchange.addBytesOut(body.length);
        }
        else
        {
            Throwable failure = ((Failed)answer).failure();
            boolean neutral = UpstreamFailure.requestHeadTooLarge(failure) || UpstreamFailure.saturated(failure);
            attempts.pool.finished(member, neutral ? Pool.Result.NEUTRAL : Pool.Result.FAILURE, -1);
            failTunnel(proxyResponse, exchange, failure);
        }
        return false;
    }

    /**
     * The client's side of a 101: the upstream's fields (less hop-by-hop ones), then the switch,
     * at Jetty's level or through the servlet API's upgrade.
     *
     * @param held ends the tunnel's count on its target, once, when the tunnel ends
     */
    private boolean switchTo(HttpServletRequest clientRequest, HttpServletResponse proxyResponse, Exchange exchange, Attempts attempts, Switched switched,
                             Runnable held, Exchanges exchanges) throws IOException
    {
        Response response = switched.response();
        WebSocketTunnel.Side upstream = switched.upstream();
        if (!WebSocketTunnel.switchedToWebSocket(response))
        {
            held.run();
            upstream.getEndPoint().close();
            failTunnel(proxyResponse, exchange, new UpstreamFailure.UnexpectedAnswer("a 101 to a protocol other than websocket"));
            return false;
        }
        UpstreamResponseHeaders.copy(clientRequest, proxyResponse, response, exchange, new UpstreamResponseHeaders.Passing(response, exchange, false));
        attempts.addOwnFields(proxyResponse, exchange.secure());
        // Jetty's upgrade sets both itself; Tomcat's sets neither.
        proxyResponse.setHeader(HttpHeader.UPGRADE.asString(), "websocket");
        proxyResponse.setHeader(HttpHeader.CONNECTION.asString(), "Upgrade");
        upstream.getEndPoint().setIdleTimeout(exchange.routeMatch().route().timeouts().idle().toMillis());
        WebSocketTunnel.Link link = new WebSocketTunnel.Link(upstream, exchange, exchanges, open, () ->
        {
            count.decrementAndGet();
            held.run();
        });
        if (jettyUpgrade && JettyUpgrade.prepare(clientRequest, link, executor))
        {
            // Jetty switches the connection to the tunnel once this 101 is written.
            proxyResponse.setStatus(HttpServletResponse.SC_SWITCHING_PROTOCOLS);
            exchange.tunnelled(true);
            return true;
        }
        try
        {
            WebSocketTunnel.ClientSide side = clientRequest.upgrade(WebSocketTunnel.ClientSide.class);
            exchange.tunnelled(true);
            side.link(link);
            return true;
        }
        catch (ServletException | RuntimeException x)
        {
            // The container would not upgrade (Jetty: not over HTTP/1.1, already committed).
            LOG.warn("{} the container refused the WebSocket upgrade: {}", exchange.id(), x.toString());
            link.abandon();
            exchange.outcome(Exchange.Outcome.INTERNAL_ERROR);
            proxyResponse.reset();
            exchange.addBytesOut(ProblemWriter.write(proxyResponse, ProblemType.INTERNAL, "Sluice could not switch this connection to WebSocket.",
                exchange.id(), exchange.traceId()));
            // The link gave its place back.
            return true;
        }
    }

    /** The same problem as for any failed upstream exchange: 502, or 504 when it timed out. */
    private static void failTunnel(HttpServletResponse proxyResponse, Exchange exchange, Throwable failure)
    {
        exchange.outcome(UpstreamFailure.outcome(failure, false));
        LOG.warn("{} upstream '{}' failed the WebSocket upgrade: {}", exchange.id(), exchange.routeMatch().route().upstream(), UpstreamFailure.describe(failure));
        int status = UpstreamFailure.status(failure);
        String detail = status == 502 && UpstreamFailure.badGatewayDetail(failure) != null ? UpstreamFailure.badGatewayDetail(failure) : UpstreamFailure.detail(status);
        exchange.addBytesOut(ProblemWriter.write(proxyResponse, ProblemType.forStatus(status), detail, exchange.id(), exchange.traceId()));
    }

    /** How the upstream answered the upgrade request. */
    sealed interface Answer
    {
    }

    /** It switched protocols; {@code upstream} is its connection, now Sluice's to relay. */
    record Switched(Response response, WebSocketTunnel.Side upstream) implements Answer
    {
    }

    /** It answered with something other than 101 (every 101 goes to the upgrader), passed on as it is. */
    record Refused(Response response, byte[] body) implements Answer
    {
    }

    /** Nothing usable arrived: the connection failed, timed out, or the answer was malformed or too large. */
    record Failed(Throwable failure) implements Answer
    {
    }

    /**
     * The upgrade request's listener and its upgrader: a 101 hands over the connection
     * ({@link #upgrade}); any other answer is buffered, up to {@link #MAX_REFUSAL_BYTES}.
     */
    static final class Listener extends BufferingResponseListener implements HttpUpgrader.Factory, HttpUpgrader
    {
        private final CompletableFuture<Answer> answer = new CompletableFuture<>();
        private final Executor executor;

        Listener(Executor executor)
        {
            super(MAX_REFUSAL_BYTES);
            this.executor = executor;
        }

        CompletableFuture<Answer> answer()
        {
            return answer;
        }

        @Override
        public HttpUpgrader newHttpUpgrader(HttpVersion version)
        {
            return this;
        }

        @Override
        public void prepare(Request request)
        {
            // The request already carries Upgrade and Connection (set with its other fields).
        }

        @Override
        public void upgrade(Response response, EndPoint endPoint, Callback callback)
        {
            WebSocketTunnel.Side upstream = new WebSocketTunnel.Side(endPoint, executor, true);
            try
            {
                // What the upstream sent after its 101 (a first frame) is handed to the new connection.
                endPoint.upgrade(upstream);
                if (!answer.complete(new Switched(response, upstream)))
                {
                    // The client's side gave up waiting already.
                    endPoint.close();
                }
                callback.succeeded();
            }
            catch (Throwable x)
            {
                endPoint.close(x);
                callback.failed(x);
            }
        }

        @Override
        public void onComplete(Result result)
        {
            // Only answers other than an accepted 101 end here (and a 101 whose upgrade failed).
            if (result.isFailed())
            {
                answer.complete(new Failed(result.getFailure()));
            }
            else
            {
                answer.complete(new Refused(result.getResponse(), getContent()));
            }
        }
    }

}
