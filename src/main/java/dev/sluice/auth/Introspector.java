// Asks an RFC 7662 introspection endpoint about opaque tokens; caches answers within their limits.
package dev.sluice.auth;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import org.eclipse.jetty.util.Fields;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One introspection endpoint. {@code active: true} answers are reused until the token's
 * {@code exp}, capped by {@code cache-ttl}; {@code active: false} answers for
 * {@code negative-cache-ttl}. Concurrent requests with the same token wait for one call. When the
 * endpoint cannot answer (down, timing out, not 200, not JSON) nothing is cached and the request
 * is refused with 503: a token nobody could check is never let through.
 */
public final class Introspector
{
    private static final Logger LOG = LoggerFactory.getLogger(Introspector.class);
    private static final ObjectMapper JSON = dev.sluice.http.Json.mapper();
    public static final int MAX_TOKEN_LENGTH = 8192;

    /** Posts the form; in production {@link AuthHttp}. */
    @FunctionalInterface
    public interface Poster
    {
        AuthHttp.Reply post(IntrospectionEndpoint endpoint, Fields form) throws IOException;
    }

    /**
     * An answer: inactive (identity null), or active with what it said.
     */
    record Answer(Identity identity, Set<String> audience, Instant expiresAt, Instant cachedUntil)
    {
    }

    private final IntrospectionEndpoint endpoint;
    private final Poster poster;
    private final Map<String, Consumer> consumers;
    private final Clock clock;
    private final Cache<ByteBuffer, Answer> cache;
    private volatile boolean failing;
    private final Map<ByteBuffer, CompletableFuture<Answer>> inFlight = new java.util.concurrent.ConcurrentHashMap<>();

    public Introspector(IntrospectionEndpoint endpoint, Poster poster, Map<String, Consumer> consumers, int cacheSize, Clock clock)
    {
        this.endpoint = endpoint;
        this.poster = poster;
        this.consumers = consumers;
        this.clock = clock;
        this.cache = Caffeine.newBuilder()
            .maximumSize(cacheSize)
            .ticker(() -> TimeUnit.MILLISECONDS.toNanos(clock.millis()))
            .expireAfter(Expiry.creating((ByteBuffer key, Answer answer) ->
            {
                Duration left = Duration.between(clock.instant(), answer.cachedUntil());
                return left.isNegative() ? Duration.ZERO : left;
            }))
            .build();
    }

    /**
     * Judges a token for a route.
     *
     * @param routeAudience when not null, the answer's {@code aud} must contain it
     */
    public JwtVerifier.Result check(String token, String routeAudience)
    {
        if (token.length() > MAX_TOKEN_LENGTH || !token.chars().allMatch(c -> c > 0x20 && c < 0x7f))
        {
            return JwtVerifier.Result.of(Rejection.invalidToken("The token is not well-formed."));
        }
        Answer answer;
        try
        {
            answer = answer(ByteBuffer.wrap(ApiKeys.sha256(token)), token);
        }
        catch (CompletionException | IllegalStateException x)
        {
            return JwtVerifier.Result.of(Rejection.unavailable("The token could not be checked right now."));
        }
        if (answer.identity() == null)
        {
            return JwtVerifier.Result.of(Rejection.invalidToken("The token is not active."));
        }
        if (endpoint.consumerField() != null && answer.identity().consumer() == null)
        {
            return JwtVerifier.Result.of(Rejection.invalidToken("The token does not belong to a known consumer."));
        }
        if (answer.identity().key() == null)
        {
            return JwtVerifier.Result.of(Rejection.invalidToken("The token has no usable subject (sub, username or client_id)."));
        }
        if (answer.expiresAt() != null && !clock.instant().isBefore(answer.expiresAt()))
        {
            return JwtVerifier.Result.of(Rejection.invalidToken("The token has expired."));
        }
        if (routeAudience != null && !answer.audience().contains(routeAudience))
        {
            return JwtVerifier.Result.of(Rejection.invalidToken("The token is not meant for this audience."));
        }
        return new JwtVerifier.Result(new JwtVerifier.Verified(null, answer.audience(), answer.expiresAt(), answer.identity()), null);
    }

