// An HTTP/2 provider that answers before it has read a large prompt and resets the stream with NO_ERROR: the client gets that answer.
package dev.sluice.ai;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import dev.sluice.testing.Scratch;
import dev.sluice.testing.SluiceUnderTest;
import dev.sluice.testing.TestCertificates;
import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.ErrorCode;
import org.eclipse.jetty.http2.api.Stream;
import org.eclipse.jetty.http2.api.server.ServerSessionListener;
import org.eclipse.jetty.http2.frames.DataFrame;
import org.eclipse.jetty.http2.frames.HeadersFrame;
import org.eclipse.jetty.http2.frames.ResetFrame;
import org.eclipse.jetty.http2.server.RawHTTP2ServerConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * RFC 9113 section 8.1 lets a server answer before the request is complete and then reset the
 * stream with NO_ERROR; Envoy, in front of many hosted APIs, does so with an early 401, 413 or 429
 * to a large upload. Before the change, the AI front read the half-sent prompt as a failed
 * connection: a 502 for the client and a cool-down for the target, whatever the provider said.
 */
class AiEarlyAnswerTest
{
    @Test
    void aProvidersAnswerBeforeTheWholePromptIsTheAnswer() throws Exception
    {
        Path directory = Scratch.directory("sluice-ai-early");
        TestCertificates pki = TestCertificates.create(directory);
        Server server = new Server();
        SslContextFactory.Server tls = new SslContextFactory.Server();
        tls.setKeyStorePath(pki.path("server.p12").toString());
        tls.setKeyStorePassword(TestCertificates.PASSWORD);
        String error = "{\"error\":{\"message\":\"Request too large for model\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"request_too_large\"}}";
        RawHTTP2ServerConnectionFactory h2 = new RawHTTP2ServerConnectionFactory(new HttpConfiguration(), new ServerSessionListener()
        {
            @Override
            public Stream.Listener onNewStream(Stream stream, HeadersFrame frame)
            {
                MetaData.Response head = new MetaData.Response(400, null, HttpVersion.HTTP_2, HttpFields.build().put("content-type", "application/json"));
                stream.headers(new HeadersFrame(stream.getId(), head, null, false), Callback.from(() ->
                    stream.data(new DataFrame(stream.getId(), ByteBuffer.wrap(error.getBytes(StandardCharsets.UTF_8)), true), Callback.from(() ->
                        stream.reset(new ResetFrame(stream.getId(), ErrorCode.NO_ERROR.code), Callback.NOOP)))));
                return null;
            }
        }, "h2");
        ALPNServerConnectionFactory alpn = new ALPNServerConnectionFactory("h2");
        alpn.setDefaultProtocol("h2");
        ServerConnector connector = new ServerConnector(server, new SslConnectionFactory(tls, alpn.getProtocol()), alpn, h2);
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        server.start();
        try (dev.sluice.testing.LogCapture log = dev.sluice.testing.LogCapture.start(); SluiceUnderTest sluice = SluiceUnderTest.start("""
            route.ai.path = /v1
            route.ai.ai = on
            ai.provider.p.type = openai-compatible
            ai.provider.p.base-url = https://127.0.0.1:%d/v1
            ai.provider.p.ca-file = %s
            ai.model.m.target.t.provider = p
            ai.model.m.target.t.model = m
            """.formatted(connector.getLocalPort(), pki.path("server.pem"))))
        {
            HttpClient http = HttpClient.newHttpClient();
            // A prompt sent whole before the answer arrives, and ones the answer cuts off (the route takes 1 MiB).
            for (int size : new int[] {100, 300_000, 900_000})
            {
                for (boolean stream : new boolean[] {false, true})
                {
                    String body = "{\"model\":\"m\",\"stream\":" + stream + ",\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(size) + "\"}]}";
                    HttpResponse<String> answer = http.send(HttpRequest.newBuilder(sluice.uri("/v1/chat/completions"))
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                    assertEquals(400, answer.statusCode(), size + " characters, stream " + stream + ": " + answer.body() + "\n" + log.text());
                    assertTrue(answer.body().contains("Request too large for model"), answer.body());
                }
            }
            assertTrue(!log.text().contains("failed"), "nothing held against the provider\n" + log.text());
        }
        finally
        {
            server.stop();
        }
    }
}
