// A throwaway self-signed certificate for trying HTTPS locally (--self-signed), made with keytool.
package dev.sluice.launcher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.sluice.tls.ServerTls;

/**
 * The JDK's own {@code keytool} makes an EC key and a certificate for {@code localhost} and
 * {@code 127.0.0.1}, valid for 30 days, in a temporary PKCS12 key store deleted at exit. Clients
 * will not trust it ({@code curl -k}); it is for trying Sluice, never for serving anyone.
 */
final class SelfSigned
{
    private SelfSigned()
    {
    }

    static ServerTls generate(int port, boolean h2c, int maxRequestHeaderBytes) throws IOException, InterruptedException
    {
        Path directory = Files.createTempDirectory("sluice-self-signed");
        Path store = directory.resolve("self-signed.p12");
        String password = HexFormat.of().formatHex(new SecureRandom().generateSeed(12));
        Process keytool = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
            "-genkeypair", "-alias", "sluice", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
            "-ext", "san=dns:localhost,ip:127.0.0.1", "-validity", "30", "-keystore", store.toString(), "-storetype", "PKCS12",
            "-storepass", password, "-keypass", password))
            .redirectErrorStream(true)
            .start();
        String output = new String(keytool.getInputStream().readAllBytes());
        if (!keytool.waitFor(60, TimeUnit.SECONDS) || keytool.exitValue() != 0)
        {
            throw new IOException("keytool could not make a self-signed certificate: " + output.strip());
        }
        store.toFile().deleteOnExit();
        directory.toFile().deleteOnExit();
        return new ServerTls(List.of(), List.of(), store, password, port, ServerTls.ClientAuth.NONE, null, Duration.ZERO, h2c, maxRequestHeaderBytes);
    }
}
