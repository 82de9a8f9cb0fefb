// HTTPS-only routes, HSTS and offloaded client-certificate headers, over real plain and TLS connectors.
package dev.sluice.tls;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import dev.sluice.auth.MtlsIdentities;
import dev.sluice.testing.RawHttp;
import dev.sluice.testing.SluiceUnderTest;
import dev.sluice.testing.TestCertificates;
import dev.sluice.testing.TestUpstream;
import dev.sluice.testing.TlsClients;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TransportTest
{
    private static final String ROUTES = """
        upstream.app.url = %s
        transport.https-port = 8443
        transport.client-cert.headers = subject, issuer, fingerprint, pem
        route.secure.path = /secure
        route.secure.upstream = app
        route.secure.tls = required
        route.strict.path = /strict
        route.strict.upstream = app
        route.strict.tls = required
        route.strict.tls.redirect = false
        route.open.path = /open
        route.open.upstream = app
        """;

    @TempDir
    static Path directory;
    private static TestCertificates pki;
    private static TestUpstream upstream;
    private static SluiceUnderTest plain;
    private static SluiceUnderTest behindProxy;
    private static SluiceUnderTest tls;

    @BeforeAll
    static void start() throws Exception
    {
        pki = TestCertificates.create(directory);
        pki.client("svc", "CN=svc,O=Example", null);
        upstream = TestUpstream.start();
        plain = SluiceUnderTest.start(ROUTES.formatted(upstream.url()));
        behindProxy = SluiceUnderTest.start(ROUTES.formatted(upstream.url()) + "exchange.trusted-proxies = 127.0.0.1\n");
        SslContextFactory.Server ssl = new SslContextFactory.Server();
        ssl.setKeyStorePath(pki.path("server.p12").toString());
        ssl.setKeyStorePassword(TestCertificates.PASSWORD);
        ssl.setTrustStorePath(pki.path("trust.p12").toString());
        ssl.setTrustStorePassword(TestCertificates.PASSWORD);
        ssl.setWantClientAuth(true);
        tls = SluiceUnderTest.start(ROUTES.formatted(upstream.url()), ssl);
    }

    @AfterAll
    static void stop() throws Exception
    {
        tls.close();
        behindProxy.close();
        plain.close();
        upstream.close();
    }

    @Test
    void plainHttpToAnHttpsOnlyRouteIsRedirectedWith308KeepingMethodPathAndQuery() throws Exception
    {
        for (String method : new String[]{"GET", "POST"})
        {
            RawHttp.Reply reply = RawHttp.send(plain.port(), method + " /secure/orders?id=7&x=%2F HTTP/1.1", "Host: api.example.com",
                "Content-Length: 0", "Connection: close");
            assertEquals(308, reply.status(), method);
            assertEquals("https://api.example.com:8443/secure/orders?id=7&x=%2F", reply.header("Location"));
            assertNull(reply.header("Strict-Transport-Security"), "HSTS is never sent over plain HTTP");
        }
        assertNull(upstream.poll(200));
    }

    @Test
    void withoutRedirectPlainHttpIs403Problem() throws Exception
    {
        RawHttp.Reply reply = RawHttp.send(plain.port(), "GET /strict/x HTTP/1.1", "Host: localhost", "Connection: close");
        assertEquals(403, reply.status());
        assertTrue(reply.body().contains("\"type\":\"urn:sluice:problem:tls-required\""), reply.body());
        assertNull(upstream.poll(200));
    }

    @Test
    void aClientClaimingHttpsIsNotBelievedUnlessItIsATrustedProxy() throws Exception
    {
        RawHttp.Reply spoofed = RawHttp.send(plain.port(), "GET /secure/x HTTP/1.1", "Host: localhost", "Connection: close",
            "X-Forwarded-Proto: https", "Forwarded: proto=https");
        assertEquals(308, spoofed.status());
        RawHttp.Reply trusted = RawHttp.send(behindProxy.port(), "GET /secure/x HTTP/1.1", "Host: localhost", "Connection: close",
            "X-Forwarded-Proto: https");
        assertEquals(200, trusted.status());
        assertEquals("max-age=31536000", trusted.header("Strict-Transport-Security"));
        upstream.take();
        RawHttp.Reply rfc7239 = RawHttp.send(behindProxy.port(), "GET /secure/x HTTP/1.1", "Host: localhost", "Connection: close",
            "Forwarded: for=203.0.113.9;proto=https");
        assertEquals(200, rfc7239.status());
        upstream.take();
        RawHttp.Reply plainViaProxy = RawHttp.send(behindProxy.port(), "GET /secure/x HTTP/1.1", "Host: localhost", "Connection: close",
            "X-Forwarded-Proto: http");
        assertEquals(308, plainViaProxy.status());
    }

    @Test
    void anAbsoluteHttpsRequestTargetOnThePlainPortIsStillPlainHttp() throws Exception
    {
        String authority = "localhost:" + plain.port();
        RawHttp.Reply required = RawHttp.send(plain.port(), "GET https://" + authority + "/secure/x HTTP/1.1", "Host: " + authority,
            "Connection: close");
        assertEquals(308, required.status());
        assertNull(upstream.poll(200));

        RawHttp.Reply open = RawHttp.send(plain.port(), "GET https://" + authority + "/open/x HTTP/1.1", "Host: " + authority,
            "Connection: close");
        assertEquals(200, open.status());
        assertNull(open.header("Strict-Transport-Security"));
        org.eclipse.jetty.http.HttpFields seen = upstream.take().headers();
        assertEquals("http", seen.get("X-Forwarded-Proto"));
        assertTrue(seen.get("Forwarded").endsWith(";proto=http"), seen.get("Forwarded"));
    }

    private static ContentResponse overTls(String clientStore, String path, String spoofedHeader) throws Exception
    {
        HttpClient client = TlsClients.start(pki, clientStore);
        try
        {
            return client.newRequest(tls.uri(path)).headers(headers ->
            {
                if (spoofedHeader != null)
                {
                    headers.put(spoofedHeader, "CN=admin");
                }
            }).timeout(10, TimeUnit.SECONDS).send();
        }
        finally
        {
            client.stop();
        }
    }

    @Test
    void overTlsTheRouteServesWithHstsAndTheClientCertificateGoesUpstream() throws Exception
    {
        ContentResponse response = overTls("svc", "/secure/x", "X-Client-Cert-Subject");
        assertEquals(200, response.getStatus());
        assertEquals("max-age=31536000", response.getHeaders().get("Strict-Transport-Security"));
        TestUpstream.Received received = upstream.take();
        var certificate = pki.certificate(pki.path("svc.p12"), "svc");
        assertEquals("CN=svc,O=Example", received.headers().get("X-Client-Cert-Subject"));
        assertEquals(1, received.headers().getValuesList("X-Client-Cert-Subject").size(), "the client's copy was removed");
        assertEquals("CN=Sluice Test CA", received.headers().get("X-Client-Cert-Issuer"));
        assertEquals(MtlsIdentities.fingerprint(certificate), received.headers().get("X-Client-Cert-Fingerprint"));
        String pem = java.net.URLDecoder.decode(received.headers().get("X-Client-Cert"), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(pem.startsWith("-----BEGIN CERTIFICATE-----\n") && pem.endsWith("-----END CERTIFICATE-----\n"), pem);
        assertTrue(received.headers().get("X-Client-Cert").indexOf('\n') < 0, "escaped onto one line");
    }

    @Test
    void withoutAClientCertificateNoneOfItsHeadersReachTheUpstreamEvenSpoofed() throws Exception
    {
        assertEquals(200, overTls(null, "/open/x", "X-Client-Cert-Fingerprint").getStatus());
        TestUpstream.Received received = upstream.take();
        assertNull(received.headers().get("X-Client-Cert-Fingerprint"));
        assertNull(received.headers().get("X-Client-Cert-Subject"));
    }
}
