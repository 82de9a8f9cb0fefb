// A real redis-server process on a loopback port, that a test can stop and start again.
package dev.sluice.testing;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Starts Debian's {@code redis-server} (found through {@code SLUICE_REDIS_SERVER}, the system
 * property {@code sluice.redis-server}, or the PATH). Tests that need Redis fail, never skip, when
 * it is missing: {@code .ci/run} installs it.
 */
public final class RedisServer implements AutoCloseable
{
    private final String binary;
    private final int port;
    private final Path directory;
    private final String password;
    /** The TLS port and its certificate, key and CA files (PEM), or 0 and null for plain Redis only. */
    private final int tlsPort;
    private final Path[] tls;
    private Process process;

    private RedisServer(String binary, int port, Path directory, String password, int tlsPort, Path[] tls)
    {
        this.binary = binary;
        this.port = port;
        this.directory = directory;
        this.password = password;
        this.tlsPort = tlsPort;
        this.tls = tls;
    }

    public static RedisServer start() throws Exception
    {
        return start(null);
    }

    /** A server that requires this password (AUTH), or none when null. */
    public static RedisServer start(String password) throws Exception
    {
        int port;
        try (ServerSocket socket = new ServerSocket(0))
        {
            port = socket.getLocalPort();
        }
        RedisServer server = new RedisServer(binary(), port, Scratch.directory("sluice-redis"), password, 0, null);
        server.up();
        return server;
    }

    /**
     * A server that also takes TLS connections ({@link #tlsUri()}) with this certificate chain and
     * key (PEM), as a managed Redis with a private CA does; clients are not asked for certificates.
     * Its plain port stays open for the readiness check.
     */
    public static RedisServer startTls(Path certificateChain, Path key, Path ca) throws Exception
    {
        int port;
        int tlsPort;
        try (ServerSocket socket = new ServerSocket(0); ServerSocket tlsSocket = new ServerSocket(0))
        {
            port = socket.getLocalPort();
            tlsPort = tlsSocket.getLocalPort();
        }
        RedisServer server = new RedisServer(binary(), port, Scratch.directory("sluice-redis-tls"), null, tlsPort, new Path[] {certificateChain, key, ca});
        server.up();
        return server;
    }

    static String binary()
    {
        String configured = System.getenv("SLUICE_REDIS_SERVER");
        if (configured == null)
        {
            configured = System.getProperty("sluice.redis-server");
        }
        if (configured != null)
        {
            return configured;
        }
        for (String directory : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator))
        {
            File candidate = new File(directory, "redis-server");
            if (candidate.canExecute())
            {
                return candidate.getPath();
            }
        }
        File debian = new File("/usr/bin/redis-server");
        if (debian.canExecute())
        {
            return debian.getPath();
        }
        throw new IllegalStateException("redis-server is not installed: the Redis tests need it (apt-get install redis-server, "
            + "or set SLUICE_REDIS_SERVER to its path). .ci/run installs it.");
    }

    /** Starts the server (again) on its port and waits until it answers PING. */
    public void up() throws Exception
    {
        List<String> command = new java.util.ArrayList<>(List.of(binary, "--port", Integer.toString(port), "--bind", "127.0.0.1", "--save", "",
            "--appendonly", "no", "--dir", directory.toString(), "--protected-mode", "no"));
        if (password != null)
        {
            command.addAll(List.of("--requirepass", password));
        }
        if (tls != null)
        {
            command.addAll(List.of("--tls-port", Integer.toString(tlsPort), "--tls-cert-file", tls[0].toString(), "--tls-key-file", tls[1].toString(),
                "--tls-ca-cert-file", tls[2].toString(), "--tls-auth-clients", "no"));
        }
        process = new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(directory.resolve("redis.log").toFile())
            .start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline)
        {
            if (ping())
            {
                return;
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException("redis-server did not start on port " + port + ": " + Files.readString(directory.resolve("redis.log")));
    }

    /** Stops the server; connections are refused until {@link #up()}. */
    public void down() throws Exception
    {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS))
        {
            process.destroyForcibly().waitFor();
        }
    }

    /** Freezes the server (SIGSTOP): connections stay open, nothing is answered. */
    public void pause() throws Exception
    {
        signal("STOP");
    }

    public void resume() throws Exception
    {
        signal("CONT");
    }

    private void signal(String name) throws Exception
    {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
        if (kill.waitFor() != 0)
        {
            throw new IllegalStateException("kill -" + name + " failed");
        }
    }

    private boolean ping()
    {
        try (Socket socket = new Socket("127.0.0.1", port))
        {
            socket.setSoTimeout(1000);
            socket.getOutputStream().write("PING\r\n".getBytes());
            byte[] reply = new byte[64];
            int read = socket.getInputStream().read(reply);
            // With a password, the answer is an authentication error: the server is up all the same.
            return read > 0 && (new String(reply, 0, read).startsWith("+PONG") || new String(reply, 0, read).startsWith("-NOAUTH"));
        }
        catch (IOException x)
        {
            return false;
        }
    }

    public int port()
    {
        return port;
    }

    public String uri()
    {
        return "redis://127.0.0.1:" + port + "/0";
    }

    /** The TLS port's URI, by name: the certificate is for localhost. */
    public String tlsUri()
    {
        return "rediss://localhost:" + tlsPort + "/0";
    }

    @Override
    public void close() throws Exception
    {
        down();
        Scratch.delete(directory);
    }
}
