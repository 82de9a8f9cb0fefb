// Embedded Jetty 12 running Sluice's real web.xml: the launcher's server, also used by the tests.
package dev.sluice.launcher;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import dev.sluice.config.ConfigListener;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * Starts Jetty with the web application from a directory (the source tree's
 * {@code src/main/webapp}, or an unpacked WAR), so the same {@code web.xml} runs here as in a
 * container. Classes come from the launcher's own class path.
 *
 * <p>Shutdown is graceful: the connector stops accepting, in-flight requests get up to
 * {@code stopTimeout} to finish, then the rest are cut.</p>
 */
public final class SluiceServer implements AutoCloseable
{
    private final Server server;
    private final ServerConnector connector;

    private SluiceServer(Server server, ServerConnector connector)
    {
        this.server = server;
        this.connector = connector;
    }

    /**
     * @param webapp the directory holding {@code WEB-INF/web.xml}
     * @param config the properties file, or null to let {@code sluice.config}/{@code SLUICE_CONFIG}/web.xml decide
     * @param host the address to bind, or null for all interfaces
     * @param port the port, 0 for any free one
     */
    public static SluiceServer start(Path webapp, Path config, String host, int port, Duration stopTimeout) throws Exception
    {
        return start(webapp, config, host, port, stopTimeout, null);
    }

    /**
     * As above, with a TLS connector when {@code tls} is not null. The request then reports
     * {@code isSecure()} and carries the verified client certificate chain in
     * {@code jakarta.servlet.request.X509Certificate}, as in a container that terminates TLS.
     */
    public static SluiceServer start(Path webapp, Path config, String host, int port, Duration stopTimeout, SslContextFactory.Server tls) throws Exception
    {
        if (!Files.isRegularFile(webapp.resolve("WEB-INF/web.xml")))
        {
            throw new IllegalArgumentException("No WEB-INF/web.xml under '" + webapp + "'; pass --webapp with Sluice's src/main/webapp or an unpacked WAR.");
        }
        Server server = new Server();
        server.setErrorHandler(new ProblemErrorHandler());
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        ServerConnector connector;
        if (tls == null)
        {
            connector = new ServerConnector(server, new HttpConnectionFactory(http));
        }
        else
        {
            http.addCustomizer(new SecureRequestCustomizer());
            connector = new ServerConnector(server, tls, new HttpConnectionFactory(http));
        }
        connector.setHost(host);
        connector.setPort(port);
        server.addConnector(connector);

        WebAppContext context = new WebAppContext();
        context.setContextPath("/");
        context.setBaseResourceAsPath(webapp.toAbsolutePath());
        // The launcher's class path already holds Sluice and its libraries.
        context.setParentLoaderPriority(true);
        context.setThrowUnavailableOnStartupException(true);
        // Jetty's webdefault adds a default servlet, JSP and a TRACE constraint (403) that Sluice
        // does not need: ExchangeFilter refuses TRACE itself, with a 405 problem.
        context.setDefaultsDescriptor(null);
        if (config != null)
        {
            context.setAttribute(ConfigListener.PATH_ATTRIBUTE, config.toAbsolutePath().toString());
        }

        server.setHandler(new GracefulHandler(context));
        server.setStopTimeout(stopTimeout.toMillis());
        try
        {
            server.start();
        }
        catch (Exception x)
        {
            server.stop();
            throw x;
        }
        return new SluiceServer(server, connector);
    }

    public URI uri()
    {
        String host = connector.getHost() == null || connector.getHost().equals("0.0.0.0") ? "127.0.0.1" : connector.getHost();
        String scheme = connector.getDefaultProtocol().startsWith("SSL") ? "https" : "http";
        return URI.create(scheme + "://" + host + ":" + connector.getLocalPort() + "/");
    }

    public int port()
    {
        return connector.getLocalPort();
    }

    public void join() throws InterruptedException
    {
        server.join();
    }

    @Override
    public void close() throws Exception
    {
        server.stop();
    }
}
