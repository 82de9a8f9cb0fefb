// bench/ai.sh's two halves: the stand-in providers, and the load that compares Sluice in front of them with them alone.
package dev.sluice.bench;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.sluice.launcher.DemoUpstream;
import dev.sluice.testing.FakeModelProvider;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.Result;

/**
 * {@code provider <openai-port> <anthropic-port-file>}: the demo's OpenAI-compatible provider and the
 * tests' Anthropic fake, in one JVM of their own. {@code load <seconds> <rounds> <concurrency...>
 * <openai-port> <anthropic-port> <sluice-port>}: closed-loop load (each of {@code concurrency}
 * callers sends its next request when its last one ended), each scenario direct and through Sluice
 * in interleaved rounds; per request the time to the whole answer and, for streams, to the first
 * content token. Prints a Markdown table of medians across rounds.
 */
final class AiLoad
{
    private static final String CHAT = "\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
        + "{\"role\":\"user\",\"content\":\"Tell me in ten words why an API gateway sits in front of language models\"}]";

    private AiLoad()
    {
    }

    record Stats(double p50, double p99, double ttft50, double ttft99, int failures, int count)
    {
    }

    public static void main(String[] args) throws Exception
    {
        if (args[0].equals("provider"))
        {
            DemoUpstream openai = DemoUpstream.start(Integer.parseInt(args[1]));
            FakeModelProvider anthropic = FakeModelProvider.start("bench");
            Files.writeString(Path.of(args[2]), Integer.toString(anthropic.uri().getPort()));
            int slow = slowProvider(20);
            Files.writeString(Path.of(args[2] + ".slow"), Integer.toString(slow));
            System.out.println("providers: " + openai.uri() + " " + anthropic.uri() + " slow :" + slow);
            Thread.currentThread().join();
            return;
        }
        long seconds = Long.parseLong(args[1]);
        int rounds = Integer.parseInt(args[2]);
        int[] concurrencies = Arrays.stream(args[3].split(",")).mapToInt(Integer::parseInt).toArray();
        String openai = "http://127.0.0.1:" + args[4];
        String anthropic = "http://127.0.0.1:" + args[5];
        String sluice = "http://127.0.0.1:" + args[6];
        String slow = "http://127.0.0.1:" + args[7];
        Map<String, String[]> scenarios = new LinkedHashMap<>();
        // name -> direct url, direct body, sluice body, stream
        scenarios.put("openai-compatible, not streamed", new String[] {openai + "/ai/v1/chat/completions",
            "{\"model\":\"demo-echo-1\"," + CHAT + "}", "{\"model\":\"demo\"," + CHAT + "}", "false"});
        scenarios.put("openai-compatible, streamed", new String[] {openai + "/ai/v1/chat/completions",
            "{\"model\":\"demo-echo-1\",\"stream\":true,\"stream_options\":{\"include_usage\":true}," + CHAT + "}",
            "{\"model\":\"demo\",\"stream\":true," + CHAT + "}", "true"});
        // The same request as the first, through an ordinary proxy route: Sluice's baseline, without the AI front.
        scenarios.put("openai-compatible via a plain proxy route (no AI front)", new String[] {openai + "/ai/v1/chat/completions",
            "{\"model\":\"demo-echo-1\"," + CHAT + "}", "{\"model\":\"demo-echo-1\"," + CHAT + "}", "false", "/plain/ai/v1/chat/completions"});
        scenarios.put("anthropic (translated), not streamed", new String[] {anthropic + "/v1/messages",
            "{\"model\":\"claude-bench\",\"max_tokens\":256,\"system\":\"Be brief.\",\"messages\":[{\"role\":\"user\",\"content\":\"Tell me in ten words why an API gateway sits in front of language models\"}]}",
            "{\"model\":\"claude\"," + CHAT + "}", "false"});
        scenarios.put("anthropic (translated), streamed", new String[] {anthropic + "/v1/messages",
            "{\"model\":\"claude-bench\",\"max_tokens\":256,\"stream\":true,\"system\":\"Be brief.\",\"messages\":[{\"role\":\"user\",\"content\":\"Tell me in ten words why an API gateway sits in front of language models\"}]}",
            "{\"model\":\"claude\",\"stream\":true," + CHAT + "}", "true"});

        // The AI cache (#16): a hit against the instant stand-in, and miss vs hit against a provider taking 20 ms per answer.
        scenarios.put("cache hit (instant provider)", new String[] {openai + "/ai/v1/chat/completions",
            "{\"model\":\"demo-echo-1\"," + CHAT + "}", "{\"model\":\"demo\"," + CHAT + "}", "false", "/cached/chat/completions"});
        scenarios.put("20 ms provider, miss (route without cache)", new String[] {slow + "/v1/chat/completions",
            "{\"model\":\"slow-1\"," + CHAT + "}", "{\"model\":\"slow\"," + CHAT + "}", "false"});
        scenarios.put("20 ms provider, cache hit", new String[] {slow + "/v1/chat/completions",
            "{\"model\":\"slow-1\"," + CHAT + "}", "{\"model\":\"slow\"," + CHAT + "}", "false", "/cached/chat/completions"});

        HttpClient client = new HttpClient();
        client.setMaxConnectionsPerDestination(256);
        client.start();
        Map<String, List<Stats>> results = new LinkedHashMap<>();
        for (int round = 0; round < rounds; round++)
        {
            for (int concurrency : concurrencies)
            {
                for (Map.Entry<String, String[]> scenario : scenarios.entrySet())
                {
                    String[] s = scenario.getValue();
                    boolean stream = Boolean.parseBoolean(s[3]);
                    Stats direct = run(client, URI.create(s[0]), s[1], stream, concurrency, seconds);
                    Stats through = run(client, URI.create(sluice + (s.length > 4 ? s[4] : "/v1/chat/completions")), s[2], stream, concurrency, seconds);
                    results.computeIfAbsent(scenario.getKey() + "|" + concurrency + "|direct", k -> new ArrayList<>()).add(direct);
                    results.computeIfAbsent(scenario.getKey() + "|" + concurrency + "|sluice", k -> new ArrayList<>()).add(through);
                    System.err.printf("round %d c=%d %s: direct p50 %.3f p99 %.3f ms, sluice p50 %.3f p99 %.3f ms (%d/%d failed)%n", round + 1, concurrency,
                        scenario.getKey(), direct.p50, direct.p99, through.p50, through.p99, direct.failures + through.failures, direct.count + through.count);
                }
            }
        }
        client.stop();
        System.out.println("| scenario | callers | direct p50 / p99 ms | through Sluice p50 / p99 ms | added p50 / p99 ms | TTFT direct / Sluice p50 ms | TTFT added p99 ms | Sluice req/s | requests (failed) |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (int concurrency : concurrencies)
        {
            for (String name : scenarios.keySet())
            {
                Stats direct = median(results.get(name + "|" + concurrency + "|direct"));
                Stats through = median(results.get(name + "|" + concurrency + "|sluice"));
                boolean stream = name.endsWith(", streamed");
                System.out.printf("| %s | %d | %.2f / %.2f | %.2f / %.2f | %.2f / %.2f | %s | %s | %.0f | %d (%d) |%n", name, concurrency, direct.p50, direct.p99,
                    through.p50, through.p99, through.p50 - direct.p50, through.p99 - direct.p99,
                    stream ? String.format("%.2f / %.2f", direct.ttft50, through.ttft50) : "-",
                    stream ? String.format("%.2f", through.ttft99 - direct.ttft99) : "-", (double)through.count / (seconds * rounds),
                    direct.count + through.count, direct.failures + through.failures);
            }
        }
    }

    /** An OpenAI-compatible provider that takes {@code millis} per answer (a fast small model), on a free port. */
    private static int slowProvider(long millis) throws Exception
    {
        org.eclipse.jetty.server.Server server = new org.eclipse.jetty.server.Server();
        org.eclipse.jetty.server.ServerConnector connector = new org.eclipse.jetty.server.ServerConnector(server);
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        byte[] answer = ("{\"id\":\"chatcmpl-slow\",\"object\":\"chat.completion\",\"created\":1700000000,\"model\":\"slow-1\",\"choices\":[{\"index\":0,"
            + "\"message\":{\"role\":\"assistant\",\"content\":\"Because one place should hold keys, limits, caches and logs.\"},"
            + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":30,\"completion_tokens\":12,\"total_tokens\":42}}").getBytes(StandardCharsets.UTF_8);
        server.setHandler(new org.eclipse.jetty.server.Handler.Abstract()
        {
            @Override
            public boolean handle(org.eclipse.jetty.server.Request request, org.eclipse.jetty.server.Response response, org.eclipse.jetty.util.Callback callback)
            {
                // Answered from the scheduler after the delay: no thread held while "the model thinks".
                org.eclipse.jetty.io.Content.Source.consumeAll(request, org.eclipse.jetty.util.Callback.NOOP);
                server.getScheduler().schedule(() ->
                {
                    response.setStatus(200);
                    response.getHeaders().put("Content-Type", "application/json");
                    response.write(true, java.nio.ByteBuffer.wrap(answer), callback);
                }, millis, TimeUnit.MILLISECONDS);
                return true;
            }
        });
        server.start();
        return connector.getLocalPort();
    }

    private static Stats median(List<Stats> runs)
    {
        return new Stats(median(runs.stream().mapToDouble(Stats::p50).toArray()), median(runs.stream().mapToDouble(Stats::p99).toArray()),
            median(runs.stream().mapToDouble(Stats::ttft50).toArray()), median(runs.stream().mapToDouble(Stats::ttft99).toArray()),
            runs.stream().mapToInt(Stats::failures).sum(), runs.stream().mapToInt(Stats::count).sum());
    }

    private static double median(double[] values)
    {
        Arrays.sort(values);
        return values[values.length / 2];
    }

    /** One closed-loop run; latencies in milliseconds. */
    static Stats run(HttpClient client, URI url, String body, boolean stream, int concurrency, long seconds) throws Exception
    {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        long[][] totals = new long[concurrency][];
        long[][] firsts = new long[concurrency][];
        AtomicInteger failures = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(concurrency);
        int[] counts = new int[concurrency];
        for (int caller = 0; caller < concurrency; caller++)
        {
            totals[caller] = new long[1 << 16];
            firsts[caller] = new long[1 << 16];
            int index = caller;
            new Caller(client, url, bytes, stream, end, totals[index], firsts[index], failures, () ->
            {
                done.countDown();
            }, count -> counts[index] = count).next();
        }
        done.await();
        List<Long> all = new ArrayList<>();
        List<Long> first = new ArrayList<>();
        for (int caller = 0; caller < concurrency; caller++)
        {
            for (int i = 0; i < counts[caller]; i++)
            {
                all.add(totals[caller][i]);
                first.add(firsts[caller][i]);
            }
        }
        all.sort(null);
        first.sort(null);
        return new Stats(percentile(all, 0.50), percentile(all, 0.99), percentile(first, 0.50), percentile(first, 0.99), failures.get(), all.size());
    }

    private static double percentile(List<Long> sorted, double p)
    {
        if (sorted.isEmpty())
        {
            return Double.NaN;
        }
        return sorted.get(Math.min(sorted.size() - 1, (int)Math.ceil(p * sorted.size()) - 1)) / 1e6;
    }

    /** One caller: a request, and when it ends, the next, until the deadline. */
    private static final class Caller
    {
        private final HttpClient client;
        private final URI url;
        private final byte[] body;
        private final boolean stream;
        private final long end;
        private final long[] totals;
        private final long[] firsts;
        private final AtomicInteger failures;
        private final Runnable finished;
        private final java.util.function.IntConsumer count;
        private int done;

        Caller(HttpClient client, URI url, byte[] body, boolean stream, long end, long[] totals, long[] firsts, AtomicInteger failures, Runnable finished,
            java.util.function.IntConsumer count)
        {
            this.client = client;
            this.url = url;
            this.body = body;
            this.stream = stream;
            this.end = end;
            this.totals = totals;
            this.firsts = firsts;
            this.failures = failures;
            this.finished = finished;
            this.count = count;
        }

        void next()
        {
            if (System.nanoTime() - end > 0 || done == totals.length)
            {
                count.accept(done);
                finished.run();
                return;
            }
            long start = System.nanoTime();
            long[] first = {-1};
            Request request = client.POST(url).body(new BytesRequestContent("application/json", body)).timeout(30, TimeUnit.SECONDS);
            request.send(new Response.Listener()
            {
                @Override
                public void onContent(Response response, java.nio.ByteBuffer content)
                {
                    if (first[0] < 0 && stream)
                    {
                        String text = StandardCharsets.UTF_8.decode(content).toString();
                        if (text.contains("\"content\":\"Y") || text.contains("\"content\":\"H") || text.contains("text_delta"))
                        {
                            first[0] = System.nanoTime() - start;
                        }
                    }
                }

                @Override
                public void onComplete(Result result)
                {
                    long total = System.nanoTime() - start;
                    if (result.isFailed() || result.getResponse().getStatus() != 200)
                    {
                        failures.incrementAndGet();
                    }
                    else
                    {
                        totals[done] = total;
                        firsts[done] = first[0] < 0 ? total : first[0];
                        done++;
                    }
                    next();
                }
            });
        }
    }
}
