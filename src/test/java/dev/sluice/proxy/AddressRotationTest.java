// An upstream name with several addresses: new connections take them in turn, IPv4 and IPv6 kept apart.
package dev.sluice.proxy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import dev.sluice.testing.Scratch;
import dev.sluice.testing.SluiceProcess;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A target named by a host with several addresses (a Kubernetes headless service, DNS
 * round-robin) had every connection on its first address, as Jetty's client tries them in order.
 * The names here come from a hosts file given to Sluice's JVM ({@code jdk.net.hosts.file}).
 */
class AddressRotationTest
{
    private static InetSocketAddress at(String address) throws Exception
    {
        return new InetSocketAddress(InetAddress.getByName(address), 80);
    }

    @Test
    void eachTurnStartsAtTheNextAddressOfTheFirstOnesFamily() throws Exception
    {
        List<InetSocketAddress> three = List.of(at("10.0.0.1"), at("10.0.0.2"), at("10.0.0.3"));
        assertEquals(three, AddressRotation.rotated(three, 0));
        assertEquals(List.of(at("10.0.0.2"), at("10.0.0.3"), at("10.0.0.1")), AddressRotation.rotated(three, 1));
        assertEquals(List.of(at("10.0.0.3"), at("10.0.0.1"), at("10.0.0.2")), AddressRotation.rotated(three, 5));
        // The other family stays behind, as a fallback only: it may not be reachable at all.
        List<InetSocketAddress> mixed = List.of(at("10.0.0.1"), at("2001:db8::1"), at("10.0.0.2"));
        assertEquals(List.of(at("10.0.0.2"), at("10.0.0.1"), at("2001:db8::1")), AddressRotation.rotated(mixed, 1));
        List<InetSocketAddress> six = List.of(at("2001:db8::1"), at("10.0.0.1"), at("2001:db8::2"));
        assertEquals(List.of(at("2001:db8::2"), at("2001:db8::1"), at("10.0.0.1")), AddressRotation.rotated(six, 1));
    }

    @Test
    void aNamesNewConnectionsSpreadOverItsAddressesAndSkipOneThatIsDown() throws Exception
    {
        int port = dev.sluice.testing.Ports.free();
        Server server = new Server();
        for (String host : List.of("127.0.0.1", "127.0.0.2"))
        {
            ServerConnector connector = new ServerConnector(server);
            connector.setHost(host);
            connector.setPort(port);
            server.addConnector(connector);
        }
        server.setHandler(new Handler.Abstract()
        {
            @Override
            public boolean handle(Request request, Response response, Callback callback)
            {
                // A new connection for every request, so each one resolves the name again.
                response.getHeaders().put("Connection", "close");
                response.write(true, java.nio.ByteBuffer.wrap(Request.getLocalAddr(request).getBytes(java.nio.charset.StandardCharsets.US_ASCII)), callback);
                return true;
            }
        });
        server.start();
        Path hosts = Scratch.file("sluice-hosts", ".txt");
        // 127.0.0.3 listens on nothing: connections to it are refused, and the next address is tried.
        Files.writeString(hosts, "127.0.0.1 orders.test\n127.0.0.2 orders.test\n127.0.0.3 partly-down.test\n127.0.0.1 partly-down.test\n");
        try (SluiceProcess sluice = SluiceProcess.start("""
            upstream.orders.url = http://orders.test:%d
            route.orders.path = /orders
            route.orders.upstream = orders
            upstream.partly.url = http://partly-down.test:%d
            route.partly.path = /partly
            route.partly.upstream = partly
            """.formatted(port, port), List.of("-Djdk.net.hosts.file=" + hosts, "-Xmx128m")))
        {
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            Map<String, Integer> served = new TreeMap<>();
            for (int i = 0; i < 20; i++)
            {
                HttpResponse<String> response = client.send(HttpRequest.newBuilder(sluice.uri("/orders")).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
                assertEquals(200, response.statusCode(), response.body());
                served.merge(response.body(), 1, Integer::sum);
            }
            assertEquals(2, served.size(), served.toString());
            assertTrue(served.values().stream().allMatch(count -> count >= 8), "far from even: " + served);

            for (int i = 0; i < 6; i++)
            {
                HttpResponse<String> response = client.send(HttpRequest.newBuilder(sluice.uri("/partly")).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
                assertEquals(200, response.statusCode(), response.body());
                assertEquals("127.0.0.1", response.body());
            }
        }
        finally
        {
            server.stop();
            Files.deleteIfExists(hosts);
        }
    }
}
