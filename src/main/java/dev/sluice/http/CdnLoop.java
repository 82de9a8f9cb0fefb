// Loop detection with RFC 8586's CDN-Loop field: a request that names this Sluice has come back to it.
package dev.sluice.http;

import java.security.SecureRandom;
import java.util.Enumeration;
import java.util.HexFormat;

/**
 * An upstream that leads back to Sluice (its own address, or a load balancer in front of it)
 * made each request go round until the upstream connections ran out: one request took 257 hops
 * and every connection to that upstream, then got a 503 that blamed the upstream. Sluice now adds
 * its own id to {@code CDN-Loop} on every request it forwards, keeping what earlier proxies put
 * there (RFC 8586; Envoy's {@code cdn_loop} filter, Cloudflare and Fastly do the same), and a
 * request that already names it is answered 508 at once.
 *
 * <p>The id is made at random once per running instance ({@code sluice-} and 8 hex digits), so
 * two tiers of Sluice, or two nodes behind one balancer, never take each other for themselves;
 * a loop through another node is caught when the request comes back to one it has passed.</p>
 */
public final class CdnLoop
{
    public static final String HEADER = "CDN-Loop";
    /** This instance's id, the cdn-id it adds (a token, RFC 8586 §2). */
    public static final String ID = "sluice-" + HexFormat.of().formatHex(new SecureRandom().generateSeed(4));

    private CdnLoop()
    {
    }

    /**
     * Whether any {@code CDN-Loop} field names this instance. Each field is a list of
     * {@code cdn-id *( OWS ";" OWS parameter )}; ids are compared without regard to case.
     */
    public static boolean passedHere(Enumeration<String> fields)
    {
        return HeaderLists.lists(fields, ID);
    }
}
