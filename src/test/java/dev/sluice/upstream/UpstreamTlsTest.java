// Re-encryption to https:// upstreams: verification by default, a CA file, upstream mTLS, and the failures.
package dev.sluice.upstream;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.sluice.config.ConfigException;
import dev.sluice.testing.LogCapture;
import dev.sluice.testing.SluiceUnderTest;
import dev.sluice.testing.TestCertificates;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UpstreamTlsTest
{
    @TempDir
    static Path directory;
    private static TestCertificates pki;
    private static final List<Server> servers = new java.util.ArrayList<>();
    private static SluiceUnderTest sluice;
    private static HttpClient client;
    private static String startLog;

    /** An HTTPS upstream with this key store; with {@code needClientAuth} it trusts the test CA's clients only. */
    private static int tlsUpstream(String keystore, boolean needClientAuth) throws Exception
    {
        SslContextFactory.Server ssl = new SslContextFactory.Server();
        ssl.setKeyStorePath(pki.path(keystore).toString());
        ssl.setKeyStorePassword(TestCertificates.PASSWORD);
        if (needClientAuth)
        {
            ssl.setTrustStorePath(pki.path("trust.p12").toString());
            ssl.setTrustStorePassword(TestCertificates.PASSWORD);
            ssl.setNeedClientAuth(true);
        }
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server, ssl);
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract()
        {
            @Override
            public boolean handle(Request request, Response response, Callback callback)
            {
                Content.Sink.write(response, true, "tls ok", callback);
                return true;
            }
        });
        server.start();
        servers.add(server);
        return connector.getLocalPort();
    }

    @BeforeAll
    static void start() throws Exception
    {
        pki = TestCertificates.create(directory);
        pki.server("other", "other.example", "dns:other.example", null, 2);
        // Signed by the CA: Java does not check the dates of a trust anchor itself, so an expired
        // self-signed certificate in the CA file would still be accepted.
        pki.signedServer("expired", "ip:127.0.0.1", "-10d", 1);
        pki.client("svc", "CN=svc,O=Example", null);
        int good = tlsUpstream("server.p12", false);
        int wrongHost = tlsUpstream("other.p12", false);
        int expired = tlsUpstream("expired.p12", false);
        int mutual = tlsUpstream("server.p12", true);
        String config = """
            upstream.untrusted.url = https://127.0.0.1:%1$d
            upstream.trusted.url = https://127.0.0.1:%1$d
            upstream.trusted.tls.ca-file = %5$s
            upstream.wronghost.url = https://127.0.0.1:%2$d
            upstream.wronghost.tls.ca-file = %6$s
            upstream.expired.url = https://127.0.0.1:%3$d
            upstream.expired.tls.ca-file = %7$s
            upstream.insecure.url = https://127.0.0.1:%1$d
            upstream.insecure.tls.insecure-skip-verify = true
            upstream.mutual.url = https://127.0.0.1:%4$d
            upstream.mutual.tls.ca-file = %5$s
            upstream.mutual.tls.client-keystore = %8$s
            upstream.mutual.tls.client-keystore-password = ${UPSTREAM_KEY_PASSWORD:-changeit}
            upstream.anonymous.url = https://127.0.0.1:%4$d
            upstream.anonymous.tls.ca-file = %5$s
            upstream.named.url = https://127.0.0.1:%2$d
            upstream.named.host-header = other.example
            upstream.named.tls.ca-file = %6$s
            """.formatted(good, wrongHost, expired, mutual, pki.path("server.pem"), pki.path("other.pem"), pki.path("ca.pem"),
            pki.path("svc.p12"));
        StringBuilder routes = new StringBuilder(config);
        for (String name : List.of("untrusted", "trusted", "wronghost", "expired", "insecure", "mutual", "anonymous", "named"))
        {
            routes.append("route.").append(name).append(".path = /").append(name).append('\n');
            routes.append("route.").append(name).append(".upstream = ").append(name).append('\n');
        }
        try (LogCapture log = LogCapture.start())
        {
            sluice = SluiceUnderTest.start(routes.toString());
            startLog = log.text();
        }
        client = new HttpClient();
        client.start();
    }

    @AfterAll
    static void stop() throws Exception
    {
        client.stop();
        sluice.close();
        for (Server server : servers)
        {
            server.stop();
        }
    }

    private static ContentResponse get(String path) throws Exception
    {
        return client.newRequest(sluice.uri(path)).timeout(10, TimeUnit.SECONDS).send();
    }

    private static void assertUntrusted(String path) throws Exception
    {
        ContentResponse response = get(path);
        assertEquals(502, response.getStatus(), path);
        String body = response.getContentAsString();
        assertTrue(body.contains("\"detail\":\"The upstream's TLS certificate was not trusted.\""), body);
        assertTrue(!body.contains("127.0.0.1") && !body.contains("Exception"), "no internals: " + body);
    }

    @Test
    void anUpstreamCertificateTheJvmDoesNotTrustIs502SayingSo() throws Exception
    {
        assertUntrusted("/untrusted/x");
    }

    @Test
    void aCaFileMakesItsCertificatesTrusted() throws Exception
    {
        ContentResponse response = get("/trusted/x");
        assertEquals(200, response.getStatus());
        assertEquals("tls ok", response.getContentAsString());
    }

    @Test
    void aTrustedCertificateForAnotherHostNameIsRefused() throws Exception
    {
        assertUntrusted("/wronghost/x");
    }

    /**
     * A virtual host reached by address: its certificate names the host, not the address. The
     * upstream's host-header is sent in SNI and is the name checked; without it the same
     * upstream is refused ({@link #aTrustedCertificateForAnotherHostNameIsRefused}).
     */
    @Test
    void theHostHeaderIsTheNameTlsChecks() throws Exception
    {
        ContentResponse response = get("/named/x");
        assertEquals(200, response.getStatus(), response.getContentAsString());
        assertEquals("tls ok", response.getContentAsString());
    }

    @Test
    void anExpiredCertificateIsRefused() throws Exception
    {
        assertUntrusted("/expired/x");
    }

    @Test
    void insecureSkipVerifyWorksAndIsLoggedAtStart() throws Exception
    {
        assertEquals(200, get("/insecure/x").getStatus());
        assertTrue(startLog.contains("Upstream 'insecure' is reached WITHOUT verifying its TLS certificate"), startLog);
    }

    @Test
    void aClientCertificateOpensAnUpstreamThatRequiresOne() throws Exception
    {
        assertEquals(200, get("/mutual/x").getStatus());
        assertEquals(502, get("/anonymous/x").getStatus(), "without the client certificate the upstream refuses the handshake");
    }

    @Test
    void badTlsSettingsAreRefusedNamingTheKeyAndFile() throws Exception
    {
        java.util.Map<String, String> properties = new java.util.HashMap<>(java.util.Map.of(
            "upstream.a.url", "https://127.0.0.1:1",
            "upstream.a.tls.client-keystore", pki.path("svc.p12").toString(),
            "upstream.a.tls.client-keystore-password", "wrong",
            "upstream.b.url", "http://127.0.0.1:1",
            "upstream.b.tls.ca-file", pki.path("server.pem").toString(),
            "upstream.c.url", "https://127.0.0.1:1",
            "upstream.c.tls.ca-file", "/no/such/ca.pem"));
        ConfigException x = assertThrows(ConfigException.class, () -> dev.sluice.config.SettingsParser.parse("test", properties, name -> null));
        assertEquals(List.of(
            "Key 'upstream.a.tls.client-keystore' names '" + pki.path("svc.p12") + "', which cannot be opened with upstream.a.tls.client-keystore-password "
                + "(wrong password or not PKCS12); allowed: a PKCS12 key store and its password.",
            "Keys 'upstream.b.tls.*' are set for an http:// upstream; allowed: only for https:// upstreams.",
            "Key 'upstream.c.tls.ca-file' has value '/no/such/ca.pem'; allowed: a readable PEM file with the CA certificates to trust."), x.problems());
        assertTrue(x.getMessage().indexOf("wrong") == x.getMessage().indexOf("wrong password"), "the password itself is never shown");
    }

    @Test
    void aHostHeaderNamesTheTlsServerUnlessItIsAnAddress() throws Exception
    {
        java.util.Map<String, String> properties = java.util.Map.of(
            "upstream.a.url", "https://10.0.0.5:8443",
            "upstream.a.host-header", "api.internal:8443",
            "upstream.b.url", "https://10.0.0.5:8443",
            "upstream.b.host-header", "10.0.0.9",
            "upstream.c.url", "http://10.0.0.5:8080",
            "upstream.c.host-header", "api.internal",
            "upstream.d.url", "https://10.0.0.5:8443",
            "upstream.d.host-header", "api.internal",
            "upstream.d.tls.ca-file", pki.path("server.pem").toString());
        java.util.Map<String, dev.sluice.upstream.Upstream> upstreams = dev.sluice.config.SettingsParser.parse("test", properties, name -> null).upstreams();
        assertEquals("api.internal", upstreams.get("a").tls().serverName());
        assertEquals(null, upstreams.get("b").tls().serverName(), "SNI carries no IP address");
        assertEquals(null, upstreams.get("c").tls().serverName());
        assertEquals("api.internal", upstreams.get("d").tls().serverName());
        assertEquals(pki.path("server.pem"), upstreams.get("d").tls().caFile());
    }
}
