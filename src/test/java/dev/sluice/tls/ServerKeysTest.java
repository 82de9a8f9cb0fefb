// The private-key forms Let's Encrypt and cert-manager write, read without BouncyCastle.
package dev.sluice.tls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.util.Arrays;
import java.util.Base64;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ServerKeysTest
{
    @TempDir
    Path directory;

    private Path pem(String type, byte[] der) throws IOException
    {
        Path file = directory.resolve(type.replace(' ', '-') + ".pem");
        Files.writeString(file, "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
            + "\n-----END " + type + "-----\n");
        return file;
    }

    /** The RSAPrivateKey (PKCS#1) inside a PKCS#8 PrivateKeyInfo: the content of its last OCTET STRING. */
    private static byte[] pkcs1Of(byte[] pkcs8)
    {
        // SEQUENCE { INTEGER 0, SEQUENCE { rsaEncryption, NULL }, OCTET STRING { ... } }
        int i = 2 + ((pkcs8[1] & 0x80) != 0 ? pkcs8[1] & 0x7f : 0);
        i += 3;
        i += 2 + pkcs8[i + 1];
        int lengthByte = pkcs8[i + 1] & 0xff;
        int headerLength = lengthByte < 0x80 ? 2 : 2 + (lengthByte & 0x7f);
        return Arrays.copyOfRange(pkcs8, i + headerLength, pkcs8.length);
    }

    @Test
    void pkcs8AndPkcs1RsaKeysReadToTheSameKey() throws Exception
    {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        PrivateKey key = generator.generateKeyPair().getPrivate();
        assertArrayEquals(key.getEncoded(), ServerKeys.privateKey(pem("PRIVATE KEY", key.getEncoded())).getEncoded());
        assertArrayEquals(key.getEncoded(), ServerKeys.privateKey(pem("RSA PRIVATE KEY", pkcs1Of(key.getEncoded()))).getEncoded());
    }

    @Test
    void anEcPkcs8KeyIsRead() throws Exception
    {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(256);
        PrivateKey key = generator.generateKeyPair().getPrivate();
        assertEquals("EC", ServerKeys.privateKey(pem("PRIVATE KEY", key.getEncoded())).getAlgorithm());
    }

    @Test
    void aSec1EcKeyIsRefusedWithTheCommandThatConvertsIt() throws Exception
    {
        Path file = pem("EC PRIVATE KEY", new byte[]{0x30, 0x00});
        IOException x = assertThrows(IOException.class, () -> ServerKeys.privateKey(file));
        assertEquals("The private key file '" + file + "' is a SEC1 EC key; convert it with: openssl pkcs8 -topk8 -nocrypt -in EC-PRIVATE-KEY.pem -out key.pk8.pem",
            x.getMessage());
    }

    @Test
    void somethingElseIsRefusedSayingWhatIsExpected() throws Exception
    {
        Path file = directory.resolve("cert-instead.pem");
        Files.writeString(file, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
        IOException x = assertThrows(IOException.class, () -> ServerKeys.privateKey(file));
        assertEquals("The private key file '" + file + "' holds no unencrypted PEM private key (BEGIN PRIVATE KEY or BEGIN RSA PRIVATE KEY).", x.getMessage());
    }
}
