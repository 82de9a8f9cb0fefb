// The launcher's HTTPS connector: PEM certificates, SNI, h2 by ALPN, h2c, reload, and the bad inputs.
package dev.sluice.launcher;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

import dev.sluice.testing.LogCapture;
import dev.sluice.testing.RawHttp;
import dev.sluice.testing.SluiceUnderTest;
import dev.sluice.testing.TestCertificates;
import dev.sluice.testing.TestUpstream;
import dev.sluice.tls.ServerTls;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.client.transport.HttpClientTransportOverHTTP2;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class HttpsConnectorTest
{
    @TempDir
    static Path directory;
    private static TestCertificates pki;
    private static TestUpstream upstream;
    private static SluiceServer server;
    private static Path apiCrt;
    private static Path apiKey;
    private static Path config;

    @BeforeAll
    static void start() throws Exception
    {
        pki = TestCertificates.create(directory);
        pki.server("api", "api.example", "dns:api.example", null, 2);
        pki.server("admin", "admin.example", "dns:admin.example", null, 2);
        Path[] api = pki.exportPem(pki.path("api.p12"), "api", "api");
        Path[] admin = pki.exportPem(pki.path("admin.p12"), "admin", "admin");
        apiCrt = api[0];
        apiKey = api[1];
        upstream = TestUpstream.start();
        config = directory.resolve("sluice.properties");
        Files.writeString(config, """
            upstream.app.url = %s
            route.app.path = /app
            route.app.upstream = app
            server.tls.certificate = %s, %s
            server.tls.private-key = %s, %s
            server.tls.port = 0
            server.tls.reload-interval = 200ms
            server.h2c = true
            """.formatted(upstream.url(), api[0], admin[0], api[1], admin[1]));
        ServerTls tls = dev.sluice.config.ConfigStore.open(config, "test", name -> null).current().transport().server();
        server = SluiceServer.start(SluiceUnderTest.WEBAPP, config, "127.0.0.1", 0, Duration.ofSeconds(5), tls);
    }

    @AfterAll
    static void stop() throws Exception
    {
        server.close();
        upstream.close();
    }

    /** A TLS socket to the HTTPS port with this SNI name, trusting anything (the test looks at what it got). */
    private static SSLSocket connect(String sni, String... protocols) throws Exception
    {
        return connect(sni, null, protocols);
    }

    /** A TLS socket whose client offers these application protocols by ALPN. */
    private static SSLSocket offering(String sni, String... alpn) throws Exception
    {
        return connect(sni, alpn, new String[0]);
    }

    /** @param alpn the application protocols offered by ALPN, or null for no ALPN at all */
    private static SSLSocket connect(String sni, String[] alpn, String[] protocols) throws Exception
    {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new TrustManager[]{new X509TrustManager()
        {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType)
            {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType)
            {
            }

            @Override
            public X509Certificate[] getAcceptedIssuers()
            {
                return new X509Certificate[0];
            }
        }}, null);
        SSLSocket socket = (SSLSocket)context.getSocketFactory().createSocket();
        socket.connect(new InetSocketAddress("127.0.0.1", server.httpsUri().getPort()), 5000);
        socket.setSoTimeout(5000);
        SSLParameters parameters = socket.getSSLParameters();
        if (sni != null)
        {
            parameters.setServerNames(List.of(new SNIHostName(sni)));
        }
        if (protocols.length > 0)
        {
            parameters.setProtocols(protocols);
        }
        if (alpn != null)
        {
            parameters.setApplicationProtocols(alpn);
        }
        socket.setSSLParameters(parameters);
        socket.startHandshake();
        return socket;
    }

    private static String subject(SSLSocket socket) throws Exception
    {
        return ((X509Certificate)socket.getSession().getPeerCertificates()[0]).getSubjectX500Principal().getName();
    }

    private static String get(SSLSocket socket, String host, String path) throws Exception
    {
        OutputStream out = socket.getOutputStream();
        out.write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = socket.getInputStream();
        byte[] buffer = new byte[8192];
        StringBuilder text = new StringBuilder();
        while (!text.toString().contains("upstream ok") && !text.toString().contains("}\n"))
        {
            int read = in.read(buffer);
            if (read < 0)
            {
                break;
            }
            text.append(new String(buffer, 0, read, StandardCharsets.ISO_8859_1));
        }
        return text.toString();
    }

    /**
     * A health check by address, as Kubernetes' HTTPS probes and load balancers make them: the
     * certificate does not name the Host. Jetty's default check answered it 400.
     */
    @Test
    void aRequestWhoseHostIsNotOnTheCertificateIsServed() throws Exception
    {
        try (SSLSocket probe = connect(null))
        {
            String answer = get(probe, "10.0.0.9:8443", "/app/probe");
            assertTrue(answer.startsWith("HTTP/1.1 200 "), answer);
            assertEquals("/app/probe", upstream.take().target());
        }
        try (SSLSocket other = connect("api.example"))
        {
            String answer = get(other, "internal.example", "/app/other-name");
            assertTrue(answer.startsWith("HTTP/1.1 200 "), answer);
            assertEquals("/app/other-name", upstream.take().target());
        }
    }

    @Test
    void eachHostNameGetsItsOwnCertificateBySni() throws Exception
    {
        try (SSLSocket api = connect("api.example"); SSLSocket admin = connect("admin.example"))
        {
            assertEquals("CN=api.example", subject(api));
            assertEquals("CN=admin.example", subject(admin));
            String response = get(api, "api.example", "/app/x");
            assertTrue(response.startsWith("HTTP/1.1 200"), response);
            upstream.take();
        }
    }

    /**
     * ALPN names are compared exactly (RFC 7301), and Sluice offered Jetty's "HTTP/1.1": a client
     * that offered only "http/1.1" (Python's urllib3 2 under requests, curl --http1.1) had its
     * handshake refused with no_application_protocol, while clients offering h2 as well got h2.
     */
    @Test
    void aClientOfferingOnlyHttp11ByAlpnGetsIt() throws Exception
    {
        try (SSLSocket socket = offering("api.example", "http/1.1"))
        {
            assertEquals("http/1.1", socket.getApplicationProtocol());
            String response = get(socket, "api.example", "/app/alpn");
            assertTrue(response.startsWith("HTTP/1.1 200"), response);
            upstream.take();
        }
        try (SSLSocket socket = offering("api.example", "h2", "http/1.1"))
        {
            assertEquals("h2", socket.getApplicationProtocol());
        }
        try (SSLSocket socket = offering("api.example", "spdy/3"))
        {
            fail("a handshake offering no protocol Sluice speaks succeeded: " + socket.getApplicationProtocol());
        }
        catch (javax.net.ssl.SSLException expected)
        {
            // no_application_protocol, as RFC 7301 says.
        }
    }

    @Test
    void onlyTls12And13AreOffered() throws Exception
    {
        try (SSLSocket tls13 = connect("api.example", "TLSv1.3"); SSLSocket tls12 = connect("api.example", "TLSv1.2"))
        {
            assertEquals("TLSv1.3", tls13.getSession().getProtocol());
            assertEquals("TLSv1.2", tls12.getSession().getProtocol());
        }
        // This JDK's client refuses TLS 1.1 itself; what the server would accept is its selected list.
        assertThrows(javax.net.ssl.SSLException.class, () -> connect("api.example", "TLSv1.1").close());
        ServerTls tls = dev.sluice.config.ConfigStore.open(config, "test", name -> null).current().transport().server();
        SslContextFactory.Server ssl = SluiceServer.sslContextFactory(tls);
        ssl.start();
        try
        {
            assertEquals(List.of("TLSv1.3", "TLSv1.2"), List.of(ssl.getSelectedProtocols()));
        }
        finally
        {
            ssl.stop();
        }
    }

    @Test
    void plainHttpOnTheHttpsPortIsA400ThatSaysSo() throws Exception
    {
        RawHttp.Reply reply = RawHttp.send(server.httpsUri().getPort(), "GET /app/x HTTP/1.1", "Host: api.example", "Connection: close");
        assertEquals(400, reply.status(), reply.head());
        assertTrue(reply.body().contains("This port speaks HTTPS only; use an https:// URL."), reply.body());
    }

    @Test
    void anUnknownSniNameGetsTheDefaultCertificateAndTheRequestGoesByItsHost() throws Exception
    {
        try (SSLSocket unknown = connect("unknown.example"))
        {
            // Jetty picks one of the certificates; routing goes by Host, as nginx's default server does.
            assertTrue(List.of("CN=api.example", "CN=admin.example").contains(subject(unknown)), subject(unknown));
            String response = get(unknown, "unknown.example", "/app/x");
            assertTrue(response.startsWith("HTTP/1.1 200"), response);
        }
        assertEquals("/app/x", upstream.take().target());
    }

    private static HttpClient h2Client(boolean tls) throws Exception
    {
        ClientConnector connector = new ClientConnector();
        if (tls)
        {
            // The client connects to 127.0.0.1: it is told the SNI name to send, and the test
            // checks the protocol, not the certificate.
            SslContextFactory.Client ssl = new SslContextFactory.Client();
            ssl.setTrustAll(true);
            ssl.setEndpointIdentificationAlgorithm(null);
            ssl.setSNIProvider((engine, serverNames) -> List.of(new SNIHostName("api.example")));
            connector.setSslContextFactory(ssl);
        }
        HttpClient client = new HttpClient(new HttpClientTransportOverHTTP2(new HTTP2Client(connector)));
        client.setSocketAddressResolver((host, port, context, promise) -> promise.succeeded(List.of(new InetSocketAddress("127.0.0.1", port))));
        client.start();
        return client;
    }

    @Test
    void http2ByAlpnOnTheHttpsPortIsProxiedLikeHttp1() throws Exception
    {
        HttpClient client = h2Client(true);
        try
        {
            ContentResponse response = client.newRequest("https://api.example:" + server.httpsUri().getPort() + "/app/h2?q=1")
                .timeout(10, TimeUnit.SECONDS).send();
            assertEquals(200, response.getStatus(), response.getContentAsString());
            assertEquals(HttpVersion.HTTP_2, response.getVersion());
            assertEquals("upstream ok", response.getContentAsString());
            TestUpstream.Received received = upstream.take();
            assertEquals("/app/h2?q=1", received.target());
            assertEquals("https", received.headers().get("X-Forwarded-Proto"));
            assertTrue(received.headers().get("Via").startsWith("2.0 "), received.headers().get("Via"));
        }
        finally
        {
            client.stop();
        }
    }

    @Test
    void cleartextHttp2WorksOnThePlainPortWhenEnabled() throws Exception
    {
        HttpClient client = h2Client(false);
        try
        {
            ContentResponse response = client.newRequest(server.uri().resolve("/app/h2c")).timeout(10, TimeUnit.SECONDS).send();
            assertEquals(200, response.getStatus());
            assertEquals(HttpVersion.HTTP_2, response.getVersion());
            upstream.take();
        }
        finally
        {
            client.stop();
        }
    }

    @Test
    void cleartextHttp2ClaimingTheHttpsSchemeIsStillPlainHttp() throws Exception
    {
        HTTP2Client h2 = new HTTP2Client();
        h2.start();
        try
        {
            org.eclipse.jetty.util.Promise.Completable<org.eclipse.jetty.http2.api.Session> connected = new org.eclipse.jetty.util.Promise.Completable<>();
            h2.connect(new InetSocketAddress("127.0.0.1", server.uri().getPort()), new org.eclipse.jetty.http2.api.Session.Listener()
            {
            }, connected);
            org.eclipse.jetty.http2.api.Session session = connected.get(5, TimeUnit.SECONDS);
            org.eclipse.jetty.http.MetaData.Request request = new org.eclipse.jetty.http.MetaData.Request("GET",
                org.eclipse.jetty.http.HttpURI.from("https://127.0.0.1:" + server.uri().getPort() + "/app/fake-https"),
                HttpVersion.HTTP_2, org.eclipse.jetty.http.HttpFields.EMPTY);
            java.util.concurrent.CompletableFuture<org.eclipse.jetty.http.MetaData.Response> answered = new java.util.concurrent.CompletableFuture<>();
            session.newStream(new org.eclipse.jetty.http2.frames.HeadersFrame(request, null, true), new org.eclipse.jetty.http2.api.Stream.Listener()
            {
                @Override
                public void onHeaders(org.eclipse.jetty.http2.api.Stream stream, org.eclipse.jetty.http2.frames.HeadersFrame frame)
                {
                    if (frame.getMetaData() instanceof org.eclipse.jetty.http.MetaData.Response response)
                    {
                        answered.complete(response);
                    }
                }
            });
            org.eclipse.jetty.http.MetaData.Response response = answered.get(10, TimeUnit.SECONDS);
            assertEquals(200, response.getStatus());
            assertEquals(null, response.getHttpFields().get("Strict-Transport-Security"));
            assertEquals("http", upstream.take().headers().get("X-Forwarded-Proto"));
        }
        finally
        {
            h2.stop();
        }
    }

    @Test
    void replacedCertificateFilesArePickedUpWithoutDroppingOpenConnectionsAndABrokenOneIsRefused() throws Exception
    {
        String before = MtlsFingerprint.of(connect("api.example"));
        try (SSLSocket open = connect("api.example"); LogCapture log = LogCapture.start())
        {
            // A broken replacement: the old certificate stays.
            Path originalKey = directory.resolve("api.key.orig");
            Files.copy(apiKey, originalKey, StandardCopyOption.REPLACE_EXISTING);
            Files.writeString(apiKey, "-----BEGIN PRIVATE KEY-----\nbroken\n-----END PRIVATE KEY-----\n");
            for (int i = 0; i < 50 && !log.text().contains("TLS certificate change rejected"); i++)
            {
                Thread.sleep(100);
            }
            assertTrue(log.text().contains("TLS certificate change rejected; the running certificates are kept."), log.text());
            assertEquals(before, MtlsFingerprint.of(connect("api.example")));

            // A good replacement (a new certificate for the same name): new handshakes get it.
            pki.server("api2", "api.example", "dns:api.example", null, 2);
            Path[] renewed = pki.exportPem(pki.path("api2.p12"), "api2", "api2");
            Files.copy(renewed[0], apiCrt, StandardCopyOption.REPLACE_EXISTING);
            Files.copy(renewed[1], apiKey, StandardCopyOption.REPLACE_EXISTING);
            String after = before;
            for (int i = 0; i < 50 && after.equals(before); i++)
            {
                Thread.sleep(100);
                after = MtlsFingerprint.of(connect("api.example"));
            }
            assertNotEquals(before, after);
            // The connection opened before the reload still works.
            assertTrue(get(open, "api.example", "/app/still-open").startsWith("HTTP/1.1 200"));
            upstream.take();
        }
    }

    /** The SHA-256 of the certificate a handshake presented. */
    private static final class MtlsFingerprint
    {
        static String of(SSLSocket socket) throws Exception
        {
            try (socket)
            {
                return dev.sluice.auth.MtlsIdentities.fingerprint((X509Certificate)socket.getSession().getPeerCertificates()[0]);
            }
        }
    }

    @Test
    void aKeyStoreWithTheWrongPasswordStopsStartUpNamingTheFile() throws Exception
    {
        Path bad = directory.resolve("bad.properties");
        Files.writeString(bad, """
            upstream.app.url = http://127.0.0.1:1
            route.app.path = /app
            route.app.upstream = app
            server.tls.keystore = %s
            server.tls.keystore-password = not-the-password
            """.formatted(pki.path("server.p12")));
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        int status = Main.run(new String[]{"--config", bad.toString(), "--port", "0"}, new java.io.PrintStream(new java.io.ByteArrayOutputStream()),
            new java.io.PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(2, status);
        String message = err.toString(StandardCharsets.UTF_8);
        assertTrue(message.contains("Key 'server.tls.keystore': The key store '" + pki.path("server.p12") + "' cannot be opened: wrong server.tls.keystore-password, or not PKCS12."), message);
        assertTrue(!message.contains("not-the-password"), message);
    }

    @Test
    void aMissingPemFileStopsStartUpNamingIt() throws Exception
    {
        Path bad = directory.resolve("missing.properties");
        Files.writeString(bad, """
            upstream.app.url = http://127.0.0.1:1
            route.app.path = /app
            route.app.upstream = app
            server.tls.certificate = /etc/nowhere/fullchain.pem
            server.tls.private-key = /etc/nowhere/privkey.pem
            """);
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        assertEquals(2, Main.run(new String[]{"--config", bad.toString(), "--port", "0"}, new java.io.PrintStream(new java.io.ByteArrayOutputStream()),
            new java.io.PrintStream(err, true, StandardCharsets.UTF_8)));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("Keys 'server.tls.certificate' and 'server.tls.private-key': The file '/etc/nowhere/fullchain.pem' does not exist."), err.toString());
    }

    @Test
    void needClientAuthRefusesAHandshakeWithoutACertificate() throws Exception
    {
        ServerTls need = new ServerTls(List.of(apiCrt), List.of(apiKey), null, null, 0, ServerTls.ClientAuth.NEED, pki.path("ca.pem"), Duration.ZERO, false,
            ServerTls.DEFAULT_MAX_REQUEST_HEADER_BYTES);
        try (SluiceServer strict = SluiceServer.start(SluiceUnderTest.WEBAPP, config, "127.0.0.1", 0, Duration.ofSeconds(5), need))
        {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, null, null);
            SSLSocket socket = (SSLSocket)SSLContext.getDefault().getSocketFactory().createSocket();
            socket.connect(new InetSocketAddress("127.0.0.1", strict.httpsUri().getPort()), 5000);
            socket.setSoTimeout(5000);
            assertThrows(Exception.class, () ->
            {
                socket.startHandshake();
                socket.getOutputStream().write("GET /app/x HTTP/1.1\r\nHost: api.example\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                socket.getOutputStream().flush();
                if (socket.getInputStream().read() < 0)
                {
                    throw new java.io.EOFException("closed");
                }
            });
            socket.close();
        }
    }
}
