// The details of an offloaded client certificate that may be sent upstream, each in its header.
package dev.sluice.tls;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Base64;

import dev.sluice.auth.MtlsIdentities;

/**
 * What nginx offers as {@code $ssl_client_s_dn}, {@code $ssl_client_i_dn},
 * {@code $ssl_client_fingerprint} (SHA-256 here) and {@code $ssl_client_escaped_cert}.
 */
public enum ClientCertHeader
{
    SUBJECT("subject", "X-Client-Cert-Subject"),
    ISSUER("issuer", "X-Client-Cert-Issuer"),
    FINGERPRINT("fingerprint", "X-Client-Cert-Fingerprint"),
    PEM("pem", "X-Client-Cert");

    private final String label;
    private final String header;

    ClientCertHeader(String label, String header)
    {
        this.label = label;
        this.header = header;
    }

    public String label()
    {
        return label;
    }

    public String header()
    {
        return header;
    }

    public static ClientCertHeader of(String label)
    {
        for (ClientCertHeader value : values())
        {
            if (value.label.equals(label))
            {
                return value;
            }
        }
        return null;
    }

    /**
     * The header value for this certificate: DNs in RFC 2253 form, the fingerprint as 64 hex
     * digits, the PEM URL-escaped so it fits on one header line.
     */
    public String value(X509Certificate certificate)
    {
        return switch (this)
        {
            case SUBJECT -> ascii(certificate.getSubjectX500Principal().getName());
            case ISSUER -> ascii(certificate.getIssuerX500Principal().getName());
            case FINGERPRINT -> MtlsIdentities.fingerprint(certificate);
            case PEM -> escapedPem(certificate);
        };
    }

    private static String escapedPem(X509Certificate certificate)
    {
        try
        {
            String pem = "-----BEGIN CERTIFICATE-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(certificate.getEncoded())
                + "\n-----END CERTIFICATE-----\n";
            return URLEncoder.encode(pem, StandardCharsets.UTF_8).replace("+", "%20");
        }
        catch (CertificateEncodingException x)
        {
            return null;
        }
    }

    /** Non-ASCII characters in a DN are escaped, so the header stays valid. */
    private static String ascii(String value)
    {
        StringBuilder out = new StringBuilder(value.length());
        for (char c : value.toCharArray())
        {
            if (c >= 0x20 && c < 0x7f)
            {
                out.append(c);
            }
            else
            {
                out.append(String.format("\\u%04x", (int)c));
            }
        }
        return out.toString();
    }
}
