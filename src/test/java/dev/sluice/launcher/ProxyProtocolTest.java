// server.proxy-protocol.from: behind a TCP load balancer, the PROXY header names the client, on both connectors.
package dev.sluice.launcher;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.testing.LogCapture;
import dev.sluice.testing.SluiceUnderTest;
import dev.sluice.testing.TestCertificates;
import dev.sluice.testing.TestUpstream;
import dev.sluice.tls.ServerTls;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What an operator behind AWS's NLB or HAProxy in TCP mode relies on: the client's address
 * from the PROXY header (version 1 text or version 2 binary) is the one Sluice logs, limits,
 * guards and forwards, over plain HTTP and before TLS; and no one else can name an address: a
 * connection without the header, or from an address that is not a listed load balancer, is
 * closed without an answer.
 */
class ProxyProtocolTest
{
    @TempDir
    static Path directory;
    private static TestUpstream upstream;
    private static SluiceServer server;

    @BeforeAll
    static void start() throws Exception
    {
        TestCertificates pki = TestCertificates.create(directory);
        pki.server("api", "api.example", "dns:api.example", null, 2);
        Path[] api = pki.exportPem(pki.path("api.p12"), "api", "api");
        upstream = TestUpstream.start();
        Path config = directory.resolve("sluice.properties");
        Files.writeString(config, """
            upstream.app.url = %s
            route.app.path = /app
            route.app.upstream = app
            route.app.guard.allow = 203.0.113.0/24, 2001:db8::/32
            server.tls.certificate = %s
            server.tls.private-key = %s
            server.tls.port = 0
            server.proxy-protocol.from = 127.0.0.1/32
            """.formatted(upstream.url(), api[0], api[1]));
        ServerTls tls = dev.sluice.config.ConfigStore.open(config, "test", name -> null).current().transport().server();
        server = SluiceServer.start(SluiceUnderTest.WEBAPP, config, "127.0.0.1", 0, Duration.ofSeconds(5), tls);
    }

    @AfterAll
    static void stop() throws Exception
    {
        server.close();
        upstream.close();
    }

    private static String request(String id)
    {
        return "GET /app/x HTTP/1.1\r\nHost: api.example\r\nX-Request-ID: " + id + "\r\nX-Forwarded-For: 6.6.6.6\r\nConnection: close\r\n\r\n";
    }

    /** Everything the server sends until it closes; empty when it closed without a word. */
    private static String readAll(InputStream in) throws Exception
    {
        return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
    }

    private static Socket plain(String source) throws Exception
    {
        Socket socket = new Socket();
        socket.bind(new InetSocketAddress(InetAddress.getByName(source), 0));
        socket.connect(new InetSocketAddress("127.0.0.1", server.uri().getPort()), 5000);
        socket.setSoTimeout(5000);
        return socket;
    }

    @Test
    void aVersionOneHeaderNamesTheClientForLogsGuardsAndUpstreams() throws Exception
    {
        try (LogCapture logs = LogCapture.start(); Socket socket = plain("127.0.0.1"))
        {
            OutputStream out = socket.getOutputStream();
            out.write(("PROXY TCP4 203.0.113.7 10.0.0.1 51234 80\r\n" + request("pp-v1")).getBytes(StandardCharsets.US_ASCII));
            String answer = readAll(socket.getInputStream());
            assertTrue(answer.startsWith("HTTP/1.1 200 "), answer);
            TestUpstream.Received received = upstream.take();
            assertEquals("203.0.113.7", received.headers().get("X-Forwarded-For"), "the PROXY header's client, not the client's own claim");
            assertEquals("203.0.113.7", new ObjectMapper().readTree(logs.accessLine("pp-v1")).get("client").asText());
        }
    }

    @Test
    void aVersionTwoHeaderWorksAndAnAddressOutsideTheGuardIsRefusedAsThatAddress() throws Exception
    {
        try (Socket socket = plain("127.0.0.1"))
        {
            socket.getOutputStream().write(v2(new byte[] {(byte)198, 51, 100, 9}, new byte[] {10, 0, 0, 1}));
            socket.getOutputStream().write(request("pp-v2").getBytes(StandardCharsets.US_ASCII));
            String answer = readAll(socket.getInputStream());
            assertTrue(answer.startsWith("HTTP/1.1 403 "), "198.51.100.9 is not in the route's allow list: " + answer);
        }
        try (Socket socket = plain("127.0.0.1"))
        {
            socket.getOutputStream().write(v2(new byte[] {(byte)203, 0, 113, 8}, new byte[] {10, 0, 0, 1}));
            socket.getOutputStream().write(request("pp-v2b").getBytes(StandardCharsets.US_ASCII));
            assertTrue(readAll(socket.getInputStream()).startsWith("HTTP/1.1 200 "));
            assertEquals("203.0.113.8", upstream.take().headers().get("X-Forwarded-For"));
        }
    }

    @Test
    void theHeaderComesBeforeTls() throws Exception
    {
        try (Socket raw = new Socket("127.0.0.1", server.httpsUri().getPort()))
        {
            raw.setSoTimeout(5000);
            raw.getOutputStream().write("PROXY TCP6 2001:db8::5 2001:db8::1 40000 443\r\n".getBytes(StandardCharsets.US_ASCII));
            SSLSocket tls = (SSLSocket)trustingAll().getSocketFactory().createSocket(raw, "api.example", server.httpsUri().getPort(), true);
            tls.startHandshake();
            tls.getOutputStream().write(request("pp-tls").getBytes(StandardCharsets.US_ASCII));
            String answer = readAll(tls.getInputStream());
            assertTrue(answer.startsWith("HTTP/1.1 200 "), answer);
            assertEquals("2001:db8::5", upstream.take().headers().get("X-Forwarded-For"));
        }
    }

    @Test
    void noHeaderOrAnUnlistedSenderGetsTheConnectionClosedAndNothingElse() throws Exception
    {
        try (Socket socket = plain("127.0.0.1"))
        {
            socket.getOutputStream().write(request("pp-none").getBytes(StandardCharsets.US_ASCII));
            assertEquals("", readAll(socket.getInputStream()), "a request without the header is not read as one");
        }
        try (LogCapture logs = LogCapture.start(); Socket socket = plain("127.0.0.2"))
        {
            // Loopback's other addresses stand in for a host that is not the load balancer.
            socket.getOutputStream().write(("PROXY TCP4 203.0.113.7 10.0.0.1 51234 80\r\n" + request("pp-forged")).getBytes(StandardCharsets.US_ASCII));
            assertEquals("", readAll(socket.getInputStream()));
            assertTrue(logs.text().contains("Connection from /127.0.0.2:") && logs.text().contains("server.proxy-protocol.from does not list it"), logs.text());
        }
        assertNull(upstream.poll(200), "nothing reached the upstream");
    }

    /** A PROXY version 2 header for a TCP over IPv4 connection (PROXY command, no TLVs). */
    private static byte[] v2(byte[] source, byte[] destination)
    {
        ByteBuffer header = ByteBuffer.allocate(16 + 12);
        header.put(new byte[] {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A});
        header.put((byte)0x21).put((byte)0x11).putShort((short)12);
        header.put(source).put(destination).putShort((short)51000).putShort((short)80);
        return header.array();
    }

    private static SSLContext trustingAll() throws Exception
    {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new TrustManager[] {new X509TrustManager()
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
        return context;
    }
}
