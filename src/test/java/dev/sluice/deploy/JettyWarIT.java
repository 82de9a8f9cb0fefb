// The packaged WAR deployed into embedded Jetty 12 (ee10).
package dev.sluice.deploy;

import java.nio.file.Path;

import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/** The WAR in Jetty 12 (ee10), deployed the way a Jetty base deploys it: its own WEB-INF/lib. */
class JettyWarIT extends WarDeploymentContract
{
    private final java.util.List<Server> servers = new java.util.ArrayList<>();

    @Override
    int deploy(Path war, String contextPath, Path config) throws Exception
    {
        Server server = new Server();
        servers.add(server);
        // What the README says a Jetty base sets for routes with allow-encoded-slashes
        // (jetty.httpConfig.uriCompliance=DEFAULT,AMBIGUOUS_PATH_SEPARATOR).
        org.eclipse.jetty.server.HttpConfiguration http = new org.eclipse.jetty.server.HttpConfiguration();
        http.setUriCompliance(org.eclipse.jetty.http.UriCompliance.from("DEFAULT,AMBIGUOUS_PATH_SEPARATOR"));
        ServerConnector connector = h2c
            ? new ServerConnector(server, new org.eclipse.jetty.server.HttpConnectionFactory(http),
                new org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory(http))
            : new ServerConnector(server, new org.eclipse.jetty.server.HttpConnectionFactory(http));
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        WebAppContext webapp = new WebAppContext();
        webapp.setWar(war.toAbsolutePath().toString());
        webapp.setContextPath(contextPath);
        webapp.setThrowUnavailableOnStartupException(true);
        if (config != null)
        {
            // What a Jetty base's context XML does: <Call name="setInitParameter">.
            webapp.setInitParameter("sluice.config", config.toString());
        }
        server.setHandler(webapp);
        server.start();
        return connector.getLocalPort();
    }

    @Override
    boolean upgradesHandshakesWithoutALength()
    {
        // A standalone Jetty hides its server classes from the WAR, so Sluice cannot switch the connection itself.
        return false;
    }

    @Override
    void undeploy() throws Exception
    {
        for (Server server : servers)
        {
            server.stop();
        }
    }
}
