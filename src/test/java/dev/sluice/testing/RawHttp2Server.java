// An HTTP/2 server at the frame level: turns away the second stream of every connection unprocessed (GOAWAY below it, or REFUSED_STREAM), or answers before the request is in and resets.
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
 * What HTTP/2 servers do that a servlet cannot make them do. Over TLS with ALPN h2 when a key
 * store is given, else cleartext with prior knowledge (h2c).
 * <ul>
 * <li>{@link Behaviour#GOAWAY} and {@link Behaviour#REFUSED_STREAM}: what a front end rotating its
 * connections does to a request that arrives just then (RFC 9113 section 8.7: the request was
 * not processed and may be sent again). Stream 3 of every connection is turned away, which makes
 * the race certain: by a GOAWAY whose last stream is 1 as soon as it opens, or reset with
 * REFUSED_STREAM once its request has arrived. Every other stream is answered with
 * {@code status} and {@code answer} once its request has arrived whole.</li>
 * <li>{@link Behaviour#EARLY_ANSWER}: every stream is answered with {@code status} and
 * {@code answer} as soon as it opens, and then reset with NO_ERROR, asking the client to stop
 * sending its body (RFC 9113 section 8.1), as Envoy does with an early 401, 413 or 429.</li>
 * </ul>
 */
public final class RawHttp2Server implements AutoCloseable
{
    /** What the server does with requests. */
    public enum Behaviour { GOAWAY, REFUSED_STREAM, EARLY_ANSWER }

    private final Server server;
    private final String scheme;
    private final AtomicInteger streams = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();
    private final int status;
    private final String contentType;
    private final String answer;

    private RawHttp2Server(Behaviour behaviour, Path keyStore, int status, String contentType, String answer) throws Exception
    {
        this.status = status;
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
                if (behaviour == Behaviour.EARLY_ANSWER)
                {
                    answer(stream, () -> stream.reset(new ResetFrame(stream.getId(), ErrorCode.NO_ERROR.code), Callback.NOOP));
                    return null;
                }
                boolean turnAway = stream.getId() == 3;
                if (turnAway && behaviour == Behaviour.GOAWAY)
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
            answer(stream, () -> { });
        }
    }

    public static RawHttp2Server start(Behaviour behaviour, Path keyStore, int status, String contentType, String answer) throws Exception
    {
        return new RawHttp2Server(behaviour, keyStore, status, contentType, answer);
    }

    /** The whole answer, its last frame ending the stream; then {@code then}. */
    private void answer(Stream stream, Runnable then)
    {
        MetaData.Response head = new MetaData.Response(status, null, HttpVersion.HTTP_2, HttpFields.build().put("content-type", contentType));
        stream.headers(new HeadersFrame(stream.getId(), head, null, false), Callback.from(() ->
            stream.data(new DataFrame(stream.getId(), ByteBuffer.wrap(answer.getBytes(StandardCharsets.UTF_8)), true), Callback.from(then))));
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
