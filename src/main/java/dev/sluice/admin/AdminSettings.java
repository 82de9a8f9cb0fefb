// Who may call Sluice's admin endpoints: a token (kept as its hash) from an allowed address.
package dev.sluice.admin;

import java.security.MessageDigest;
import java.util.List;

import dev.sluice.exchange.Cidr;

/**
 * {@code admin.token} and {@code admin.allow}. Admin endpoints ({@code /-/admin/*}) are off
 * (404) until a token is configured; then a caller needs {@code Authorization: Bearer <token>}
 * and a direct peer address inside {@code admin.allow} (loopback by default, as Kong's admin API
 * listens). Forwarded addresses never count: the admin check uses the connection's peer.
 *
 * @param tokenHash SHA-256 of the token, or null when admin endpoints are off
 */
public record AdminSettings(byte[] tokenHash, List<Cidr> allow)
{
    public static final AdminSettings OFF = new AdminSettings(null, List.of());

    public AdminSettings
    {
        allow = List.copyOf(allow);
    }

    public boolean enabled()
    {
        return tokenHash != null;
    }

    /** Whether the presented token hashes to the configured one (constant-time comparison). */
    public boolean accepts(byte[] presentedHash)
    {
        return tokenHash != null && MessageDigest.isEqual(tokenHash, presentedHash);
    }

    public boolean allows(byte[] peerAddress)
    {
        return allow.stream().anyMatch(block -> block.contains(peerAddress));
    }

    @Override
    public boolean equals(Object other)
    {
        return other instanceof AdminSettings that && MessageDigest.isEqual(tokenHash, that.tokenHash) && allow.equals(that.allow);
    }

    @Override
    public int hashCode()
    {
        return allow.hashCode();
    }

    @Override
    public String toString()
    {
        return "AdminSettings[token=" + (tokenHash == null ? "none" : "set") + ", allow=" + allow + "]";
    }
}
