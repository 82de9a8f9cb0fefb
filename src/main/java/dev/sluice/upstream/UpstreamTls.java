// How Sluice verifies an https:// upstream and which certificate it shows it (re-encryption).
package dev.sluice.upstream;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;

/**
 * {@code upstream.<name>.tls.*}. By default an https:// upstream is verified against the JVM's
 * trust store with host-name verification on (Jetty's client default). {@link #caFile} replaces
 * the trust store with the CA certificates of a PEM file; {@link #clientKeystore} shows a client
 * certificate (upstream mTLS); {@link #insecure} turns verification off and is logged at start.
 * {@link #serverName} is the name sent in SNI, which the JDK checks the certificate against.
 *
 * @param clientKeystorePassword never logged, never in a message
 * @param serverName the host of the upstream's {@code host-header} (not an IP address); null for
 *        the target's own host
 */
public record UpstreamTls(Path caFile, Path clientKeystore, String clientKeystorePassword, boolean insecure, String serverName)
{
    public static final UpstreamTls DEFAULT = new UpstreamTls(null, null, null, false, null);

    public UpstreamTls(Path caFile, Path clientKeystore, String clientKeystorePassword, boolean insecure)
    {
        this(caFile, clientKeystore, clientKeystorePassword, insecure, null);
    }

    /**
     * The CA certificates of a PEM file as a trust store; throws when there are none.
     */
    public static KeyStore trustStore(Path pem) throws IOException, GeneralSecurityException
    {
        Collection<? extends Certificate> certificates;
        try (InputStream in = Files.newInputStream(pem))
        {
            certificates = CertificateFactory.getInstance("X.509").generateCertificates(in);
        }
        if (certificates.isEmpty())
        {
            throw new GeneralSecurityException("no certificate");
        }
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        int i = 0;
        for (Certificate certificate : certificates)
        {
            store.setCertificateEntry("ca-" + i++, certificate);
        }
        return store;
    }

    /**
     * The client key store, loaded to check its password; throws naming nothing secret.
     */
    public static KeyStore clientKeyStore(Path file, String password) throws IOException, GeneralSecurityException
    {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file))
        {
            store.load(in, password == null ? null : password.toCharArray());
        }
        return store;
    }

    @Override
    public String toString()
    {
        return "UpstreamTls[caFile=" + caFile + ", clientKeystore=" + clientKeystore + ", insecure=" + insecure + ", serverName=" + serverName + "]";
    }
}
