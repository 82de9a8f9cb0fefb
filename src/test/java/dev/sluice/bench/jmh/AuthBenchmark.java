// JMH: what authentication costs per request: an API key, a cached JWT or password, and the checks their caches save.
package dev.sluice.bench.jmh;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.SignedJWT;
import dev.sluice.auth.ApiKeys;
import dev.sluice.auth.AuthSettings;
import dev.sluice.auth.Authenticator;
import dev.sluice.auth.Consumer;
import dev.sluice.auth.Credentials;
import dev.sluice.auth.JwtIssuer;
import dev.sluice.auth.JwtVerifier;
import dev.sluice.auth.MtlsIdentities;
import dev.sluice.auth.RoutePolicy;
import dev.sluice.testing.Tokens;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The {@link Authenticator} as the filter calls it, with 1,000 declared API keys and one RS256
 * issuer: an API-key check (SHA-256 plus a map lookup), a JWT already in the verified-token cache
 * (SHA-256 plus a cache lookup plus the route checks), each also with the identity's upstream
 * headers and bucket key read as the proxy and the rate limit read them, and for scale the RS256 signature check
 * alone that the cache saves.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class AuthBenchmark
{
    private Authenticator authenticator;
    private RoutePolicy keyPolicy;
    private RoutePolicy jwtPolicy;
    private Credentials key;
    private Credentials token;
    private SignedJWT parsed;
    private RSASSAVerifier signatureVerifier;
    private RoutePolicy basicPolicy;
    private Credentials basic;
    private String bcrypt10;

    @Setup
    public void setUp() throws Exception
    {
        Consumer consumer = new Consumer("bench", "bench", null, Set.of("gold"));
        List<ApiKeys.Entry> entries = new java.util.ArrayList<>();
        for (int i = 0; i < 1000; i++)
        {
            entries.add(new ApiKeys.Entry(consumer, "k" + i, HexFormat.of().parseHex(sha256Hex("key-" + i + "-0123456789abcdef"))));
        }
        RSAKey rsa = Tokens.rsa("k1");
        JwtIssuer issuer = new JwtIssuer("idp", "https://id.example.com/", null, new JWKSet(rsa.toPublicJWK()), Set.of(com.nimbusds.jose.JWSAlgorithm.RS256),
            "api", Duration.ofSeconds(60), Duration.ZERO, true, Map.of(), Map.of(), null, null, Duration.ofMinutes(5), Duration.ofSeconds(30), Duration.ofSeconds(3));
        // What sluice generate-password stores: cost 10.
        bcrypt10 = org.springframework.security.crypto.bcrypt.BCrypt.hashpw("correct horse battery", org.springframework.security.crypto.bcrypt.BCrypt.gensalt(10));
        dev.sluice.auth.Passwords passwords = new dev.sluice.auth.Passwords(List.of(new dev.sluice.auth.Passwords.Entry(consumer, "main", bcrypt10, null)), 10_000);
        AuthSettings settings = new AuthSettings(Map.of("bench", consumer), new ApiKeys(entries), new MtlsIdentities(List.of()), "apikey", null,
            "sluice", 10_000, Map.of("idp", issuer), Map.of(), Map.of(), List.of(), 30, Duration.ofMinutes(1), passwords);
        JwtVerifier verifier = new JwtVerifier(List.of(issuer), ignored -> null, settings.consumers(), 10_000, Clock.systemUTC());
        authenticator = new Authenticator(settings, verifier, Map.of());
        keyPolicy = new RoutePolicy(List.of(new RoutePolicy.Method(RoutePolicy.Type.API_KEY, null)), null, Set.of(), Set.of("gold"), null, false, null, null);
        jwtPolicy = new RoutePolicy(List.of(new RoutePolicy.Method(RoutePolicy.Type.JWT, null)), null, Set.of("orders:read"), Set.of(), null, false, null, null);
        key = new Credentials("key-700-0123456789abcdef", null, null);
        String jwt = Tokens.sign(rsa, Tokens.claims("https://id.example.com/", "api", "user-7", Instant.now()).claim("scope", "orders:read").build());
        token = new Credentials(null, jwt, null);
        if (authenticator.authenticate(keyPolicy, key).identity() == null || authenticator.authenticate(jwtPolicy, token).identity() == null)
        {
            throw new IllegalStateException("the benchmark's credentials must be accepted");
        }
        basicPolicy = new RoutePolicy(List.of(new RoutePolicy.Method(RoutePolicy.Type.BASIC, null)), null, Set.of(), Set.of("gold"), null, false, null, null);
        basic = new Credentials(null, null, null, new Credentials.Basic("bench", "correct horse battery"));
        if (authenticator.authenticate(basicPolicy, basic).identity() == null)
        {
            throw new IllegalStateException("the benchmark's password must be accepted");
        }
        parsed = SignedJWT.parse(jwt);
        signatureVerifier = new RSASSAVerifier(rsa.toRSAPublicKey());
    }

    private static String sha256Hex(String text) throws Exception
    {
        return HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    @Benchmark
    public Object apiKey()
    {
        return authenticator.authenticate(keyPolicy, key);
    }

    @Benchmark
    public Object cachedJwt()
    {
        return authenticator.authenticate(jwtPolicy, token);
    }

    /** The API-key check and what the proxy then reads for the upstream: the identity's headers and its bucket key. */
    @Benchmark
    public void apiKeyIdentity(org.openjdk.jmh.infra.Blackhole blackhole)
    {
        consume(authenticator.authenticate(keyPolicy, key).identity(), blackhole);
    }

    /** The same for a cached JWT carrying scopes (sorted into X-Authenticated-Scope). */
    @Benchmark
    public void cachedJwtIdentity(org.openjdk.jmh.infra.Blackhole blackhole)
    {
        consume(authenticator.authenticate(jwtPolicy, token).identity(), blackhole);
    }

    private static void consume(dev.sluice.auth.Identity identity, org.openjdk.jmh.infra.Blackhole blackhole)
    {
        identity.headers().forEach((name, value) ->
        {
            blackhole.consume(name);
            blackhole.consume(value);
        });
        blackhole.consume(identity.key());
    }

    /** A user name and password checked before (the first took a bcrypt check). */
    @Benchmark
    public Object cachedBasic()
    {
        return authenticator.authenticate(basicPolicy, basic);
    }

    /** The bcrypt check the cache saves, at the cost sluice generate-password uses. */
    @Benchmark
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public boolean bcryptCost10()
    {
        return org.springframework.security.crypto.bcrypt.BCrypt.checkpw("correct horse battery", bcrypt10);
    }

    @Benchmark
    public boolean rs256SignatureCheck() throws Exception
    {
        return parsed.verify(signatureVerifier);
    }
}
