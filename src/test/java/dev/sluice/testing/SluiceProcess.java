// Sluice's launcher in a child JVM: for memory limits and signals a test JVM cannot impose on itself.
package dev.sluice.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertNotNull;

public final class SluiceProcess implements AutoCloseable
{
    private final Process process;
    private final URI uri;
    private final List<String> output;
    /** The configuration and the child's java.io.tmpdir (Jetty's web application directory, a self-signed key store). */
    private final Path directory;

    private SluiceProcess(Process process, URI uri, List<String> output, Path directory)
    {
        this.process = process;
        this.uri = uri;
        this.output = output;
        this.directory = directory;
    }

    /**
     * Starts {@code dev.sluice.launcher.Main} with the test class path, waits for the line that
     * says where it listens, and returns.
     */
    public static SluiceProcess start(String properties, List<String> jvmOptions, String... arguments) throws Exception
    {
        // A child killed with SIGKILL cannot clean up after itself: its temporary files go where the test can.
        Path directory = Scratch.directory("sluice-process");
        Path config = Files.writeString(directory.resolve("sluice.properties"), properties);
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Djava.io.tmpdir=" + directory);
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add("dev.sluice.launcher.Main");
        command.addAll(List.of("--config", config.toString(), "--port", "0", "--host", "127.0.0.1", "--webapp", SluiceUnderTest.WEBAPP.toString()));
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        List<String> output = java.util.Collections.synchronizedList(new ArrayList<>());
        BlockingQueue<String> listening = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() ->
        {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)))
            {
                String line;
                while ((line = in.readLine()) != null)
                {
                    output.add(line);
                    if (line.startsWith("Sluice listening on "))
                    {
                        listening.add(line.substring("Sluice listening on ".length()).trim());
                    }
                }
            }
            catch (IOException ignored)
            {
                // the process ended
            }
        }, "sluice-process-output");
        reader.setDaemon(true);
        reader.start();
        String url = listening.poll(60, TimeUnit.SECONDS);
        if (url == null)
        {
            process.destroyForcibly();
        }
        // The message is built only on failure, and under the list's lock: the reader thread is still appending.
        assertNotNull(url, () ->
        {
            synchronized (output)
            {
                return "Sluice did not start:\n" + String.join("\n", output);
            }
        });
        return new SluiceProcess(process, URI.create(url), output, directory);
    }

    public URI uri(String path)
    {
        return uri.resolve(path);
    }

    public long pid()
    {
        return process.pid();
    }

    /** Peak resident memory so far (VmHWM from /proc), in KiB, or -1 where /proc is absent. */
    public long peakResidentKiB() throws IOException
    {
        Path status = Path.of("/proc", Long.toString(process.pid()), "status");
        if (!Files.exists(status))
        {
            return -1;
        }
        for (String line : Files.readAllLines(status))
        {
            if (line.startsWith("VmHWM:"))
            {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    /**
     * Sends SIGTERM, as a service manager would. Through the process handle: {@code Process.destroy()}
     * also closes the pipes, and what the process writes while it stops would be lost.
     */
    public void terminate()
    {
        process.toHandle().destroy();
    }

    public int waitForExit(long seconds) throws InterruptedException
    {
        if (!process.waitFor(seconds, TimeUnit.SECONDS))
        {
            process.destroyForcibly();
            return -1;
        }
        return process.exitValue();
    }

    public String output()
    {
        synchronized (output)
        {
            return String.join("\n", output);
        }
    }

    @Override
    public void close() throws InterruptedException
    {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
        Scratch.delete(directory);
    }
}
