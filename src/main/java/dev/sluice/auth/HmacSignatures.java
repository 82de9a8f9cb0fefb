// Kong's hmac-auth: a request signed with a consumer's shared secret, its date within the clock skew.
package dev.sluice.auth;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import dev.sluice.config.ConfigReader;
import dev.sluice.config.SettingsParser;

/**
 * {@code route.<name>.auth = hmac}: the client sends
 * {@code Authorization: hmac username="alice", algorithm="hmac-sha256", headers="date request-line", signature="<base64>"},
 * the signature being the HMAC, with one of the consumer's secrets
 * ({@code consumer.<id>.hmac-secret.<label>}), of the listed fields one per line
 * ({@code date: <value>}, and for {@code request-line} the request line itself,
 * {@code GET /orders?x=1 HTTP/1.1}), as Kong's hmac-auth and draft-cavage HTTP signatures do. The
 * request's {@code X-Date} or {@code Date} must be within {@code auth.hmac.clock-skew} of now,
 * and the signature must cover the fields of {@code auth.hmac.enforce-headers} (by default the
 * date and the request line, so a signature cannot be replayed later or on another request).
 *
 * <p>With {@code auth.hmac.validate-body = true} (Kong's {@code validate_request_body}) the body
 * must match a {@code Digest} or {@code Content-Digest} field the signature covers
 * ({@link BodyDigests}); bodies up to {@code auth.hmac.max-body} (1 MiB, at most 64 MiB) are read
 * for it, larger ones refused.</p>
 */
public final class HmacSignatures
{
    /** What a consumer's secrets must be: as long as an HS256 JWT secret. */
    static final int MIN_SECRET_BYTES = 32;
    static final List<String> ALGORITHMS = List.of("hmac-sha1", "hmac-sha256", "hmac-sha384", "hmac-sha512");
    public static final HmacSignatures NONE = new HmacSignatures(Map.of(), Duration.ofMinutes(5), Set.of("hmac-sha256", "hmac-sha384", "hmac-sha512"),
        List.of("date", "request-line"), false, 1 << 20);

    /** One secret that opens a consumer's username. */
    record Entry(Consumer consumer, String label, byte[] secret, Identity identity)
    {
    }

    /**
     * What a request presented, parsed from its {@code Authorization} field by the filter.
     *
     * @param headers the signed fields, lower case, in the order signed
     * @param signingString the lines those fields make for this request, or null when a listed field is missing
     * @param date the request's {@code X-Date}, else {@code Date}, or null
     */
    public record Presented(String username, String algorithm, List<String> headers, byte[] signature, String signingString, String date)
    {
    }

    /**
     * What an unknown username is checked against: a secret no one has, so such a request takes
     * as long as one with a wrong signature and its time does not say which usernames exist.
     */
    private static final List<Entry> UNKNOWN = List.of(new Entry(null, null, unguessable(), null));

    private final Map<String, List<Entry>> byUsername;
    private final Duration clockSkew;
    private final Set<String> algorithms;
    private final List<String> enforced;
    private final boolean validateBody;
    private final long maxBody;

    HmacSignatures(Map<String, List<Entry>> byUsername, Duration clockSkew, Set<String> algorithms, List<String> enforced, boolean validateBody, long maxBody)
    {
        this.byUsername = Map.copyOf(byUsername);
        this.clockSkew = clockSkew;
        this.algorithms = Set.copyOf(algorithms);
        this.enforced = List.copyOf(enforced);
        this.validateBody = validateBody;
        this.maxBody = maxBody;
    }

    /** Whether a signed request's body must match the digest its signature covers ({@link BodyDigests}). */
    public boolean validateBody()
    {
        return validateBody;
    }

    /** The largest body read to check it; a larger one is refused (413). */
    public long maxBody()
    {
        return maxBody;
    }

    public List<String> enforced()
    {
        return enforced;
    }

    /** The identity the signature opens, or the reason it does not. */
    Object check(Presented presented, Instant now)
    {
        if (presented.username() == null || presented.signature() == null)
        {
            return Rejection.invalidSignature("The Authorization hmac field is not well formed.");
        }
        if (!algorithms.contains(presented.algorithm()))
        {
            return Rejection.invalidSignature("The signature's algorithm is not accepted here; allowed: " + String.join(", ", new java.util.TreeSet<>(algorithms)) + ".");
        }
        for (String field : enforced)
        {
            boolean signed = presented.headers().contains(field) || (field.equals("date") && presented.headers().contains("x-date"));
            if (!signed)
            {
                return Rejection.invalidSignature("The signature must cover " + String.join(" and ", enforced) + ".");
            }
        }
        long date = presented.date() == null ? -1 : dev.sluice.cache.HttpDates.parse(presented.date());
        if (date < 0 || Math.abs(now.toEpochMilli() - date) > clockSkew.toMillis())
        {
            return Rejection.invalidSignature("The request's Date or X-Date is missing or further from now than the allowed clock skew.");
        }
        if (presented.signingString() == null)
        {
            return Rejection.invalidSignature("A field the signature names is not in the request.");
        }
        List<Entry> entries = byUsername.getOrDefault(presented.username(), UNKNOWN);
        byte[] message = presented.signingString().getBytes(StandardCharsets.UTF_8);
        Identity found = null;
        for (Entry entry : entries)
        {
            // Every secret is tried, so the time taken does not say which one matched.
            if (MessageDigest.isEqual(mac(presented.algorithm(), entry.secret(), message), presented.signature()) && found == null)
            {
                found = entry.identity();
            }
        }
        return found != null ? found : Rejection.invalidSignature("The signature does not match.");
    }

