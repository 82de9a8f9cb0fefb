// Embedded Jetty 12 running Sluice's real web.xml: the launcher's server, also used by the tests.
package dev.sluice.launcher;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import dev.sluice.config.ConfigListener;
import dev.sluice.exchange.Cidr;
import dev.sluice.config.ProxySettings;
import dev.sluice.tls.ServerKeys;
import dev.sluice.tls.ServerTls;
import dev.sluice.upstream.UpstreamTls;
import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.ee10.servlet.ErrorPageErrorHandler;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.http2.HTTP2Cipher;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.DetectorConnectionFactory;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * Starts Jetty with the web application from a directory (the source tree's
 * {@code src/main/webapp}, or an unpacked WAR), so the same {@code web.xml} runs here as in a
 * container. Classes come from the launcher's own class path.
 *
 * <p>Connectors: a plain one (HTTP/1.1, and cleartext HTTP/2 with {@code server.h2c}) and, when
 * {@code server.tls.*} names certificates, an HTTPS one: TLS 1.2 and 1.3 only, Jetty's default
 * exclusion of weak cipher suites, ALPN choosing {@code h2} or {@code http/1.1}, one
 * certificate per host name chosen by SNI, client certificates as configured. Plain HTTP sent to
 * the HTTPS port gets a 400 problem saying so. Replaced certificate files are picked up by
 * {@link CertificateReloader} without a restart and without dropping open connections.</p>
 *
 * <p>Shutdown is graceful: the connectors stop accepting, in-flight requests get up to
 * {@code stopTimeout} to finish, then the rest are cut.</p>
 */
public final class SluiceServer implements AutoCloseable
{
    /** HTTP/1.1's ALPN protocol id (RFC 7301 §6). */
    private static final String HTTP_11_ALPN = "http/1.1";

    private final Server server;
    private final ServerConnector connector;
    private final ServerConnector tlsConnector;
    private final CertificateReloader reloader;

    private SluiceServer(Server server, ServerConnector connector, ServerConnector tlsConnector, CertificateReloader reloader)
    {
        this.server = server;
        this.connector = connector;
        this.tlsConnector = tlsConnector;
        this.reloader = reloader;
    }

    /**
     * @param webapp the directory holding {@code WEB-INF/web.xml}
     * @param config the properties file, or null to let {@code sluice.config}/{@code SLUICE_CONFIG}/web.xml decide
     * @param host the address to bind, or null for all interfaces
     * @param port the port, 0 for any free one
     */
    public static SluiceServer start(Path webapp, Path config, String host, int port, Duration stopTimeout) throws Exception
    {
        return start(webapp, config, host, port, stopTimeout, (SslContextFactory.Server)null);
    }

    /**
     * As above, but the one connector speaks TLS with {@code tls} when it is not null. The
     * request then reports {@code isSecure()} and carries the verified client certificate chain
     * in {@code jakarta.servlet.request.X509Certificate}, as in a container that terminates TLS.
     */
    public static SluiceServer start(Path webapp, Path config, String host, int port, Duration stopTimeout, SslContextFactory.Server tls) throws Exception
    {
        Server server = newServer(webapp, config, stopTimeout);
        Heads heads = new Heads(ServerTls.DEFAULT_MAX_REQUEST_HEADER_BYTES, ProxySettings.DEFAULT_MAX_RESPONSE_HEADER_BYTES);
        ServerConnector connector = tls == null ? plainConnector(server, host, port, false, heads, List.of(), ServerTls.DEFAULT_IDLE_TIMEOUT)
            : tlsConnector(server, host, port, tls, heads, List.of(), ServerTls.DEFAULT_IDLE_TIMEOUT);
        if (tls != null)
        {
            publishCertificates(server, tls);
        }
        return started(server, connector, null, null);
    }

    /**
     * The launcher's form: a plain connector on {@code port}, and an HTTPS connector on
     * {@code tls.port()} when {@code tls} names certificates.
     */
    public static SluiceServer start(Path webapp, Path config, String host, int port, Duration stopTimeout, ServerTls tls) throws Exception
    {
        return start(webapp, config, host, port, stopTimeout, tls, ProxySettings.DEFAULT_MAX_RESPONSE_HEADER_BYTES);
    }

