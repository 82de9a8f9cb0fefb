// An issuer's key set fetched from its JWKS URL: cached, refreshed, and never fetched in a flood.
package dev.sluice.auth;

import java.io.IOException;
import java.net.URI;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds the last good key set of one JWKS URL.
 * <ul>
 * <li>It is fetched on first use and again once it is older than its lifetime: the response's
 * {@code Cache-Control: max-age} when it sends one, kept between the cooldown and
 * {@code jwks-refresh}; else {@code jwks-refresh}.</li>
 * <li>A token with a {@code kid} the set lacks triggers one fetch (keys rotate), but fetches
 * happen at most once per cooldown, so a flood of random {@code kid}s costs the issuer one
 * request per cooldown at most.</li>
 * <li>When a fetch fails, the last good set keeps working; the failure is logged once, and so
 * is the recovery.</li>
 * <li>Only public, signature-capable keys are kept: a secret ({@code oct}) or private key in a
 * published set is dropped, so nothing fetched can turn into an HMAC secret.</li>
 * </ul>
 */
public final class JwksSource
{
    private static final Logger LOG = LoggerFactory.getLogger(JwksSource.class);

    /** Fetches the document at a URL; in production {@link AuthHttp}. */
    @FunctionalInterface
    public interface Fetcher
    {
        AuthHttp.Reply get(URI url, Duration timeout) throws IOException;
    }

    /** Thrown when no key set has ever been fetched successfully. */
    public static final class Unavailable extends Exception
    {
        private static final long serialVersionUID = 1L;

        Unavailable(String message)
        {
            super(message, null, false, false);
        }
    }

    private final URI url;
    private final Duration refresh;
    private final Duration cooldown;
    private final Duration timeout;
    private final Fetcher fetcher;
    private final Clock clock;
    private final ReentrantLock lock = new ReentrantLock();
    private volatile JWKSet keys;
    private volatile Instant fetchedAt = Instant.MIN;
    private volatile Duration lifetime;
    private volatile Instant attemptedAt;
    private volatile boolean failing;
    /** The keys the last fetch could not read, to log them once when they change (under the lock, as fetches are). */
    private List<String> lastUnreadable = List.of();

    public JwksSource(URI url, Duration refresh, Duration cooldown, Duration timeout, Fetcher fetcher, Clock clock)
    {
        this.url = url;
        this.refresh = refresh;
        this.lifetime = refresh;
        this.cooldown = cooldown;
        this.timeout = timeout;
        this.fetcher = fetcher;
        this.clock = clock;
    }

    /**
     * The current set, fetched first when there is none or it is older than its lifetime.
     */
    public JWKSet current() throws Unavailable
    {
        JWKSet set = keys;
        if (set == null)
        {
            lock.lock();
            try
            {
                if (keys == null && mayFetch())
                {
                    fetch();
                }
            }
            finally
            {
                lock.unlock();
            }
        }
        else if (clock.instant().isAfter(fetchedAt.plus(lifetime)) && lock.tryLock())
        {
            // Past its lifetime: one thread refreshes, the others keep using the current set.
            try
            {
                if (mayFetch())
                {
                    fetch();
                }
            }
            finally
            {
                lock.unlock();
            }
        }
        set = keys;
        if (set == null)
        {
            throw new Unavailable("The key set of " + url + " could not be fetched.");
        }
        return set;
    }

    /**
     * Called when a token names a {@code kid} that {@code seen} lacks: fetches again unless
     * another thread already did or the cooldown has not passed. Returns the set to look in.
     */
    public JWKSet refreshForUnknownKey(JWKSet seen)
    {
        lock.lock();
        try
        {
            if (keys == seen && mayFetch())
            {
                fetch();
            }
            return keys;
        }
        finally
        {
            lock.unlock();
        }
    }

    private boolean mayFetch()
    {
        Instant last = attemptedAt;
        return last == null || !clock.instant().isBefore(last.plus(cooldown));
    }

