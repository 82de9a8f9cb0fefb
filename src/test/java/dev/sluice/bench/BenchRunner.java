// Runs the side-by-side benchmark scenarios interleaved and writes the results (bench/run.sh drives it).
package dev.sluice.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/**
 * Given the URLs of servers that {@code bench/run.sh} started, runs wrk against every scenario
 * and response size, round after round (the first round in the listed order, later ones shuffled
 * with the round as seed), so that noise on a shared machine hits every scenario alike. Prints one table of medians, the target ratios
 * computed from this run only, Sluice's resident memory, and writes the same as JSON and
 * Markdown under {@code bench/results/} and into {@code docs/PERFORMANCE.md}.
 */
public final class BenchRunner
{
    /** The scenarios of the benchmark issue, in order; a null key means "not yet". */
    private static final List<String[]> SCENARIOS = List.of(
        new String[]{"1", "direct to the backend", "direct"},
        new String[]{"2", "nginx proxy_pass, upstream keep-alive", "nginx"},
        new String[]{"3", "bare Jetty 12 ProxyServlet.Transparent", "jetty"},
        new String[]{"4", "Sluice, plain route", "sluice"},
        new String[]{"4r", "Sluice, plain route + local rate limit", "sluice-limited"},
        new String[]{"4o", "Sluice, plain route, metrics + OTLP span export of every request", "sluice-observed"},
        new String[]{"4s", "Sluice, plain route, metrics + OTLP span export of 10% of traces", "sluice-sampled"},
        new String[]{"4q", "Sluice, plain route, metrics off, no span export", "sluice-quiet"},
        new String[]{"4h", "Sluice, route with 3 header transforms", "sluice-headers"},
        new String[]{"4j", "Sluice, route with a JSON response body transform", "sluice-json"},
        new String[]{"4g", "Sluice, guarded route (IP allow list + body size limit)", "sluice-guarded"},
        new String[]{"5", "Sluice, API key + local rate limit", "sluice-key"},
        new String[]{"6", "Sluice, JWT RS256 (cached) + local rate limit", "sluice-jwt"},
        new String[]{"7a", "Sluice, cache hit (cache = force), answered before the servlet chain (launcher)", "sluice-cache"},
        new String[]{"7w", "Sluice, cache hit through the servlet chain (cache.fast-path = false, as in a WAR deployment)", "sluice-cache-chain"},
        new String[]{"7b", "nginx proxy_cache hit", "nginx-cache"},
        new String[]{"7c", "Jetty servlet answering stored bytes, no proxy (a servlet's floor)", "jetty-static"},
        new String[]{"8", "Sluice over HTTPS, keep-alive (plain route, TLS 1.3, HTTP/1.1)", "sluice-https"});
    private static final List<String> SIZES = List.of("small", "large");
    /**
     * Each fixed-rate run first sends this long at the same rate, uncounted: a new client's first
     * moments (its JIT, its connections opening) took seconds per request in the first run.
     */
    private static final long RATE_WARMUP_SECONDS = 3;
    /** A fixed-rate median above this means the requests queued (see the latency paragraph). */
    private static final double QUEUED_P50_MS = 10.0;

    private BenchRunner()
    {
    }

    public static void main(String[] args) throws Exception
    {
        Map<String, String> options = new LinkedHashMap<>();
        Map<String, String> targets = new LinkedHashMap<>();
        Map<String, List<Long>> processes = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i += 2)
        {
            if (args[i].equals("--target"))
            {
                String[] pair = args[i + 1].split("=", 2);
                targets.put(pair[0], pair[1]);
            }
            else if (args[i].equals("--cpu"))
            {
                String[] pair = args[i + 1].split("=", 2);
                processes.put(pair[0], Arrays.stream(pair[1].split(",")).map(String::trim).filter(pid -> !pid.isEmpty()).map(Long::parseLong).toList());
            }
            else
            {
                options.put(args[i].substring(2), args[i + 1]);
            }
        }
        int rounds = Integer.parseInt(options.getOrDefault("rounds", "3"));
        String duration = options.getOrDefault("duration", "10s");
        String warmup = options.getOrDefault("warmup", "10s");
        int connections = Integer.parseInt(options.getOrDefault("connections", "32"));
        List<String> pin = options.getOrDefault("pin", "").isBlank() ? List.of() : Arrays.asList(options.get("pin").trim().split("\\s+"));
        long sluicePid = Long.parseLong(options.getOrDefault("sluice-pid", "-1"));

