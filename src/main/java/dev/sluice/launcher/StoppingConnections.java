// While the launcher waits out --shutdown-delay, HTTP/1 answers carry Connection: close, so keep-alive clients reconnect elsewhere.
package dev.sluice.launcher;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * A client that holds a keep-alive connection to a stopping Sluice (another service's connection
 * pool; through kube-proxy, a connection made before the pod left the Service) would go on
 * sending on it until the port closes, and then meet a refused or reset connection. Told
 * {@code Connection: close} on its next answer, it makes a new connection, which goes to another
 * instance, as Envoy's drain does. HTTP/2 connections get their GOAWAY when the server stops.
 * Jetty's graceful handler itself, so that the request path has no extra layer for this.
 */
final class StoppingConnections extends GracefulHandler
{
    private volatile boolean stopping;

    StoppingConnections(Handler handler)
    {
        super(handler);
    }

    void stopping()
    {
        stopping = true;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception
    {
        if (stopping && request.getConnectionMetaData().getHttpVersion().getVersion() <= HttpVersion.HTTP_1_1.getVersion())
        {
            response.getHeaders().put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
        }
        return super.handle(request, response, callback);
    }
}
