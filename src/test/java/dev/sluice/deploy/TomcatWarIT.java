// The packaged WAR deployed into embedded Tomcat 11.
package dev.sluice.deploy;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

import org.apache.catalina.Context;
import org.apache.catalina.LifecycleState;
import org.apache.catalina.startup.Tomcat;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The WAR in Tomcat 11, which has no Jetty server classes: the proxy must bring its own client. */
class TomcatWarIT extends WarDeploymentContract
{
    private final java.util.List<Tomcat> tomcats = new java.util.ArrayList<>();

    @Override
    int deploy(Path war, String contextPath, Path config) throws Exception
    {
        Path base = Files.createTempDirectory("sluice-tomcat");
        Files.createDirectories(base.resolve("webapps"));
        Tomcat tomcat = new Tomcat();
        tomcats.add(tomcat);
        tomcat.setBaseDir(base.toString());
        tomcat.setPort(0);
        tomcat.getConnector().setProperty("address", "127.0.0.1");
        tomcat.setAddDefaultWebXmlToWebapp(false);
        Context context = tomcat.addWebapp(contextPath, new File(war.toAbsolutePath().toString()).getAbsolutePath());
        if (config != null)
        {
            // What <Parameter name="sluice.config" value="..."/> in a context XML does.
            context.addParameter("sluice.config", config.toString());
        }
        tomcat.start();
        assertEquals(LifecycleState.STARTED, context.getState(), "the web application did not start");
        return tomcat.getConnector().getLocalPort();
    }

    @Override
    void undeploy() throws Exception
    {
        for (Tomcat tomcat : tomcats)
        {
            tomcat.stop();
            tomcat.destroy();
        }
    }
}