    /**
     * As above, with the configuration's {@code proxy.max-response-header-size}: the connectors
     * send response heads that large and Sluice's own fields besides.
     */
    public static SluiceServer start(Path webapp, Path config, String host, int port, Duration stopTimeout, ServerTls tls, int upstreamResponseHeadBytes)
        throws Exception
    {
        Server server = newServer(webapp, config, stopTimeout);
        Heads heads = new Heads(tls.maxRequestHeaderBytes(), upstreamResponseHeadBytes);
        ServerConnector plain = plainConnector(server, host, port, tls.h2c(), heads, tls.proxyProtocolFrom(), tls.idleTimeout());
        if (!tls.enabled())
        {
            return started(server, plain, null, null);
        }
        SslContextFactory.Server ssl = sslContextFactory(tls);
        publishCertificates(server, ssl);
        ServerConnector secure = tlsConnector(server, host, tls.port(), ssl, heads, tls.proxyProtocolFrom(), tls.idleTimeout());
        CertificateReloader reloader = tls.reloadInterval().isZero() ? null : new CertificateReloader(tls, ssl);
        return started(server, plain, secure, reloader);
    }

    /** Lets metrics and the admin API read the certificates served now (after reloads too). */
    private static void publishCertificates(Server server, SslContextFactory.Server ssl)
    {
        WebAppContext context = server.getDescendant(WebAppContext.class);
        context.setAttribute(dev.sluice.tls.ServedCertificates.ATTRIBUTE, (java.util.function.Supplier<java.security.KeyStore>)ssl::getKeyStore);
    }

    /** TLS 1.2 and 1.3, the certificates of {@code tls}, client certificates as configured. */
    static SslContextFactory.Server sslContextFactory(ServerTls tls) throws Exception
    {
        ServerKeys.Loaded keys = ServerKeys.load(tls);
        SslContextFactory.Server ssl = new SslContextFactory.Server();
        ssl.setKeyStore(keys.keyStore());
        ssl.setKeyStorePassword(keys.password());
        ssl.setKeyManagerPassword(keys.password());
        ssl.setIncludeProtocols("TLSv1.3", "TLSv1.2");
        ssl.setCipherComparator(HTTP2Cipher.COMPARATOR);
        if (tls.clientAuth() != ServerTls.ClientAuth.NONE)
        {
            ssl.setTrustStore(UpstreamTls.trustStore(tls.clientCaFile()));
            ssl.setWantClientAuth(tls.clientAuth() == ServerTls.ClientAuth.WANT);
            ssl.setNeedClientAuth(tls.clientAuth() == ServerTls.ClientAuth.NEED);
        }
        return ssl;
    }

    private static Server newServer(Path webapp, Path config, Duration stopTimeout)
    {
        if (!Files.isRegularFile(webapp.resolve("WEB-INF/web.xml")))
        {
            throw new IllegalArgumentException("No WEB-INF/web.xml under '" + webapp + "'; pass --webapp with Sluice's src/main/webapp or an unpacked WAR.");
        }
        Server server = new Server();
        server.setErrorHandler(new ProblemErrorHandler());

        WebAppContext context = new WebAppContext();
        context.setContextPath("/");
        context.setBaseResourceAsPath(webapp.toAbsolutePath());
        // The launcher's class path already holds Sluice and its libraries.
        context.setParentLoaderPriority(true);
        context.setThrowUnavailableOnStartupException(true);
        // Jetty's webdefault adds a default servlet, JSP and a TRACE constraint (403) that Sluice
        // does not need: ExchangeFilter refuses TRACE itself, with a 405 problem.
        context.setDefaultsDescriptor(null);
        // Jetty dispatches to the error page (web.xml's, problem+json) only for GET, POST and HEAD;
        // a DELETE the web application refused got an empty body.
        context.setErrorHandler(new ErrorPageErrorHandler()
        {
            @Override
            public boolean errorPageForMethod(String method)
            {
                return true;
            }
        });
        if (config != null)
        {
            context.setAttribute(ConfigListener.PATH_ATTRIBUTE, config.toAbsolutePath().toString());
        }
        // Fresh cache hits of routes nothing else applies to are answered before the web application (CacheHitFront);
        // answers of both are compressed on their way out as compression.* says (ResponseCompression).
        server.setHandler(new StoppingConnections(new ResponseCompression(new CacheHitFront(context), context)));
        // Open client connections, for the metrics of a launcher-run Sluice.
        context.setAttribute(dev.sluice.observe.Metrics.CONNECTIONS_ATTRIBUTE, (java.util.function.IntSupplier)() ->
            java.util.Arrays.stream(server.getConnectors()).mapToInt(connector -> connector.getConnectedEndPoints().size()).sum());
        server.addBean(new HeaderDeadline(server, () ->
            context.getServletContext().getAttribute(dev.sluice.config.ConfigStore.ATTRIBUTE) instanceof dev.sluice.config.ConfigStore store
                ? store.current().transport().headerTimeout()
                : null));
        server.setStopTimeout(stopTimeout.toMillis());
        return server;
    }

