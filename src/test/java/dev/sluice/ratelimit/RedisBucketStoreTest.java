// The store contract against a real redis-server, plus its behaviour while Redis is down.
package dev.sluice.ratelimit;

import java.net.URI;
import java.time.Duration;

import dev.sluice.testing.RedisServer;
import io.github.bucket4j.BucketConfiguration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RedisBucketStoreTest extends BucketStoreContract
{
    private static RedisServer redis;
    private RedisBucketStore store;

    @BeforeAll
    static void startRedis() throws Exception
    {
        redis = RedisServer.start();
    }

    @AfterAll
    static void stopRedis() throws Exception
    {
        redis.close();
    }

    @BeforeEach
    void open()
    {
        // A fresh prefix per test: buckets of earlier tests do not leak in.
        store = new RedisBucketStore(URI.create(redis.uri()), Duration.ofMillis(500), "test:" + System.nanoTime() + ":");
    }

    @AfterEach
    void close()
    {
        store.close();
    }

    @Override
    BucketStore store()
    {
        return store;
    }

    @Override
    void pass(long millis) throws InterruptedException
    {
        Thread.sleep(millis);
    }

    @Test
    void whileRedisIsDownTakesFailFastAndTheyWorkAgainWhenItReturns() throws Exception
    {
        BucketConfiguration configuration = BucketConfiguration.builder().addLimit(Limit.parse("100/s").bandwidth()).build();
        assertTrue(store.take("k", configuration).probe().isConsumed());
        redis.down();
        long start = System.nanoTime();
        assertThrows(BucketStore.Unavailable.class, () -> store.take("k", configuration));
        assertThrows(BucketStore.Unavailable.class, () -> store.take("k", configuration));
        assertTrue(System.nanoTime() - start < Duration.ofSeconds(2).toNanos(), "no take waits past the 500 ms timeout");
        redis.up();
        boolean back = false;
        for (int i = 0; i < 100 && !back; i++)
        {
            Thread.sleep(100);
            try
            {
                back = store.take("k", configuration).probe().isConsumed();
            }
            catch (BucketStore.Unavailable stillDown)
            {
                // Lettuce reconnects in the background.
            }
        }
        assertTrue(back, "takes succeed again once Redis is back");
    }

    @Test
    void aPasswordInTheUriIsUsedAndAWrongOneIsUnavailableWithoutBeingLogged() throws Exception
    {
        BucketConfiguration configuration = BucketConfiguration.builder().addLimit(Limit.parse("100/s").bandwidth()).build();
        try (RedisServer guarded = RedisServer.start("s3cret-pass"); dev.sluice.testing.LogCapture log = dev.sluice.testing.LogCapture.start())
        {
            RedisBucketStore right = new RedisBucketStore(URI.create("redis://:s3cret-pass@127.0.0.1:" + guarded.port() + "/2"), Duration.ofMillis(500), "pw:");
            assertTrue(right.take("k", configuration).probe().isConsumed());
            right.close();
            RedisBucketStore wrong = new RedisBucketStore(URI.create("redis://:wrong-pass@127.0.0.1:" + guarded.port()), Duration.ofMillis(500), "pw:");
            assertThrows(BucketStore.Unavailable.class, () -> wrong.take("k", configuration));
            wrong.close();
            assertTrue(!log.text().contains("s3cret-pass") && !log.text().contains("wrong-pass"), log.text());
        }
    }

    @Test
    void redisDownAtStartIsUnavailableNotAnError() throws Exception
    {
        redis.down();
        try
        {
            RedisBucketStore early = new RedisBucketStore(URI.create(redis.uri()), Duration.ofMillis(300), "early:");
            BucketConfiguration configuration = BucketConfiguration.builder().addLimit(Limit.parse("100/s").bandwidth()).build();
            assertThrows(BucketStore.Unavailable.class, () -> early.take("k", configuration));
            redis.up();
            Thread.sleep(1100);
            assertTrue(early.take("k", configuration).probe().isConsumed(), "connects on a later take");
            early.close();
        }
        finally
        {
            if (!redisAnswers())
            {
                redis.up();
            }
        }
    }

    private static boolean redisAnswers()
    {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", redis.port()))
        {
            return true;
        }
        catch (java.io.IOException x)
        {
            return false;
        }
    }
}
