// The embedded launcher: options, start-up refusals and graceful SIGTERM.
package dev.sluice.launcher;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import dev.sluice.testing.Scratch;
import dev.sluice.testing.SluiceProcess;
import dev.sluice.testing.SluiceUnderTest;
import dev.sluice.testing.TestUpstream;
import org.eclipse.jetty.client.CompletableResponseListener;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MainTest
{
    private record Run(int status, String out, String err)
    {
    }

    private static Run run(String... args)
    {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void helpPrintsTheOptions()
    {
        Run run = run("--help");
        assertEquals(0, run.status());
        assertTrue(run.out().startsWith("Usage: sluice [options]"));
    }

    @Test
    void generateApiKeyPrintsAKeyAndTheHashLineThatAcceptsIt() throws Exception
    {
        Run run = run("generate-api-key", "billing", "ci");
        assertEquals(0, run.status());
        List<String> lines = run.out().lines().toList();
        String key = lines.get(0).substring(lines.get(0).lastIndexOf(' ') + 1);
        assertEquals(43, key.length());
        String line = lines.get(2);
        assertTrue(line.startsWith("consumer.billing.api-key.ci = sha256:"), line);
        java.util.Properties properties = new java.util.Properties();
        properties.load(new java.io.StringReader(line));
        dev.sluice.auth.ApiKeys keys = dev.sluice.config.SettingsParser.parse("generated", java.util.Map.of(
            "consumer.billing.api-key.ci", properties.getProperty("consumer.billing.api-key.ci")), name -> null).auth().apiKeys();
        assertEquals("ci", keys.find(key).label());
        assertEquals(null, keys.find(key + "x"));
        assertEquals(2, run("generate-api-key").status());
        assertEquals(2, run("generate-api-key", "bad name").status());
    }

    @Test
    void generatePasswordPrintsAPasswordAndTheLineThatAcceptsIt() throws Exception
    {
        Run run = run("generate-password", "reports", "main");
        assertEquals(0, run.status());
        List<String> lines = run.out().lines().toList();
        String password = lines.get(0).substring(lines.get(0).lastIndexOf(' ') + 1);
        assertEquals(24, password.length());
        String line = lines.get(2);
        assertTrue(line.startsWith("consumer.reports.password.main = $2a$10$"), line);
        java.util.Properties properties = new java.util.Properties();
        properties.load(new java.io.StringReader(line));
        dev.sluice.auth.Passwords passwords = dev.sluice.config.SettingsParser.parse("generated", java.util.Map.of(
            "consumer.reports.password.main", properties.getProperty("consumer.reports.password.main")), name -> null).auth().passwords();
        assertTrue(passwords.check("reports", password) instanceof dev.sluice.auth.Passwords.Accepted, "the printed line accepts the printed password");
        assertTrue(passwords.check("reports", password + "x") instanceof dev.sluice.auth.Passwords.Refused);
        assertEquals(2, run("generate-password").status());
    }

    @Test
    void selfSignedServesHttpsWithAThrowawayCertificateForLocalhost() throws Exception
    {
        try (TestUpstream upstream = TestUpstream.start();
             SluiceProcess sluice = SluiceProcess.start("upstream.app.url = " + upstream.url() + "\nroute.app.path = /app\nroute.app.upstream = app\n",
                 List.of(), "--self-signed", "--https-port", "0"))
        {
            String line = null;
            for (int i = 0; i < 100 && line == null; i++)
            {
                line = sluice.output().lines().filter(text -> text.startsWith("Sluice listening on https://")).findFirst().orElse(null);
                Thread.sleep(line == null ? 50 : 0);
            }
            assertTrue(line != null, sluice.output());
            java.net.URI https = java.net.URI.create(line.substring("Sluice listening on ".length()).split(" ")[0]);
            org.eclipse.jetty.util.ssl.SslContextFactory.Client ssl = new org.eclipse.jetty.util.ssl.SslContextFactory.Client();
            ssl.setTrustAll(true);
            org.eclipse.jetty.io.ClientConnector connector = new org.eclipse.jetty.io.ClientConnector();
            connector.setSslContextFactory(ssl);
            HttpClient client = new HttpClient(new org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP(connector));
            client.start();
            try
            {
                ContentResponse response = client.newRequest(https.resolve("/app/x")).timeout(10, TimeUnit.SECONDS).send();
                assertEquals(200, response.getStatus());
                assertEquals("max-age=31536000", response.getHeaders().get("Strict-Transport-Security"));
            }
            finally
            {
                client.stop();
            }
        }
    }

    @Test
    void badOptionsExitWithStatus2AndSayWhy()
    {
        assertEquals("Option --port has value 'eighty'; allowed: a port from 0 to 65535.", run("--port", "eighty").err().lines().findFirst().orElseThrow());
        assertEquals("Unknown option '--frobnicate'.", run("--frobnicate").err().lines().findFirst().orElseThrow());
        assertEquals("Option --config needs a value.", run("--config").err().lines().findFirst().orElseThrow());
        Run missing = run("--config", "/no/such/file.properties");
        assertEquals(2, missing.status());
        assertEquals("Option --config has value '/no/such/file.properties'; allowed: an existing properties file.", missing.err().lines().findFirst().orElseThrow());
    }

    @Test
    void anInvalidConfigurationStopsStartUpWithEveryProblem() throws Exception
    {
        Path config = Scratch.file("sluice-bad", ".properties");
        Files.writeString(config, "upstream.app.url = http://127.0.0.1:1\nroute.app.path = /a\nroute.app.upstream = app\nroute.app.idle-timeout = -1s\nproxy.max-threads = 1\n");
        Run run = run("--config", config.toString(), "--port", "0", "--host", "127.0.0.1");
        assertEquals(2, run.status());
        assertEquals("""
            Sluice did not start: Invalid configuration '%s' (from the launcher's --config):
              - Key 'proxy.max-threads' has value '1'; allowed: a whole number from 8 to 4096.
              - Key 'route.app.idle-timeout' has value '-1s'; allowed: a duration such as 250ms, 5s, 2m or 1h.
            """.formatted(config.toAbsolutePath()), run.err());
        Files.delete(config);
    }

    @Test
    void theWebappDirectoryMustHoldWebXml()
    {
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class,
            () -> SluiceServer.start(Path.of("target"), null, "127.0.0.1", 0, java.time.Duration.ofSeconds(1)));
        assertEquals("No WEB-INF/web.xml under 'target'; pass --webapp with Sluice's src/main/webapp or an unpacked WAR.", x.getMessage());
    }

    @Test
    void sigtermLetsInFlightRequestsFinish() throws Exception
    {
        try (TestUpstream slow = TestUpstream.start(new Handler.Abstract()
        {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception
            {
                Thread.sleep(1500);
                Content.Sink.write(response, true, "finished", callback);
                return true;
            }
        });
             SluiceProcess sluice = SluiceProcess.start("upstream.app.url = " + slow.url() + "\nroute.app.path = /\nroute.app.upstream = app\n",
                 List.of("-Xmx128m"), "--stop-timeout", "10s"))
        {
            HttpClient client = new HttpClient();
            client.start();
            try
            {
                CompletableFuture<ContentResponse> inFlight = new CompletableResponseListener(client.newRequest(sluice.uri("/slow")).timeout(20, TimeUnit.SECONDS)).send();
                Thread.sleep(500);
                sluice.terminate();
                ContentResponse response = inFlight.get(20, TimeUnit.SECONDS);
                assertEquals(200, response.getStatus());
                assertEquals("finished", response.getContentAsString());
                int exit = sluice.waitForExit(20);
                // 143 = ended by SIGTERM, after the shutdown hook completed.
                assertTrue(exit == 0 || exit == 143, "exit status " + exit + "\n" + sluice.output());
            }
            finally
            {
                client.stop();
            }
        }
    }

    /**
     * Kubernetes signals a terminating pod while it takes it out of Services and load balancers,
     * so requests keep arriving for a few seconds. Before {@code --shutdown-delay}, each got 503
     * at once; now they are served while {@code /-/ready} tells the balancers Sluice is going.
     */
    @Test
    void withAShutdownDelaySigtermFirstOnlyTurnsReadinessAwayAndKeepsServing() throws Exception
    {
        try (TestUpstream upstream = TestUpstream.start();
             SluiceProcess sluice = SluiceProcess.start("upstream.app.url = " + upstream.url() + "\nroute.app.path = /app\nroute.app.upstream = app\n",
                 List.of("-Xmx128m"), "--shutdown-delay", "3s"))
        {
            HttpClient client = new HttpClient();
            client.start();
            try
            {
                assertEquals(200, client.newRequest(sluice.uri("/-/ready")).timeout(10, TimeUnit.SECONDS).send().getStatus());
                long signalled = System.nanoTime();
                sluice.terminate();
                String stopping = null;
                for (int i = 0; i < 100 && stopping == null; i++)
                {
                    stopping = sluice.output().lines().filter(line -> line.startsWith("Sluice is stopping")).findFirst().orElse(null);
                    Thread.sleep(stopping == null ? 20 : 0);
                }
                assertTrue(stopping != null, sluice.output());
                ContentResponse ready = client.newRequest(sluice.uri("/-/ready")).timeout(10, TimeUnit.SECONDS).send();
                assertEquals(503, ready.getStatus());
                assertTrue(ready.getContentAsString().contains("stopping"), ready.getContentAsString());
                ContentResponse served = client.newRequest(sluice.uri("/app/x")).timeout(10, TimeUnit.SECONDS).send();
                assertEquals(200, served.getStatus(), "still served");
                // Keep-alive clients are told to make their next request on a new connection, to another instance.
                assertEquals("close", served.getHeaders().get("Connection"));
                assertTrue(System.nanoTime() - signalled < 2_500_000_000L, "checked within the delay");
                int exit = sluice.waitForExit(20);
                assertTrue(exit == 0 || exit == 143, "exit status " + exit + "\n" + sluice.output());
                assertTrue(System.nanoTime() - signalled >= 3_000_000_000L, "stopped only after the delay");
            }
            finally
            {
                client.stop();
            }
        }
    }

    @Test
    void checkConfigValidatesWithoutStarting(@org.junit.jupiter.api.io.TempDir Path directory) throws Exception
    {
        Path good = directory.resolve("good.properties");
        java.nio.file.Files.writeString(good, "upstream.app.url = http://127.0.0.1:9\nroute.app.path = /app\nroute.app.upstream = app\n");
        Run valid = run("--check-config", good.toString());
        assertEquals(0, valid.status(), valid.err());
        assertEquals("Configuration '" + good.toAbsolutePath() + "' is valid: 1 routes, 1 upstreams, 0 consumers.", valid.out().strip());

        Path bad = directory.resolve("bad.properties");
        java.nio.file.Files.writeString(bad, "upstream.app.url = http://127.0.0.1:9\nroute.app.path = /app\nroute.app.upstream = app\nroute.app.strip-prefx = true\n");
        Run invalid = run("--check-config", bad.toString());
        assertEquals(2, invalid.status());
        assertTrue(invalid.err().contains("  - Key 'route.app.strip-prefx' is not a known setting; did you mean 'route.app.strip-prefix'?"), invalid.err());
        assertEquals(2, run("--check-config").status());
    }

    @Test
    void generateAdminTokenPrintsATokenAndTheAdminTokenLineThatAcceptsIt() throws Exception
    {
        Run run = run("generate-admin-token");
        assertEquals(0, run.status());
        List<String> lines = run.out().lines().toList();
        String token = lines.get(0).substring(lines.get(0).lastIndexOf(' ') + 1);
        String line = lines.get(2);
        assertTrue(line.startsWith("admin.token = sha256:"), line);
        String hash = line.substring("admin.token = ".length());
        assertEquals(hash, "sha256:" + java.util.HexFormat.of().formatHex(dev.sluice.auth.ApiKeys.sha256(token)));
        dev.sluice.config.SettingsParser.parse("generated", java.util.Map.of("admin.token", hash), name -> null);
    }

    @Test
    void theAddressPrintedIsTheOneBound(@org.junit.jupiter.api.io.TempDir Path directory) throws Exception
    {
        Path config = directory.resolve("sluice.properties");
        java.nio.file.Files.writeString(config, "upstream.app.url = http://127.0.0.1:9\nroute.app.path = /app\nroute.app.upstream = app\n");
        try (SluiceServer everywhere = SluiceServer.start(SluiceUnderTest.WEBAPP, config, null, 0, java.time.Duration.ofSeconds(1)))
        {
            assertEquals("every interface, port " + everywhere.port() + " (locally: http://127.0.0.1:" + everywhere.port() + "/)",
                everywhere.describe(false));
        }
        try (SluiceServer loopback = SluiceServer.start(SluiceUnderTest.WEBAPP, config, "127.0.0.1", 0, java.time.Duration.ofSeconds(1)))
        {
            assertEquals("http://127.0.0.1:" + loopback.port() + "/", loopback.describe(false));
        }
    }
}
