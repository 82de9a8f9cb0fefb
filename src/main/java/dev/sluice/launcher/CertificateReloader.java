// Picks up replaced certificate files without a restart; a broken replacement keeps the old ones.
package dev.sluice.launcher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import dev.sluice.tls.ServerKeys;
import dev.sluice.tls.ServerTls;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks the certificate and key files (or key store) every {@code server.tls.reload-interval}.
 * When their content changed, it loads them whole and swaps them into the running
 * {@link SslContextFactory} ({@code reload}): new handshakes use the new certificates, open
 * connections keep going. A replacement that does not load (a key of another certificate, a file
 * half written) keeps the old certificates and is logged once, until the files change again.
 */
final class CertificateReloader implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(CertificateReloader.class);

    private final ServerTls tls;
    private final SslContextFactory.Server ssl;
    private final ScheduledExecutorService timer;
    private String digest;
    private String rejected;

    CertificateReloader(ServerTls tls, SslContextFactory.Server ssl)
    {
        this.tls = tls;
        this.ssl = ssl;
        this.timer = Executors.newSingleThreadScheduledExecutor(runnable ->
        {
            Thread thread = new Thread(runnable, "sluice-certificate-reload");
            thread.setDaemon(true);
            return thread;
        });
        this.digest = digest();
    }

    void start()
    {
        long millis = tls.reloadInterval().toMillis();
        timer.scheduleWithFixedDelay(this::check, millis, millis, TimeUnit.MILLISECONDS);
    }

    synchronized void check()
    {
        String now = digest();
        if (now == null || now.equals(digest) || now.equals(rejected))
        {
            return;
        }
        try
        {
            ServerKeys.Loaded keys = ServerKeys.load(tls);
            ssl.reload(factory ->
            {
                factory.setKeyStore(keys.keyStore());
                factory.setKeyStorePassword(keys.password());
                factory.setKeyManagerPassword(keys.password());
            });
            digest = now;
            rejected = null;
            LOG.info("TLS certificates reloaded from {}", tls.files());
        }
        catch (Exception x)
        {
            rejected = now;
            LOG.warn("TLS certificate change rejected; the running certificates are kept. {}", x.getMessage());
        }
    }

    /** One digest over every file, or null while one cannot be read (mid-replacement). */
    private String digest()
    {
        try
        {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            for (Path file : tls.files())
            {
                sha256.update(Files.readAllBytes(file));
            }
            return HexFormat.of().formatHex(sha256.digest());
        }
        catch (IOException | java.security.NoSuchAlgorithmException x)
        {
            return null;
        }
    }

    @Override
    public void close()
    {
        timer.shutdownNow();
    }
}