    /**
     * The cached answer, or one call to the endpoint shared by every request asking about the
     * same token meanwhile, whether it succeeds, fails or is slow: twenty concurrent requests
     * with one token make one call and all wait at most its timeout. (Caffeine's own loading
     * collapses successes only; after a failure each waiter would call again, one by one.)
     */
    private Answer answer(ByteBuffer key, String token)
    {
        Answer cached = cache.getIfPresent(key);
        if (cached != null)
        {
            return cached;
        }
        CompletableFuture<Answer> mine = new CompletableFuture<>();
        CompletableFuture<Answer> running = inFlight.putIfAbsent(key, mine);
        if (running == null)
        {
            try
            {
                Answer fresh = ask(token);
                cache.put(key, fresh);
                mine.complete(fresh);
            }
            catch (RuntimeException x)
            {
                mine.completeExceptionally(x);
            }
            finally
            {
                inFlight.remove(key, mine);
            }
            running = mine;
        }
        try
        {
            return running.get(endpoint.timeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
        }
        catch (InterruptedException x)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", x);
        }
        catch (ExecutionException | TimeoutException x)
        {
            throw new IllegalStateException("introspection failed", x);
        }
    }

    private Answer ask(String token)
    {
        Fields form = new Fields();
        form.put("token", token);
        form.put("token_type_hint", "access_token");
        AuthHttp.Reply reply;
        JsonNode body;
        try
        {
            reply = poster.post(endpoint, form);
            if (reply.status() != 200)
            {
                throw new IOException("status " + reply.status());
            }
            body = JSON.readTree(reply.body());
            if (body == null || !body.isObject() || !body.path("active").isBoolean())
            {
                throw new IOException("the answer is not an introspection response");
            }
        }
        catch (IOException | RuntimeException x)
        {
            if (!failing)
            {
                failing = true;
                LOG.warn("Introspection endpoint '{}' failed ({}); requests needing it get 503 until it answers", endpoint.name(), x.getMessage());
            }
            throw new IllegalStateException("introspection failed", x);
        }
        if (failing)
        {
            failing = false;
            LOG.info("Introspection endpoint '{}' answers again", endpoint.name());
        }
        Instant now = clock.instant();
        if (!body.get("active").booleanValue())
        {
            return new Answer(null, Set.of(), null, now.plus(endpoint.negativeTtl()));
        }
        // Bounded to what an Instant holds: past it, ofEpochSecond threw and the token was answered 503.
        Instant expiresAt = body.path("exp").canConvertToLong()
            ? Instant.ofEpochSecond(Math.max(Instant.MIN.getEpochSecond(), Math.min(Instant.MAX.getEpochSecond(), body.get("exp").longValue())))
            : null;
        Instant cachedUntil = now.plus(endpoint.cacheTtl());
        if (expiresAt != null && expiresAt.isBefore(cachedUntil))
        {
            cachedUntil = expiresAt;
        }
        return new Answer(identity(body), strings(body.path("aud")), expiresAt, cachedUntil);
    }

    private Identity identity(JsonNode body)
    {
        Consumer consumer = null;
        if (endpoint.consumerField() != null)
        {
            String name = body.path(endpoint.consumerField()).asText(null);
            consumer = name == null ? null : consumers.get(name);
            if (consumer == null && name != null)
            {
                consumer = consumers.values().stream().filter(candidate -> candidate.username().equals(name)).findFirst().orElse(null);
            }
        }
        String credential = text(body, "sub");
        if (credential == null)
        {
            credential = text(body, "username");
        }
        if (credential == null)
        {
            credential = text(body, "client_id");
        }
        Set<String> scopes = Set.of();
        String scope = text(body, "scope");
        if (scope != null)
        {
            scopes = Set.of(java.util.Arrays.stream(scope.split(" ")).filter(s -> !s.isEmpty()).distinct().toArray(String[]::new));
        }
        Set<String> groups = consumer == null ? Set.of() : consumer.groups();
        return new Identity(consumer, credential, groups, scopes, false, Map.of(), "introspection:" + endpoint.name());
    }

    private static String text(JsonNode body, String field)
    {
        JsonNode node = body.get(field);
        if (node == null || !node.isTextual())
        {
            return null;
        }
        String value = node.asText();
        return value.length() <= 1024 && value.chars().allMatch(c -> c >= 0x20 && c < 0x7f) ? value : null;
    }

    private static Set<String> strings(JsonNode node)
    {
        List<String> values = new ArrayList<>();
        if (node.isTextual())
        {
            values.add(node.asText());
        }
        else if (node.isArray())
        {
            node.forEach(item -> values.add(item.asText()));
        }
        return Set.copyOf(values);
    }
}
