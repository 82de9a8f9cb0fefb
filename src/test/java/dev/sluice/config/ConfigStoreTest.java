// ConfigStore on its own: loading, change detection, rejected and missing files.
package dev.sluice.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

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
        assertTrue(store.lastProblem().endsWith("The file cannot be read (NoSuchFileException)."), store.lastProblem());
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
