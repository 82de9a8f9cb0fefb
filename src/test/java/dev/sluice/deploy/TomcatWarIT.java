// The packaged WAR deployed into embedded Tomcat 11.
package dev.sluice.deploy;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import dev.sluice.testing.Scratch;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleState;
import org.apache.catalina.startup.Tomcat;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The WAR in Tomcat 11, which has no Jetty server classes: the proxy must bring its own client. */
class TomcatWarIT extends WarDeploymentContract
{
    private final java.util.List<Tomcat> tomcats = new java.util.ArrayList<>();
    /** Their base directories, each with an expanded copy of the WAR (about 40 MB), deleted once they stop. */
    private final java.util.List<Path> bases = new java.util.ArrayList<>();
    /** The connector's {@code maxHttpHeaderSize} for the next deployment; 0 for Tomcat's default. */
    private int maxHttpHeaderSize;
    /** Other connector attributes for the next deployment. */
    private final java.util.Map<String, String> connectorProperties = new java.util.HashMap<>();

    @Override
    int deploy(Path war, String contextPath, Path config) throws Exception
    {
        Path base = Scratch.directory("sluice-tomcat");
        bases.add(base);
        Files.createDirectories(base.resolve("webapps"));
        Tomcat tomcat = new Tomcat();
        tomcats.add(tomcat);
        tomcat.setBaseDir(base.toString());
        tomcat.setPort(0);
        tomcat.getConnector().setProperty("address", "127.0.0.1");
        // What the README tells Tomcat users: Tomcat closes a request's input once its answer is
        // complete, so only the connector can read and drop the rest of a refused body, up to this.
        tomcat.getConnector().setProperty("maxSwallowSize", String.valueOf(32 * 1024 * 1024));
        // What the README says for routes with allow-encoded-slashes: %2F passed to Sluice as sent.
        tomcat.getConnector().setEncodedSolidusHandling("passthrough");
        if (maxHttpHeaderSize > 0)
        {
            tomcat.getConnector().setProperty("maxHttpHeaderSize", String.valueOf(maxHttpHeaderSize));
        }
        connectorProperties.forEach(tomcat.getConnector()::setProperty);
        if (h2c)
        {
            tomcat.getConnector().addUpgradeProtocol(new org.apache.coyote.http2.Http2Protocol());
        }
        tomcat.setAddDefaultWebXmlToWebapp(false);
        Context context = tomcat.addWebapp(contextPath, new File(war.toAbsolutePath().toString()).getAbsolutePath());
        if (config != null)
        {
            // What <Parameter name="sluice.config" value="..."/> in a context XML does.
            context.addParameter("sluice.config", config.toString());
        }
        tomcat.start();
        assertEquals(LifecycleState.STARTED, context.getState(), "the web application did not start");
        return tomcat.getConnector().getLocalPort();
    }

    @Override
    void undeploy() throws Exception
    {
        for (Tomcat tomcat : tomcats)
        {
            tomcat.stop();
            tomcat.destroy();
        }
        bases.forEach(Scratch::delete);
    }

