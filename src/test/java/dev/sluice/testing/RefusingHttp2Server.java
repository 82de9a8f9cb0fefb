// An HTTP/2 server that turns away the second stream of every connection unprocessed (GOAWAY below it, or REFUSED_STREAM) and answers the rest.
package dev.sluice.testing;

import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.ErrorCode;
import org.eclipse.jetty.http2.HTTP2Session;
import org.eclipse.jetty.http2.api.Stream;
import org.eclipse.jetty.http2.api.server.ServerSessionListener;
import org.eclipse.jetty.http2.frames.DataFrame;
import org.eclipse.jetty.http2.frames.GoAwayFrame;
import org.eclipse.jetty.http2.frames.HeadersFrame;
import org.eclipse.jetty.http2.frames.ResetFrame;
import org.eclipse.jetty.http2.server.RawHTTP2ServerConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * What a front end rotating its connections does to a request that arrives just then (RFC 9113
 * section 8.7: the request was not processed and may be sent again). Stream 3 of every connection
 * is turned away, which makes the race certain: by a GOAWAY whose last stream is 1 as soon as it
 * opens, or reset with REFUSED_STREAM once its request has arrived. Every other stream is answered 200 with
 * {@code answer} once its request has arrived whole. Over TLS with ALPN h2 when a key store is
 * given, else cleartext with prior knowledge (h2c).
 */
public final class RefusingHttp2Server implements AutoCloseable
{
    /** How the second stream is turned away. */
    public enum Refusal { GOAWAY, REFUSED_STREAM }

    private final Server server;
    private final String scheme;
    private final AtomicInteger streams = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();
    private final String contentType;
    private final String answer;

    private RefusingHttp2Server(Refusal refusal, Path keyStore, String contentType, String answer) throws Exception
    {
        this.contentType = contentType;
        this.answer = answer;
        server = new Server();
        HttpConfiguration config = new HttpConfiguration();
        ServerSessionListener listener = new ServerSessionListener()
        {
            @Override
            public Stream.Listener onNewStream(Stream stream, HeadersFrame frame)
            {
                streams.incrementAndGet();
                boolean turnAway = stream.getId() == 3;
                if (turnAway && refusal == Refusal.GOAWAY)
                {
                    refused.incrementAndGet();
                    ((HTTP2Session)stream.getSession()).goAway(new GoAwayFrame(1, ErrorCode.NO_ERROR.code,
                        "rotating".getBytes(StandardCharsets.UTF_8)), Callback.NOOP);
                    return null;
                }
                if (frame.isEndStream())
                {
                    end(stream, turnAway);
                    return null;
                }
                stream.demand();
                return new Stream.Listener()
                {
                    @Override
                    public void onDataAvailable(Stream stream)
                    {
                        Stream.Data data = stream.readData();
                        if (data == null)
                        {
                            stream.demand();
                            return;
                        }
                        data.release();
                        if (data.frame().isEndStream())
                        {
                            end(stream, turnAway);
                        }
                        else
                        {
                            stream.demand();
                        }
                    }
                };
            }
        };
        ServerConnector connector;
        if (keyStore == null)
        {
            scheme = "http";
            connector = new ServerConnector(server, new RawHTTP2ServerConnectionFactory(config, listener, "h2c"));
        }
        else
        {
            scheme = "https";
            SslContextFactory.Server tls = new SslContextFactory.Server();
            tls.setKeyStorePath(keyStore.toString());
            tls.setKeyStorePassword(TestCertificates.PASSWORD);
            ALPNServerConnectionFactory alpn = new ALPNServerConnectionFactory("h2");
            alpn.setDefaultProtocol("h2");
            connector = new ServerConnector(server, new SslConnectionFactory(tls, alpn.getProtocol()), alpn,
                new RawHTTP2ServerConnectionFactory(config, listener, "h2"));
        }
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        server.start();
    }

    /**
     * The request has arrived whole: answered, or refused. A stream refused while its body still
     * comes reaches Jetty's client as a plain reset ({@code EofException: reset}) without the
     * error code, which says nothing of whether the request was processed; so the refusal waits.
     */
    private void end(Stream stream, boolean turnAway)
    {
        if (turnAway)
        {
            refused.incrementAndGet();
            stream.reset(new ResetFrame(stream.getId(), ErrorCode.REFUSED_STREAM_ERROR.code), Callback.NOOP);
        }
        else
        {
            answer(stream, contentType, answer);
        }
    }

    public static RefusingHttp2Server start(Refusal refusal, Path keyStore, String contentType, String answer) throws Exception
    {
        return new RefusingHttp2Server(refusal, keyStore, contentType, answer);
    }

    private static void answer(Stream stream, String contentType, String answer)
    {
        MetaData.Response head = new MetaData.Response(200, null, HttpVersion.HTTP_2, HttpFields.build().put("content-type", contentType));
        stream.headers(new HeadersFrame(stream.getId(), head, null, false), Callback.from(() ->
            stream.data(new DataFrame(stream.getId(), ByteBuffer.wrap(answer.getBytes(StandardCharsets.UTF_8)), true), Callback.NOOP)));
    }

    public URI uri()
    {
        return URI.create(scheme + "://127.0.0.1:" + ((ServerConnector)server.getConnectors()[0]).getLocalPort());
    }

    /** Streams opened, answered or not. */
    public int streams()
    {
        return streams.get();
    }

    /** Streams turned away. */
    public int refused()
    {
        return refused.get();
    }

    @Override
    public void close() throws Exception
    {
        server.stop();
    }
}