    private static byte[] unguessable()
    {
        byte[] secret = new byte[MIN_SECRET_BYTES];
        new java.security.SecureRandom().nextBytes(secret);
        return secret;
    }

    private static byte[] mac(String algorithm, byte[] secret, byte[] message)
    {
        String name = switch (algorithm)
        {
            case "hmac-sha1" -> "HmacSHA1";
            case "hmac-sha384" -> "HmacSHA384";
            case "hmac-sha512" -> "HmacSHA512";
            default -> "HmacSHA256";
        };
        try
        {
            Mac mac = Mac.getInstance(name);
            mac.init(new SecretKeySpec(secret, name));
            return mac.doFinal(message);
        }
        catch (NoSuchAlgorithmException | InvalidKeyException x)
        {
            throw new IllegalStateException(name + " is missing from this JVM", x);
        }
    }

    /**
     * {@code consumer.<id>.hmac-secret.<label>} of every consumer, and {@code auth.hmac.*}.
     *
     * @param consumers the declared consumers by id
     */
    static HmacSignatures parse(ConfigReader reader, Map<String, Consumer> consumers)
    {
        Map<String, List<Entry>> byUsername = new HashMap<>();
        for (Consumer consumer : consumers.values())
        {
            String prefix = "consumer." + consumer.id() + ".hmac-secret.";
            for (String label : reader.keysUnder(prefix))
            {
                String key = prefix + label;
                String secret = reader.optional(key).orElse("");
                if (!SettingsParser.NAME.matcher(label).matches())
                {
                    reader.problem("Key '" + key + "' does not name a valid credential; allowed: a label made of letters, digits, '-' and '_'.");
                    continue;
                }
                byte[] bytes = secret.getBytes(StandardCharsets.UTF_8);
                String weakness = bytes.length < MIN_SECRET_BYTES ? "shorter than " + MIN_SECRET_BYTES + " bytes" : SecretStrength.weakness(secret);
                if (weakness != null)
                {
                    // The secret itself is never repeated in a message.
                    reader.problem("Key '" + key + "' does not hold a usable secret (" + weakness + "); allowed: a random secret of at least "
                        + MIN_SECRET_BYTES + " bytes, e.g. from: openssl rand -base64 48, given as ${NAME} from the environment.");
                    continue;
                }
                Identity identity = new Identity(consumer, label, consumer.groups(), Set.of(), false, Map.of(), Identity.CONSUMERS);
                byUsername.computeIfAbsent(consumer.username(), name -> new ArrayList<>()).add(new Entry(consumer, label, bytes, identity));
            }
        }
        Duration skew = reader.positiveDuration("auth.hmac.clock-skew", Duration.ofMinutes(5));
        Set<String> algorithms = new LinkedHashSet<>();
        List<String> listed = reader.list("auth.hmac.algorithms");
        for (String algorithm : listed.isEmpty() ? List.of("hmac-sha256", "hmac-sha384", "hmac-sha512") : listed)
        {
            String lower = algorithm.toLowerCase(Locale.ROOT);
            if (ALGORITHMS.contains(lower))
            {
                algorithms.add(lower);
            }
            else
            {
                reader.invalid("auth.hmac.algorithms", algorithm, String.join(", ", ALGORITHMS));
            }
        }
        List<String> enforced = new ArrayList<>();
        boolean enforceSet = reader.isSet("auth.hmac.enforce-headers");
        for (String field : enforceSet ? reader.list("auth.hmac.enforce-headers") : List.of("date", "request-line"))
        {
            String lower = field.toLowerCase(Locale.ROOT);
            if (lower.equals("request-line") || SettingsParser.TOKEN.matcher(lower).matches())
            {
                enforced.add(lower);
            }
            else
            {
                reader.invalid("auth.hmac.enforce-headers", field, "field names and request-line, comma-separated");
            }
        }
        boolean validateBody = reader.bool("auth.hmac.validate-body", false);
        long maxBody = reader.size("auth.hmac.max-body", 1 << 20, 64L << 20);
        return new HmacSignatures(byUsername, skew, algorithms, enforced, validateBody, maxBody);
    }
}
