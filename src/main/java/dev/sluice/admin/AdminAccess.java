// The admin check shared by /-/admin/* and /-/metrics: a bearer token from an allowed address.
package dev.sluice.admin;

import java.io.IOException;
import java.net.InetAddress;

import dev.sluice.auth.ApiKeys;
import dev.sluice.http.ProblemType;
import dev.sluice.http.ProblemWriter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Answers the refusal itself (404 when admin endpoints are off, 403 from an address outside
 * {@code admin.allow}, 401 without the right token) and says whether the caller may go on.
 * Only the connection's peer address counts, never a forwarded one.
 */
final class AdminAccess
{
    private static final int MAX_TOKEN = 256;

    private AdminAccess()
    {
    }

    static byte[] peer(HttpServletRequest request) throws IOException
    {
        return InetAddress.getByName(request.getRemoteAddr()).getAddress();
    }

    /** Admin endpoints on, and the peer inside {@code admin.allow}; no token asked. */
    static boolean checkAddress(HttpServletRequest request, HttpServletResponse response, AdminSettings admin, String id) throws IOException
    {
        if (!admin.enabled())
        {
            ProblemWriter.write(response, ProblemType.NOT_FOUND, "No such Sluice endpoint.", id);
            return false;
        }
        if (!admin.allows(peer(request)))
        {
            ProblemWriter.write(response, ProblemType.FORBIDDEN, "Admin endpoints are not open to this address (admin.allow).", id);
            return false;
        }
        return true;
    }

    static boolean check(HttpServletRequest request, HttpServletResponse response, AdminSettings admin, String id) throws IOException
    {
        if (!checkAddress(request, response, admin, id))
        {
            return false;
        }
        String authorization = request.getHeader("Authorization");
        String token = authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7) ? authorization.substring(7).trim() : null;
        if (token == null || token.isEmpty() || token.length() > MAX_TOKEN || !admin.accepts(ApiKeys.sha256(token)))
        {
            response.setHeader("WWW-Authenticate", "Bearer realm=\"sluice-admin\"");
            ProblemWriter.write(response, ProblemType.UNAUTHORIZED, "Admin endpoints need the admin token as a bearer token.", id);
            return false;
        }
        return true;
    }
}