    /**
     * Tomcat checks, when a web application stops, for threads it started and did not stop and
     * for thread-locals its classes left behind (both pin the class loader: a leak per
     * redeploy), and logs a warning for each.
     */
    @org.junit.jupiter.api.Test
    void undeployingLeavesNoThreadOrThreadLocalBehind() throws Exception
    {
        // Everything that starts threads: the upstream client, health checks, the cache, the
        // access log, the reload watcher, and a Redis rate-limit store.
        dev.sluice.testing.RedisServer redis = dev.sluice.testing.RedisServer.start();
        Path config = Scratch.file("sluice-leak", ".properties");
        Files.writeString(config, """
            ratelimit.store = redis
            ratelimit.redis.uri = %s
            upstream.app.url = http://127.0.0.1:9
            upstream.app.health.path = /health
            upstream.app.health.interval = 200ms
            upstream.app.health.timeout = 100ms
            route.app.path = /app
            route.app.upstream = app
            route.app.rate-limit = 100/m
            route.cached.path = /cached
            route.cached.upstream = app
            route.cached.cache = on
            consumer.ci.api-key.main = demo:leak-test-key-0123456789
            auth.jwt.idp.issuer = https://id.example.com/
            auth.jwt.idp.hmac-secret = x9Fq2LmZ0vR7tYp4Kc8Wn1Hs6Dj3Bg5Ae0Qu2Iy7Oo=
            auth.jwt.idp.audience = api
            route.keyed.path = /keyed
            route.keyed.upstream = app
            route.keyed.auth = api-key, jwt:idp
            """.formatted(redis.uri()));
        com.nimbusds.jose.jwk.OctetSequenceKey secret = new com.nimbusds.jose.jwk.OctetSequenceKey.Builder(
            "x9Fq2LmZ0vR7tYp4Kc8Wn1Hs6Dj3Bg5Ae0Qu2Iy7Oo=".getBytes(java.nio.charset.StandardCharsets.UTF_8)).build();
        String token = dev.sluice.testing.Tokens.sign(secret, dev.sluice.testing.Tokens.claims("https://id.example.com/", "api", "leaky",
            java.time.Instant.now()).build());
        java.util.List<String> warnings = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Handler capture = new java.util.logging.Handler()
        {
            @Override
            public void publish(java.util.logging.LogRecord record)
            {
                if (record.getLevel().intValue() >= java.util.logging.Level.WARNING.intValue())
                {
                    warnings.add(new java.util.logging.SimpleFormatter().formatMessage(record));
                }
            }

            @Override
            public void flush()
            {
            }

            @Override
            public void close()
            {
            }
        };
        java.util.logging.Logger loader = java.util.logging.Logger.getLogger("org.apache.catalina.loader.WebappClassLoaderBase");
        loader.addHandler(capture);
        try
        {
            Path war = Path.of(System.getProperty("sluice.war", "target/sluice.war"));
            int port = deploy(war, "/leak", config);
            org.eclipse.jetty.client.HttpClient client = new org.eclipse.jetty.client.HttpClient();
            client.start();
            try
            {
                for (String path : new String[] {"/leak/app/x", "/leak/cached/y", "/leak/-/ready", "/leak/nowhere"})
                {
                    client.GET("http://127.0.0.1:" + port + path);
                }
                client.newRequest("http://127.0.0.1:" + port + "/leak/keyed/a").headers(h -> h.put("apikey", "leak-test-key-0123456789")).send();
                client.newRequest("http://127.0.0.1:" + port + "/leak/keyed/b").headers(h -> h.put("Authorization", "Bearer " + token)).send();
            }
            finally
            {
                client.stop();
            }
            Tomcat tomcat = tomcats.get(tomcats.size() - 1);
            tomcats.remove(tomcat);
            tomcat.stop();
            tomcat.destroy();
            assertEquals(java.util.List.of(), warnings);
        }
        finally
        {
            loader.removeHandler(capture);
            Files.deleteIfExists(config);
            redis.close();
        }
    }

