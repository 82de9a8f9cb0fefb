// Rate-limit configuration: the readable limit form, and the exact message for each mistake.
package dev.sluice.ratelimit;

import java.io.StringReader;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import dev.sluice.config.ConfigException;
import dev.sluice.config.Settings;
import dev.sluice.config.SettingsParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RateLimitSettingsParserTest
{
    private static final String BASE = """
        upstream.app.url = http://127.0.0.1:8081
        route.app.path = /app
        route.app.upstream = app
        consumer.alice.groups = gold
        """;

    static Settings parse(String text) throws Exception
    {
        Properties properties = new Properties();
        properties.load(new StringReader(BASE + text));
        Map<String, String> map = new HashMap<>();
        properties.stringPropertyNames().forEach(name -> map.put(name, properties.getProperty(name)));
        return SettingsParser.parse("test", map, name -> null);
    }

    static List<String> problems(String text)
    {
        return assertThrows(ConfigException.class, () -> parse(text)).problems();
    }

    @Test
    void limitsParseWithBurstAndRefill() throws Exception
    {
        RateLimitSettings settings = parse("""
            route.app.rate-limit = 10/s burst 20, 1000/h, 20000/d interval
            route.app.rate-limit.by = header:X-Tenant
            route.app.rate-limit.group.gold = 100/s
            route.app.rate-limit.consumer.alice = 1000/s
            route.app.rate-limit.concurrency = 5
            route.app.rate-limit.on-store-failure = deny
            """).rateLimit();
        RateLimitPolicy policy = settings.policies().get("app");
        assertEquals(List.of(new Limit(10, Duration.ofSeconds(1), 20, false), new Limit(1000, Duration.ofHours(1), 1000, false),
            new Limit(20000, Duration.ofDays(1), 20000, true)), policy.limits());
        assertEquals(KeyType.HEADER, policy.key());
        assertEquals("X-Tenant", policy.header());
        assertEquals(List.of(new Limit(100, Duration.ofSeconds(1), 100, false)), policy.groupLimits().get("gold"));
        assertEquals(5, policy.concurrency());
        assertEquals(false, policy.failOpen());
        assertEquals(RateLimitSettings.Store.LOCAL, settings.store());
    }

    @Test
    void routesWithoutALimitAreNotLimited() throws Exception
    {
        assertNull(parse("").rateLimit().policies().get("app"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"10/x", "-5/s", "0/s", "10/s burst 0", "ten per second", "10/s, ", "10/s burst"})
    void badLimitsAreNamed(String limit)
    {
        String shown = limit.endsWith(", ") ? "" : limit;
        assertEquals(List.of("Key 'route.app.rate-limit' has value '" + shown + "'; allowed: limits such as 10/s, 100/m burst 150, 1000/h or "
            + "20000/d interval, comma-separated; units s, m, h, d; N and burst at least 1."), problems("route.app.rate-limit = " + limit + "\n"));
    }

    @Test
    void anUnknownKeyTypeIsNamed()
    {
        assertEquals(List.of("Key 'route.app.rate-limit.by' has value 'tenant'; allowed: consumer, credential, ip, header:<name>, route or path."),
            problems("route.app.rate-limit = 10/s\nroute.app.rate-limit.by = tenant\n"));
    }

    @Test
    void aNegativeConcurrencyAndAnUnknownFailurePolicyAreNamed()
    {
        assertEquals(List.of(
            "Key 'route.app.rate-limit.concurrency' has value '-1'; allowed: a whole number from 0 to 1000000.",
            "Key 'route.app.rate-limit.on-store-failure' has value 'maybe'; allowed: allow (requests pass while the store is down) or deny (503)."),
            problems("route.app.rate-limit = 10/s\nroute.app.rate-limit.concurrency = -1\nroute.app.rate-limit.on-store-failure = maybe\n"));
    }

    @Test
    void aLimitForAnUndeclaredConsumerIsRefused()
    {
        assertEquals(List.of("Key 'route.app.rate-limit.consumer.bob' names no declared consumer; allowed: the id of a consumer.<id>."),
            problems("route.app.rate-limit = 10/s\nroute.app.rate-limit.consumer.bob = 100/s\n"));
    }

    @Test
    void theRedisStoreNeedsAUriAndItsPasswordIsNeverShown()
    {
        assertEquals(List.of("Key 'ratelimit.redis.uri' is required; allowed: a Redis URI such as redis://127.0.0.1:6379/0, "
            + "redis://:${REDIS_PASSWORD}@host:6379 or rediss://host:6380."), problems("ratelimit.store = redis\n"));
        List<String> bad = problems("ratelimit.store = redis\nratelimit.redis.uri = http://:hunter2@host\n");
        assertEquals(List.of("Key 'ratelimit.redis.uri' has value '(redacted)'; allowed: a Redis URI such as redis://127.0.0.1:6379/0 or rediss://host:6380."), bad);
        assertTrue(bad.stream().noneMatch(problem -> problem.contains("hunter2")));
    }

    @Test
    void policyKeysWithoutALimitAreRefused()
    {
        assertEquals(List.of("Route 'app' sets route.app.rate-limit.* but neither route.app.rate-limit nor route.app.rate-limit.concurrency; "
            + "allowed: a limit such as route.app.rate-limit = 10/s."), problems("route.app.rate-limit.by = ip\n"));
    }
}
