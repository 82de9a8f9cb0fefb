// The sha256:<hex> form in which configurations hold API keys, for tests that configure consumers.
package dev.sluice.testing;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

public final class KeyHashes
{
    private KeyHashes()
    {
    }

    /** The lowercase hex SHA-256 of the key's UTF-8 bytes. */
    public static String sha256(String key)
    {
        try
        {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
        }
        catch (NoSuchAlgorithmException x)
        {
            throw new IllegalStateException(x);
        }
    }
}
