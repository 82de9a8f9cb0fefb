// Buckets in Redis through Bucket4j's Lettuce proxy manager: one count across every node.
package dev.sluice.ratelimit;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.locks.ReentrantLock;

import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.VerboseResult;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every take is one compare-and-swap round trip to Redis, so the count is exact across all nodes
 * sharing the server. Keys expire once their bucket would be full again (plus 10 s), so Redis
 * holds only active callers.
 *
 * <p>Failure handling: every command has the configured timeout; while the connection is down,
 * commands are refused at once instead of queued (Lettuce's default would queue them and
 * make requests wait). Lettuce reconnects by itself; before the first connection succeeds,
 * a connection is attempted at most once per second. Going down and coming back are each logged
 * once. The caller applies the route's {@code on-store-failure} policy.</p>
 */
public final class RedisBucketStore implements BucketStore
{
    private static final Logger LOG = LoggerFactory.getLogger(RedisBucketStore.class);
    private static final Duration CONNECT_RETRY = Duration.ofSeconds(1);

    private final RedisClient client;
    private final String prefix;
    private final String where;
    private final ReentrantLock connecting = new ReentrantLock();
    private volatile StatefulRedisConnection<byte[], byte[]> connection;
    private volatile ProxyManager<byte[]> proxies;
    private volatile long lastConnectAttempt;
    private volatile boolean down;

    public RedisBucketStore(URI uri, Duration timeout, String prefix)
    {
        this(uri, timeout, null, prefix);
    }

    /** @param caFile the CA certificates to trust for {@code rediss://}, or null for the JVM's */
    public RedisBucketStore(URI uri, Duration timeout, java.nio.file.Path caFile, String prefix)
    {
        this.where = uri.getHost() + ":" + (uri.getPort() < 0 ? 6379 : uri.getPort());
        this.prefix = prefix;
        this.client = RedisClients.create(uri, timeout, caFile);
        connect();
    }

    private ProxyManager<byte[]> proxies() throws Unavailable
    {
        ProxyManager<byte[]> current = proxies;
        if (current != null)
        {
            return current;
        }
        if (System.nanoTime() - lastConnectAttempt >= CONNECT_RETRY.toNanos() && connecting.tryLock())
        {
            try
            {
                if (proxies == null)
                {
                    connect();
                }
            }
            finally
            {
                connecting.unlock();
            }
        }
        if (proxies == null)
        {
            throw new Unavailable("Redis " + where + " is not connected", null);
        }
        return proxies;
    }

    private void connect()
    {
        lastConnectAttempt = System.nanoTime();
        try
        {
            connection = client.connect(ByteArrayCodec.INSTANCE);
            proxies = Bucket4jLettuce.casBasedBuilder(connection)
                .expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(Duration.ofSeconds(10)))
                .build();
            up();
        }
        catch (RuntimeException x)
        {
            down(x);
        }
        finally
        {
            leaveNoThreadLocals();
        }
    }

    @Override
    public Taken take(String key, BucketConfiguration configuration, long version, long tokens) throws Unavailable
    {
        ProxyManager<byte[]> manager = proxies();
        try
        {
            VerboseResult<ConsumptionProbe> result = bucket(manager, key, configuration, version).asVerbose().tryConsumeAndReturnRemaining(tokens);
            up();
            return new Taken(result.getValue(), result.getState());
        }
        catch (RuntimeException x)
        {
            down(x);
            throw new Unavailable("Redis " + where + " did not answer", x);
        }
        finally
        {
            leaveNoThreadLocals();
        }
    }

    @Override
    public void adjust(String key, BucketConfiguration configuration, long version, long delta) throws Unavailable
    {
        ProxyManager<byte[]> manager = proxies();
        try
        {
            io.github.bucket4j.distributed.BucketProxy bucket = bucket(manager, key, configuration, version);
            if (delta > 0)
            {
                bucket.consumeIgnoringRateLimits(delta);
            }
            else if (delta < 0)
            {
                bucket.addTokens(-delta);
            }
            up();
        }
        catch (RuntimeException x)
        {
            down(x);
            throw new Unavailable("Redis " + where + " did not answer", x);
        }
        finally
        {
            leaveNoThreadLocals();
        }
    }

    private io.github.bucket4j.distributed.BucketProxy bucket(ProxyManager<byte[]> manager, String key, BucketConfiguration configuration, long version)
    {
        return manager.builder()
            .withImplicitConfigurationReplacement(version, io.github.bucket4j.TokensInheritanceStrategy.ADDITIVE)
            .build((prefix + key).getBytes(StandardCharsets.UTF_8), () -> configuration);
    }

    @Override
    public long[] peek(String key) throws Unavailable
    {
        ProxyManager<byte[]> manager = proxies();
        byte[] redisKey = (prefix + key).getBytes(StandardCharsets.UTF_8);
        try
        {
            java.util.Optional<BucketConfiguration> configuration = manager.getProxyConfiguration(redisKey);
            if (configuration.isEmpty())
            {
                return null;
            }
            return BucketStore.remaining(manager.builder().build(redisKey, configuration::get).asVerbose().getAvailableTokens().getState());
        }
        catch (RuntimeException x)
        {
            throw new Unavailable("Redis " + where + " did not answer", x);
        }
        finally
        {
            leaveNoThreadLocals();
        }
    }

    /**
     * Lettuce runs on Netty, which leaves its thread-local map on every thread that calls it: a
     * container's request or start-up thread would then keep Sluice's class loader after an
     * undeploy (Tomcat reports it). Netty's own cure for threads it does not manage.
     */
    public static void leaveNoThreadLocals()
    {
        if (!(Thread.currentThread() instanceof io.netty.util.concurrent.FastThreadLocalThread))
        {
            io.netty.util.concurrent.FastThreadLocal.removeAll();
        }
    }

    private void up()
    {
        if (down)
        {
            down = false;
            LOG.info("Redis {} answers again; rate limits are counted there again", where);
        }
    }

    private void down(RuntimeException x)
    {
        if (!down)
        {
            down = true;
            LOG.warn("Redis {} is unavailable ({}); each rate-limited route applies its on-store-failure policy until it answers", where,
                x.getClass().getSimpleName());
        }
    }

    @Override
    public void close()
    {
        StatefulRedisConnection<byte[], byte[]> open = connection;
        if (open != null)
        {
            open.close();
        }
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        leaveNoThreadLocals();
    }
}
