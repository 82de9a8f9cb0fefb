// Client certificates on a real TLS connector, mapped to consumers by SAN, subject DN and fingerprint.
package dev.sluice.auth;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

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

class MtlsAuthTest
{
    @TempDir
    static Path directory;
    private static TestCertificates pki;
    private static TestUpstream upstream;
    private static SluiceUnderTest sluice;
    private static String pinnedFingerprint;

    @BeforeAll
    static void start() throws Exception
    {
        pki = TestCertificates.create(directory);
        pki.client("svc", "CN=svc,O=Example", "email:svc@example.com");
        pki.client("ops", "CN=ops,O=Example", null);
        pki.client("pinned", "CN=pinned,O=Example", null);
        pki.client("stranger", "CN=stranger,O=Example", "email:stranger@example.com");
        pinnedFingerprint = MtlsIdentities.fingerprint(pki.certificate(pki.path("pinned.p12"), "pinned"));

        SslContextFactory.Server tls = new SslContextFactory.Server();
        tls.setKeyStorePath(pki.path("server.p12").toString());
        tls.setKeyStorePassword(TestCertificates.PASSWORD);
        tls.setTrustStorePath(pki.path("trust.p12").toString());
        tls.setTrustStorePassword(TestCertificates.PASSWORD);
        tls.setWantClientAuth(true);

        upstream = TestUpstream.start();
        StringBuilder colons = new StringBuilder();
        for (int i = 0; i < pinnedFingerprint.length(); i += 2)
        {
            colons.append(i == 0 ? "" : ":").append(pinnedFingerprint, i, i + 2);
        }
        sluice = SluiceUnderTest.start("""
            upstream.app.url = %s
            consumer.svc.mtls.san = email:svc@example.com
            consumer.ops.mtls.subject = cn=ops, o=Example
            consumer.pinned.mtls.fingerprint = %s
            consumer.pinned.api-key.main = sha256:%s
            route.internal.path = /internal
            route.internal.upstream = app
            route.internal.auth = mtls
            route.either.path = /either
            route.either.upstream = app
            route.either.auth = mtls, api-key
            """.formatted(upstream.url(), colons.toString().toUpperCase(), "cd".repeat(32)), tls);
    }

    @AfterAll
    static void stop() throws Exception
    {
        sluice.close();
        upstream.close();
    }

    private static ContentResponse get(String clientStore, String path) throws Exception
    {
        HttpClient client = TlsClients.start(pki, clientStore);
        try
        {
            return client.newRequest(sluice.uri(path)).timeout(10, TimeUnit.SECONDS).send();
        }
        finally
        {
            client.stop();
        }
    }

    @Test
    void aCertificateIsMappedByItsSubjectAlternativeName() throws Exception
    {
        assertTrue(sluice.uri().toString().startsWith("https://"));
        assertEquals(200, get("svc", "/internal/x").getStatus());
        TestUpstream.Received received = upstream.take();
        assertEquals("svc", received.headers().get("X-Consumer-ID"));
        assertEquals(MtlsIdentities.fingerprint(pki.certificate(pki.path("svc.p12"), "svc")), received.headers().get("X-Credential-Identifier"));
    }

    @Test
    void aCertificateIsMappedByItsSubjectDnWhateverTheSpellingInTheConfiguration() throws Exception
    {
        assertEquals(200, get("ops", "/internal/x").getStatus());
        assertEquals("ops", upstream.take().headers().get("X-Consumer-ID"));
    }

    @Test
    void aCertificateIsMappedByItsPinnedFingerprint() throws Exception
    {
        assertEquals(200, get("pinned", "/internal/x").getStatus());
        TestUpstream.Received received = upstream.take();
        assertEquals("pinned", received.headers().get("X-Consumer-ID"));
        assertEquals(pinnedFingerprint, received.headers().get("X-Credential-Identifier"));
    }

    @Test
    void aTrustedCertificateOfNoConsumerIs401() throws Exception
    {
        ContentResponse response = get("stranger", "/internal/x");
        assertEquals(401, response.getStatus());
        assertTrue(response.getContentAsString().contains("The client certificate does not belong to a known consumer."));
        assertNull(upstream.poll(200));
    }

    @Test
    void noCertificateIs401OnARouteThatRequiresOne() throws Exception
    {
        ContentResponse response = get(null, "/internal/x");
        assertEquals(401, response.getStatus());
        assertTrue(response.getContentAsString().contains("This route requires a client certificate."));
        assertEquals("ClientCertificate realm=\"sluice\"", response.getHeaders().get("WWW-Authenticate"));
        assertNull(upstream.poll(200));
    }

    @Test
    void aRouteAcceptingCertificatesOrKeysSaysBothWhenNeitherIsPresented() throws Exception
    {
        ContentResponse response = get(null, "/either/x");
        assertEquals(401, response.getStatus());
        assertEquals(java.util.List.of("Key realm=\"sluice\"", "ClientCertificate realm=\"sluice\""), response.getHeaders().getValuesList("WWW-Authenticate"));
        assertTrue(response.getContentAsString().contains("This route requires a client certificate or an API key."));
    }
}
