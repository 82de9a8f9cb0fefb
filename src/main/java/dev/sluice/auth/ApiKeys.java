// API keys: stored as SHA-256 hashes, looked up without leaking timing.
package dev.sluice.auth;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Every configured key, by the SHA-256 of the key. A presented key is hashed and looked up; the
 * map lookup works on the hash, which an attacker cannot steer towards a stored one, and the final
 * comparison is {@link MessageDigest#isEqual}, so the time taken says nothing about how close a
 * guess was. A key longer than {@link #MAX_LENGTH} is refused before any hashing.
 */
public final class ApiKeys
{
    /** Longer presented keys are refused unhashed. Generated keys are 43 characters. */
    public static final int MAX_LENGTH = 256;
    static final String HASH_PREFIX = "sha256:";
    static final String DEMO_PREFIX = "demo:";
    private static final Pattern HASH = Pattern.compile("sha256:[0-9a-f]{64}");

    /**
     * One stored key.
     *
     * @param label the credential's name in {@code consumer.<id>.api-key.<label>}; sent upstream
     * as {@code X-Credential-Identifier}
     * @param identity who a request with this key is: made with the configuration, not per request
     */
    public record Entry(Consumer consumer, String label, byte[] hash, Identity identity)
    {
        public Entry(Consumer consumer, String label, byte[] hash)
        {
            this(consumer, label, hash, new Identity(consumer, label, consumer.groups(), java.util.Set.of(), false, Map.of(), Identity.CONSUMERS));
        }
    }

    /**
     * One SHA-256 engine per thread: {@code MessageDigest.getInstance} looks the algorithm up among
     * the security providers on every call, which was half of hashing a presented key.
     */
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() ->
    {
        try
        {
            return MessageDigest.getInstance("SHA-256");
        }
        catch (NoSuchAlgorithmException x)
        {
            throw new IllegalStateException("Every Java runtime has SHA-256", x);
        }
    });

    /** Keyed by the hash's bytes ({@link ByteBuffer} compares contents), so a lookup formats nothing. */
    private final Map<ByteBuffer, Entry> byHash;

    public ApiKeys(List<Entry> entries)
    {
        Map<ByteBuffer, Entry> map = new HashMap<>();
        for (Entry entry : entries)
        {
            map.put(ByteBuffer.wrap(entry.hash()), entry);
        }
        this.byHash = Map.copyOf(map);
    }

    /**
     * The entry for a presented key, or null.
     */
    public Entry find(String presented)
    {
        if (presented == null || presented.isEmpty() || presented.length() > MAX_LENGTH)
        {
            return null;
        }
        byte[] hash = sha256(presented);
        Entry entry = byHash.get(ByteBuffer.wrap(hash));
        return entry != null && MessageDigest.isEqual(entry.hash(), hash) ? entry : null;
    }

    public boolean isEmpty()
    {
        return byHash.isEmpty();
    }

    /** Every stored key, in no particular order (for the admin API, which shows labels, never hashes). */
    public java.util.Collection<Entry> entries()
    {
        return byHash.values();
    }

    /**
     * The hash a configured value stands for: {@code sha256:<64 lowercase hex>}, or a plain key
     * after {@code demo:}. Returns null when the value is neither.
     */
    public static byte[] configuredHash(String value)
    {
        if (HASH.matcher(value).matches())
        {
            return HexFormat.of().parseHex(value.substring(HASH_PREFIX.length()));
        }
        if (value.startsWith(DEMO_PREFIX) && value.length() > DEMO_PREFIX.length())
        {
            return sha256(value.substring(DEMO_PREFIX.length()));
        }
        return null;
    }

    public static byte[] sha256(String text)
    {
        return sha256(text.getBytes(StandardCharsets.UTF_8));
    }

    static byte[] sha256(byte[] bytes)
    {
        // digest() resets the engine for the thread's next use.
        return SHA256.get().digest(bytes);
    }

    /**
     * A new random key (256 bits, base64url) and the line that stores its hash.
     */
    /** A random token and its stored form ({@code sha256:<hex>}), for {@code admin.token}. */
    public static String[] generateToken()
    {
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        return new String[]{token, HASH_PREFIX + HexFormat.of().formatHex(sha256(token))};
    }

    public static String[] generate(String consumer, String label)
    {
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        String key = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        String line = "consumer." + consumer + ".api-key." + label + " = " + HASH_PREFIX + HexFormat.of().formatHex(sha256(key));
        return new String[]{key, line};
    }
}
