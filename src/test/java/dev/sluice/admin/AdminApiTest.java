// The read-only admin API: what each view shows, that no secret ever appears, and how bad calls are answered.
package dev.sluice.admin;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.testing.PoolTarget;
import dev.sluice.testing.SluiceUnderTest;
import dev.sluice.testing.TestCertificates;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AdminApiTest
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ADMIN = "admin-secret-token-7a1f";
    /** Every secret the configuration holds, as written there: none may appear in any admin answer. */
    private static final List<String> SECRETS = List.of(ADMIN, "alice-key-0123456789", "bob-key-9876543210",
        "hmac-secret-for-admin-test-0123456789abcdef", "introspection-client-secret-42", "redis-password-99");
    private static HttpClient client;

    @BeforeAll
    static void startClient() throws Exception
    {
        client = new HttpClient();
        client.start();
    }

    @AfterAll
    static void stopClient() throws Exception
    {
        client.stop();
    }

    private static String config(PoolTarget a)
    {
        return """
            route.orders.path = /orders
            route.orders.upstream = u
            route.orders.methods = GET, POST
            route.orders.auth = api-key
            route.orders.auth.groups = gold
            route.orders.rate-limit = 3/h
            route.orders.rate-limit.by = consumer
            route.orders.rate-limit.group.gold = 5/h, 100/d
            route.pub.path = /pub
            route.pub.host = api.example.com
            route.pub.upstream = u
            route.pub.cache = force
            route.pub.cache.ttl = 30s
            route.pub.rate-limit = 10/m
            route.pub.rate-limit.by = ip
            consumer.alice.groups = gold
            consumer.alice.api-key.laptop = demo:alice-key-0123456789
            consumer.alice.password.main = demo:alice-password
            consumer.bob.username = bobby
            consumer.bob.api-key.ci = demo:bob-key-9876543210
            consumer.bob.mtls.san = dns:bob.example.com
            auth.jwt.partner.issuer = https://partner.example/
            auth.jwt.partner.hmac-secret = hmac-secret-for-admin-test-0123456789abcdef
            auth.introspection.idp.url = http://127.0.0.1:1/introspect
            auth.introspection.idp.client-id = sluice
            auth.introspection.idp.client-secret = introspection-client-secret-42
            ratelimit.redis.uri = redis://:redis-password-99@127.0.0.1:6399
            upstream.u.url = %s
            admin.token = demo:%s
            """.formatted(a.url(), ADMIN);
    }

    private static ContentResponse get(SluiceUnderTest sluice, String path, String token) throws Exception
    {
        return client.newRequest(sluice.uri(path)).headers(headers ->
        {
            if (token != null)
            {
                headers.put("Authorization", "Bearer " + token);
            }
        }).send();
    }

    private static JsonNode view(SluiceUnderTest sluice, String path) throws Exception
    {
        ContentResponse response = get(sluice, path, ADMIN);
        assertEquals(200, response.getStatus(), path + ": " + response.getContentAsString());
        assertEquals("application/json", response.getMediaType());
        assertEquals("no-store", response.getHeaders().get("Cache-Control"));
        for (String secret : SECRETS)
        {
            assertFalse(response.getContentAsString().contains(secret), path + " shows a secret: " + secret);
        }
        return JSON.readTree(response.getContent());
    }

    @Test
    void viewsShowTheRunningGatewayAndNoSecret() throws Exception
    {
        try (PoolTarget a = PoolTarget.start("a"); SluiceUnderTest sluice = SluiceUnderTest.start(config(a)))
        {
            JsonNode routes = view(sluice, "/-/admin/routes").get("routes");
            assertEquals(2, routes.size());
            JsonNode orders = routes.get(0).get("name").asText().equals("orders") ? routes.get(0) : routes.get(1);
            assertEquals("/orders", orders.get("path").asText());
            assertEquals("[\"GET\",\"POST\"]", orders.get("methods").toString());
            assertEquals("u", orders.get("upstream").asText());
            assertEquals("auth", orders.get("filters").get(0).get("filter").asText());
            assertEquals("[\"api-key\"]", orders.get("filters").get(0).get("methods").toString());
            assertEquals("[\"gold\"]", orders.get("filters").get(0).get("groups").toString());
            JsonNode limit = orders.get("filters").get(1);
            assertEquals("ratelimit", limit.get("filter").asText());
            assertEquals("[\"3;w=3600\"]", limit.get("limits").toString());
            assertEquals("[\"5;w=3600\",\"100;w=86400\"]", limit.get("groups").get("gold").toString());
            assertEquals("proxy", orders.get("filters").get(2).get("filter").asText());
            JsonNode pub = routes.get(0) == orders ? routes.get(1) : routes.get(0);
            assertEquals("[\"api.example.com\"]", pub.get("hosts").toString());
            assertEquals("cache", pub.get("filters").get(1).get("filter").asText());
            assertEquals(30, pub.get("filters").get(1).get("ttl_s").asInt());
            assertEquals("30s", pub.get("properties").get("route.pub.cache.ttl").asText());

            JsonNode config = view(sluice, "/-/admin/config");
            assertEquals(64, config.get("sha256").asText().length());
            assertTrue(config.get("source").asText().contains("sluice.properties"));
            JsonNode properties = config.get("properties");
            assertEquals("***", properties.get("admin.token").asText());
            assertEquals("***", properties.get("consumer.alice.api-key.laptop").asText());
            assertEquals("***", properties.get("auth.jwt.partner.hmac-secret").asText());
            assertEquals("***", properties.get("auth.introspection.idp.client-secret").asText());
            assertEquals("redis://***@127.0.0.1:6399", properties.get("ratelimit.redis.uri").asText());
            assertEquals("sluice", properties.get("auth.introspection.idp.client-id").asText());
            assertEquals("/orders", properties.get("route.orders.path").asText());

            JsonNode consumers = view(sluice, "/-/admin/consumers").get("consumers");
            assertEquals(2, consumers.size());
            assertEquals("alice", consumers.get(0).get("id").asText());
            assertEquals("[\"gold\"]", consumers.get(0).get("groups").toString());
            assertEquals("[\"laptop\"]", consumers.get(0).get("credentials").get("api_keys").toString());
            assertEquals("[\"main\"]", consumers.get(0).get("credentials").get("passwords").toString());
            assertEquals("***", properties.get("consumer.alice.password.main").asText(), "a password (here a demo one) is never shown");
            assertFalse(view(sluice, "/-/admin/config").toString().contains("alice-password"));
            assertEquals("bobby", consumers.get(1).get("username").asText());
            assertEquals("san", consumers.get(1).get("credentials").get("certificates").get(0).get("kind").asText());
            assertFalse(consumers.toString().contains("hash"), "no key hash field");

            // Two keyed requests from alice: the gold bucket shows 3 of 5 left, and looking takes nothing.
            for (int i = 0; i < 2; i++)
            {
                assertEquals(200, client.newRequest(sluice.uri("/orders")).headers(h -> h.put("apikey", "alice-key-0123456789")).send().getStatus());
            }
            for (int i = 0; i < 2; i++)
            {
                JsonNode limits = view(sluice, "/-/admin/limits?route=orders&consumer=alice");
                assertEquals("consumer", limits.get("by").asText());
                assertEquals("local", limits.get("store").asText());
                assertEquals("5;w=3600", limits.get("limits").get(0).get("policy").asText());
                assertEquals(3, limits.get("limits").get(0).get("remaining").asInt());
                assertEquals(98, limits.get("limits").get(1).get("remaining").asInt());
            }
            JsonNode fresh = view(sluice, "/-/admin/limits?route=orders&consumer=bob");
            assertEquals("3;w=3600", fresh.get("limits").get(0).get("policy").asText(), "bob is not gold: the route's own limit");
            assertEquals(3, fresh.get("limits").get(0).get("remaining").asInt(), "no bucket yet: full");
            assertEquals(10, view(sluice, "/-/admin/limits?route=pub&ip=203.0.113.9").get("limits").get(0).get("remaining").asInt());
            assertEquals(400, get(sluice, "/-/admin/limits?route=orders&consumer=nobody", ADMIN).getStatus());
            assertEquals(400, get(sluice, "/-/admin/limits", ADMIN).getStatus());
            assertEquals(404, get(sluice, "/-/admin/limits?route=missing&ip=1.2.3.4", ADMIN).getStatus());

            assertEquals(200, client.newRequest(sluice.uri("/pub/x")).headers(h -> h.put("Host", "api.example.com")).send().getStatus());
            JsonNode tiers = view(sluice, "/-/admin/cache").get("tiers");
            assertEquals("OnHeap", tiers.get(0).get("tier").asText());
            assertEquals(1, tiers.get(0).get("entries").asInt());

            assertEquals(0, view(sluice, "/-/admin/certificates").get("certificates").size(), "plain HTTP: none served");
            assertEquals(1, view(sluice, "/-/admin/upstreams").get("targets").size());

            JsonNode openapi = view(sluice, "/-/admin/openapi.json");
            assertEquals("3.1.0", openapi.get("openapi").asText());
            for (String path : List.of("/routes", "/config", "/consumers", "/limits", "/cache", "/upstreams", "/certificates", "/ui"))
            {
                assertTrue(openapi.get("paths").has(path), "openapi documents " + path);
            }
        }
    }

    @Test
    void badCallsGetProblems() throws Exception
    {
        try (PoolTarget a = PoolTarget.start("a"); SluiceUnderTest sluice = SluiceUnderTest.start(config(a));
             SluiceUnderTest elsewhere = SluiceUnderTest.start(config(a) + "admin.allow = 10.0.0.0/8\n"))
        {
            for (String path : List.of("/-/admin/routes", "/-/admin/config", "/-/admin/consumers", "/-/admin/openapi.json"))
            {
                ContentResponse anonymous = get(sluice, path, null);
                assertEquals(401, anonymous.getStatus());
                assertEquals("application/problem+json", anonymous.getMediaType());
                assertEquals(401, get(sluice, path, "wrong").getStatus());
                ContentResponse far = get(elsewhere, path, ADMIN);
                assertEquals(403, far.getStatus());
                assertEquals("application/problem+json", far.getMediaType());
            }
            ContentResponse unknown = get(sluice, "/-/admin/nothing", ADMIN);
            assertEquals(404, unknown.getStatus());
            assertEquals("application/problem+json", unknown.getMediaType());
            ContentResponse post = client.newRequest(sluice.uri("/-/admin/routes")).method("POST").headers(h -> h.put("Authorization", "Bearer " + ADMIN)).send();
            assertEquals(405, post.getStatus());
            assertEquals("GET, HEAD", post.getHeaders().get("Allow"));
            assertEquals("GET, HEAD, DELETE", client.newRequest(sluice.uri("/-/admin/cache")).method("PUT")
                .headers(h -> h.put("Authorization", "Bearer " + ADMIN)).send().getHeaders().get("Allow"));
        }
    }

    @Test
    void certificatesServedByTheLauncherAreListed(@org.junit.jupiter.api.io.TempDir java.nio.file.Path directory) throws Exception
    {
        TestCertificates pki = TestCertificates.create(directory);
        java.security.KeyStore keys = java.security.KeyStore.getInstance("PKCS12");
        try (java.io.InputStream in = java.nio.file.Files.newInputStream(pki.path("server.p12")))
        {
            keys.load(in, TestCertificates.PASSWORD.toCharArray());
        }
        org.eclipse.jetty.util.ssl.SslContextFactory.Server ssl = new org.eclipse.jetty.util.ssl.SslContextFactory.Server();
        ssl.setKeyStore(keys);
        ssl.setKeyStorePassword(TestCertificates.PASSWORD);
        try (PoolTarget a = PoolTarget.start("a"); SluiceUnderTest sluice = SluiceUnderTest.start(config(a), ssl))
        {
            HttpClient tls = dev.sluice.testing.TlsClients.start(pki, null);
            try
            {
                ContentResponse response = tls.newRequest(sluice.uri("/-/admin/certificates")).headers(h -> h.put("Authorization", "Bearer " + ADMIN)).send();
                assertEquals(200, response.getStatus());
                JsonNode certificate = JSON.readTree(response.getContent()).get("certificates").get(0);
                assertEquals("server", certificate.get("alias").asText());
                assertEquals("CN=localhost", certificate.get("subject").asText());
                assertEquals("[\"127.0.0.1\",\"localhost\"]", certificate.get("sans").toString());
                assertTrue(certificate.get("expires_in_days").asInt() >= 1 && certificate.get("expires_in_days").asInt() <= 2, certificate.toString());

                String metrics = tls.newRequest(sluice.uri("/-/metrics")).headers(h -> h.put("Authorization", "Bearer " + ADMIN)).send().getContentAsString();
                double expiry = dev.sluice.testing.PrometheusText.parse(metrics, false)
                    .value("sluice_tls_certificate_expiry_seconds", "alias", "server");
                assertEquals(java.time.Instant.parse(certificate.get("not_after").asText()).getEpochSecond(), expiry, 0.5);
            }
            finally
            {
                tls.stop();
            }
        }
    }
}
