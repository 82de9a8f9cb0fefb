// Sluice itself, embedded with the real web.xml on a loopback port, configured from a string.
package dev.sluice.testing;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;

import dev.sluice.launcher.SluiceServer;

public final class SluiceUnderTest implements AutoCloseable
{
    public static final Path WEBAPP = Path.of("src/main/webapp");

    private final Path directory;
    private final Path config;
    private final SluiceServer server;

    private SluiceUnderTest(Path directory, Path config, SluiceServer server)
    {
        this.directory = directory;
        this.config = config;
        this.server = server;
    }

    public static SluiceUnderTest start(String properties) throws Exception
    {
        return start(properties, null);
    }

    /** With a TLS connector when {@code tls} is not null. */
    public static SluiceUnderTest start(String properties, org.eclipse.jetty.util.ssl.SslContextFactory.Server tls) throws Exception
    {
        Path directory = Scratch.directory("sluice-test");
        Path config = directory.resolve("sluice.properties");
        Files.writeString(config, properties);
        SluiceServer server = SluiceServer.start(WEBAPP, config, "127.0.0.1", 0, Duration.ofSeconds(5), tls);
        return new SluiceUnderTest(directory, config, server);
    }

    /**
     * As the launcher starts it: connectors from the configuration's {@code server.*} keys
     * (cleartext HTTP/2 with {@code server.h2c = true}, HTTPS with certificates).
     */
    public static SluiceUnderTest startAsLauncher(String properties) throws Exception
    {
        Path directory = Scratch.directory("sluice-test");
        Path config = directory.resolve("sluice.properties");
        Files.writeString(config, properties);
        dev.sluice.config.Settings settings = dev.sluice.config.ConfigStore.open(config, "test", name -> null).current();
        SluiceServer server = SluiceServer.start(WEBAPP, config, "127.0.0.1", 0, Duration.ofSeconds(5), settings.transport().server(),
            settings.proxy().maxResponseHeaderBytes());
        return new SluiceUnderTest(directory, config, server);
    }

    public URI uri()
    {
        return server.uri();
    }

    public URI uri(String pathAndQuery)
    {
        return server.uri().resolve(pathAndQuery);
    }

    public int port()
    {
        return server.port();
    }

    public Object contextAttribute(String name)
    {
        return server.contextAttribute(name);
    }

    /** Replaces the configuration file the way editors do: write aside, then rename over it. */
    public void rewriteConfig(String properties) throws IOException
    {
        Path temporary = directory.resolve("sluice.properties.new");
        Files.writeString(temporary, properties);
        Files.move(temporary, config, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    @Override
    public void close() throws Exception
    {
        server.close();
        Scratch.delete(directory);
    }
}
