// Maps a verified client certificate to a declared consumer: fingerprint, subject DN or SAN.
package dev.sluice.auth;

import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import javax.security.auth.x500.X500Principal;

/**
 * The certificate's chain was already verified by the TLS connector (Sluice's own, or the
 * container's) against its trust store; this only says whose it is. A SHA-256 fingerprint pins
 * one certificate; a subject DN (compared as an X.500 name, so spacing and case of attribute
 * types do not matter) or a subject alternative name ({@code email:}, {@code dns:}, {@code uri:})
 * survives re-issuing.
 */
public final class MtlsIdentities
{
    /**
     * One mapping, as written in {@code consumer.<id>.mtls.<kind>}.
     */
    public record Mapping(Consumer consumer, Kind kind, String value)
    {
    }

    public enum Kind
    {
        FINGERPRINT, SUBJECT, SAN
    }

    private final Map<String, Consumer> fingerprints = new HashMap<>();
    private final Map<X500Principal, Consumer> subjects = new HashMap<>();
    private final Map<String, Consumer> sans = new HashMap<>();

    private final List<Mapping> mappings;

    public MtlsIdentities(List<Mapping> mappings)
    {
        this.mappings = List.copyOf(mappings);
        for (Mapping mapping : mappings)
        {
            switch (mapping.kind())
            {
                case FINGERPRINT -> fingerprints.put(normaliseFingerprint(mapping.value()), mapping.consumer());
                case SUBJECT -> subjects.put(new X500Principal(mapping.value()), mapping.consumer());
                case SAN -> sans.put(mapping.value().toLowerCase(Locale.ROOT), mapping.consumer());
            }
        }
    }

    /** The mappings as configured. */
    public List<Mapping> mappings()
    {
        return mappings;
    }

    /**
     * The consumer the leaf certificate belongs to, or null.
     */
    public Consumer find(X509Certificate certificate)
    {
        Consumer consumer = fingerprints.get(fingerprint(certificate));
        if (consumer == null)
        {
            consumer = subjects.get(certificate.getSubjectX500Principal());
        }
        if (consumer == null && !sans.isEmpty())
        {
            for (String san : alternativeNames(certificate))
            {
                consumer = sans.get(san);
                if (consumer != null)
                {
                    break;
                }
            }
        }
        return consumer;
    }

    /**
     * The SHA-256 of the DER encoding, lowercase hex without separators.
     */
    public static String fingerprint(X509Certificate certificate)
    {
        try
        {
            return HexFormat.of().formatHex(ApiKeys.sha256(certificate.getEncoded()));
        }
        catch (CertificateEncodingException x)
        {
            return "";
        }
    }

    /**
     * Accepts {@code AB:CD:...} or {@code abcd...}; returns 64 lowercase hex digits or null.
     */
    static String normaliseFingerprint(String value)
    {
        String hex = value.replace(":", "").toLowerCase(Locale.ROOT);
        return hex.matches("[0-9a-f]{64}") ? hex : null;
    }

    static boolean validSan(String value)
    {
        return value.matches("(?i)(email|dns|uri):\\S+");
    }

    private static List<String> alternativeNames(X509Certificate certificate)
    {
        Collection<List<?>> names;
        try
        {
            names = certificate.getSubjectAlternativeNames();
        }
        catch (CertificateParsingException x)
        {
            return List.of();
        }
        if (names == null)
        {
            return List.of();
        }
        return names.stream()
            .map(name -> switch ((Integer)name.get(0))
            {
                case 1 -> "email:" + name.get(1);
                case 2 -> "dns:" + name.get(1);
                case 6 -> "uri:" + name.get(1);
                default -> null;
            })
            .filter(name -> name != null)
            .map(name -> name.toLowerCase(Locale.ROOT))
            .toList();
    }
}
