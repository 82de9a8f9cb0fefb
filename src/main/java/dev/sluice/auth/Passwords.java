// Consumers' passwords for HTTP Basic (consumer.<id>.password.<label>): bcrypt hashes, checked with a cache and a bound on concurrent checks.
package dev.sluice.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import org.springframework.security.crypto.bcrypt.BCrypt;

/**
 * The user-id of a Basic credential is the consumer's {@code username}; any of the consumer's
 * passwords opens it. A bcrypt check costs tens of milliseconds on purpose, so:
 * <ul>
 *   <li>a credential once checked is remembered (by the user name and a SHA-256 of the password,
 *   never the password), right for 10 minutes after its last use, wrong for one minute;</li>
 *   <li>at most half the processors check at once; a request that waits more than a second for
 *   its turn is refused as unavailable (503), not queued without end;</li>
 *   <li>an unknown user name costs a check of the same cost as a known one's, so the time taken
 *   does not tell which user names exist.</li>
 * </ul>
 * Failed attempts count per client address as other credentials' do ({@code auth.max-failures}).
 * A new configuration starts with an empty cache: a changed password takes effect at once.
 */
public final class Passwords
{
    /** bcrypt reads at most 72 bytes: a longer password would open with any other sharing its first 72. */
    static final int MAX_PASSWORD_BYTES = 72;
    static final String DEMO_PREFIX = "demo:";
    /** No consumer's username is longer (AuthSettingsParser): a longer one is refused unhashed and not remembered. */
    static final int MAX_USERNAME_CHARS = 128;
    /** $2a$, $2b$ or $2y$ (htpasswd -B), a two-digit cost, 53 characters of salt and hash. */
    private static final Pattern BCRYPT = Pattern.compile("\\$2[aby]\\$(\\d\\d)\\$[./A-Za-z0-9]{53}");
    static final int MIN_COST = 4;
    /** Cost 15 takes seconds per check here: a configuration mistake, and a way to stall Sluice. */
    static final int MAX_COST = 14;

    /**
     * One stored password.
     *
     * @param bcrypt the hash, or null for a demonstration password
     * @param demo the SHA-256 of a demonstration password, or null
     */
    public record Entry(Consumer consumer, String label, String bcrypt, byte[] demo, Identity identity)
    {
        public Entry(Consumer consumer, String label, String bcrypt, byte[] demo)
        {
            this(consumer, label, bcrypt, demo, new Identity(consumer, label, consumer.groups(), java.util.Set.of(), false, Map.of(), Identity.CONSUMERS));
        }
    }

    /** What a check found. */
    public sealed interface Result permits Accepted, Refused, Busy
    {
    }

    public record Accepted(Entry entry) implements Result
    {
    }

    public record Refused() implements Result
    {
    }

    /** Too many checks were under way to make this one in time. */
    public record Busy() implements Result
    {
    }

    private static final Refused REFUSED = new Refused();
    private static final Busy BUSY = new Busy();

    private final Map<String, List<Entry>> byUsername;
    /** The cost of the decoy hash unknown user names are checked against: the highest configured. */
    private final int decoyCost;
    private volatile String decoy;
    private final Semaphore checks;
    private final Cache<String, Accepted> right;
    private final Cache<String, Boolean> wrong;

    public Passwords(List<Entry> entries, int cacheSize)
    {
        this(entries, cacheSize, Math.max(1, Runtime.getRuntime().availableProcessors() / 2));
    }

