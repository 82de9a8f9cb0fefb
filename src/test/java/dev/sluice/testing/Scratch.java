// Temporary files and directories for tests, deleted when the test JVM exits so that runs do not pile up in /tmp.
package dev.sluice.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Each suite run used to leave its deployments behind: Tomcat's expanded WARs (about 40 MB per
 * deployment), browser profiles, key stores and the temporary directories of child launchers a
 * test had to kill. What is made here is deleted at the latest when the JVM exits; a test that
 * is done with a large tree sooner calls {@link #delete(Path)}.
 */
public final class Scratch
{
    private static final List<Path> MADE = new ArrayList<>();

    static
    {
        Runtime.getRuntime().addShutdownHook(new Thread(Scratch::deleteAll, "scratch-cleanup"));
    }

    private Scratch()
    {
    }

    /** A new, empty directory whose name starts with {@code prefix}. */
    public static Path directory(String prefix)
    {
        try
        {
            return remember(Files.createTempDirectory(prefix));
        }
        catch (IOException x)
        {
            throw new UncheckedIOException(x);
        }
    }

    /** A new, empty file named {@code prefix}…{@code suffix}. */
    public static Path file(String prefix, String suffix)
    {
        try
        {
            return remember(Files.createTempFile(prefix, suffix));
        }
        catch (IOException x)
        {
            throw new UncheckedIOException(x);
        }
    }

    /**
     * Deletes a file or a directory with everything in it, as far as it can: a process that is
     * still going away (a browser's helpers) may hold a file a moment longer, and the shutdown
     * hook tries again.
     */
    public static void delete(Path root)
    {
        if (!Files.exists(root))
        {
            return;
        }
        try (var paths = Files.walk(root))
        {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
        catch (IOException | UncheckedIOException x)
        {
            // Left for the shutdown hook.
        }
    }

    private static synchronized Path remember(Path path)
    {
        MADE.add(path);
        return path;
    }

    private static synchronized void deleteAll()
    {
        MADE.forEach(Scratch::delete);
        MADE.clear();
    }
}
