// Sticky sessions: a cookie Sluice sets names the target a client's later requests go to.
package dev.sluice.upstream;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.regex.Pattern;

import dev.sluice.config.ConfigReader;

/**
 * {@code upstream.<name>.sticky.cookie} and its options: nginx's {@code sticky cookie},
 * HAProxy's {@code cookie … insert}, Traefik's sticky cookie and Envoy's generated hash cookie.
 * A request whose cookie names an available target of the pool goes there, whatever the
 * balancer, the zone or the target's weight would say (a target at weight 0 drains: it keeps
 * its sessions and gets no new ones, as nginx's {@code drain}); any other request is balanced
 * as usual, and its answer sets the cookie to the target that served it. Affinity is best
 * effort: a target that is down, ejected or removed loses its sessions to another.
 *
 * <p>The cookie's value is the first 16 hex digits of the SHA-256 of the target's
 * {@code host:port}: the same on every Sluice node and across restarts and reloads, so a client
 * keeps its target behind several Sluice nodes, and not the address itself. A value that names
 * no target is ignored.</p>
 *
 * @param cookie the cookie's name
 * @param ttl its {@code Max-Age}, or null for a session cookie (gone when the browser closes)
 * @param path its {@code Path}
 * @param sameSite its {@code SameSite}: Lax, Strict or None (None is always sent {@code Secure})
 */
public record Sticky(String cookie, Duration ttl, String path, String sameSite)
{
    /** A cookie name: an RFC 6265 token. */
    private static final Pattern NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}");
    /** A cookie path: no controls, spaces, ';' or ','. */
    private static final Pattern PATH = Pattern.compile("/[\\x21-\\x2B\\x2D-\\x3A\\x3C-\\x7E]{0,255}");
    /** Browsers keep a cookie at most 400 days (RFC 6265bis). */
    private static final Duration MAX_TTL = Duration.ofDays(400);

    /** The cookie value that names a target. */
    public static String id(Target target)
    {
        try
        {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(target.authority().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        }
        catch (NoSuchAlgorithmException x)
        {
            throw new IllegalStateException("SHA-256 is missing from this JVM", x);
        }
    }

    /** The {@code Set-Cookie} value that pins a client to the target with this id. */
    public String setCookie(String id, boolean secure)
    {
        StringBuilder value = new StringBuilder(96).append(cookie).append('=').append(id).append("; Path=").append(path);
        if (ttl != null)
        {
            value.append("; Max-Age=").append(ttl.toSeconds());
        }
        if (secure || sameSite.equals("None"))
        {
            value.append("; Secure");
        }
        return value.append("; HttpOnly; SameSite=").append(sameSite).toString();
    }

    /** {@code upstream.<name>.sticky.*}, or null when {@code sticky.cookie} is not set (then no other sticky key may be). */
    static Sticky parse(ConfigReader reader, String prefix)
    {
        String key = prefix + "sticky.cookie";
        String name = reader.optional(key).orElse(null);
        if (name == null)
        {
            for (String option : new String[] {"ttl", "path", "same-site"})
            {
                if (reader.isSet(prefix + "sticky." + option))
                {
                    reader.problem("Key '" + prefix + "sticky." + option + "' is set but '" + key + "' is not; allowed: sticky options only with a sticky cookie.");
                }
            }
            return null;
        }
        if (!NAME.matcher(name).matches())
        {
            reader.invalid(key, name, "a cookie name of letters, digits and !#$%&'*+.^_`|~- (at most 64)");
        }
        Duration ttl = reader.duration(prefix + "sticky.ttl", Duration.ZERO);
        if (ttl.compareTo(MAX_TTL) > 0 || (!ttl.isZero() && ttl.toSeconds() == 0))
        {
            reader.invalid(prefix + "sticky.ttl", reader.optional(prefix + "sticky.ttl").orElse(""), "0 (a session cookie) or from 1s to 400 days");
            ttl = Duration.ZERO;
        }
        String path = reader.string(prefix + "sticky.path", "/");
        if (!PATH.matcher(path).matches())
        {
            reader.invalid(prefix + "sticky.path", path, "a path starting with '/', without spaces, ';' or ','");
        }
        String sameSite = switch (reader.choice(prefix + "sticky.same-site", "lax", java.util.List.of("lax", "strict", "none")))
        {
            case "strict" -> "Strict";
            case "none" -> "None";
            default -> "Lax";
        };
        return new Sticky(name, ttl.isZero() ? null : ttl, path, sameSite);
    }

    /** A pool's members by the cookie values that name them, made once per configuration. */
    static final class Targets
    {
        private final java.util.Map<String, Member> byId;
        private final String[] ids;

        Targets(java.util.List<Member> members)
        {
            java.util.Map<String, Member> named = new java.util.HashMap<>();
            ids = new String[members.size()];
            for (Member member : members)
            {
                ids[member.index] = Sticky.id(member.target);
                named.put(ids[member.index], member);
            }
            byId = java.util.Map.copyOf(named);
        }

        /** The member a cookie value names, or null. */
        Member named(String id)
        {
            return byId.get(id);
        }

        String id(Member member)
        {
            return ids[member.index];
        }
    }
}
