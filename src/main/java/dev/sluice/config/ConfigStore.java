// Holds the current Settings, and reloads them from the file when it changes.
package dev.sluice.config;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running configuration. {@link #current()} is what a request starting now uses. When the
 * file changes (its content, checked every {@code config.reload-interval}), the new file is
 * parsed and validated off the request path and swapped in atomically; an invalid file leaves the
 * running configuration untouched and the reason is logged.
 *
 * <p>Polling the content rather than using a file watcher is deliberate: editors that save by
 * rename, Kubernetes ConfigMap symlink swaps and network filesystems all look the same to it.</p>
 */
public final class ConfigStore implements AutoCloseable
{
    public static final String ATTRIBUTE = ConfigStore.class.getName();
    private static final Logger LOG = LoggerFactory.getLogger(ConfigStore.class);

    private final String source;
    private final Path file;
    private final Function<String, String> variables;
    private final AtomicReference<Settings> current = new AtomicReference<>();
    private volatile String digest;
    private volatile String lastProblem;
    private volatile long reloads;
    private volatile long rejectedReloads;
    private ScheduledExecutorService watcher;

    private ConfigStore(String source, Path file, Function<String, String> variables, Settings settings, String digest)
    {
        this.source = source;
        this.file = file;
        this.variables = variables;
        this.current.set(settings);
        this.digest = digest;
    }

    /**
     * Loads and validates the file; the exception names every problem.
     *
     * @param origin where the file's location came from, for messages
     */
    public static ConfigStore open(Path file, String origin, Function<String, String> variables) throws ConfigException
    {
        String source = "'" + file + "' (" + origin + ")";
        byte[] content = read(file, source);
        Settings settings = SettingsParser.parse(source, parse(source, content), variables);
        return new ConfigStore(source, file, variables, settings, digest(content));
    }

    /**
     * A store over content that cannot change (a resource inside a packed WAR).
     */
    public static ConfigStore fixed(String source, byte[] content, Function<String, String> variables) throws ConfigException
    {
        Settings settings = SettingsParser.parse(source, parse(source, content), variables);
        return new ConfigStore(source, null, variables, settings, digest(content));
    }

    private static byte[] read(Path file, String source) throws ConfigException
    {
        try
        {
            return Files.readAllBytes(file);
        }
        catch (NoSuchFileException x)
        {
            throw new ConfigException(source, java.util.List.of("The configuration file does not exist."));
        }
        catch (IOException x)
        {
            throw new ConfigException(source, java.util.List.of("The configuration file cannot be read: " + x.getClass().getSimpleName() + "."));
        }
    }

    static Map<String, String> parse(String source, byte[] content) throws ConfigException
    {
        Properties properties = new Properties();
        try
        {
            properties.load(new StringReader(new String(content, StandardCharsets.UTF_8)));
        }
        catch (IOException | IllegalArgumentException x)
        {
            // Only a malformed \\uXXXX escape gets here.
            throw new ConfigException(source, java.util.List.of("The file is not a valid properties file: " + x.getMessage()));
        }
        Map<String, String> map = new LinkedHashMap<>();
        for (String name : properties.stringPropertyNames())
        {
            map.put(name, properties.getProperty(name));
        }
        return map;
    }

    private static String digest(byte[] content)
    {
        try
        {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        }
        catch (NoSuchAlgorithmException x)
        {
            throw new IllegalStateException(x);
        }
    }

    /**
     * The store {@link ConfigListener} published in this context; the message says how to fix
     * a web.xml that lacks the listener.
     */
    public static ConfigStore of(ServletContext context) throws ServletException
    {
        if (context.getAttribute(ATTRIBUTE) instanceof ConfigStore store)
        {
            return store;
        }
        throw new ServletException("Context attribute '" + ATTRIBUTE
            + "' is missing; declare dev.sluice.config.ConfigListener as a <listener> in web.xml.");
    }

    public Settings current()
    {
        return current.get();
    }

    public String source()
    {
        return source;
    }

    /** Reloads applied since start. */
    public long reloads()
    {
        return reloads;
    }

    /** Changed files that were rejected as invalid since start. */
    public long rejectedReloads()
    {
        return rejectedReloads;
    }

    /** Why the last changed file was rejected, or null if the last change was applied. */
    public String lastProblem()
    {
        return lastProblem;
    }

    /**
     * Checks the file once; applies it if its content changed and it is valid.
     *
     * @return true if a new configuration was applied
     */
    public synchronized boolean reloadIfChanged()
    {
        if (file == null)
        {
            return false;
        }
        byte[] content;
        try
        {
            content = Files.readAllBytes(file);
        }
        catch (IOException x)
        {
            reject("the file cannot be read (" + x.getClass().getSimpleName() + ")", null);
            return false;
        }
        String newDigest = digest(content);
        if (newDigest.equals(digest))
        {
            return false;
        }
        Settings previous = current.get();
        try
        {
            Settings settings = SettingsParser.parse(source, parse(source, content), variables);
            current.set(settings);
            digest = newDigest;
            lastProblem = null;
            reloads++;
            LOG.info("Configuration {} reloaded: {} routes, {} upstreams", source, settings.routes().routes().size(), settings.upstreams().size());
            warnAboutStartOnlySettings(previous, settings);
            return true;
        }
        catch (ConfigException x)
        {
            reject(x.getMessage(), newDigest);
            return false;
        }
    }

    private void reject(String problem, String newDigest)
    {
        if (newDigest != null)
        {
            digest = newDigest;
        }
        // A file that stays bad (or missing) is reported once, not on every check.
        if (Objects.equals(problem, lastProblem))
        {
            return;
        }
        lastProblem = problem;
        rejectedReloads++;
        LOG.warn("Configuration change rejected; the running configuration is kept. {}", problem);
    }

    private static void warnAboutStartOnlySettings(Settings previous, Settings settings)
    {
        if (previous.proxy().maxThreads() != settings.proxy().maxThreads())
        {
            LOG.warn("Key 'proxy.max-threads' changed to {}; it takes effect at the next start", settings.proxy().maxThreads());
        }
        if (previous.proxy().maxConnectionsPerUpstream() != settings.proxy().maxConnectionsPerUpstream())
        {
            LOG.warn("Key 'proxy.max-connections-per-upstream' changed to {}; it takes effect at the next start",
                settings.proxy().maxConnectionsPerUpstream());
        }
        if (!previous.reloadInterval().equals(settings.reloadInterval()))
        {
            LOG.warn("Key 'config.reload-interval' changed to {}; it takes effect at the next start", settings.reloadInterval());
        }
    }

    /**
     * Starts checking the file in the background at the configured interval (none if zero).
     */
    public synchronized void startWatching()
    {
        Duration interval = current().reloadInterval();
        if (file == null || interval.isZero() || watcher != null)
        {
            return;
        }
        watcher = Executors.newSingleThreadScheduledExecutor(runnable ->
        {
            Thread thread = new Thread(runnable, "sluice-config-reload");
            thread.setDaemon(true);
            return thread;
        });
        watcher.scheduleWithFixedDelay(() ->
        {
            try
            {
                reloadIfChanged();
            }
            catch (RuntimeException x)
            {
                LOG.warn("Configuration check failed: {}", x.toString());
            }
        }, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public synchronized void close()
    {
        if (watcher != null)
        {
            watcher.shutdownNow();
            watcher = null;
        }
    }
}