        for (String target : targets.keySet())
        {
            for (String size : SIZES)
            {
                wrk(pin, targets.get(target), size, warmup, connections);
            }
        }
        Map<String, List<Wrk.Result>> runs = new LinkedHashMap<>();
        Map<String, List<Double>> cpuPerRequest = new LinkedHashMap<>();
        long peakRss = 0;
        for (int round = 1; round <= rounds; round++)
        {
            // Each round runs the targets in another order (shuffled, seeded by the round, so runs
            // repeat): a scenario run right after another on the same JVM inherits its garbage and
            // JIT work, and in a fixed order (or a rotated one, which keeps neighbours) the plain
            // route was the only Sluice scenario that always followed an idle Sluice.
            List<Map.Entry<String, String>> order = new ArrayList<>(targets.entrySet());
            if (round > 1)
            {
                java.util.Collections.shuffle(order, new java.util.Random(round));
            }
            for (String size : SIZES)
            {
                for (Map.Entry<String, String> target : order)
                {
                    List<Long> pids = processes.getOrDefault(target.getKey(), List.of());
                    long ticksBefore = cpuTicks(pids);
                    Wrk.Result result = wrk(pin, target.getValue(), size, duration, connections);
                    long ticksAfter = cpuTicks(pids);
                    if (!pids.isEmpty() && ticksBefore >= 0 && ticksAfter >= 0 && result.requests() > 0)
                    {
                        // Clock ticks are 1/100 s on Linux.
                        cpuPerRequest.computeIfAbsent(target.getKey() + "/" + size, key -> new ArrayList<>())
                            .add((ticksAfter - ticksBefore) * 10_000.0 / result.requests());
                    }
                    if (result.failed())
                    {
                        System.err.println("round " + round + ", " + target.getKey() + " " + size + " failed: " + result.failure());
                    }
                    runs.computeIfAbsent(target.getKey() + "/" + size, key -> new ArrayList<>()).add(result);
                    if (target.getKey().equals("sluice"))
                    {
                        peakRss = Math.max(peakRss, residentKiB(sluicePid));
                    }
                }
            }
            System.out.printf("round %d of %d done%n", round, rounds);
        }
        long finalRss = residentKiB(sluicePid);

        // Latency at a fixed load: half of Sluice's own maximum (~200 B), same rate for the bare
        // Jetty floor, interleaved. Open loop, so queueing shows in the percentiles.
        Map<String, Object> fixedRate = new LinkedHashMap<>();
        List<Wrk.Result> sluiceSmall = runs.get("sluice/small");
        if (sluiceSmall != null && targets.containsKey("jetty") && sluiceSmall.stream().noneMatch(Wrk.Result::failed))
        {
            int rate = (int)(median(sluiceSmall.stream().mapToDouble(Wrk.Result::rps).toArray()) / 2);
            long seconds = Math.max(5, Long.parseLong(duration.replaceAll("[^0-9]", "")));
            Map<String, List<RateLoad.Result>> latency = new LinkedHashMap<>();
            for (int round = 1; round <= rounds; round++)
            {
                for (String target : List.of("jetty", "sluice"))
                {
                    latency.computeIfAbsent(target, key -> new ArrayList<>()).add(RateLoad.run(targets.get(target) + "/small", rate, seconds, RATE_WARMUP_SECONDS));
                }
            }
            fixedRate.put("rate_per_second", rate);
            fixedRate.put("sent", (long)rate * seconds * rounds);
            fixedRate.put("rounds", rounds);
            for (Map.Entry<String, List<RateLoad.Result>> entry : latency.entrySet())
            {
                Map<String, Object> values = new LinkedHashMap<>();
                values.put("p50_ms", round2(median(entry.getValue().stream().mapToDouble(RateLoad.Result::p50).toArray())));
                values.put("p99_ms", round2(median(entry.getValue().stream().mapToDouble(RateLoad.Result::p99).toArray())));
                values.put("failures", entry.getValue().stream().mapToInt(RateLoad.Result::failures).sum());
                fixedRate.put(entry.getKey(), values);
            }
        }

