// The access log in a file of its own: rotated by size with a bounded number of old files, and followed when renamed away.
package dev.sluice.observe;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.testing.SluiceUnderTest;
import dev.sluice.testing.TestUpstream;
import org.eclipse.jetty.client.HttpClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AccessLogFileTest
{
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void rotatesBySizeKeepsTheConfiguredNumberAndFollowsARename(@TempDir Path directory) throws Exception
    {
        Path log = directory.resolve("access.log");
        HttpClient client = new HttpClient();
        client.start();
        try (TestUpstream upstream = TestUpstream.start();
             SluiceUnderTest sluice = SluiceUnderTest.start("""
                 route.r.path = /r
                 route.r.upstream = u
                 upstream.u.url = %s
                 exchange.access-log.output = %s
                 exchange.access-log.max-size = 2KB
                 exchange.access-log.max-files = 2
                 """.formatted(upstream.url(), log)))
        {
            for (int i = 0; i < 60; i++)
            {
                assertEquals(200, client.GET(sluice.uri("/r/" + i)).getStatus());
                upstream.take();
            }
            waitFor(() -> Files.exists(directory.resolve("access.log.2")) && lines(log).stream().anyMatch(line -> line.contains("\"/r/59\"")));
            assertFalse(Files.exists(directory.resolve("access.log.3")), "only two old files are kept");
            for (Path file : List.of(log, directory.resolve("access.log.1"), directory.resolve("access.log.2")))
            {
                assertTrue(Files.size(file) <= 2048, file + " holds " + Files.size(file) + " bytes");
                for (String line : lines(file))
                {
                    assertEquals("/r/", JSON.readTree(line).get("path").asText().substring(0, 3), "whole JSON lines only: " + line);
                }
            }
            // Lines follow each other across the files without a gap.
            List<String> kept = new java.util.ArrayList<>(lines(directory.resolve("access.log.2")));
            kept.addAll(lines(directory.resolve("access.log.1")));
            kept.addAll(lines(log));
            int first = Integer.parseInt(JSON.readTree(kept.get(0)).get("path").asText().substring(3));
            for (int i = 0; i < kept.size(); i++)
            {
                assertEquals("/r/" + (first + i), JSON.readTree(kept.get(i)).get("path").asText());
            }
            assertEquals(59, first + kept.size() - 1);

            // logrotate renames the file: Sluice starts a new one under the configured name.
            Files.move(log, directory.resolve("renamed.log"));
            Thread.sleep(1100);
            for (int i = 60; i < 63; i++)
            {
                assertEquals(200, client.GET(sluice.uri("/r/" + i)).getStatus());
                upstream.take();
            }
            waitFor(() -> Files.exists(log) && lines(log).stream().anyMatch(line -> line.contains("\"/r/62\"")));
        }
        finally
        {
            client.stop();
        }
    }

    private static List<String> lines(Path file)
    {
        try
        {
            return Files.exists(file) ? Files.readAllLines(file).stream().filter(line -> !line.isBlank()).toList() : List.of();
        }
        catch (java.io.IOException x)
        {
            return List.of();
        }
    }

    private static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException
    {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() > deadline)
            {
                throw new AssertionError("timed out");
            }
            Thread.sleep(20);
        }
    }
}