    private void fetch()
    {
        attemptedAt = clock.instant();
        try
        {
            AuthHttp.Reply reply = fetcher.get(url, timeout);
            if (reply.status() != 200)
            {
                throw new IOException("status " + reply.status());
            }
            JWKSet fetched = publicSigningKeys(parseEachKey(reply.body()));
            if (fetched.isEmpty())
            {
                throw new IOException("no public signing key in the set");
            }
            keys = fetched;
            fetchedAt = clock.instant();
            lifetime = lifetime(reply.maxAge());
            if (failing)
            {
                failing = false;
                LOG.info("JWKS {} is reachable again; {} keys loaded", url, fetched.size());
            }
        }
        catch (IOException | ParseException | RuntimeException x)
        {
            if (!failing)
            {
                failing = true;
                LOG.warn("JWKS {} could not be fetched ({}); {}", url, x.getMessage(),
                    keys == null ? "tokens of this issuer are refused until it can" : "the last good key set stays in use");
            }
        }
    }

    /** The issuer's own caching advice, within what this configuration allows. */
    private Duration lifetime(Duration maxAge)
    {
        if (maxAge == null)
        {
            return refresh;
        }
        if (maxAge.compareTo(cooldown) < 0)
        {
            return cooldown;
        }
        return maxAge.compareTo(refresh) > 0 ? refresh : maxAge;
    }

    /**
     * The set's keys, each parsed on its own: a key this library cannot read (an elliptic curve it
     * does not know, such as a Brainpool one; an {@code x5c} that is not a certificate) is left
     * out, named in the log when the set's unreadable keys change, instead of failing the whole
     * set, so the issuer's other keys keep working as they do in other verifiers. Keys of a type
     * it does not know (post-quantum drafts) were already left out by the library.
     */
    JWKSet parseEachKey(String body) throws ParseException
    {
        Map<String, Object> json = com.nimbusds.jose.util.JSONObjectUtils.parse(body);
        List<Object> entries = com.nimbusds.jose.util.JSONObjectUtils.getJSONArray(json, "keys");
        if (entries == null)
        {
            throw new ParseException("no \"keys\" member", 0);
        }
        List<JWK> keys = new java.util.ArrayList<>();
        List<String> unreadable = new java.util.ArrayList<>();
        for (Object entry : entries)
        {
            if (!(entry instanceof Map<?, ?> map))
            {
                unreadable.add("a member that is not an object");
                continue;
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> key = (Map<String, Object>)map;
            try
            {
                keys.add(JWK.parse(key));
            }
            catch (ParseException x)
            {
                if (x.getMessage() != null && x.getMessage().startsWith("Unsupported key type"))
                {
                    continue;
                }
                Object kid = key.get("kid");
                unreadable.add("kid " + (kid instanceof String text ? "'" + (text.length() > 64 ? text.substring(0, 64) + "...'" : text + "'") : "(none)")
                    + ": " + x.getMessage());
            }
        }
        if (!unreadable.equals(lastUnreadable))
        {
            lastUnreadable = unreadable;
            if (!unreadable.isEmpty())
            {
                LOG.warn("JWKS {}: {} of its keys could not be read and are left out ({})", url, unreadable.size(), String.join("; ", unreadable));
            }
        }
        return new JWKSet(keys);
    }

    static JWKSet publicSigningKeys(JWKSet set)
    {
        List<JWK> kept = set.getKeys().stream()
            .filter(key -> !key.isPrivate())
            .filter(key -> key.getKeyType() != com.nimbusds.jose.jwk.KeyType.OCT)
            .filter(key -> key.getKeyUse() == null || key.getKeyUse() == com.nimbusds.jose.jwk.KeyUse.SIGNATURE)
            .toList();
        return new JWKSet(kept);
    }

    public URI url()
    {
        return url;
    }
}
