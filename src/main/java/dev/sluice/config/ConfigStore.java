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
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
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
    static final String INCLUDE_KEY = "config.include";
    private static final Logger LOG = LoggerFactory.getLogger(ConfigStore.class);

    private final String source;
    private final Path file;
    private final Function<String, String> variables;
    private final AtomicReference<Settings> current = new AtomicReference<>();
    private volatile String digest;
    /** The properties and digest of the configuration in use (not of a rejected file). */
    private volatile Loaded applied;
    private volatile String lastProblem;
    private volatile long reloads;
    private volatile long rejectedReloads;
    private dev.sluice.http.OwnThreads watcher;

    private ConfigStore(String source, Path file, Function<String, String> variables, Settings settings, Loaded loaded)
    {
        this.source = source;
        this.file = file;
        this.variables = variables;
        this.current.set(settings);
        this.digest = loaded.digest();
        this.applied = loaded;
    }

    /**
     * Loads and validates the file; the exception names every problem.
     *
     * @param origin where the file's location came from, for messages
     */
    public static ConfigStore open(Path file, String origin, Function<String, String> variables) throws ConfigException
    {
        String source = "'" + file + "' (" + origin + ")";
        Loaded loaded = load(file, source, read(file, source));
        Settings settings = SettingsParser.parse(source, loaded.properties(), variables);
        return new ConfigStore(source, file, variables, settings, loaded);
    }

    /**
     * A store over content that cannot change (a resource inside a packed WAR).
     */
    public static ConfigStore fixed(String source, byte[] content, Function<String, String> variables) throws ConfigException
    {
        Loaded loaded = load(null, source, content);
        Settings settings = SettingsParser.parse(source, loaded.properties(), variables);
        return new ConfigStore(source, null, variables, settings, loaded);
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
            throw new ConfigException(source, java.util.List.of("The configuration file cannot be read: " + why(file, x) + "."));
        }
    }

    /** Why a file could not be read, in words (an exception's message is often just the path). */
    public static String why(Path file, IOException x)
    {
        if (Files.isDirectory(file))
        {
            return "it is a directory";
        }
        if (x instanceof NoSuchFileException)
        {
            return "it does not exist";
        }
        if (x instanceof java.nio.file.AccessDeniedException)
        {
            return "permission denied";
        }
        return x.getMessage() != null && !x.getMessage().equals(file.toString()) ? x.getMessage() : x.getClass().getSimpleName();
    }

    static Map<String, String> parse(String source, byte[] content) throws ConfigException
    {
        Properties properties = new Properties();
        try
        {
            properties.load(new StringReader(InlineComments.strip(new String(content, StandardCharsets.UTF_8))));
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

    /** The merged properties of a file and its includes, and one digest over all their bytes. */
    record Loaded(Map<String, String> properties, String digest)
    {
    }

    /**
     * Parses the file and every file its {@code config.include} names (comma-separated; relative
     * paths are resolved against the including file's directory, and must be absolute when the
     * configuration is packed in the WAR). An included file cannot include others, and a key
     * may be set in one file only. Consumers and their credentials often live in such a file,
     * managed apart from the routes.
     */
    static Loaded load(Path file, String source, byte[] content) throws ConfigException
    {
        MessageDigest digest = sha256();
        digest.update(content);
        Map<String, String> merged = new LinkedHashMap<>(parse(source, content));
        String includes = merged.get(INCLUDE_KEY);
        if (includes != null)
        {
            java.util.List<String> problems = new java.util.ArrayList<>();
            for (String item : includes.split(","))
            {
                String name = item.trim();
                if (name.isEmpty())
                {
                    continue;
                }
                Path included = file == null ? Path.of(name) : file.toAbsolutePath().resolveSibling(name);
                if (!included.isAbsolute())
                {
                    problems.add(ConfigException.invalid(INCLUDE_KEY, name, "absolute paths when the configuration is packed in the WAR"));
                    continue;
                }
                String includedSource = "'" + included + "' (included by " + source + ")";
                byte[] bytes = read(included, includedSource);
                digest.update(bytes);
                for (Map.Entry<String, String> entry : new java.util.TreeMap<>(parse(includedSource, bytes)).entrySet())
                {
                    if (entry.getKey().trim().equals(INCLUDE_KEY))
                    {
                        problems.add("Key '" + INCLUDE_KEY + "' is set in included file '" + included + "'; allowed: only in the main file.");
                    }
                    else if (merged.putIfAbsent(entry.getKey(), entry.getValue()) != null)
                    {
                        problems.add("Key '" + entry.getKey().trim() + "' is set in both " + source + " and '" + included + "'; allowed: one of them.");
                    }
                }
            }
            if (!problems.isEmpty())
            {
                throw new ConfigException(source, problems);
            }
        }
        return new Loaded(merged, HexFormat.of().formatHex(digest.digest()));
    }

    private static MessageDigest sha256()
    {
        try
        {
            return MessageDigest.getInstance("SHA-256");
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

    /** SHA-256 (hex) over the bytes of the configuration in use and its includes. */
    public String digest()
    {
        return applied.digest();
    }

    /**
     * The properties in use, merged from the file and its includes, as written ({@code ${NAME}}
     * references not resolved), so secrets from the environment never show through this.
     */
    public Map<String, String> properties()
    {
        return java.util.Collections.unmodifiableMap(applied.properties());
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
            reject(new ConfigException(source, List.of("The file cannot be read: " + why(file, x) + ".")), null);
            return false;
        }
        Loaded loaded;
        try
        {
            loaded = load(file, source, content);
        }
        catch (ConfigException x)
        {
            reject(x, null);
            return false;
        }
        String newDigest = loaded.digest();
        if (newDigest.equals(digest))
        {
            return false;
        }
        Settings previous = current.get();
        try
        {
            Settings settings = SettingsParser.parse(source, loaded.properties(), variables);
            current.set(settings);
            applied = loaded;
            digest = newDigest;
            lastProblem = null;
            reloads++;
            LOG.info("Configuration {} reloaded: {} routes, {} upstreams", source, settings.routes().routes().size(), settings.upstreams().size());
            warnAboutStartOnlySettings(previous, settings);
            return true;
        }
        catch (ConfigException x)
        {
            reject(x, newDigest);
            return false;
        }
    }

    private void reject(ConfigException rejected, String newDigest)
    {
        String problem = rejected.getMessage();
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
        // One line per problem, as start-up prints them: logging back-ends fold a multi-line message into one.
        LOG.warn("Configuration change to {} rejected; the running configuration is kept. {} problem(s):", source, rejected.problems().size());
        for (String each : rejected.problems())
        {
            LOG.warn("  - {}", each);
        }
    }

    private static void warnAboutStartOnlySettings(Settings previous, Settings settings)
    {
        if (previous.proxy().maxThreads() != settings.proxy().maxThreads())
        {
            LOG.warn("Key 'proxy.max-threads' changed to {}; it takes effect at the next start", settings.proxy().maxThreads());
        }
        if (previous.proxy().containerThreads() != settings.proxy().containerThreads())
        {
            LOG.warn("Key 'proxy.threads' changed to {}; it takes effect at the next start", settings.proxy().containerThreads() ? "container" : "own");
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
        watcher = new dev.sluice.http.OwnThreads("sluice-config-reload");
        watcher.executor().scheduleWithFixedDelay(() ->
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

    /**
     * Stops the watcher and waits for its thread to end: a container that checks for threads
     * left running (Tomcat, on undeploy) must find it gone. Not holding this object's lock
     * while waiting, since a check in progress needs it to finish.
     */
    @Override
    public void close()
    {
        dev.sluice.http.OwnThreads stopped;
        synchronized (this)
        {
            stopped = watcher;
            watcher = null;
        }
        if (stopped != null)
        {
            stopped.stop(Duration.ofSeconds(5));
        }
    }
}
