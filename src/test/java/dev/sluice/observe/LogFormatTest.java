// Sluice's own log as shipped (Logback): readable text by default, one JSON object per event when asked.
package dev.sluice.observe;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.testing.SluiceProcess;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LogFormatTest
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CONFIG = "route.r.path = /r\nroute.r.upstream = u\nupstream.u.url = http://127.0.0.1:9\n";

    @Test
    void textByDefault() throws Exception
    {
        try (SluiceProcess sluice = SluiceProcess.start(CONFIG, List.of()))
        {
            String line = starting(sluice);
            assertFalse(sluice.output().contains("|-WARN") || sluice.output().contains("|-ERROR"), "Logback has nothing to complain about:\n" + sluice.output());
            assertTrue(line.matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z INFO +\\[.+] dev\\.sluice\\.config\\.ConfigListener - Sluice \\S+ starting in .+"), line);
        }
    }

    @Test
    void jsonWhenAsked() throws Exception
    {
        try (SluiceProcess sluice = SluiceProcess.start(CONFIG, List.of("-Dsluice.log.format=json")))
        {
            JsonNode event = JSON.readTree(starting(sluice));
            assertFalse(sluice.output().contains("|-WARN") || sluice.output().contains("|-ERROR"), sluice.output());
            assertEquals("INFO", event.get("level").asText());
            assertEquals("dev.sluice.config.ConfigListener", event.get("loggerName").asText());
            assertTrue(event.get("message").asText().matches("Sluice \\S+ starting in .+"), event.toString());
            // Every event Sluice logged while starting is a JSON object.
            for (String other : sluice.output().split("\n"))
            {
                if (other.contains("loggerName"))
                {
                    assertTrue(JSON.readTree(other).isObject(), other);
                }
            }
        }
    }

    private static String starting(SluiceProcess sluice) throws InterruptedException
    {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline)
        {
            for (String line : sluice.output().split("\n"))
            {
                if (line.contains("Sluice ") && line.contains(" starting in "))
                {
                    return line;
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no start-up line in:\n" + sluice.output());
    }
}
