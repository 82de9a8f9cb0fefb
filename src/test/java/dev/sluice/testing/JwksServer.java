// A real JWKS endpoint on loopback whose key set can rotate and which can go down and come back.
package dev.sluice.testing;

import java.util.concurrent.atomic.AtomicInteger;

import com.nimbusds.jose.jwk.JWK;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;

public final class JwksServer implements AutoCloseable
{
    private final Server server;
    private final ServerConnector connector;
    private final int port;
    private final AtomicInteger fetches = new AtomicInteger();
    private volatile String document;
    private volatile String cacheControl;

    private JwksServer(JWK... keys) throws Exception
    {
        document = Tokens.jwks(keys);
        server = new Server();
        connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract()
        {
            @Override
            public boolean handle(Request request, Response response, Callback callback)
            {
                fetches.incrementAndGet();
                response.getHeaders().put("Content-Type", "application/jwk-set+json");
                if (cacheControl != null)
                {
                    response.getHeaders().put("Cache-Control", cacheControl);
                }
                Content.Sink.write(response, true, document, callback);
                return true;
            }
        });
        server.start();
        port = connector.getLocalPort();
    }

    public static JwksServer start(JWK... keys) throws Exception
    {
        return new JwksServer(keys);
    }

    public String url()
    {
        return "http://127.0.0.1:" + port + "/.well-known/jwks.json";
    }

    /** Publishes a new key set (rotation). */
    public void publish(JWK... keys)
    {
        document = Tokens.jwks(keys);
    }

    /** Publishes a document exactly as given. */
    public void publishRaw(String json)
    {
        document = json;
    }

    /** Sends this Cache-Control with the key set from now on. */
    public void cacheControl(String value)
    {
        cacheControl = value;
    }

    public int fetches()
    {
        return fetches.get();
    }

    /** Stops listening: fetches are refused at the TCP level. */
    public void down() throws Exception
    {
        server.stop();
    }

    /** Listens again on the same port. */
    public void up() throws Exception
    {
        connector.setPort(port);
        server.start();
    }

    @Override
    public void close() throws Exception
    {
        server.stop();
    }
}