    @org.junit.jupiter.api.Test
    void stoppingLetsShortRequestsFinishAndEndsLongOnesAsSluicesOwnDoing() throws Exception
    {
        try (dev.sluice.testing.TestUpstream slow = dev.sluice.testing.TestUpstream.start(new org.eclipse.jetty.server.Handler.Abstract()
        {
            @Override
            public boolean handle(org.eclipse.jetty.server.Request request, org.eclipse.jetty.server.Response response,
                                  org.eclipse.jetty.util.Callback callback) throws Exception
            {
                Thread.sleep(request.getHttpURI().getPath().contains("long") ? 6000 : 800);
                org.eclipse.jetty.io.Content.Sink.write(response, true, "done", callback);
                return true;
            }
        }))
        {
            Path config = Scratch.file("sluice-drain", ".properties");
            Files.writeString(config, """
                proxy.drain-timeout = 2s
                upstream.slow.url = %s
                route.slow.path = /
                route.slow.upstream = slow
                """.formatted(slow.url()));
            Path war = Path.of(System.getProperty("sluice.war", "target/sluice.war"));
            int port = deploy(war, "/drain", config);
            org.eclipse.jetty.client.HttpClient client = new org.eclipse.jetty.client.HttpClient();
            client.start();
            try
            {
                java.util.concurrent.CompletableFuture<String[]> shortOne = new java.util.concurrent.CompletableFuture<>();
                java.util.concurrent.CompletableFuture<String[]> longOne = new java.util.concurrent.CompletableFuture<>();
                send(client, "http://127.0.0.1:" + port + "/drain/short", shortOne);
                send(client, "http://127.0.0.1:" + port + "/drain/long", longOne);
                Thread.sleep(300);
                Tomcat tomcat = tomcats.remove(tomcats.size() - 1);
                long started = System.nanoTime();
                tomcat.stop();
                tomcat.destroy();
                long stopMillis = java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
                assertEquals("200", shortOne.get(10, java.util.concurrent.TimeUnit.SECONDS)[0]);
                String[] ended = longOne.get(10, java.util.concurrent.TimeUnit.SECONDS);
                assertEquals("503", ended[0]);
                org.junit.jupiter.api.Assertions.assertTrue(ended[1].contains("Sluice is stopping"), ended[1]);
                org.junit.jupiter.api.Assertions.assertTrue(stopMillis < 5000, "stopped after " + stopMillis + " ms");
            }
            finally
            {
                client.stop();
                Files.deleteIfExists(config);
            }
        }
    }

    @org.junit.jupiter.api.Test
    void stoppingLetsAiRequestsFinishAndEndsLongOnesAsSluicesOwnDoing() throws Exception
    {
        try (dev.sluice.testing.FakeModelProvider provider = dev.sluice.testing.FakeModelProvider.start("openai"))
        {
            provider.next(dev.sluice.testing.FakeModelProvider.Fault.HOLD, dev.sluice.testing.FakeModelProvider.Fault.HOLD);
            Path config = Scratch.file("sluice-ai-drain", ".properties");
            Files.writeString(config, """
                proxy.drain-timeout = 2s
                route.ai.path = /v1
                route.ai.ai = on
                ai.provider.oa.type = openai-compatible
                ai.provider.oa.base-url = %s/v1
                ai.model.gpt.target.main.provider = oa
                ai.model.gpt.target.main.model = m
                """.formatted(provider.uri()));
            Path war = Path.of(System.getProperty("sluice.war", "target/sluice.war"));
            int port = deploy(war, "/aidrain", config);
            org.eclipse.jetty.client.HttpClient client = new org.eclipse.jetty.client.HttpClient();
            client.start();
            try
            {
                List<java.util.concurrent.CompletableFuture<String[]>> answers = new java.util.ArrayList<>();
                for (int i = 0; i < 2; i++)
                {
                    java.util.concurrent.CompletableFuture<String[]> answer = new java.util.concurrent.CompletableFuture<>();
                    client.newRequest("http://127.0.0.1:" + port + "/aidrain/v1/chat/completions").method("POST")
                        .body(new org.eclipse.jetty.client.StringRequestContent("application/json",
                            "{\"model\":\"gpt\",\"messages\":[{\"role\":\"user\",\"content\":\"request " + i + "\"}]}"))
                        .timeout(15, java.util.concurrent.TimeUnit.SECONDS).send(listener(answer));
                    answers.add(answer);
                }
                provider.take();
                provider.take();
                // One held answer is let go while Sluice drains; the other never is.
                new Thread(() ->
                {
                    sleep(800);
                    provider.release(1);
                }).start();
                Tomcat tomcat = tomcats.remove(tomcats.size() - 1);
                long started = System.nanoTime();
                tomcat.stop();
                tomcat.destroy();
                long stopMillis = java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
                List<String> statuses = new java.util.ArrayList<>();
                String stoppedBody = null;
                for (java.util.concurrent.CompletableFuture<String[]> answer : answers)
                {
                    String[] got = answer.get(10, java.util.concurrent.TimeUnit.SECONDS);
                    statuses.add(got[0]);
                    if (got[0].equals("503"))
                    {
                        stoppedBody = got[1];
                    }
                }
                java.util.Collections.sort(statuses);
                assertEquals(List.of("200", "503"), statuses, "the released request finished during the drain, the held one was ended");
                org.junit.jupiter.api.Assertions.assertTrue(stoppedBody.contains("\"code\":\"stopping\""), stoppedBody);
                org.junit.jupiter.api.Assertions.assertTrue(stopMillis < 5000, "stopped after " + stopMillis + " ms");
            }
            finally
            {
                provider.release(10);
                client.stop();
                Files.deleteIfExists(config);
            }
        }
    }

