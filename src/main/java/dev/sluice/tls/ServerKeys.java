// Loads the launcher's certificates and keys from PEM files or a PKCS12 key store into a KeyStore.
package dev.sluice.tls;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.HexFormat;

/**
 * What Let's Encrypt and cert-manager produce: a PEM certificate chain (leaf first) and a PEM
 * private key, either PKCS#8 ({@code BEGIN PRIVATE KEY}) or PKCS#1 RSA ({@code BEGIN RSA
 * PRIVATE KEY}, wrapped into PKCS#8 here). SEC1 EC keys ({@code BEGIN EC PRIVATE KEY}) are
 * refused with the command that converts them. Each failure names the file and what is wrong,
 * never a key or password.
 */
public final class ServerKeys
{
    /** The key store and the random password protecting its entries in memory. */
    public record Loaded(KeyStore keyStore, String password)
    {
    }

    private ServerKeys()
    {
    }

    public static Loaded load(ServerTls tls) throws IOException
    {
        if (tls.keystore() != null)
        {
            KeyStore store;
            try (InputStream in = Files.newInputStream(tls.keystore()))
            {
                store = KeyStore.getInstance("PKCS12");
                store.load(in, tls.keystorePassword() == null ? null : tls.keystorePassword().toCharArray());
            }
            catch (NoSuchFileException x)
            {
                throw new IOException("The key store '" + tls.keystore() + "' does not exist.");
            }
            catch (GeneralSecurityException | IOException x)
            {
                throw new IOException("The key store '" + tls.keystore() + "' cannot be opened: wrong server.tls.keystore-password, or not PKCS12.");
            }
            return new Loaded(store, tls.keystorePassword());
        }
        try
        {
            String password = HexFormat.of().formatHex(new SecureRandom().generateSeed(16));
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            for (int i = 0; i < tls.certificates().size(); i++)
            {
                Certificate[] chain = chain(tls.certificates().get(i));
                PrivateKey key = privateKey(tls.privateKeys().get(i));
                try
                {
                    store.setKeyEntry("server-" + i, key, password.toCharArray(), chain);
                }
                catch (GeneralSecurityException x)
                {
                    throw new IOException("The private key '" + tls.privateKeys().get(i) + "' does not belong to the certificate '"
                        + tls.certificates().get(i) + "'.");
                }
            }
            return new Loaded(store, password);
        }
        catch (GeneralSecurityException x)
        {
            throw new IOException("The server certificates cannot be loaded: " + x.getClass().getSimpleName() + ".");
        }
    }

    static Certificate[] chain(Path file) throws IOException
    {
        byte[] bytes = read(file);
        try
        {
            Certificate[] chain = CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(bytes)).toArray(Certificate[]::new);
            if (chain.length == 0)
            {
                throw new IOException("no certificate");
            }
            return chain;
        }
        catch (GeneralSecurityException | IOException x)
        {
            throw new IOException("The certificate file '" + file + "' holds no PEM certificate.");
        }
    }

    static PrivateKey privateKey(Path file) throws IOException
    {
        String text = new String(read(file), StandardCharsets.US_ASCII);
        byte[] der;
        if (text.contains("-----BEGIN PRIVATE KEY-----"))
        {
            der = block(text, "PRIVATE KEY", file);
        }
        else if (text.contains("-----BEGIN RSA PRIVATE KEY-----"))
        {
            der = pkcs8FromPkcs1(block(text, "RSA PRIVATE KEY", file));
        }
        else if (text.contains("-----BEGIN EC PRIVATE KEY-----"))
        {
            throw new IOException("The private key file '" + file + "' is a SEC1 EC key; convert it with: openssl pkcs8 -topk8 -nocrypt -in "
                + file.getFileName() + " -out key.pk8.pem");
        }
        else
        {
            throw new IOException("The private key file '" + file + "' holds no unencrypted PEM private key (BEGIN PRIVATE KEY or BEGIN RSA PRIVATE KEY).");
        }
        for (String algorithm : new String[]{"RSA", "EC", "Ed25519"})
        {
            try
            {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            }
            catch (InvalidKeySpecException | java.security.NoSuchAlgorithmException wrongType)
            {
                // Try the next type.
            }
        }
        throw new IOException("The private key file '" + file + "' holds a key that is not RSA, EC or Ed25519.");
    }

    private static byte[] read(Path file) throws IOException
    {
        try
        {
            return Files.readAllBytes(file);
        }
        catch (NoSuchFileException x)
        {
            throw new IOException("The file '" + file + "' does not exist.");
        }
        catch (IOException x)
        {
            throw new IOException("The file '" + file + "' cannot be read.");
        }
    }

    private static byte[] block(String text, String type, Path file) throws IOException
    {
        int begin = text.indexOf("-----BEGIN " + type + "-----");
        int end = text.indexOf("-----END " + type + "-----");
        if (begin < 0 || end < begin)
        {
            throw new IOException("The file '" + file + "' has no complete " + type + " block.");
        }
        try
        {
            return Base64.getMimeDecoder().decode(text.substring(begin + type.length() + 16, end));
        }
        catch (IllegalArgumentException x)
        {
            throw new IOException("The file '" + file + "' has a damaged " + type + " block.");
        }
    }

    /**
     * PKCS#8 PrivateKeyInfo around a PKCS#1 RSAPrivateKey: version 0, algorithm rsaEncryption with
     * NULL parameters, the PKCS#1 bytes as an OCTET STRING.
     */
    static byte[] pkcs8FromPkcs1(byte[] pkcs1)
    {
        byte[] algorithm = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte)0x86, 0x48, (byte)0x86, (byte)0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(new byte[]{0x02, 0x01, 0x00});
        body.writeBytes(algorithm);
        body.write(0x04);
        body.writeBytes(length(pkcs1.length));
        body.writeBytes(pkcs1);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0x30);
        out.writeBytes(length(body.size()));
        out.writeBytes(body.toByteArray());
        return out.toByteArray();
    }

    private static byte[] length(int length)
    {
        if (length < 0x80)
        {
            return new byte[]{(byte)length};
        }
        if (length < 0x100)
        {
            return new byte[]{(byte)0x81, (byte)length};
        }
        if (length < 0x10000)
        {
            return new byte[]{(byte)0x82, (byte)(length >> 8), (byte)length};
        }
        return new byte[]{(byte)0x83, (byte)(length >> 16), (byte)(length >> 8), (byte)length};
    }
}
