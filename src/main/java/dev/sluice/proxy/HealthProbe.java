// Active health checks on the wire: GET of the check's path, or gRPC's health-checking call, through the upstream's own client.
package dev.sluice.proxy;

import java.net.URI;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import dev.sluice.http.ClientFailures;
import dev.sluice.upstream.GrpcHealth;
import dev.sluice.upstream.PoolSettings;
import dev.sluice.upstream.Pools;
import dev.sluice.upstream.Target;
import dev.sluice.upstream.Upstream;
import org.eclipse.jetty.client.BufferingResponseListener;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;

/**
 * Each check goes through the client the upstream's requests use (its TLS settings and HTTP
 * version included), with the upstream's {@code host-header} when it has one. An HTTP check
 * completes with the answer's status; a gRPC check with 200 when the target says SERVING, and
 * fails saying why otherwise (the pool logs it and shows it in the admin view).
 */
final class HealthProbe implements Pools.Prober
{
    /** A health answer is a few bytes; anything larger is not one. */
    private static final int MAX_GRPC_ANSWER_BYTES = 4096;

    private final UpstreamClients clients;

    HealthProbe(UpstreamClients clients)
    {
        this.clients = clients;
    }

    @Override
    public CompletableFuture<Integer> probe(Upstream upstream, Target target, PoolSettings.HealthCheck check)
    {
        long deadline = System.nanoTime() + check.timeout().toNanos();
        Request first = request(upstream, target, check, check.timeout().toMillis());
        return send(first, check).exceptionallyCompose(failure ->
        {
            // A check that met a connection the target closed while it sat idle in the pool
            // (servers that close after their own keep-alive timeout without saying so, as
            // uvicorn does), or one an HTTP/2 target turned away unprocessed (a GOAWAY as it
            // retires a connection), says nothing about the target's health: it goes once
            // more, on a new connection, within what is left of the check's timeout.
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left > 0 && (ClientFailures.closedWhileIdle(first, failure) || ClientFailures.unprocessed(failure)))
            {
                return send(request(upstream, target, check, left), check);
            }
            return CompletableFuture.failedFuture(failure);
        });
    }

    private Request request(Upstream upstream, Target target, PoolSettings.HealthCheck check, long timeoutMillis)
    {
        return clients.forUpstream(check.timeout(), upstream)
            .newRequest(URI.create(upstream.scheme() + "://" + target.authority() + check.path()))
            .timeout(timeoutMillis, TimeUnit.MILLISECONDS)
            .headers(headers ->
            {
                headers.put(HttpHeader.USER_AGENT, "sluice-health-check");
                if (upstream.hostHeader() != null)
                {
                    headers.put(HttpHeader.HOST, upstream.hostHeader());
                }
            });
    }

    private static CompletableFuture<Integer> send(Request request, PoolSettings.HealthCheck check)
    {
        return check.grpcService() == null ? http(request.method("GET")) : grpc(request, check.grpcService());
    }

    private static CompletableFuture<Integer> http(Request request)
    {
        CompletableFuture<Integer> status = new CompletableFuture<>();
        request.send(result ->
        {
            if (result.getResponse() != null && result.getResponse().getStatus() > 0 && result.getRequestFailure() == null
                && (result.isSucceeded() || result.getResponseFailure() == null))
            {
                status.complete(result.getResponse().getStatus());
            }
            else
            {
                status.completeExceptionally(result.getFailure());
            }
        });
        return status;
    }

    private static CompletableFuture<Integer> grpc(Request request, String service)
    {
        CompletableFuture<Integer> status = new CompletableFuture<>();
        request.method("POST")
            .headers(headers ->
            {
                headers.put(HttpHeader.CONTENT_TYPE, "application/grpc");
                headers.put(HttpHeader.TE, "trailers");
            })
            .body(new BytesRequestContent("application/grpc", GrpcHealth.request(service)))
            .send(new BufferingResponseListener(MAX_GRPC_ANSWER_BYTES)
            {
                @Override
                public void onComplete(Result result)
                {
                    if (result.isFailed())
                    {
                        status.completeExceptionally(result.getFailure());
                        return;
                    }
                    String why = notServing(result.getResponse(), getContent());
                    if (why == null)
                    {
                        status.complete(200);
                    }
                    else
                    {
                        status.completeExceptionally(new Pools.CheckFailed(why));
                    }
                }
            });
        return status;
    }

    /** Null when the call succeeded and said SERVING, else what it said instead. */
    private static String notServing(org.eclipse.jetty.client.Response response, byte[] body)
    {
        if (response.getStatus() != 200)
        {
            return "HTTP status " + response.getStatus() + " to the gRPC health check";
        }
        HttpFields trailers = response.getTrailers();
        String grpcStatus = trailers != null && trailers.get("grpc-status") != null ? trailers.get("grpc-status") : response.getHeaders().get("grpc-status");
        if (!"0".equals(grpcStatus))
        {
            // 12 (UNIMPLEMENTED): the server has no health service; 5 (NOT_FOUND): it does not know the service named.
            return "grpc-status " + grpcStatus + " to the health check";
        }
        return GrpcHealth.notServing(body);
    }
}