    /**
     * The largest heads the connectors take and send.
     *
     * @param request {@code server.max-request-header-size}
     * @param upstreamResponse {@code proxy.max-response-header-size}: what upstreams may send, which
     *        the connectors must pass on with Sluice's fields added (Jetty's own limit is 16 KiB,
     *        and a larger head from an upstream left the client with an empty reply)
     */
    private record Heads(int request, int upstreamResponse)
    {
        /** Room for Sluice's own response fields: request id, rate-limit and cache status, CORS, HSTS. */
        static final int ADDED_BYTES = 16 * 1024;

        int response()
        {
            return (int)Math.min(Integer.MAX_VALUE, (long)upstreamResponse + ADDED_BYTES);
        }
    }

    private static HttpConfiguration httpConfiguration(Heads heads)
    {
        HttpConfiguration http = new HttpConfiguration();
        // server.max-request-header-size: 431 past it over HTTP/1.1, and HTTP/2's header list limit.
        http.setRequestHeaderSize(heads.request());
        http.setMaxResponseHeaderSize(Math.max(http.getMaxResponseHeaderSize(), heads.response()));
        // Header values go upstream exactly as the client wrote them (see UpstreamClients).
        http.setHeaderCacheCaseSensitive(true);
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        // An encoded '/' reaches Sluice, which refuses it unless the matched route takes it
        // (allow-encoded-slashes); Jetty's default refused it before any route was known.
        http.setUriCompliance(UriCompliance.DEFAULT.with("sluice", UriCompliance.Violation.AMBIGUOUS_PATH_SEPARATOR));
        // Response heads and bodies aggregated in heap buffers, as the upstream clients do both
        // ways: the proxied bodies arrive on the heap, and the JDK's one copy into its own direct
        // buffer on the way out costs less than filling a direct one here (1.03-1.08x requests/s
        // on 100 KiB side by side, ~200 B unchanged; docs/PERFORMANCE.md).
        http.setUseOutputDirectByteBuffers(false);
        return http;
    }

    /**
     * @param proxyFrom the load balancers whose PROXY header every connection must start with; empty for none
     * @param idle how long a client connection may sit with nothing to do ({@code server.idle-timeout})
     */
    private static ServerConnector plainConnector(Server server, String host, int port, boolean h2c, Heads heads, List<Cidr> proxyFrom, Duration idle)
    {
        HttpConfiguration http = httpConfiguration(heads);
        ConnectionFactory[] factories = h2c
            ? new ConnectionFactory[]{new HttpConnectionFactory(http), withoutExtendedConnect(new HTTP2CServerConnectionFactory(http))}
            : new ConnectionFactory[]{new HttpConnectionFactory(http)};
        ServerConnector connector = new ServerConnector(server, behindProxyProtocol(factories, proxyFrom));
        connector.setHost(host);
        connector.setPort(port);
        connector.setIdleTimeout(idle.toMillis());
        server.addConnector(connector);
        return connector;
    }

    private static ServerConnector tlsConnector(Server server, String host, int port, SslContextFactory.Server ssl, Heads heads, List<Cidr> proxyFrom,
                                                Duration idle)
    {
        HttpConfiguration https = httpConfiguration(heads);
        // Without Jetty's check that Host is a name on the connection's certificate: it answered a
        // bare 400 to every request whose Host is an address (Kubernetes' HTTPS probes, load
        // balancers' health checks) or another name of the same service. Routes and their
        // authentication go by Host whatever the certificate, so the check protected nothing here;
        // nginx and Envoy do not make it either.
        https.addCustomizer(new SecureRequestCustomizer(false));
        HttpConnectionFactory http1 = new HttpConnectionFactory(https);
        HTTP2ServerConnectionFactory h2 = withoutExtendedConnect(new HTTP2ServerConnectionFactory(https));
        // ALPN names compare exactly (RFC 7301): "http/1.1", not the factory's own "HTTP/1.1", which
        // no client offers (one that offered only http/1.1 had its handshake refused).
        ALPNServerConnectionFactory alpn = new ALPNServerConnectionFactory(h2.getProtocol(), HTTP_11_ALPN);
        alpn.setDefaultProtocol(HTTP_11_ALPN);
        SslConnectionFactory tls = new SslConnectionFactory(ssl, alpn.getProtocol());
        // Bytes that are not a TLS handshake go to the next factory: a 400 that says "use https".
        DetectorConnectionFactory detector = new DetectorConnectionFactory(tls);
        ServerConnector connector = new ServerConnector(server, behindProxyProtocol(new ConnectionFactory[]{detector, new PlainHttpRefusal(), tls, alpn, h2, http1},
            proxyFrom));
        connector.setHost(host);
        connector.setPort(port);
        connector.setIdleTimeout(idle.toMillis());
        server.addConnector(connector);
        return connector;
    }

