// Transport configuration: defaults and the exact message for each mistake.
package dev.sluice.tls;

import java.io.StringReader;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

import dev.sluice.config.ConfigException;
import dev.sluice.config.SettingsParser;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class TransportSettingsParserTest
{
    private static final String BASE = """
        upstream.app.url = http://127.0.0.1:8081
        route.app.path = /app
        route.app.upstream = app
        """;

    static TransportSettings parse(String text) throws Exception
    {
        Properties properties = new Properties();
        properties.load(new StringReader(BASE + text));
        Map<String, String> map = new HashMap<>();
        properties.stringPropertyNames().forEach(name -> map.put(name, properties.getProperty(name)));
        return SettingsParser.parse("test", map, name -> null).transport();
    }

    static List<String> problems(String text)
    {
        return assertThrows(ConfigException.class, () -> parse(text)).problems();
    }

    @Test
    void defaultsSendAYearOfHstsOnHttpsAndAcceptPlainHttp() throws Exception
    {
        TransportSettings settings = parse("");
        assertEquals("max-age=31536000", settings.hsts());
        assertEquals(Set.of(), settings.clientCertHeaders());
        assertNull(settings.routes().get("app"));
        assertEquals(443, settings.httpsPort());
    }

    @Test
    void hstsCanBeTunedOrTurnedOff() throws Exception
    {
        assertEquals("max-age=63072000; includeSubDomains; preload",
            parse("transport.hsts.max-age = 17520h\ntransport.hsts.include-subdomains = true\ntransport.hsts.preload = true\n").hsts());
        assertNull(parse("transport.hsts.max-age = 0\n").hsts());
        assertEquals(Duration.ofHours(1), parse("transport.hsts.max-age = 1h\n").hstsMaxAge());
    }

    @Test
    void preloadNeedsSubdomainsAndAYear()
    {
        assertEquals(List.of("Key 'transport.hsts.preload' has value 'true'; allowed: true only with transport.hsts.include-subdomains = true "
            + "and transport.hsts.max-age of at least 8760h (what browsers' preload lists require)."), problems("transport.hsts.preload = true\n"));
    }

    @Test
    void badModesAndHeaderNamesAreNamed()
    {
        assertEquals(List.of(
            "Key 'transport.client-cert.headers' has value 'serial'; allowed: subject, issuer, fingerprint or pem.",
            "Key 'route.app.tls' has value 'always'; allowed: required (plain HTTP is redirected or refused) or optional."),
            problems("transport.client-cert.headers = subject, serial\nroute.app.tls = always\n"));
        assertEquals(List.of("Key 'route.app.tls.redirect' is set but route.app.tls is not required; allowed: route.app.tls = required with it."),
            problems("route.app.tls.redirect = false\n"));
    }

    @Test
    void theLargestRequestHeadIsJettysAndTomcatsUnlessSet() throws Exception
    {
        assertEquals(8192, parse("").server().maxRequestHeaderBytes());
        assertEquals(32768, parse("server.max-request-header-size = 32KB\n").server().maxRequestHeaderBytes());
        assertEquals(List.of("Key 'server.max-request-header-size' has value '512'; allowed: a size from 1KB to 1MB "
            + "(requests whose line and header fields are larger get 431)."), problems("server.max-request-header-size = 512\n"));
        for (String value : List.of("2MB", "lots"))
        {
            assertEquals(List.of("Key 'server.max-request-header-size' has value '" + value + "'; allowed: a size such as 512, 64KB or 10MB, "
                + "at most 1048576 bytes."), problems("server.max-request-header-size = " + value + "\n"), value);
        }
    }

    /** Longer than AWS's ALB keeps connections to targets idle (60 s), so that the balancer never reuses one Sluice is closing. */
    @Test
    void theLaunchersIdleTimeoutOutlastsALoadBalancersAndIsBounded() throws Exception
    {
        assertEquals(Duration.ofSeconds(75), parse("").server().idleTimeout());
        assertEquals(Duration.ofSeconds(620), parse("server.idle-timeout = 620s\n").server().idleTimeout());
        String allowed = "; allowed: a duration from 1s to 1h, longer than the idle timeout of any load balancer in front (AWS ALB: 60s; Google's: 600s).";
        assertEquals(List.of("Key 'server.idle-timeout' has value '0'" + allowed), problems("server.idle-timeout = 0\n"));
        assertEquals(List.of("Key 'server.idle-timeout' has value '2h'" + allowed), problems("server.idle-timeout = 2h\n"));
    }
}
