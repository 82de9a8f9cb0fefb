// The embedded launcher: `java dev.sluice.launcher.Main [--config PATH] [--port N] [--demo] ...`.
package dev.sluice.launcher;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import dev.sluice.auth.ApiKeys;
import dev.sluice.config.ConfigException;
import dev.sluice.config.ConfigListener;
import dev.sluice.config.ConfigStore;
import dev.sluice.config.ProxySettings;
import dev.sluice.config.SettingsParser;
import dev.sluice.tls.ServerTls;
import dev.sluice.tls.TransportSettings;

/**
 * Starts Sluice on embedded Jetty with the same {@code web.xml} a container would use, prints the
 * URL it listens on, and shuts down gracefully on SIGTERM or Ctrl-C (in-flight requests get up to
 * {@code --stop-timeout} to finish). Exit status 2 means bad options or configuration.
 */
public final class Main
{
    static final String USAGE = """
        Usage: sluice [options]
               sluice --check-config FILE
               sluice generate-api-key CONSUMER [LABEL]
               sluice generate-password CONSUMER [LABEL]
               sluice generate-admin-token
          --config PATH        properties file (default: system property sluice.config,
                               env SLUICE_CONFIG, else conf/sluice.properties)
          --port N             port to listen on, 0 for any free port (default 8080)
          --host ADDR          address to bind (default: all interfaces; 127.0.0.1 with --demo)
          --webapp DIR         directory with WEB-INF/web.xml (default src/main/webapp)
          --stop-timeout DUR   how long in-flight requests may take at shutdown (default 30s)
          --shutdown-delay DUR on SIGTERM, first answer /-/ready 503 and go on serving for this
                               long, so load balancers stop sending before Sluice stops taking
                               requests (default 0s; 5-15s behind Kubernetes or a cloud balancer)
          --demo               also start the demo echo upstream on 127.0.0.1:--demo-port
          --demo-port N        port of the demo upstream (default 9999)
          --self-signed        when the configuration has no server.tls.*, serve HTTPS with a
                               throwaway self-signed certificate for localhost (curl -k)
          --https-port N       port for --self-signed (default 8443)
          --help               print this and exit

        --check-config validates FILE as start-up would, prints every problem (or a summary) and
        exits: 0 when it is valid, 2 when not.
        generate-api-key prints a new random API key and the line that stores its SHA-256 hash
        as consumer.CONSUMER.api-key.LABEL (LABEL defaults to "main").
        generate-password prints a new random password for HTTP Basic and the line that stores its
        bcrypt hash as consumer.CONSUMER.password.LABEL (the user name is the consumer's username).
        generate-admin-token prints a new random admin token and its admin.token line.
        """;

    private Main()
    {
    }

    public static void main(String[] args)
    {
        int status = run(args, System.out, System.err);
        if (status != 0)
        {
            System.exit(status);
        }
    }

