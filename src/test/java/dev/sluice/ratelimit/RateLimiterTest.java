// Which limits apply to a caller and what its bucket is keyed on, decided without servlets.
package dev.sluice.ratelimit;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.sluice.auth.Consumer;
import dev.sluice.auth.Identity;
import dev.sluice.testing.MutableClock;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RateLimiterTest
{
    private static final Consumer ALICE = new Consumer("alice", "alice", null, Set.of("silver", "gold"));
    private static final Consumer GUEST = new Consumer("guest", "guest", null, Set.of());

    private static RateLimitPolicy policy(KeyType key, String header)
    {
        Map<String, List<Limit>> groups = new LinkedHashMap<>();
        groups.put("gold", Limit.parseList("100/s"));
        groups.put("silver", Limit.parseList("50/s"));
        return new RateLimitPolicy(Limit.parseList("10/s"), key, header, groups, Map.of("bob", Limit.parseList("1000/s")), 0, true, true);
    }

    private static Identity identity(Consumer consumer, String credential)
    {
        return new Identity(consumer, credential, consumer == null ? Set.of() : consumer.groups(), Set.of(), false, Map.of(), "jwt:test");
    }

    @Test
    void theFirstConfiguredGroupOfTheConsumerWinsAndAConsumerOfItsOwnWinsOverGroups()
    {
        assertEquals(Limit.parseList("100/s"), RateLimiter.limitsFor(policy(KeyType.CONSUMER, null), identity(ALICE, "k")));
        Consumer bob = new Consumer("bob", "bob", null, Set.of("gold"));
        assertEquals(Limit.parseList("1000/s"), RateLimiter.limitsFor(policy(KeyType.CONSUMER, null), identity(bob, "k")));
        assertEquals(Limit.parseList("10/s"), RateLimiter.limitsFor(policy(KeyType.CONSUMER, null), null));
    }

    @Test
    void callersAreKeyedAsConfiguredAndFallBackToTheirAddress()
    {
        RateLimiter.Caller alice = new RateLimiter.Caller(identity(ALICE, "laptop"), "198.51.100.7", "acme", "/orders/1");
        RateLimiter.Caller nobody = new RateLimiter.Caller(null, "198.51.100.8", null, "/orders/2");
        RateLimiter.Caller anonymous = new RateLimiter.Caller(Identity.anonymous(GUEST), "198.51.100.9", null, "/orders/3");
        assertEquals("c:consumer/alice", RateLimiter.keyValue(policy(KeyType.CONSUMER, null), alice));
        assertEquals("ip:198.51.100.8", RateLimiter.keyValue(policy(KeyType.CONSUMER, null), nobody));
        assertEquals("ip:198.51.100.9", RateLimiter.keyValue(policy(KeyType.CONSUMER, null), anonymous), "anonymous callers are not one bucket");
        assertEquals("k:consumer:alice/laptop", RateLimiter.keyValue(policy(KeyType.CREDENTIAL, null), alice));
        assertEquals("ip:198.51.100.7", RateLimiter.keyValue(policy(KeyType.IP, null), alice));
        assertEquals("h:acme", RateLimiter.keyValue(policy(KeyType.HEADER, "X-Tenant"), alice));
        assertEquals("ip:198.51.100.8", RateLimiter.keyValue(policy(KeyType.HEADER, "X-Tenant"), nobody));
        assertEquals("route", RateLimiter.keyValue(policy(KeyType.ROUTE, null), alice));
        assertEquals("p:/orders/1", RateLimiter.keyValue(policy(KeyType.PATH, null), alice));
    }

    @Test
    void longCallerValuesAreHashedSoKeysStaySmall()
    {
        RateLimiter.Caller caller = new RateLimiter.Caller(null, "198.51.100.7", "x".repeat(8000), "/");
        String key = RateLimiter.keyValue(policy(KeyType.HEADER, "X-Tenant"), caller);
        assertTrue(key.startsWith("h:sha256:") && key.length() == 2 + 7 + 64, key);
    }

    @Test
    void aRefusalSaysWhenTheNextTokenIsDueNeverZero()
    {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-28T10:00:00Z"));
        RateLimiter limiter = new RateLimiter(new LocalBucketStore(1000, LocalBucketStore.meter(clock)));
        RateLimitPolicy policy = new RateLimitPolicy(Limit.parseList("2/s burst 2, 5/m"), KeyType.ROUTE, null, Map.of(), Map.of(), 0, true, true);
        RateLimiter.Caller caller = new RateLimiter.Caller(null, "198.51.100.7", null, "/");
        RateLimiter.Decision first = limiter.decide("r", policy, caller);
        assertEquals(new RateLimiter.Headers("2", "1", "1", "2;w=1, 5;w=60"), first.headers());
        limiter.decide("r", policy, caller);
        RateLimiter.Decision refused = limiter.decide("r", policy, caller);
        assertFalse(refused.allowed());
        assertEquals(1, refused.retryAfterSeconds(), "half a second rounds up to one, never zero");
        RateLimitPolicy perMinutePolicy = new RateLimitPolicy(Limit.parseList("10/s, 5/m"), KeyType.ROUTE, null, Map.of(), Map.of(), 0, true, true);
        for (int i = 0; i < 5; i++)
        {
            assertTrue(limiter.decide("m", perMinutePolicy, caller).allowed());
        }
        RateLimiter.Decision perMinute = limiter.decide("m", perMinutePolicy, caller);
        assertFalse(perMinute.allowed());
        // 5/m comes back one token every 12 s.
        assertEquals(12, perMinute.retryAfterSeconds());
        assertEquals("5", perMinute.headers().limit(), "the per-minute limit is the tightest");
        assertEquals("60", perMinute.headers().reset());
    }

    @Test
    void twoRoutesSharingOneLimitsListCountSeparately()
    {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-28T10:00:00Z"));
        RateLimiter limiter = new RateLimiter(new LocalBucketStore(1000, LocalBucketStore.meter(clock)));
        // One list object, as a policy object reused by two routes would hold it: the bucket key
        // prefix cached with the plan belongs to the first route and must not leak to the second.
        RateLimitPolicy policy = new RateLimitPolicy(Limit.parseList("1/m"), KeyType.ROUTE, null, Map.of(), Map.of(), 0, true, true);
        RateLimiter.Caller caller = new RateLimiter.Caller(null, "198.51.100.7", null, "/");
        assertTrue(limiter.decide("a", policy, caller).allowed());
        assertFalse(limiter.decide("a", policy, caller).allowed());
        assertTrue(limiter.decide("b", policy, caller).allowed(), "route b has its own bucket");
        assertFalse(limiter.decide("b", policy, caller).allowed());
    }
}