    /** @param concurrentChecks how many bcrypt checks may run at once */
    Passwords(List<Entry> entries, int cacheSize, int concurrentChecks)
    {
        this.checks = new Semaphore(concurrentChecks);
        Map<String, List<Entry>> map = new HashMap<>();
        int cost = MIN_COST;
        for (Entry entry : entries)
        {
            map.computeIfAbsent(entry.consumer().username(), name -> new ArrayList<>()).add(entry);
            if (entry.bcrypt() != null)
            {
                cost = Math.max(cost, cost(entry.bcrypt()));
            }
        }
        map.replaceAll((name, list) -> List.copyOf(list));
        this.byUsername = Map.copyOf(map);
        this.decoyCost = cost;
        this.right = Caffeine.newBuilder().maximumSize(cacheSize).expireAfterAccess(Duration.ofMinutes(10)).build();
        this.wrong = Caffeine.newBuilder().maximumSize(cacheSize).expireAfterWrite(Duration.ofMinutes(1)).build();
    }

    public boolean isEmpty()
    {
        return byUsername.isEmpty();
    }

    /** Every stored password, in no particular order (for the admin API, which shows labels, never hashes). */
    public List<Entry> entries()
    {
        return byUsername.values().stream().flatMap(List::stream).toList();
    }

    /** A value of {@code consumer.<id>.password.<label>} that can be stored: a bcrypt hash of an allowed cost, or demo:<password>. */
    static boolean valid(String value)
    {
        if (value.startsWith(DEMO_PREFIX))
        {
            return value.length() > DEMO_PREFIX.length() && value.getBytes(StandardCharsets.UTF_8).length - DEMO_PREFIX.length() <= MAX_PASSWORD_BYTES;
        }
        return BCRYPT.matcher(value).matches() && cost(value) >= MIN_COST && cost(value) <= MAX_COST;
    }

    private static int cost(String bcrypt)
    {
        return Integer.parseInt(bcrypt.substring(4, 6));
    }

    /** Checks a user name and password from a Basic credential. */
    public Result check(String username, String password)
    {
        byte[] passwordBytes = password.getBytes(StandardCharsets.UTF_8);
        if (username.isEmpty() || username.length() > MAX_USERNAME_CHARS || passwordBytes.length > MAX_PASSWORD_BYTES || isEmpty())
        {
            return REFUSED;
        }
        String key = username + '\n' + HexFormat.of().formatHex(ApiKeys.sha256(passwordBytes));
        Accepted known = right.getIfPresent(key);
        if (known != null)
        {
            return known;
        }
        if (wrong.getIfPresent(key) != null)
        {
            return REFUSED;
        }
        try
        {
            if (!checks.tryAcquire(1, TimeUnit.SECONDS))
            {
                return BUSY;
            }
        }
        catch (InterruptedException x)
        {
            Thread.currentThread().interrupt();
            return BUSY;
        }
        try
        {
            Entry found = find(username, password, passwordBytes);
            if (found == null)
            {
                wrong.put(key, Boolean.TRUE);
                return REFUSED;
            }
            Accepted accepted = new Accepted(found);
            right.put(key, accepted);
            return accepted;
        }
        finally
        {
            checks.release();
        }
    }

    private Entry find(String username, String password, byte[] passwordBytes)
    {
        List<Entry> entries = byUsername.get(username);
        if (entries == null)
        {
            // As long as a known user name's check, whatever the answer.
            BCrypt.checkpw(password, decoy());
            return null;
        }
        for (Entry entry : entries)
        {
            boolean matches = entry.bcrypt() != null
                ? BCrypt.checkpw(password, entry.bcrypt())
                : MessageDigest.isEqual(entry.demo(), ApiKeys.sha256(passwordBytes));
            if (matches)
            {
                return entry;
            }
        }
        return null;
    }

    /** Made at the first unknown user name, not at every configuration load. */
    private String decoy()
    {
        String made = decoy;
        if (made == null)
        {
            made = BCrypt.hashpw("decoy", BCrypt.gensalt(decoyCost));
            decoy = made;
        }
        return made;
    }

    /** A new random password (24 characters, base64url) and its bcrypt hash at cost 10. */
    public static String[] generate()
    {
        byte[] random = new byte[18];
        new java.security.SecureRandom().nextBytes(random);
        String password = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        return new String[]{password, BCrypt.hashpw(password, BCrypt.gensalt(10))};
    }
}