    static int run(String[] args, PrintStream out, PrintStream err)
    {
        if (args.length > 0 && (args[0].equals("generate-api-key") || args[0].equals("generate-password")))
        {
            return generateApiKey(args, out, err);
        }
        if (args.length > 0 && args[0].equals("generate-admin-token"))
        {
            String[] generated = ApiKeys.generateToken();
            out.println("Admin token (send it as Authorization: Bearer; Sluice keeps only its hash): " + generated[0]);
            out.println("Add to the properties file:");
            out.println("admin.token = " + generated[1]);
            return 0;
        }
        if (args.length > 0 && args[0].equals("--check-config"))
        {
            return checkConfig(args, out, err);
        }
        Options options;
        try
        {
            options = Options.parse(args);
        }
        catch (IllegalArgumentException x)
        {
            err.println(x.getMessage());
            err.print(USAGE);
            return 2;
        }
        if (options.help())
        {
            out.print(USAGE);
            return 0;
        }

        AtomicReference<DemoUpstream> demo = new AtomicReference<>();
        SluiceServer server;
        try
        {
            if (options.demo())
            {
                demo.set(DemoUpstream.start(options.demoPort()));
                out.println("Demo echo upstream listening on " + demo.get().uri());
                out.println("Demo API key (route /account): " + DemoCredentials.API_KEY);
                out.println("Demo bearer token (route /v2/*/orders, valid 1 h): " + DemoCredentials.token(java.time.Instant.now()));
            }
            dev.sluice.config.Settings settings = settings(options);
            ServerTls tls = settings == null ? TransportSettings.NO_SERVER_TLS : settings.transport().server();
            int upstreamResponseHead = settings == null ? ProxySettings.DEFAULT_MAX_RESPONSE_HEADER_BYTES : settings.proxy().maxResponseHeaderBytes();
            if (options.selfSigned() && !tls.enabled())
            {
                tls = SelfSigned.generate(options.httpsPort(), tls.h2c(), tls.maxRequestHeaderBytes())
                    .withProxyProtocolFrom(tls.proxyProtocolFrom()).withIdleTimeout(tls.idleTimeout());
                out.println("HTTPS with a self-signed certificate for localhost (try it with curl -k; never for real clients)");
            }
            // The demo's key and token are public: unless told otherwise, only this machine may use them.
            String host = options.host() == null && options.demo() ? "127.0.0.1" : options.host();
            server = SluiceServer.start(options.webapp(), options.config(), host, options.port(), options.stopTimeout(), tls, upstreamResponseHead);
        }
        catch (Exception x)
        {
            err.println("Sluice did not start: " + reason(x));
            closeQuietly(demo.get());
            return 2;
        }
        out.println("Sluice listening on " + server.describe(false));
        if (server.httpsUri() != null)
        {
            out.println("Sluice listening on " + server.describe(true) + " (HTTPS: h2 and http/1.1)");
        }
        out.flush();
        Runtime.getRuntime().addShutdownHook(new Thread(() ->
        {
            try
            {
                announceStop(server, options.shutdownDelay(), out);
                server.close();
            }
            catch (Exception x)
            {
                err.println("Sluice stopped with an error: " + x);
            }
            closeQuietly(demo.get());
        }, "sluice-shutdown"));
        try
        {
            server.join();
        }
        catch (InterruptedException x)
        {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    /**
     * {@code --shutdown-delay}: Kubernetes takes a terminating pod out of its Services and load
     * balancers while it signals the pod, not before, so requests keep coming for a few seconds.
     * Until the delay is over they are served; only readiness says Sluice is going.
     */
    private static void announceStop(SluiceServer server, Duration delay, PrintStream out)
    {
        if (delay.isZero())
        {
            return;
        }
        server.beginStopping();
        out.println("Sluice is stopping: /-/ready answers 503; serving " + delay.toMillis() + " ms more before in-flight requests drain");
        out.flush();
        try
        {
            Thread.sleep(delay.toMillis());
        }
        catch (InterruptedException x)
        {
            // Stop now, then: the JVM is going either way.
        }
    }

    /**
     * The connectors' settings from the same file the web application reads (the file is
     * validated here first, so a TLS problem stops start-up with the usual message), or null
     * when no file is named.
     */
    private static dev.sluice.config.Settings settings(Options options) throws ConfigException
    {
        // The same origins, in the same order and words, as ConfigListener's.
        String location;
        String origin;
        if (options.config() != null)
        {
            location = options.config().toString();
            origin = "from the launcher's --config";
        }
        else if (System.getProperty(ConfigListener.PARAMETER) != null)
        {
            location = System.getProperty(ConfigListener.PARAMETER);
            origin = "from system property " + ConfigListener.PARAMETER;
        }
        else if (System.getenv(ConfigListener.ENVIRONMENT) != null)
        {
            location = System.getenv(ConfigListener.ENVIRONMENT);
            origin = "from environment variable " + ConfigListener.ENVIRONMENT;
        }
        else
        {
            return null;
        }
        return ConfigStore.open(Path.of(location).toAbsolutePath(), origin, ConfigListener.VARIABLES).current();
    }

    /** Validates a file exactly as start-up does, without starting anything. */
    private static int checkConfig(String[] args, PrintStream out, PrintStream err)
    {
        if (args.length != 2)
        {
            err.println("Usage: sluice --check-config FILE");
            return 2;
        }
        Path file = Path.of(args[1]).toAbsolutePath();
        try
        {
            ConfigStore store = ConfigStore.open(file, "checked", ConfigListener.VARIABLES);
            dev.sluice.config.Settings settings = store.current();
            out.println("Configuration '" + file + "' is valid: " + settings.routes().routes().size() + " routes, " + settings.upstreams().size()
                + " upstreams, " + settings.auth().consumers().size() + " consumers.");
            store.close();
            return 0;
        }
        catch (ConfigException x)
        {
            err.println(x.getMessage());
            return 2;
        }
    }

    private static int generateApiKey(String[] args, PrintStream out, PrintStream err)
    {
        String consumer = args.length > 1 ? args[1] : null;
        String label = args.length > 2 ? args[2] : "main";
        if (consumer == null || args.length > 3 || !SettingsParser.NAME.matcher(consumer).matches() || !SettingsParser.NAME.matcher(label).matches())
        {
            err.println("Usage: sluice " + args[0] + " CONSUMER [LABEL]; names are letters, digits, '-' and '_', starting with a letter or digit.");
            return 2;
        }
        if (args[0].equals("generate-password"))
        {
            String[] generated = dev.sluice.auth.Passwords.generate();
            out.println("Password (give it to the consumer with its username; Sluice keeps only its bcrypt hash): " + generated[0]);
            out.println("Add to the properties file:");
            out.println("consumer." + consumer + ".password." + label + " = " + generated[1]);
            return 0;
        }
        String[] generated = ApiKeys.generate(consumer, label);
        out.println("API key (give it to the consumer; Sluice keeps only its hash): " + generated[0]);
        out.println("Add to the properties file:");
        out.println(generated[1]);
        return 0;
    }

    /**
     * The most useful message in a start-up failure: the configuration's, when it is one.
     */
    static String reason(Throwable failure)
    {
        for (Throwable cause = failure; cause != null; cause = cause.getCause())
        {
            if (cause instanceof ConfigException)
            {
                return cause.getMessage();
            }
        }
        for (Throwable cause = failure; cause != null; cause = cause.getCause())
        {
            if (cause instanceof java.net.BindException)
            {
                return "the port is in use (" + cause.getMessage() + ")";
            }
        }
        return failure.getMessage() != null ? failure.getMessage() : failure.toString();
    }

    private static void closeQuietly(AutoCloseable closeable)
    {
        if (closeable != null)
        {
            try
            {
                closeable.close();
            }
            catch (Exception ignored)
            {
                // Stopping anyway.
            }
        }
    }

    record Options(Path config, String host, int port, Path webapp, Duration stopTimeout, boolean demo, int demoPort, boolean help,
                   boolean selfSigned, int httpsPort, Duration shutdownDelay)
    {
        static Options parse(String[] args)
        {
            Path config = null;
            String host = null;
            int port = 8080;
            Path webapp = Path.of("src/main/webapp");
            Duration stopTimeout = Duration.ofSeconds(30);
            Duration shutdownDelay = Duration.ZERO;
            boolean demo = false;
            int demoPort = 9999;
            boolean help = false;
            boolean selfSigned = false;
            int httpsPort = 8443;
            for (int i = 0; i < args.length; i++)
            {
                String option = args[i];
                switch (option)
                {
                    case "--demo" -> demo = true;
                    case "--self-signed" -> selfSigned = true;
                    case "--https-port" -> httpsPort = port(value(args, ++i, option), option);
                    case "--help", "-h" -> help = true;
                    case "--config" -> config = Path.of(value(args, ++i, option));
                    case "--host" -> host = value(args, ++i, option);
                    case "--port" -> port = port(value(args, ++i, option), option);
                    case "--demo-port" -> demoPort = port(value(args, ++i, option), option);
                    case "--webapp" -> webapp = Path.of(value(args, ++i, option));
                    case "--stop-timeout" -> stopTimeout = duration(value(args, ++i, option), option);
                    case "--shutdown-delay" -> shutdownDelay = duration(value(args, ++i, option), option);
                    default -> throw new IllegalArgumentException("Unknown option '" + option + "'.");
                }
            }
            if (config == null && System.getProperty(ConfigListener.PARAMETER) == null && System.getenv(ConfigListener.ENVIRONMENT) == null)
            {
                config = Path.of("conf/sluice.properties");
            }
            if (config != null && !Files.isRegularFile(config))
            {
                throw new IllegalArgumentException("Option --config has value '" + config + "'; allowed: an existing properties file.");
            }
            return new Options(config, host, port, webapp, stopTimeout, demo, demoPort, help, selfSigned, httpsPort, shutdownDelay);
        }

        private static String value(String[] args, int index, String option)
        {
            if (index >= args.length)
            {
                throw new IllegalArgumentException("Option " + option + " needs a value.");
            }
            return args[index];
        }

        private static int port(String text, String option)
        {
            try
            {
                int port = Integer.parseInt(text);
                if (port >= 0 && port <= 65535)
                {
                    return port;
                }
            }
            catch (NumberFormatException ignored)
            {
                // reported below
            }
            throw new IllegalArgumentException("Option " + option + " has value '" + text + "'; allowed: a port from 0 to 65535.");
        }

        private static Duration duration(String text, String option)
        {
            java.util.regex.Matcher matcher = java.util.regex.Pattern.compile("(\\d{1,6})(ms|s)").matcher(text);
            if (!matcher.matches())
            {
                throw new IllegalArgumentException("Option " + option + " has value '" + text + "'; allowed: a duration such as 500ms or 30s.");
            }
            long amount = Long.parseLong(matcher.group(1));
            return matcher.group(2).equals("ms") ? Duration.ofMillis(amount) : Duration.ofSeconds(amount);
        }
    }
}
