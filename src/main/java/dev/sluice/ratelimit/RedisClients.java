// One way to make Sluice's Lettuce clients: the rate limits' and the AI budgets', to the same Redis.
package dev.sluice.ratelimit;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.SslOptions;
import io.lettuce.core.TimeoutOptions;

/**
 * Every command and connection attempt within the timeout; while the connection is down,
 * commands are refused at once instead of queued (Lettuce's default would queue them and make
 * requests wait); Lettuce reconnects by itself. A {@code rediss://} URI verifies the server's
 * certificate and host name, against the CA file when one is given (managed Redis services with
 * a private CA: Google's Memorystore, most self-hosted set-ups), else the JVM's trust store.
 */
public final class RedisClients
{
    private RedisClients()
    {
    }

    /**
     * @param caFile a PEM file of the CA certificates to trust for {@code rediss://}, or null;
     *     read when the configuration was (so a bad one refused start-up) and again here
     */
    public static RedisClient create(URI uri, Duration timeout, Path caFile)
    {
        RedisURI redisUri = RedisURI.create(uri.toString());
        redisUri.setTimeout(timeout);
        RedisClient client = RedisClient.create(redisUri);
        ClientOptions.Builder options = ClientOptions.builder()
            .autoReconnect(true)
            .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
            .timeoutOptions(TimeoutOptions.enabled(timeout))
            .socketOptions(SocketOptions.builder().connectTimeout(timeout).build());
        if (caFile != null)
        {
            options.sslOptions(SslOptions.builder().jdkSslProvider().trustManager(trust(caFile)).handshakeTimeout(timeout).build());
        }
        client.setOptions(options.build());
        return client;
    }

    private static javax.net.ssl.TrustManagerFactory trust(Path caFile)
    {
        try
        {
            javax.net.ssl.TrustManagerFactory factory = javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
            factory.init(dev.sluice.upstream.UpstreamTls.trustStore(caFile));
            return factory;
        }
        catch (java.io.IOException | java.security.GeneralSecurityException x)
        {
            throw new IllegalStateException("The Redis CA file " + caFile + " could not be read: " + x.getMessage(), x);
        }
    }
}
