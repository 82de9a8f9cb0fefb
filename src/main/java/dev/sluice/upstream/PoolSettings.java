// How an upstream's pool chooses a target, checks health and budgets retries.
package dev.sluice.upstream;

import java.time.Duration;
import java.util.Set;

/**
 * The pool part of {@code upstream.<name>.*}: balancing, zone preference, active health checks,
 * passive outlier ejection and the retry budget. See {@code conf/sluice.properties} for each
 * key and its default.
 *
 * @param zone Sluice's own zone when this upstream routes zone-aware, else null
 * @param zoneMinAvailablePercent below this share of available local targets, traffic spills to every zone
 * @param zoneMaxInFlight when every available local target has this many requests in flight, a request spills over; 0 = never
 * @param health active checks, or null when off
 * @param slowStart how long a target that joins or returns to the pool takes to reach its full
 *        weight (from a tenth of it, linearly); zero for at once
 */
public record PoolSettings(
    Balance balance,
    HashOn hashOn,
    String zone,
    int zoneMinAvailablePercent,
    int zoneMaxInFlight,
    HealthCheck health,
    Outliers outliers,
    int retryBudgetPercent,
    int retryMinPerSecond,
    Duration slowStart)
{
    public static final Outliers DEFAULT_OUTLIERS = new Outliers(5, Set.of(502, 503, 504), Duration.ofSeconds(30), Duration.ofMinutes(5), 50);
    public static final PoolSettings DEFAULT = new PoolSettings(Balance.ROUND_ROBIN, null, null, 50, 0, null, DEFAULT_OUTLIERS, 20, 5);

    /** Without slow start. */
    public PoolSettings(Balance balance, HashOn hashOn, String zone, int zoneMinAvailablePercent, int zoneMaxInFlight, HealthCheck health,
                        Outliers outliers, int retryBudgetPercent, int retryMinPerSecond)
    {
        this(balance, hashOn, zone, zoneMinAvailablePercent, zoneMaxInFlight, health, outliers, retryBudgetPercent, retryMinPerSecond, Duration.ZERO);
    }

    /** The balancing algorithms, by their configuration names. */
    public enum Balance
    {
        ROUND_ROBIN("round-robin"), LEAST_IN_FLIGHT("least-in-flight"), LATENCY("latency"), HASH("hash");

        private final String label;

        Balance(String label)
        {
            this.label = label;
        }

        public String label()
        {
            return label;
        }

        public static Balance of(String label)
        {
            for (Balance balance : values())
            {
                if (balance.label.equals(label))
                {
                    return balance;
                }
            }
            return null;
        }
    }

    /** What consistent hashing hashes: a header, a cookie, the client address, the consumer or the path. */
    public record HashOn(Kind kind, String name)
    {
        public enum Kind
        {
            HEADER, COOKIE, IP, CONSUMER, PATH
        }

        static final String ALLOWED = "header:<Name>, cookie:<name>, ip, consumer or path";

        public static HashOn parse(String text)
        {
            int colon = text.indexOf(':');
            String kind = colon < 0 ? text : text.substring(0, colon);
            String name = colon < 0 ? null : text.substring(colon + 1).trim();
            HashOn parsed = switch (kind.trim())
            {
                case "header" -> name == null || name.isEmpty() ? null : new HashOn(Kind.HEADER, name);
                case "cookie" -> name == null || name.isEmpty() ? null : new HashOn(Kind.COOKIE, name);
                case "ip" -> name == null ? new HashOn(Kind.IP, null) : null;
                case "consumer" -> name == null ? new HashOn(Kind.CONSUMER, null) : null;
                case "path" -> name == null ? new HashOn(Kind.PATH, null) : null;
                default -> null;
            };
            if (parsed == null)
            {
                throw new IllegalArgumentException(ALLOWED);
            }
            return parsed;
        }
    }

    /**
     * Active health checks: {@code GET path} on every target each interval (jittered by up to a
     * tenth), healthy when the status is expected; or, with {@code grpcService} set, gRPC's
     * health-checking protocol ({@link GrpcHealth}), healthy when the target answers SERVING.
     *
     * @param grpcService the service asked about ("" for the server as a whole), or null for an HTTP check
     */
    public record HealthCheck(String path, Duration interval, Duration timeout, int healthyThreshold, int unhealthyThreshold,
                              StatusRanges statuses, String grpcService)
    {
        public HealthCheck(String path, Duration interval, Duration timeout, int healthyThreshold, int unhealthyThreshold, StatusRanges statuses)
        {
            this(path, interval, timeout, healthyThreshold, unhealthyThreshold, statuses, null);
        }
    }

    /**
     * Passive outlier ejection.
     *
     * @param consecutiveFailures failures in a row that eject a target; 0 turns ejection off
     * @param statuses upstream statuses counted as failures (connect failures, resets and timeouts always are)
     * @param ejectionTime the first ejection's length; each repeat doubles it
     * @param maxEjectionTime the cap on that doubling
     * @param maxEjectionPercent at most this share of the pool is ejected at once
     */
    public record Outliers(int consecutiveFailures, Set<Integer> statuses, Duration ejectionTime, Duration maxEjectionTime,
                           int maxEjectionPercent)
    {
        public Outliers
        {
            statuses = Set.copyOf(statuses);
        }
    }
}
