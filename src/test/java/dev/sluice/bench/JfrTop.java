// Reads a JFR recording's CPU samples and prints the top frames (self and inclusive) and, optionally,
// collapsed stacks for a flame graph: what bench/profile.sh publishes in docs/PERFORMANCE.md.
package dev.sluice.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedMethod;
import jdk.jfr.consumer.RecordingFile;

/**
 * {@code java dev.sluice.bench.JfrTop RECORDING.jfr [TOP] [COLLAPSED_OUT]}: the methods with the most
 * execution samples on top of the stack (self) and anywhere in it (inclusive, each method counted
 * once per sample), as Markdown tables with percentages; only threads that ran Jetty or Sluice code
 * are counted, so the JFR and JIT threads do not dilute the figures. With a third argument, writes
 * one {@code frame;frame;... count} line per distinct stack, the input of flamegraph.pl and
 * speedscope.
 */
public final class JfrTop
{
    private JfrTop()
    {
    }

    public static void main(String[] args) throws IOException
    {
        Path recording = Path.of(args[0]);
        int top = args.length > 1 ? Integer.parseInt(args[1]) : 25;
        Map<String, Integer> self = new HashMap<>();
        Map<String, Integer> inclusive = new HashMap<>();
        Map<String, Integer> collapsed = new HashMap<>();
        Map<String, Integer> threads = new HashMap<>();
        int samples = 0;
        for (RecordedEvent event : RecordingFile.readAllEvents(recording))
        {
            if (!event.getEventType().getName().equals("jdk.ExecutionSample") || event.getStackTrace() == null)
                continue;
            List<RecordedFrame> frames = event.getStackTrace().getFrames();
            if (frames.isEmpty())
                continue;
            List<String> names = new ArrayList<>(frames.size());
            boolean served = false;
            for (RecordedFrame frame : frames)
            {
                String name = name(frame);
                names.add(name);
                served |= name.startsWith("org.eclipse.jetty.") || name.startsWith("dev.sluice.");
            }
            // Pool threads numbered apart are one pool: "qtp123-45" and "qtp123-46" count together.
            String thread = event.getThread("sampledThread") == null ? "?" : event.getThread("sampledThread").getJavaName();
            threads.merge(thread == null ? "?" : thread.replaceAll("[-#]?\\d+$", ""), 1, Integer::sum);
            if (!served)
                continue;
            samples++;
            self.merge(names.get(0), 1, Integer::sum);
            Set<String> seen = new HashSet<>();
            for (String name : names)
            {
                if (seen.add(name))
                    inclusive.merge(name, 1, Integer::sum);
            }
            StringBuilder stack = new StringBuilder();
            for (int i = names.size() - 1; i >= 0; i--)
            {
                if (stack.length() > 0)
                    stack.append(';');
                stack.append(names.get(i));
            }
            collapsed.merge(stack.toString(), 1, Integer::sum);
        }
        System.out.println(samples + " samples on request-serving threads");
        System.out.println();
        table("all samples by thread pool (including threads not counted below)", threads, samples, 10);
        table("self (top of stack)", self, samples, top);
        table("inclusive, Sluice's own methods (dev.sluice)", filter(inclusive, "dev.sluice."), samples, top);
        table("inclusive, all", inclusive, samples, top);
        if (args.length > 2)
        {
            try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(Path.of(args[2]))))
            {
                collapsed.forEach((stack, count) -> out.println(stack + " " + count));
            }
        }
    }

    private static String name(RecordedFrame frame)
    {
        RecordedMethod method = frame.getMethod();
        if (method == null)
            return "?";
        return method.getType().getName() + "." + method.getName();
    }

    private static Map<String, Integer> filter(Map<String, Integer> counts, String prefix)
    {
        Map<String, Integer> kept = new HashMap<>();
        counts.forEach((name, count) -> {
            if (name.startsWith(prefix))
                kept.put(name, count);
        });
        return kept;
    }

    private static void table(String title, Map<String, Integer> counts, int samples, int top)
    {
        System.out.println("| " + title + " | samples | % |");
        System.out.println("|---|---:|---:|");
        counts.entrySet().stream()
            .sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
            .limit(top)
            .forEach(e -> System.out.printf("| `%s` | %d | %.1f |%n", e.getKey(), e.getValue(), 100.0 * e.getValue() / Math.max(1, samples)));
        System.out.println();
    }
}