    /**
     * HTTP/2 without RFC 8441's extended CONNECT. Jetty offers it by default, and a browser whose
     * page came over HTTP/2 then opens its WebSockets as CONNECT streams on that connection, which
     * Sluice's tunnel (an HTTP/1.1 upgrade, relayed at the connection) cannot carry: Chromium's
     * WebSocket failed (1006) on a 405. Not offered, browsers open them over HTTP/1.1, as they do
     * to nginx, which does not offer it either.
     */
    private static <F extends org.eclipse.jetty.http2.server.AbstractHTTP2ServerConnectionFactory> F withoutExtendedConnect(F factory)
    {
        factory.setConnectProtocolEnabled(false);
        return factory;
    }

    /** The factories as they are, or after a PROXY protocol header that hands on to the first of them. */
    private static ConnectionFactory[] behindProxyProtocol(ConnectionFactory[] factories, List<Cidr> from)
    {
        if (from.isEmpty())
        {
            return factories;
        }
        ConnectionFactory[] all = new ConnectionFactory[factories.length + 1];
        all[0] = new ProxyProtocolFront(factories[0].getProtocol(), from);
        System.arraycopy(factories, 0, all, 1, factories.length);
        return all;
    }

    private static SluiceServer started(Server server, ServerConnector plain, ServerConnector secure, CertificateReloader reloader) throws Exception
    {
        try
        {
            server.start();
        }
        catch (Exception x)
        {
            server.stop();
            throw x;
        }
        if (reloader != null)
        {
            reloader.start();
        }
        return new SluiceServer(server, plain, secure, reloader);
    }

    public URI uri()
    {
        return uri(connector);
    }

    /** The HTTPS connector's URI, or null when there is none besides the main one. */
    public URI httpsUri()
    {
        return tlsConnector == null ? null : uri(tlsConnector);
    }

    private static URI uri(ServerConnector connector)
    {
        String host = connector.getHost() == null || connector.getHost().equals("0.0.0.0") || connector.getHost().equals("::") ? "127.0.0.1" : connector.getHost();
        if (host.indexOf(':') >= 0 && !host.startsWith("["))
        {
            // An IPv6 address in a URL is bracketed (RFC 3986 §3.2.2).
            host = "[" + host + "]";
        }
        boolean secure = connector.getConnectionFactory(SslConnectionFactory.class) != null;
        return URI.create((secure ? "https" : "http") + "://" + host + ":" + connector.getLocalPort() + "/");
    }

    /**
     * What a person should read: the URL when bound to one address, else the port on every
     * interface with a local URL to try ({@link #uri()} always gives a connectable one).
     */
    public String describe(boolean https)
    {
        ServerConnector described = https ? tlsConnector : connector;
        String host = described.getHost();
        URI local = uri(described);
        if (host == null || host.equals("0.0.0.0") || host.equals("::"))
        {
            return "every interface, port " + described.getLocalPort() + " (locally: " + local + ")";
        }
        return local.toString();
    }

    /** One of the server's handlers, for tests of the launcher's own. */
    <T extends org.eclipse.jetty.server.Handler> T handler(Class<T> type)
    {
        return server.getDescendant(type);
    }

    public int port()
    {
        return connector.getLocalPort();
    }

    /** An attribute of the web application's servlet context: what its filters share with the launcher (and tests). */
    public Object contextAttribute(String name)
    {
        return server.getDescendant(WebAppContext.class).getServletContext().getAttribute(name);
    }

    /**
     * From now on {@code /-/ready} answers 503 "stopping" while every other request is served as
     * before, each HTTP/1 answer with {@code Connection: close}: the launcher's
     * {@code --shutdown-delay}, before {@link #close()}.
     */
    public void beginStopping()
    {
        server.getDescendant(WebAppContext.class).getServletContext().setAttribute(dev.sluice.admin.HealthServlet.STOPPING_ATTRIBUTE, Boolean.TRUE);
        server.getDescendant(StoppingConnections.class).stopping();
    }

    public void join() throws InterruptedException
    {
        server.join();
    }

    @Override
    public void close() throws Exception
    {
        if (reloader != null)
        {
            reloader.close();
        }
        server.stop();
    }
}
