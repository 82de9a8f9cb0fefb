// Which threads of this JVM (Sluice runs in it in tests) are parked in a blocking response write.
package dev.sluice.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Slow-client tests assert that none is: a client that stops reading must hold a connection, never a thread. */
public final class BlockedWrites
{
    private BlockedWrites()
    {
    }

    /**
     * The names of the threads waiting for a blocking write to Jetty's servlet output to finish,
     * but for the test servers' own (upstreams and providers that Sluice stopped reading).
     */
    public static List<String> threads()
    {
        List<String> blocked = new ArrayList<>();
        for (Map.Entry<Thread, StackTraceElement[]> thread : Thread.getAllStackTraces().entrySet())
        {
            StackTraceElement[] frames = thread.getValue();
            if (java.util.Arrays.stream(frames).anyMatch(frame -> frame.getClassName().startsWith("dev.sluice.testing.")))
            {
                continue;
            }
            boolean waiting = false;
            for (StackTraceElement frame : frames)
            {
                if (frame.getClassName().startsWith("org.eclipse.jetty.util.Blocker") || frame.getClassName().contains("SharedBlockingCallback"))
                {
                    waiting = true;
                }
                if (waiting && frame.getClassName().equals("org.eclipse.jetty.ee10.servlet.HttpOutput"))
                {
                    blocked.add(thread.getKey().getName());
                    break;
                }
            }
        }
        return blocked;
    }
}
