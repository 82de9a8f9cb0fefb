// Reads async-profiler's collapsed stacks of Sluice and of bare Jetty under the same load and says, per request, where Sluice's CPU goes.
package dev.sluice.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code java dev.sluice.bench.CollapsedTop SLUICE.collapsed SLUICE_REQUESTS BARE.collapsed BARE_REQUESTS [TOP]}:
 * CPU samples (async-profiler, {@code event=cpu,interval=1ms,threads}) as µs per request, by
 * thread pool; then Sluice's own work — the samples whose deepest Sluice frame does not hand the
 * request on to Jetty (the filter chain, the proxy servlet, the client, the response) — by that
 * frame; then the self frames Sluice has most above bare Jetty. Markdown, for docs/PERFORMANCE.md.
 */
public final class CollapsedTop
{
    /** Frames below a Sluice frame that carry the request on: their time is Jetty's work for it, not Sluice's. */
    private static final List<String> HANDED_ON = List.of("FilterChain", "ChainEnd", "doFilter", "ProxyServlet.service", "sendProxyRequest",
        "HttpRequest.send", "HttpClient.send", "ProxyResponseListener", "HttpOutput", "ServletApiResponse", "AsyncContext", "ResponseListeners",
        "HttpDestination", "HttpConnection", "Callback", "ContentSource", "Handler$Wrapper.handle", "ContextHandler.handle");

    private CollapsedTop()
    {
    }

    public static void main(String[] args) throws IOException
    {
        Path sluice = Path.of(args[0]);
        double sluiceRequests = Double.parseDouble(args[1]);
        Path bare = Path.of(args[2]);
        double bareRequests = Double.parseDouble(args[3]);
        int top = args.length > 4 ? Integer.parseInt(args[4]) : 20;
        Map<String, Long> sluiceThreads = new HashMap<>();
        Map<String, Long> own = new HashMap<>();
        Map<String, Long> sluiceSelf = new HashMap<>();
        long sluiceTotal = read(sluice, sluiceThreads, own, sluiceSelf);
        Map<String, Long> bareThreads = new HashMap<>();
        Map<String, Long> bareSelf = new HashMap<>();
        long bareTotal = read(bare, bareThreads, new HashMap<>(), bareSelf);
        System.out.printf("| | Sluice | bare Jetty |%n|---|---:|---:|%n| CPU µs per request (1 sample = 1 ms) | %.1f | %.1f |%n",
            perRequest(sluiceTotal, sluiceRequests), perRequest(bareTotal, bareRequests));
        System.out.printf("%n| thread pool | Sluice µs/request | bare Jetty µs/request |%n|---|---:|---:|%n");
        Map<String, Long> pools = new HashMap<>(sluiceThreads);
        bareThreads.keySet().forEach(pool -> pools.putIfAbsent(pool, 0L));
        pools.keySet().stream().sorted((a, b) -> Double.compare(
                Math.max(perRequest(bareThreads.getOrDefault(b, 0L), bareRequests), perRequest(sluiceThreads.getOrDefault(b, 0L), sluiceRequests)),
                Math.max(perRequest(bareThreads.getOrDefault(a, 0L), bareRequests), perRequest(sluiceThreads.getOrDefault(a, 0L), sluiceRequests))))
            .limit(8).forEach(pool -> System.out.printf("| `%s` | %.1f | %.1f |%n", pool,
                perRequest(sluiceThreads.getOrDefault(pool, 0L), sluiceRequests), perRequest(bareThreads.getOrDefault(pool, 0L), bareRequests)));
        long ownTotal = own.values().stream().mapToLong(Long::longValue).sum();
        System.out.printf("%nSluice's own work: %.1f µs per request. By its deepest Sluice frame:%n%n| frame | µs/request |%n|---|---:|%n",
            perRequest(ownTotal, sluiceRequests));
        own.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(top)
            .forEach(entry -> System.out.printf("| `%s` | %.2f |%n", entry.getKey(), perRequest(entry.getValue(), sluiceRequests)));
        System.out.printf("%nSelf frames Sluice spends most on above bare Jetty:%n%n| frame | Sluice µs/request | bare µs/request |%n|---|---:|---:|%n");
        sluiceSelf.keySet().stream().sorted((a, b) -> Double.compare(extra(b, sluiceSelf, sluiceRequests, bareSelf, bareRequests),
                extra(a, sluiceSelf, sluiceRequests, bareSelf, bareRequests))).limit(top)
            .forEach(frame -> System.out.printf("| `%s` | %.2f | %.2f |%n", frame, perRequest(sluiceSelf.get(frame), sluiceRequests),
                perRequest(bareSelf.getOrDefault(frame, 0L), bareRequests)));
    }

    private static double extra(String frame, Map<String, Long> sluice, double sluiceRequests, Map<String, Long> bare, double bareRequests)
    {
        return perRequest(sluice.getOrDefault(frame, 0L), sluiceRequests) - perRequest(bare.getOrDefault(frame, 0L), bareRequests);
    }

    private static double perRequest(long samples, double requests)
    {
        return samples * 1000.0 / requests;
    }

    /** Adds one file's samples up by thread pool, Sluice's own frame and self frame; returns the total. */
    private static long read(Path file, Map<String, Long> threads, Map<String, Long> own, Map<String, Long> self) throws IOException
    {
        long total = 0;
        for (String line : Files.readAllLines(file))
        {
            int space = line.lastIndexOf(' ');
            if (space < 0)
            {
                continue;
            }
            long count = Long.parseLong(line.substring(space + 1));
            String[] frames = line.substring(0, space).split(";");
            total += count;
            // "[qtp123-45 tid=678]": pool threads numbered apart are one pool.
            String thread = frames[0].replaceAll(" tid=\\d+]$", "]").replaceAll("[0-9]+", "N");
            threads.merge(thread, count, Long::sum);
            self.merge(frames[frames.length - 1], count, Long::sum);
            int deepest = -1;
            for (int i = 0; i < frames.length; i++)
            {
                if (frames[i].startsWith("dev/sluice/"))
                {
                    deepest = i;
                }
            }
            if (deepest >= 0 && !handedOn(frames, deepest))
            {
                own.merge(frames[deepest], count, Long::sum);
            }
        }
        return total;
    }

    private static boolean handedOn(String[] frames, int from)
    {
        for (int i = from + 1; i < frames.length; i++)
        {
            for (String marker : HANDED_ON)
            {
                if (frames[i].contains(marker))
                {
                    return true;
                }
            }
        }
        return false;
    }
}