        Map<String, Object> report = new LinkedHashMap<>();
        report.put("time", DateTimeFormatter.ISO_INSTANT.format(Instant.now()));
        report.put("machine", machine(options));
        report.put("method", Map.of("rounds", rounds, "duration", duration, "warmup", warmup, "connections", connections,
            "wrk_threads", 1, "pinned", !pin.isEmpty()));
        List<Map<String, Object>> rows = new ArrayList<>();
        Map<String, Double> medianRps = new LinkedHashMap<>();
        Map<String, Double> medianCpu = new LinkedHashMap<>();
        for (String[] scenario : SCENARIOS)
        {
            for (String size : SIZES)
            {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("scenario", scenario[0]);
                row.put("name", scenario[1]);
                row.put("size", size);
                List<Wrk.Result> results = scenario[2] == null ? null : runs.get(scenario[2] + "/" + size);
                if (results == null)
                {
                    row.put("status", "not yet");
                }
                else if (results.stream().anyMatch(Wrk.Result::failed))
                {
                    row.put("status", "failed");
                }
                else
                {
                    double rps = median(results.stream().mapToDouble(Wrk.Result::rps).toArray());
                    row.put("status", "measured");
                    row.put("rps", Math.round(rps));
                    row.put("p50_ms", round2(median(results.stream().mapToDouble(Wrk.Result::p50).toArray())));
                    row.put("p99_ms", round2(median(results.stream().mapToDouble(Wrk.Result::p99).toArray())));
                    row.put("rps_each_round", results.stream().map(result -> Math.round(result.rps())).toList());
                    List<Double> cpu = cpuPerRequest.get(scenario[2] + "/" + size);
                    if (cpu != null && !cpu.isEmpty())
                    {
                        double median = median(cpu.stream().mapToDouble(Double::doubleValue).toArray());
                        row.put("cpu_us_per_request", Math.round(median));
                        medianCpu.put(scenario[2] + "/" + size, median);
                    }
                    medianRps.put(scenario[2] + "/" + size, rps);
                }
                rows.add(row);
            }
        }
        report.put("scenarios", rows);
        report.put("sluice_resident_mib", Map.of("peak_sampled", peakRss / 1024, "after_run", finalRss / 1024,
            "jvm_options", options.getOrDefault("sluice-jvm", "")));
        List<Map<String, Object>> ratios = new ArrayList<>();
        for (String size : SIZES)
        {
            ratios.add(ratio("Sluice plain / bare Jetty ProxyServlet", size, medianRps.get("sluice/" + size), medianRps.get("jetty/" + size), 1.0));
            ratios.add(ratio("Sluice plain / nginx proxy_pass (stretch)", size, medianRps.get("sluice/" + size), medianRps.get("nginx/" + size), 0.6));
            ratios.add(ratio("bare Jetty ProxyServlet / nginx proxy_pass (context)", size, medianRps.get("jetty/" + size), medianRps.get("nginx/" + size), null));
            ratios.add(ratio("CPU per request: Sluice / bare Jetty (context, lower is better)", size, medianCpu.get("sluice/" + size), medianCpu.get("jetty/" + size), null));
            ratios.add(ratio("CPU per request: Sluice / nginx proxy_pass (context, lower is better)", size, medianCpu.get("sluice/" + size), medianCpu.get("nginx/" + size), null));
            ratios.add(ratio("3 header transforms / Sluice plain", size, medianRps.get("sluice-headers/" + size), medianRps.get("sluice/" + size), 0.95));
            ratios.add(ratio("JSON response body transform / Sluice plain" + (size.equals("large") ? " (context: the 100 KiB body is not JSON, so it passes)" : ""),
                size, medianRps.get("sluice-json/" + size), medianRps.get("sluice/" + size), size.equals("small") ? 0.8 : null));
            ratios.add(ratio("Guarded route (IP allow + size limit) / Sluice plain", size, medianRps.get("sluice-guarded/" + size),
                medianRps.get("sluice/" + size), 0.97));
            ratios.add(ratio("API key + rate limit / Sluice plain", size, medianRps.get("sluice-key/" + size), medianRps.get("sluice/" + size), 0.95));
            ratios.add(ratio("Metrics + span export of 10% of traces / both off (plain route)", size, medianRps.get("sluice-sampled/" + size),
                medianRps.get("sluice-quiet/" + size), 0.95));
            ratios.add(ratio("Metrics + span export of every request / both off (context: the worst case)", size,
                medianRps.get("sluice-observed/" + size), medianRps.get("sluice-quiet/" + size), null));
            ratios.add(ratio("Metrics on, as shipped / off (context)", size, medianRps.get("sluice/" + size), medianRps.get("sluice-quiet/" + size), null));
            ratios.add(ratio("Rate-limited route / the same route unlimited (context)", size, medianRps.get("sluice-limited/" + size), medianRps.get("sluice/" + size), null));
            ratios.add(ratio("Sluice plain over HTTPS / over HTTP (context)", size, medianRps.get("sluice-https/" + size), medianRps.get("sluice/" + size), null));
            ratios.add(ratio("JWT + rate limit / Sluice plain", size, medianRps.get("sluice-jwt/" + size), medianRps.get("sluice/" + size), 0.85));
            ratios.add(ratio("Sluice cache hit / Sluice plain", size, medianRps.get("sluice-cache/" + size), medianRps.get("sluice/" + size), 2.0));
            ratios.add(ratio("Sluice cache hit / nginx proxy_cache hit", size, medianRps.get("sluice-cache/" + size), medianRps.get("nginx-cache/" + size), 1.0));
            ratios.add(ratio("Sluice cache hit through the servlet chain / nginx proxy_cache hit (context: WAR deployments)", size,
                medianRps.get("sluice-cache-chain/" + size), medianRps.get("nginx-cache/" + size), null));
            ratios.add(ratio("Jetty servlet floor / nginx proxy_cache hit (context: the best a servlet answer can do)", size,
                medianRps.get("jetty-static/" + size), medianRps.get("nginx-cache/" + size), null));
            ratios.add(ratio("Sluice cache hit / Jetty servlet floor (context)", size, medianRps.get("sluice-cache/" + size), medianRps.get("jetty-static/" + size), null));
            ratios.add(ratio("CPU per request: Sluice cache hit / nginx proxy_cache hit (context, lower is better)", size,
                medianCpu.get("sluice-cache/" + size), medianCpu.get("nginx-cache/" + size), null));
        }
        report.put("ratios", ratios);
        report.put("fixed_rate_latency", fixedRate);

