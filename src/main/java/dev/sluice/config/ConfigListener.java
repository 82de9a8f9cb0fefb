// Loads the configuration when the web application starts, and stops reloading when it stops.
package dev.sluice.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the properties file, validates it and publishes the {@link ConfigStore} as a context
 * attribute for the filters and servlets. An invalid file stops the application from starting,
 * with every problem in the message.
 *
 * <p>The file is found, first match wins, from:</p>
 * <ol>
 * <li>the context attribute {@link #PATH_ATTRIBUTE} (the embedded launcher's {@code --config});</li>
 * <li>the context init parameter {@code sluice.config}, set per deployment (a Tomcat
 * {@code <Parameter>}, a Jetty context XML {@code setInitParameter}): the most specific
 * setting wins;</li>
 * <li>the system property {@code sluice.config};</li>
 * <li>the environment variable {@code SLUICE_CONFIG}.</li>
 * </ol>
 * A value starting with {@code /WEB-INF/} is a resource of the web application (the WAR packs
 * the demo configuration as {@code /WEB-INF/sluice.properties}, used only when named); anything
 * else is a file-system path. With none of them, Sluice starts with no routes, says so in the
 * log and answers {@code /-/ready} with 503: a WAR dropped into a container never serves the
 * demo's public key and token secret by default.
 */
public final class ConfigListener implements ServletContextListener
{
    public static final String PARAMETER = "sluice.config";
    public static final String ENVIRONMENT = "SLUICE_CONFIG";
    public static final String PATH_ATTRIBUTE = ConfigListener.class.getName() + ".path";
    /** Context attribute set to {@code true} when no configuration was named and none is served. */
    public static final String UNCONFIGURED_ATTRIBUTE = ConfigListener.class.getName() + ".unconfigured";
    private static final Logger LOG = LoggerFactory.getLogger(ConfigListener.class);

    /** Environment variables first, then system properties: how ${NAME} in the file resolves. */
    public static final Function<String, String> VARIABLES = name ->
    {
        String value = System.getenv(name);
        return value != null ? value : System.getProperty(name);
    };

    @Override
    public void contextInitialized(ServletContextEvent event)
    {
        ServletContext context = event.getServletContext();
        LOG.info("Sluice {} starting in {}", dev.sluice.observe.BuildInfo.version(), context.getServerInfo());
        ConfigStore store;
        try
        {
            store = open(context);
            if (store == null)
            {
                LOG.warn("No configuration is named: Sluice serves no routes and /-/ready answers 503. Name a properties file with the context "
                    + "parameter {} (per deployment), the system property {} or the environment variable {}.", PARAMETER, PARAMETER, ENVIRONMENT);
                context.setAttribute(UNCONFIGURED_ATTRIBUTE, Boolean.TRUE);
                store = ConfigStore.fixed("(none named)", new byte[0], VARIABLES);
            }
        }
        catch (ConfigException x)
        {
            LOG.error("{}", x.getMessage());
            // The container reports this and refuses to start the application.
            throw new IllegalStateException(x.getMessage(), x);
        }
        context.setAttribute(ConfigStore.ATTRIBUTE, store);
        store.startWatching();
        Settings settings = store.current();
        LOG.info("Configuration {} loaded: {} routes, {} upstreams", store.source(), settings.routes().routes().size(), settings.upstreams().size());
        if (settings.routes().routes().isEmpty())
        {
            LOG.warn("No route is configured: every request will be answered 404");
        }
        if (settings.compression().anywhere() && context.getAttribute(dev.sluice.http.CompressionSettings.APPLIED_ATTRIBUTE) == null)
        {
            LOG.warn("compression is set, but only Sluice's own launcher compresses answers; in {} turn on the container's compression "
                + "(README, Response compression)", context.getServerInfo());
        }
    }

    /** The named configuration, or null when nothing names one. */
    private static ConfigStore open(ServletContext context) throws ConfigException
    {
        String location;
        String origin;
        Object attribute = context.getAttribute(PATH_ATTRIBUTE);
        if (attribute != null)
        {
            location = attribute.toString();
            origin = "from the launcher's --config";
        }
        else if (context.getInitParameter(PARAMETER) != null)
        {
            location = context.getInitParameter(PARAMETER);
            origin = "from the context parameter " + PARAMETER;
        }
        else if (System.getProperty(PARAMETER) != null)
        {
            location = System.getProperty(PARAMETER);
            origin = "from system property " + PARAMETER;
        }
        else if (System.getenv(ENVIRONMENT) != null)
        {
            location = System.getenv(ENVIRONMENT);
            origin = "from environment variable " + ENVIRONMENT;
        }
        else
        {
            return null;
        }

        if (location.startsWith("/WEB-INF/"))
        {
            String real = context.getRealPath(location);
            if (real == null)
            {
                // A packed WAR the container did not unpack: read once, no reloading.
                String source = "'" + location + "' (" + origin + ")";
                try (InputStream in = context.getResourceAsStream(location))
                {
                    if (in == null)
                    {
                        throw new ConfigException(source, List.of("The configuration file does not exist."));
                    }
                    return ConfigStore.fixed(source, in.readAllBytes(), VARIABLES);
                }
                catch (IOException x)
                {
                    throw new ConfigException(source, List.of("The configuration file cannot be read."));
                }
            }
            location = real;
        }
        return ConfigStore.open(Path.of(location).toAbsolutePath(), origin, VARIABLES);
    }

    @Override
    public void contextDestroyed(ServletContextEvent event)
    {
        Object store = event.getServletContext().getAttribute(ConfigStore.ATTRIBUTE);
        if (store instanceof ConfigStore configStore)
        {
            configStore.close();
        }
    }
}
