// ConfigStore on its own: loading, change detection, rejected and missing files.
package dev.sluice.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigStoreTest
{
    private static final String VALID = "upstream.a.url = http://127.0.0.1:1\nroute.a.path = /a\nroute.a.upstream = a\n";

    @TempDir
    Path directory;

    @Test
    void aMissingFileIsNamedWithWhereItsLocationCameFrom()
    {
        Path missing = directory.resolve("absent.properties");
        ConfigException x = assertThrows(ConfigException.class, () -> ConfigStore.open(missing, "from environment variable SLUICE_CONFIG", name -> null));
        assertEquals("Invalid configuration '" + missing + "' (from environment variable SLUICE_CONFIG):\n  - The configuration file does not exist.", x.getMessage());
    }

    @Test
    void aMalformedPropertiesFileIsRefused() throws Exception
    {
        Path file = directory.resolve("bad.properties");
        Files.writeString(file, "route.a.path = \\u12\n");
        ConfigException x = assertThrows(ConfigException.class, () -> ConfigStore.open(file, "test", name -> null));
        assertEquals(List.of("The file is not a valid properties file: Malformed \\uxxxx encoding."), x.problems());
    }

    @Test
    void aHashAfterWhitespaceInAValueStartsAComment() throws Exception
    {
        String text = String.join("\n",
            "# a whole-line comment",
            "   ! another",
            "plain = 30s",
            "commented = 30s   # the upstream's own timeout",
            "tabbed\t=\tGET, POST\t# optional",
            "colon: value # after a colon separator",
            "spaced-key value  # whitespace as the separator",
            "fragment = https://example.com/docs#top",
            "inside = a#b # and then a comment",
            "leading = #fff",
            "leading-then-comment = #fff   # a color",
            "escaped = Ticket \\#42 \\# not a comment",
            "escaped-space = a\\ #b",
            "empty =    # nothing here",
            "continued = one, \\",
            "    # two, \\",
            "    three # the last",
            "crlf = x # y\r\nafter = z\r\n");
        Map<String, String> parsed = ConfigStore.parse("test", text.getBytes(StandardCharsets.UTF_8));
        Map<String, String> expected = new java.util.TreeMap<>(Map.ofEntries(
            Map.entry("plain", "30s"),
            Map.entry("commented", "30s"),
            Map.entry("tabbed", "GET, POST"),
            Map.entry("colon", "value"),
            Map.entry("spaced-key", "value"),
            Map.entry("fragment", "https://example.com/docs#top"),
            Map.entry("inside", "a#b"),
            Map.entry("leading", "#fff"),
            Map.entry("leading-then-comment", "#fff"),
            Map.entry("escaped", "Ticket #42 # not a comment"),
            Map.entry("escaped-space", "a #b"),
            Map.entry("empty", "# nothing here"),
            Map.entry("continued", "one, # two, three"),
            Map.entry("crlf", "x"),
            Map.entry("after", "z")));
        assertEquals(expected, new java.util.TreeMap<>(parsed));
    }

    @Test
    void theReadmeConfigurationExampleIsValidAsWritten() throws Exception
    {
        // Users copy this block with its comments; each comment must stay out of its value.
        String readme = Files.readString(Path.of("README.md"));
        int section = readme.indexOf("\n## Configuration\n");
        int from = readme.indexOf("```properties\n", section) + "```properties\n".length();
        String block = readme.substring(from, readme.indexOf("```", from));
        assertTrue(block.contains("# optional"), block);
        Path file = directory.resolve("readme.properties");
        Files.writeString(file, block);
        Settings settings = ConfigStore.open(file, "test", name -> null).current();
        dev.sluice.route.Route users = settings.routes().routes().get(0);
        assertEquals(java.util.Set.of("GET", "POST"), users.methods());
        assertEquals(List.of(new dev.sluice.route.HeaderCondition("X-Version", "2")), users.headers());
        assertEquals(java.time.Duration.ofSeconds(30), users.timeouts().idle());
    }

    @Test
    void anUnchangedFileIsNotReparsed() throws Exception
    {
        Path file = directory.resolve("s.properties");
        Files.writeString(file, VALID);
        ConfigStore store = ConfigStore.open(file, "test", name -> null);
        Settings before = store.current();
        assertFalse(store.reloadIfChanged());
        assertSame(before, store.current());
    }

    @Test
    void aChangedValidFileReplacesTheSnapshot() throws Exception
    {
        Path file = directory.resolve("s.properties");
        Files.writeString(file, VALID);
        ConfigStore store = ConfigStore.open(file, "test", name -> null);
        Settings before = store.current();
        Files.writeString(file, VALID + "route.b.path = /b\nroute.b.upstream = a\n");
        assertTrue(store.reloadIfChanged());
        assertEquals(2, store.current().routes().routes().size());
        assertEquals(1, before.routes().routes().size(), "a snapshot never changes");
        assertEquals(1, store.reloads());
    }

    @Test
    void anInvalidFileIsRejectedOnceAndTheSnapshotKept() throws Exception
    {
        Path file = directory.resolve("s.properties");
        Files.writeString(file, VALID);
        ConfigStore store = ConfigStore.open(file, "test", name -> null);
        Settings before = store.current();
        Files.writeString(file, VALID + "route.a.timeout = never\n");
        assertFalse(store.reloadIfChanged());
        assertFalse(store.reloadIfChanged());
        assertSame(before, store.current());
        assertEquals(1, store.rejectedReloads(), "an unchanged bad file is reported once");
        assertTrue(store.lastProblem().contains("Key 'route.a.timeout' has value 'never'"), store.lastProblem());

        Files.writeString(file, VALID + "route.a.timeout = 5s\n");
        assertTrue(store.reloadIfChanged());
        assertNull(store.lastProblem());
    }

    @Test
    void aDeletedFileKeepsTheRunningConfiguration() throws Exception
    {
        Path file = directory.resolve("s.properties");
        Files.writeString(file, VALID);
        ConfigStore store = ConfigStore.open(file, "test", name -> null);
        Settings before = store.current();
        Files.delete(file);
        assertFalse(store.reloadIfChanged());
        assertFalse(store.reloadIfChanged());
        assertSame(before, store.current());
        assertTrue(store.lastProblem().endsWith("The file cannot be read: it does not exist."), store.lastProblem());
        assertEquals(1, store.rejectedReloads());
    }

    @Test
    void anIncludedFileAddsItsKeysAndItsEditsAreReloaded() throws Exception
    {
        Path file = directory.resolve("s.properties");
        Path consumers = directory.resolve("consumers.properties");
        Files.writeString(consumers, "consumer.alice.username = alice\n");
        Files.writeString(file, VALID + "config.include = consumers.properties\n");
        ConfigStore store = ConfigStore.open(file, "test", name -> null);
        assertEquals("alice", store.current().auth().consumers().get("alice").username());
        Files.writeString(consumers, "consumer.alice.username = alice\nconsumer.bob.username = bob\n");
        assertTrue(store.reloadIfChanged(), "a change to the included file alone is a change");
        assertEquals("bob", store.current().auth().consumers().get("bob").username());
    }

    @Test
    void aKeySetInTwoFilesAndNestedOrMissingIncludesAreRefused() throws Exception
    {
        Path file = directory.resolve("s.properties");
        Path extra = directory.resolve("extra.properties");
        Files.writeString(extra, "route.a.path = /other\nconfig.include = more.properties\n");
        Files.writeString(file, VALID + "config.include = extra.properties\n");
        ConfigException x = assertThrows(ConfigException.class, () -> ConfigStore.open(file, "test", name -> null));
        assertEquals(List.of(
            "Key 'config.include' is set in included file '" + extra + "'; allowed: only in the main file.",
            "Key 'route.a.path' is set in both '" + file + "' (test) and '" + extra + "'; allowed: one of them."), x.problems());
        Files.writeString(file, VALID + "config.include = absent.properties\n");
        ConfigException missing = assertThrows(ConfigException.class, () -> ConfigStore.open(file, "test", name -> null));
        assertEquals("Invalid configuration '" + directory.resolve("absent.properties") + "' (included by '" + file + "' (test)):\n  - The configuration file does not exist.",
            missing.getMessage());
    }
}
