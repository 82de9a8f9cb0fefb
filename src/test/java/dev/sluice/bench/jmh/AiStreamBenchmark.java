// JMH: translating one streamed event, the AI front's per-token work (target: >= 1 M events/s per core).
package dev.sluice.bench.jmh;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import dev.sluice.ai.AnthropicStream;
import dev.sluice.ai.OpenAiStream;
import dev.sluice.ai.SseParser;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Each operation is one event's bytes as they come off the wire, fed to the SSE parser, translated
 * (Anthropic) or inspected and passed on (OpenAI), and the output buffer handed over (cleared).
 * Throughput per thread, so ops/s is events per second per core.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class AiStreamBenchmark
{
    private static final byte[] ANTHROPIC_DELTA = ("event: content_block_delta\n"
        + "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\" proxies\"}}\n\n").getBytes(StandardCharsets.UTF_8);
    private static final byte[] OPENAI_CHUNK = ("data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
        + "\"model\":\"gpt-4o-mini-2024-07-18\",\"system_fingerprint\":\"fp_1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" proxies\"},"
        + "\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n").getBytes(StandardCharsets.UTF_8);

    private AnthropicStream anthropic;
    private SseParser anthropicParser;
    private OpenAiStream openai;
    private SseParser openaiParser;

    @Setup
    public void setUp()
    {
        anthropic = new AnthropicStream(false, false, 1_700_000_000L);
        anthropic.onEvent("message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"model\":\"claude-sonnet-4-5\",\"usage\":{\"input_tokens\":25,\"output_tokens\":1}}}");
        anthropicParser = new SseParser(anthropic, 1 << 20);
        openai = new OpenAiStream(false, false);
        openaiParser = new SseParser(openai, 1 << 20);
    }

    @Benchmark
    public int anthropicDeltaToOpenAiChunk()
    {
        anthropicParser.feed(ANTHROPIC_DELTA, 0, ANTHROPIC_DELTA.length);
        int length = anthropic.out().length();
        anthropic.out().clear();
        return length;
    }

    @Benchmark
    public int openAiChunkPassedThrough()
    {
        openaiParser.feed(OPENAI_CHUNK, 0, OPENAI_CHUNK.length);
        int length = openai.out().length();
        openai.out().clear();
        return length;
    }
}
