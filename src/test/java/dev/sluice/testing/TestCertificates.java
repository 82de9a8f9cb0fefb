// A throwaway PKI made with the JDK's keytool: a CA, a server certificate and client certificates.
package dev.sluice.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

public final class TestCertificates
{
    public static final String PASSWORD = "changeit";
    private final Path directory;

    private TestCertificates(Path directory)
    {
        this.directory = directory;
    }

    /**
     * Creates {@code ca.p12} (a CA), {@code trust.p12} (the CA certificate alone),
     * {@code server.p12} (CN=localhost, SAN ip:127.0.0.1, self-signed) and
     * {@code server-trust.p12} (the server's certificate, for clients).
     */
    public static TestCertificates create(Path directory) throws Exception
    {
        TestCertificates pki = new TestCertificates(directory);
        pki.keytool("-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=Sluice Test CA",
            "-ext", "bc:c", "-validity", "2", "-keystore", "ca.p12");
        pki.keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", "ca.p12", "-file", "ca.pem");
        pki.keytool("-importcert", "-noprompt", "-alias", "ca", "-file", "ca.pem", "-keystore", "trust.p12");
        pki.keytool("-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
            "-ext", "san=ip:127.0.0.1,dns:localhost", "-validity", "2", "-keystore", "server.p12");
        pki.keytool("-exportcert", "-rfc", "-alias", "server", "-keystore", "server.p12", "-file", "server.pem");
        pki.keytool("-importcert", "-noprompt", "-alias", "server", "-file", "server.pem", "-keystore", "server-trust.p12");
        return pki;
    }

    /**
     * A client key store {@code <name>.p12} whose certificate the CA signed, with the given subject
     * and subject alternative name (e.g. {@code email:svc@example.com}), or null for none.
     */
    public Path client(String name, String subject, String san) throws Exception
    {
        String store = name + ".p12";
        keytool("-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", subject, "-validity", "2", "-keystore", store);
        keytool("-certreq", "-alias", name, "-keystore", store, "-file", name + ".csr");
        List<String> sign = new ArrayList<>(List.of("-gencert", "-alias", "ca", "-keystore", "ca.p12", "-infile", name + ".csr",
            "-outfile", name + ".pem", "-rfc", "-validity", "2", "-ext", "eku=clientAuth"));
        if (san != null)
        {
            sign.addAll(List.of("-ext", "san=" + san));
        }
        keytool(sign.toArray(String[]::new));
        keytool("-importcert", "-noprompt", "-alias", "ca", "-file", "ca.pem", "-keystore", store);
        keytool("-importcert", "-noprompt", "-alias", name, "-file", name + ".pem", "-keystore", store);
        return path(store);
    }

    /**
     * A server key store {@code <name>.p12} (self-signed, EC) for {@code CN=<cn>} with the given
     * SAN, valid from {@code startDate} (keytool's form, e.g. {@code -10d}) for {@code days}; its
     * certificate alone is {@code <name>.pem}.
     */
    public Path server(String name, String cn, String san, String startDate, int days) throws Exception
    {
        String store = name + ".p12";
        List<String> command = new ArrayList<>(List.of("-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1",
            "-dname", "CN=" + cn, "-ext", "san=" + san, "-validity", Integer.toString(days), "-keystore", store));
        if (startDate != null)
        {
            command.addAll(List.of("-startdate", startDate));
        }
        keytool(command.toArray(String[]::new));
        keytool("-exportcert", "-rfc", "-alias", name, "-keystore", store, "-file", name + ".pem");
        return path(store);
    }

    /**
     * A server key store {@code <name>.p12} whose certificate the CA signed, valid from
     * {@code startDate} for {@code days}.
     */
    public Path signedServer(String name, String san, String startDate, int days) throws Exception
    {
        String store = name + ".p12";
        keytool("-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost", "-validity", "2", "-keystore", store);
        keytool("-certreq", "-alias", name, "-keystore", store, "-file", name + ".csr");
        keytool("-gencert", "-alias", "ca", "-keystore", "ca.p12", "-infile", name + ".csr", "-outfile", name + ".pem", "-rfc",
            "-startdate", startDate, "-validity", Integer.toString(days), "-ext", "san=" + san, "-ext", "eku=serverAuth");
        keytool("-importcert", "-noprompt", "-alias", "ca", "-file", "ca.pem", "-keystore", store);
        keytool("-importcert", "-noprompt", "-alias", name, "-file", name + ".pem", "-keystore", store);
        return path(store);
    }

    /**
     * Writes the certificate chain and the PKCS#8 private key of a key store entry as PEM files,
     * the form Let's Encrypt gives: {@code <prefix>.crt} and {@code <prefix>.key}.
     */
    public Path[] exportPem(Path store, String alias, String prefix) throws Exception
    {
        KeyStore keyStore = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store))
        {
            keyStore.load(in, PASSWORD.toCharArray());
        }
        java.util.Base64.Encoder base64 = java.util.Base64.getMimeEncoder(64, "\n".getBytes());
        StringBuilder chain = new StringBuilder();
        for (java.security.cert.Certificate certificate : keyStore.getCertificateChain(alias))
        {
            chain.append("-----BEGIN CERTIFICATE-----\n").append(base64.encodeToString(certificate.getEncoded())).append("\n-----END CERTIFICATE-----\n");
        }
        java.security.Key key = keyStore.getKey(alias, PASSWORD.toCharArray());
        Path crt = directory.resolve(prefix + ".crt");
        Path pem = directory.resolve(prefix + ".key");
        Files.writeString(crt, chain);
        Files.writeString(pem, "-----BEGIN PRIVATE KEY-----\n" + base64.encodeToString(key.getEncoded()) + "\n-----END PRIVATE KEY-----\n");
        return new Path[]{crt, pem};
    }

    public X509Certificate certificate(Path store, String alias) throws Exception
    {
        KeyStore keyStore = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store))
        {
            keyStore.load(in, PASSWORD.toCharArray());
        }
        return (X509Certificate)keyStore.getCertificate(alias);
    }

    public Path path(String file)
    {
        return directory.resolve(file);
    }

    private void keytool(String... arguments) throws IOException, InterruptedException
    {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(arguments));
        command.addAll(List.of("-storepass", PASSWORD, "-storetype", "PKCS12"));
        if (List.of(arguments).contains("-genkeypair"))
        {
            command.addAll(List.of("-keypass", PASSWORD));
        }
        Process process = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0)
        {
            throw new IOException("keytool " + String.join(" ", arguments) + " failed: " + output);
        }
    }
}
