// The server certificates Sluice presents when it terminates TLS itself, for metrics and the admin API.
package dev.sluice.tls;

import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.cert.Certificate;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Supplier;

import jakarta.servlet.ServletContext;

/**
 * The embedded launcher publishes its key store (as a {@code Supplier<KeyStore>}, so a reloaded
 * certificate shows at once) under {@link #ATTRIBUTE}. In a container that terminates TLS
 * itself the list is empty: Sluice cannot see the container's certificates.
 */
public final class ServedCertificates
{
    public static final String ATTRIBUTE = ServedCertificates.class.getName();

    /**
     * @param subject the subject's distinguished name
     * @param names the DNS and IP subject alternative names
     */
    public record Served(String alias, String subject, List<String> names, String issuer, Instant notBefore, Instant notAfter)
    {
    }

    private ServedCertificates()
    {
    }

    /** The leaf certificate of every key entry, by alias. */
    public static List<Served> of(ServletContext context)
    {
        if (!(context.getAttribute(ATTRIBUTE) instanceof Supplier<?> supplier) || !(supplier.get() instanceof KeyStore keyStore))
        {
            return List.of();
        }
        List<Served> served = new ArrayList<>();
        try
        {
            for (String alias : Collections.list(keyStore.aliases()))
            {
                Certificate certificate = keyStore.getCertificate(alias);
                if (keyStore.isKeyEntry(alias) && certificate instanceof X509Certificate x509)
                {
                    served.add(new Served(alias, x509.getSubjectX500Principal().getName(), names(x509), x509.getIssuerX500Principal().getName(),
                        x509.getNotBefore().toInstant(), x509.getNotAfter().toInstant()));
                }
            }
        }
        catch (KeyStoreException x)
        {
            return List.of();
        }
        served.sort(java.util.Comparator.comparing(Served::alias));
        return served;
    }

    private static List<String> names(X509Certificate certificate)
    {
        List<String> names = new ArrayList<>();
        try
        {
            if (certificate.getSubjectAlternativeNames() != null)
            {
                for (List<?> name : certificate.getSubjectAlternativeNames())
                {
                    // 2 = dNSName, 7 = iPAddress (RFC 5280 §4.2.1.6)
                    if (name.size() == 2 && (Integer.valueOf(2).equals(name.get(0)) || Integer.valueOf(7).equals(name.get(0))))
                    {
                        names.add(String.valueOf(name.get(1)));
                    }
                }
            }
        }
        catch (CertificateParsingException x)
        {
            // A certificate whose SANs cannot be read shows none.
        }
        return names;
    }
}