    /**
     * A stored answer the upstream confirmed with a 304 is written from the proxy's asynchronous
     * request, on the upstream client's thread. Clients that stop reading it must hold no Tomcat
     * thread, and must not hold up the next request for the same key: with a blocking write the
     * first such client kept its revalidation open until it read, so every later request waited
     * cache.lock-timeout for it (3 of the 18 requests reached the origin in this test's time).
     */
    @org.junit.jupiter.api.Test
    void clientsThatStopReadingARevalidatedAnswerHoldNoThread() throws Exception
    {
        int size = 12 << 20;
        int stalled = 16;
        try (dev.sluice.testing.Origin origin = new dev.sluice.testing.Origin())
        {
            // Stale at once: every request after the first is revalidated, and the origin confirms it.
            origin.script("/big", request -> "\"big1\"".equals(request.getHeaders().get("If-None-Match"))
                ? dev.sluice.testing.Origin.Answer.of(304, null, "ETag", "\"big1\"", "Cache-Control", "max-age=0")
                : dev.sluice.testing.Origin.Answer.of(200, "x".repeat(size), "ETag", "\"big1\"", "Cache-Control", "max-age=0"));
            Path config = Scratch.file("sluice-revalidated", ".properties");
            Files.writeString(config, """
                cache.heap.size = 64MB
                upstream.origin.url = %s
                route.big.path = /
                route.big.upstream = origin
                route.big.cache = on
                route.big.cache.max-object-size = 16MB
                """.formatted(origin.url()));
            Path war = Path.of(System.getProperty("sluice.war", "target/sluice.war"));
            int port = deploy(war, "/revalidated", config);
            Tomcat tomcat = tomcats.get(tomcats.size() - 1);
            org.apache.tomcat.util.threads.ThreadPoolExecutor pool = (org.apache.tomcat.util.threads.ThreadPoolExecutor)tomcat.getConnector().getProtocolHandler().getExecutor();
            org.eclipse.jetty.client.HttpClient client = new org.eclipse.jetty.client.HttpClient();
            client.start();
            List<java.net.Socket> sockets = new java.util.ArrayList<>();
            try
            {
                String url = "http://127.0.0.1:" + port + "/revalidated/big";
                org.eclipse.jetty.client.ContentResponse miss = dev.sluice.testing.Requests.send(client, java.net.URI.create(url), "GET", size + 1024);
                assertEquals(200, miss.getStatus());
                org.eclipse.jetty.client.ContentResponse confirmed = dev.sluice.testing.Requests.send(client, java.net.URI.create(url), "GET", size + 1024);
                assertEquals("REVALIDATED", confirmed.getHeaders().get("X-Cache-Status"));
                assertEquals(size, confirmed.getContent().length);
                int before = pool.getActiveCount();
                for (int i = 0; i < stalled; i++)
                {
                    java.net.Socket socket = new java.net.Socket();
                    socket.setReceiveBufferSize(4096);
                    socket.connect(new java.net.InetSocketAddress("127.0.0.1", port), 5000);
                    socket.getOutputStream().write(("GET /revalidated/big HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nAccept-Encoding: gzip\r\n\r\n")
                        .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                    sockets.add(socket);
                    // One at a time, so none waits on another's revalidation (collapsed requests are answered differently).
                    Thread.sleep(100);
                }
                // Long enough for every answer to fill its socket's buffers and, if it blocked, to hold a thread.
                Thread.sleep(2000);
                int during = pool.getActiveCount();
                org.junit.jupiter.api.Assertions.assertTrue(during < before + stalled / 2,
                    "busy Tomcat threads went from " + before + " to " + during + " with " + stalled + " clients not reading");
                assertEquals(1 + 1 + stalled, origin.count("/big"), "each request was revalidated upstream");
                for (int i = 1; i < origin.count("/big"); i++)
                {
                    assertEquals("\"big1\"", origin.request("/big", i).get("If-None-Match"));
                }
            }
            finally
            {
                for (java.net.Socket socket : sockets)
                {
                    socket.setSoLinger(true, 0);
                    socket.close();
                }
                client.stop();
                Files.deleteIfExists(config);
            }
        }
    }

    private static void sleep(long millis)
    {
        try
        {
            Thread.sleep(millis);
        }
        catch (InterruptedException x)
        {
            Thread.currentThread().interrupt();
        }
    }

    private static org.eclipse.jetty.client.BufferingResponseListener listener(java.util.concurrent.CompletableFuture<String[]> answer)
    {
        return new org.eclipse.jetty.client.BufferingResponseListener()
        {
            @Override
            public void onComplete(org.eclipse.jetty.client.Result result)
            {
                if (result.isFailed())
                {
                    answer.completeExceptionally(result.getFailure());
                }
                else
                {
                    answer.complete(new String[] {Integer.toString(result.getResponse().getStatus()), getContentAsString()});
                }
            }
        };
    }

    /** Sends a GET without waiting; completes with the status and the body. */
    private static void send(org.eclipse.jetty.client.HttpClient client, String url, java.util.concurrent.CompletableFuture<String[]> answer)
    {
        client.newRequest(url).timeout(15, java.util.concurrent.TimeUnit.SECONDS).send(new org.eclipse.jetty.client.BufferingResponseListener()
        {
            @Override
            public void onComplete(org.eclipse.jetty.client.Result result)
            {
                if (result.isFailed())
                {
                    answer.completeExceptionally(result.getFailure());
                }
                else
                {
                    answer.complete(new String[] {Integer.toString(result.getResponse().getStatus()), getContentAsString()});
                }
            }
        });
    }

    /**
     * A container may take request heads larger than Jetty's client sends (64 KiB here, more when
     * {@code server.max-request-header-size} says so). Such a request is the client's: 431, never
     * sent, and not a failure of the target, which it counted as before (502, and enough of them
     * ejected a healthy target).
     */
    @org.junit.jupiter.api.Test
    void aHeadTooLargeToSendUpstreamIs431AndNoFailureOfTheTarget() throws Exception
    {
        Path war = Path.of(System.getProperty("sluice.war", "target/sluice.war"));
        Path config = Scratch.file("sluice-head", ".properties");
        org.eclipse.jetty.client.HttpClient client = new org.eclipse.jetty.client.HttpClient();
        client.setMaxRequestHeadersSize(256 * 1024);
        client.start();
        try (dev.sluice.testing.TestUpstream one = dev.sluice.testing.TestUpstream.start();
             dev.sluice.testing.TestUpstream two = dev.sluice.testing.TestUpstream.start())
        {
            Files.writeString(config, """
                upstream.app.targets = %s, %s
                upstream.app.outlier.consecutive-failures = 2
                route.app.path = /app
                route.app.upstream = app
                route.app.retries = 1
                """.formatted(one.url(), two.url()));
            maxHttpHeaderSize = 128 * 1024;
            int port = deploy(war, "/head", config);
            String url = "http://127.0.0.1:" + port + "/head/app/x";
            for (int i = 0; i < 4; i++)
            {
                org.eclipse.jetty.client.ContentResponse response = client.newRequest(url).headers(headers -> headers.put("X-Big", "b".repeat(100_000)))
                    .timeout(10, java.util.concurrent.TimeUnit.SECONDS).send();
                assertEquals(431, response.getStatus(), response.getContentAsString());
                org.junit.jupiter.api.Assertions.assertTrue(response.getContentAsString().contains("larger than Sluice sends upstream"), response.getContentAsString());
            }
            org.junit.jupiter.api.Assertions.assertNull(one.poll(100));
            org.junit.jupiter.api.Assertions.assertNull(two.poll(100));

            // A container that takes 100 KB heads forwards 40 KB ones, and both targets still serve.
            for (int i = 0; i < 4; i++)
            {
                assertEquals(200, client.newRequest(url).headers(headers -> headers.put("X-Big", "b".repeat(40_000)))
                    .timeout(10, java.util.concurrent.TimeUnit.SECONDS).send().getStatus());
            }
            assertEquals(40_000, one.take().headers().get("X-Big").length());
            assertEquals(40_000, two.take().headers().get("X-Big").length());
        }
        finally
        {
            maxHttpHeaderSize = 0;
            client.stop();
            Files.deleteIfExists(config);
        }
    }

    /**
     * README (Response compression): in a container Sluice's compression keys do nothing and a
     * warning says so at start; Tomcat's connector compresses Sluice's answers instead.
     */
    @org.junit.jupiter.api.Test
    void inTomcatTheConnectorCompressesAndSluiceSaysItsOwnKeysDoNot() throws Exception
    {
        Path war = Path.of(System.getProperty("sluice.war", "target/sluice.war"));
        Path config = Scratch.file("sluice-gzip", ".properties");
        byte[] json = ("{\"items\":[" + "{\"id\":1,\"name\":\"a widget\"},".repeat(200) + "{}]}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        java.io.PrintStream standardError = System.err;
        java.io.ByteArrayOutputStream logged = new java.io.ByteArrayOutputStream();
        try (dev.sluice.testing.TestUpstream upstream = dev.sluice.testing.TestUpstream.start(new org.eclipse.jetty.server.Handler.Abstract()
        {
            @Override
            public boolean handle(org.eclipse.jetty.server.Request request, org.eclipse.jetty.server.Response response,
                                  org.eclipse.jetty.util.Callback callback)
            {
                response.getHeaders().put("Content-Type", "application/json");
                response.write(true, java.nio.ByteBuffer.wrap(json), callback);
                return true;
            }
        }))
        {
            Files.writeString(config, """
                upstream.app.url = %s
                route.app.path = /app
                route.app.upstream = app
                compression = gzip
                """.formatted(upstream.url()));
            connectorProperties.put("compression", "on");
            connectorProperties.put("compressionMinSize", "1024");
            connectorProperties.put("compressibleMimeType", "application/json");
            // Sluice's Logback writes to whatever System.err is when it writes.
            System.setErr(dev.sluice.testing.Tee.of(standardError, logged));
            int port = deploy(war, "/gzip", config);
            java.net.http.HttpClient client = java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_1_1).build();
            java.net.http.HttpResponse<byte[]> response = client.send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + port + "/gzip/app/list")).header("Accept-Encoding", "gzip").build(),
                java.net.http.HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(200, response.statusCode());
            assertEquals("gzip", response.headers().firstValue("Content-Encoding").orElse(null));
            try (java.io.InputStream in = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(response.body())))
            {
                org.junit.jupiter.api.Assertions.assertArrayEquals(json, in.readAllBytes());
            }
            String warning = "compression is set, but only Sluice's own launcher compresses answers; in Apache Tomcat";
            for (int i = 0; i < 100 && !logged.toString(java.nio.charset.StandardCharsets.UTF_8).contains(warning); i++)
            {
                Thread.sleep(50);
            }
            org.junit.jupiter.api.Assertions.assertTrue(logged.toString(java.nio.charset.StandardCharsets.UTF_8).contains(warning),
                logged.toString(java.nio.charset.StandardCharsets.UTF_8));
        }
        finally
        {
            System.setErr(standardError);
            connectorProperties.clear();
            Files.deleteIfExists(config);
        }
    }

    /**
     * Stock Tomcat ships webapps/ROOT: a ROOT.war copied beside it is ignored and the welcome
     * page stays. The README says to remove webapps/ROOT first; this follows both ways.
     */
    @org.junit.jupiter.api.Test
    void asRootInAStockTomcatTheExistingRootMustBeRemovedFirst() throws Exception
    {
        Path war = Path.of(System.getProperty("sluice.war", "target/sluice.war"));
        Path config = Scratch.file("sluice-root", ".properties");
        Files.writeString(config, "upstream.app.url = http://127.0.0.1:9\nroute.app.path = /app\nroute.app.upstream = app\n");
        Path base = Scratch.directory("sluice-tomcat-root");
        Path webapps = Files.createDirectories(base.resolve("webapps"));
        Files.createDirectories(webapps.resolve("ROOT"));
        Files.writeString(webapps.resolve("ROOT/index.html"), "<h1>If you're seeing this, you've successfully installed Tomcat.</h1>");
        Files.copy(war, webapps.resolve("ROOT.war"));
        System.setProperty("sluice.config", config.toString());
        org.eclipse.jetty.client.HttpClient client = new org.eclipse.jetty.client.HttpClient();
        client.start();
        try
        {
            int port = startHost(base);
            assertEquals(404, client.GET("http://127.0.0.1:" + port + "/-/health").getStatus(), "the stock ROOT is served, not Sluice");
            stopLast();

            // The README's step: remove webapps/ROOT, then the WAR is the root application.
            try (var files = Files.walk(webapps.resolve("ROOT")))
            {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
            port = startHost(base);
            org.eclipse.jetty.client.ContentResponse health = client.GET("http://127.0.0.1:" + port + "/-/health");
            assertEquals(200, health.getStatus());
            assertEquals("{\"status\":\"up\"}", health.getContentAsString().strip());
            stopLast();
        }
        finally
        {
            System.clearProperty("sluice.config");
            client.stop();
            Files.deleteIfExists(config);
            Scratch.delete(base);
        }
    }

    /** A Tomcat that deploys its appBase as catalina.sh's does (HostConfig, deploy on start-up). */
    private int startHost(Path base) throws Exception
    {
        Tomcat tomcat = new Tomcat();
        tomcats.add(tomcat);
        tomcat.setBaseDir(base.toString());
        tomcat.setPort(0);
        tomcat.getConnector().setProperty("address", "127.0.0.1");
        org.apache.catalina.core.StandardHost host = (org.apache.catalina.core.StandardHost)tomcat.getHost();
        host.setAppBase(base.resolve("webapps").toString());
        host.setDeployOnStartup(true);
        host.setAutoDeploy(false);
        host.addLifecycleListener(new org.apache.catalina.startup.HostConfig());
        tomcat.start();
        return tomcat.getConnector().getLocalPort();
    }

    private void stopLast() throws Exception
    {
        Tomcat tomcat = tomcats.remove(tomcats.size() - 1);
        tomcat.stop();
        tomcat.destroy();
    }
}
