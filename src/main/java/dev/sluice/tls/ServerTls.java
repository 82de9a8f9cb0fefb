// The embedded launcher's connectors, from server.* (containers configure their own): HTTPS, h2c, the largest request head, PROXY protocol.
package dev.sluice.tls;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Certificates come from PEM files ({@link #certificates} with {@link #privateKeys}, one pair
 * per host name for SNI) or from a PKCS12 key store. Only the embedded launcher reads this; in
 * Jetty or Tomcat the container's connector terminates TLS and these keys are ignored.
 *
 * @param port the HTTPS port
 * @param clientAuth whether client certificates are asked for
 * @param clientCaFile the PEM CA certificates client certificates must chain to, or null
 * @param reloadInterval how often the files are checked for replacement; zero for never
 * @param h2c whether the plain port also speaks cleartext HTTP/2
 * @param maxRequestHeaderBytes the largest request head (request line and header fields) the
 *        connectors take: 431 beyond it over HTTP/1.1; over HTTP/2 the advertised
 *        {@code SETTINGS_MAX_HEADER_LIST_SIZE}
 * @param proxyProtocolFrom {@code server.proxy-protocol.from}: the load balancers whose PROXY
 *        protocol header every connection must then start with; empty when off
 */
public record ServerTls(
    List<Path> certificates,
    List<Path> privateKeys,
    Path keystore,
    String keystorePassword,
    int port,
    ClientAuth clientAuth,
    Path clientCaFile,
    Duration reloadInterval,
    boolean h2c,
    int maxRequestHeaderBytes,
    List<dev.sluice.exchange.Cidr> proxyProtocolFrom,
    Duration idleTimeout)
{
    /** Jetty's and Tomcat's own default, so the launcher and a container take the same requests. */
    public static final int DEFAULT_MAX_REQUEST_HEADER_BYTES = 8 * 1024;
    /**
     * How long the launcher keeps a client connection with nothing to do: nginx's default
     * {@code keepalive_timeout}, and longer than the 60 s AWS's Application Load Balancer keeps
     * its connections to targets idle by default, so that the balancer never sends a request on a
     * connection Sluice is just closing (which it answers 502).
     * Jetty's own default is 30 s.
     */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(75);

    public ServerTls
    {
        certificates = List.copyOf(certificates);
        privateKeys = List.copyOf(privateKeys);
        proxyProtocolFrom = List.copyOf(proxyProtocolFrom);
    }

    /** Without the PROXY protocol. */
    public ServerTls(List<Path> certificates, List<Path> privateKeys, Path keystore, String keystorePassword, int port, ClientAuth clientAuth,
                     Path clientCaFile, Duration reloadInterval, boolean h2c, int maxRequestHeaderBytes)
    {
        this(certificates, privateKeys, keystore, keystorePassword, port, clientAuth, clientCaFile, reloadInterval, h2c, maxRequestHeaderBytes, List.of(),
            DEFAULT_IDLE_TIMEOUT);
    }

    /** The same connectors behind these load balancers' PROXY protocol. */
    public ServerTls withProxyProtocolFrom(List<dev.sluice.exchange.Cidr> from)
    {
        return new ServerTls(certificates, privateKeys, keystore, keystorePassword, port, clientAuth, clientCaFile, reloadInterval, h2c,
            maxRequestHeaderBytes, from, idleTimeout);
    }

    /** The same connectors, closing client connections idle this long ({@code server.idle-timeout}). */
    public ServerTls withIdleTimeout(Duration timeout)
    {
        return new ServerTls(certificates, privateKeys, keystore, keystorePassword, port, clientAuth, clientCaFile, reloadInterval, h2c,
            maxRequestHeaderBytes, proxyProtocolFrom, timeout);
    }

    public enum ClientAuth
    {
        NONE, WANT, NEED
    }

    /** Whether HTTPS is configured at all. */
    public boolean enabled()
    {
        return keystore != null || !certificates.isEmpty();
    }

    /** Every file whose replacement should be picked up. */
    public List<Path> files()
    {
        List<Path> files = new java.util.ArrayList<>(certificates);
        files.addAll(privateKeys);
        if (keystore != null)
        {
            files.add(keystore);
        }
        return files;
    }

    @Override
    public String toString()
    {
        return "ServerTls[port=" + port + ", files=" + files() + ", clientAuth=" + clientAuth + "]";
    }
}