        String markdown = markdown(report);
        System.out.println();
        System.out.println(markdown);

        Path out = Path.of(options.getOrDefault("out", "bench/results"));
        Files.createDirectories(out);
        String stamp = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC).format(Instant.now());
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.resolve(stamp + ".json").toFile(), report);
        Files.writeString(out.resolve(stamp + ".md"), markdown);
        Path docs = Path.of(options.getOrDefault("docs", "docs/PERFORMANCE.md"));
        writeDocs(docs, markdown);
        System.out.println("Written: " + out.resolve(stamp + ".json") + ", " + out.resolve(stamp + ".md") + ", " + docs);
    }

    /**
     * A target is {@code URL} or {@code URL|Header: value}; the size is appended to the URL.
     */
    private static Wrk.Result wrk(List<String> pin, String target, String size, String duration, int connections) throws Exception
    {
        int bar = target.indexOf('|');
        String base = bar < 0 ? target : target.substring(0, bar);
        return Wrk.run(pin, base + "/" + size, bar < 0 ? null : target.substring(bar + 1), duration, connections);
    }

    private static Map<String, Object> ratio(String name, String size, Double numerator, Double denominator, Double target)
    {
        Map<String, Object> ratio = new LinkedHashMap<>();
        ratio.put("ratio", name);
        ratio.put("size", size);
        ratio.put("target", target);
        if (numerator == null || denominator == null || denominator == 0)
        {
            ratio.put("value", null);
            ratio.put("status", numerator == null && denominator == null && target != null && !name.startsWith("Sluice plain") ? "not yet" : "not measured");
        }
        else
        {
            double value = numerator / denominator;
            ratio.put("value", round2(value));
            ratio.put("status", target == null ? "context" : value >= target ? "met" : "not met");
        }
        return ratio;
    }

    @SuppressWarnings("unchecked")
    private static String markdown(Map<String, Object> report)
    {
        StringBuilder md = new StringBuilder();
        Map<String, Object> machine = (Map<String, Object>)report.get("machine");
        Map<String, Object> method = (Map<String, Object>)report.get("method");
        md.append("Run ").append(report.get("time")).append(" on ").append(machine.get("cores")).append(" cores (")
            .append(machine.get("cpu")).append("), ").append(machine.get("jdk")).append(", ").append(machine.get("nginx"))
            .append(", ").append(machine.get("wrk")).append(".\n");
        md.append("wrk -t1 -c").append(method.get("connections")).append(" -d").append(method.get("duration"))
            .append(", ").append(method.get("rounds")).append(" interleaved rounds (the order shuffled after the first) after a ").append(method.get("warmup"))
            .append(" warm-up per target; load generator ").append(Boolean.TRUE.equals(method.get("pinned")) ? "pinned to CPU 0, servers to CPU 1" : "not pinned")
            .append(". Medians of the rounds.\n\n");
        md.append("| # | scenario | response | requests/s | p50 ms | p99 ms | proxy CPU µs/request | requests/s each round |\n|---|---|---|---:|---:|---:|---:|---|\n");
        for (Map<String, Object> row : (List<Map<String, Object>>)report.get("scenarios"))
        {
            String size = row.get("size").equals("small") ? "~200 B JSON" : "100 KiB";
            if (!"measured".equals(row.get("status")))
            {
                md.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | | | | |%n", row.get("scenario"), row.get("name"), size, row.get("status")));
            }
            else
            {
                md.append(String.format(Locale.ROOT, "| %s | %s | %s | %d | %.2f | %.2f | %s | %s |%n", row.get("scenario"), row.get("name"), size,
                    row.get("rps"), row.get("p50_ms"), row.get("p99_ms"), row.getOrDefault("cpu_us_per_request", ""), row.get("rps_each_round")));
            }
        }
        Map<String, Object> rss = (Map<String, Object>)report.get("sluice_resident_mib");
        md.append("\nSluice resident memory under this load: peak sampled ").append(rss.get("peak_sampled"))
            .append(" MiB, after the run ").append(rss.get("after_run")).append(" MiB (")
            .append(rss.get("jvm_options").toString().isBlank() ? "default heap settings" : "Sluice's JVM started with " + rss.get("jvm_options"))
            .append("; target ≤ 300 MiB with -Xmx256m).\n\n");
        Map<String, Object> fixed = (Map<String, Object>)report.get("fixed_rate_latency");
        if (fixed != null && fixed.containsKey("sluice"))
        {
            Map<String, Object> sluice = (Map<String, Object>)fixed.get("sluice");
            Map<String, Object> jetty = (Map<String, Object>)fixed.get("jetty");
            double above = (Double)sluice.get("p99_ms") - (Double)jetty.get("p99_ms");
            long sent = ((Number)fixed.get("sent")).longValue();
            boolean valid = ((Number)sluice.get("failures")).longValue() + ((Number)jetty.get("failures")).longValue() <= sent / 1000;
            // At half of the maximum nothing should wait: a median this high means the requests
            // queued (the load generator and both servers share the cores), and then the p99s
            // compare queues, not proxies.
            boolean queued = (Double)sluice.get("p50_ms") > QUEUED_P50_MS || (Double)jetty.get("p50_ms") > QUEUED_P50_MS;
            md.append(String.format(Locale.ROOT, "At a constant %s requests/s (half of Sluice's maximum, ~200 B, open loop): "
                    + "Sluice p50 %.2f ms, p99 %.2f ms; bare Jetty p50 %.2f ms, p99 %.2f ms; Sluice's p99 minus the floor's: %.2f ms "
                    + "(target ≤ 1 ms: %s). Failed requests (of %s sent to each): Sluice %s, Jetty %s.%n%n",
                fixed.get("rate_per_second"), sluice.get("p50_ms"), sluice.get("p99_ms"), jetty.get("p50_ms"), jetty.get("p99_ms"), above,
                !valid ? "not measured: over 0.1% of requests failed"
                    : queued ? "not measured: the requests queued, a p50 above " + QUEUED_P50_MS + " ms" : above <= 1.0 ? "met" : "not met", sent / rounds(fixed), sluice.get("failures"), jetty.get("failures")));
        }
        md.append("| ratio | response | value | target | status |\n|---|---|---:|---:|---|\n");
        for (Map<String, Object> ratio : (List<Map<String, Object>>)report.get("ratios"))
        {
            String size = ratio.get("size").equals("small") ? "~200 B" : "100 KiB";
            md.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s |%n", ratio.get("ratio"), size,
                ratio.get("value") == null ? "" : String.format(Locale.ROOT, "%.2f", (Double)ratio.get("value")),
                ratio.get("target") == null ? "" : "≥ " + ratio.get("target"), ratio.get("status")));
        }
        return md.toString();
    }

    private static long rounds(Map<String, Object> fixed)
    {
        return ((Number)fixed.get("rounds")).longValue();
    }

    private static void writeDocs(Path docs, String markdown) throws Exception
    {
        String start = "<!-- latest-results:start -->";
        String end = "<!-- latest-results:end -->";
        String text = Files.exists(docs) ? Files.readString(docs) : "# Performance\n\n" + start + "\n" + end + "\n";
        int from = text.indexOf(start);
        int to = text.indexOf(end);
        if (from < 0 || to < from)
        {
            text = text + "\n" + start + "\n" + end + "\n";
            from = text.indexOf(start);
            to = text.indexOf(end);
        }
        Files.createDirectories(docs.toAbsolutePath().getParent());
        Files.writeString(docs, text.substring(0, from + start.length()) + "\n" + markdown + text.substring(to));
    }

    private static Map<String, Object> machine(Map<String, String> options) throws Exception
    {
        Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("cores", Runtime.getRuntime().availableProcessors());
        String cpu = "unknown CPU";
        Path cpuinfo = Path.of("/proc/cpuinfo");
        if (Files.exists(cpuinfo))
        {
            cpu = Files.readAllLines(cpuinfo).stream().filter(line -> line.startsWith("model name"))
                .map(line -> line.substring(line.indexOf(':') + 1).trim()).findFirst().orElse(cpu);
        }
        machine.put("cpu", cpu);
        machine.put("jdk", "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")");
        machine.put("nginx", options.getOrDefault("nginx-version", "nginx"));
        machine.put("wrk", options.getOrDefault("wrk-version", "wrk"));
        return machine;
    }

    /** User plus system CPU of the processes, in clock ticks; -1 if one is gone. */
    private static long cpuTicks(List<Long> pids) throws Exception
    {
        long total = 0;
        for (long pid : pids)
        {
            Path stat = Path.of("/proc", Long.toString(pid), "stat");
            if (!Files.exists(stat))
            {
                return -1;
            }
            String text = Files.readString(stat);
            // Fields after the command name, which is in parentheses and may contain spaces.
            String[] fields = text.substring(text.lastIndexOf(')') + 2).split(" ");
            total += Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        }
        return total;
    }

    private static long residentKiB(long pid) throws Exception
    {
        Path status = Path.of("/proc", Long.toString(pid), "status");
        if (pid < 0 || !Files.exists(status))
        {
            return -1;
        }
        for (String line : Files.readAllLines(status))
        {
            if (line.startsWith("VmRSS:"))
            {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    private static double median(double[] values)
    {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted.length % 2 == 1 ? sorted[sorted.length / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    }

    private static double round2(double value)
    {
        return Math.round(value * 100) / 100.0;
    }
}
