// Makes an RS256 key for bench/run.sh: writes its public JWK set to a file, prints a day-long token.
package dev.sluice.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;

import com.nimbusds.jose.jwk.RSAKey;
import dev.sluice.testing.Tokens;

/**
 * {@code BenchToken <jwks-file>}: the benchmark's Sluice verifies tokens of issuer
 * {@code https://bench.sluice.dev/}, audience {@code bench}, with the key set written here.
 */
public final class BenchToken
{
    private BenchToken()
    {
    }

    public static void main(String[] args) throws Exception
    {
        RSAKey key = Tokens.rsa("bench");
        Files.writeString(Path.of(args[0]), Tokens.jwks(key));
        Instant now = Instant.now();
        System.out.println(Tokens.sign(key, Tokens.claims("https://bench.sluice.dev/", "bench", "bench-user", now)
            .expirationTime(Date.from(now.plus(Duration.ofDays(1)))).claim("scope", "bench").build()));
    }
}
