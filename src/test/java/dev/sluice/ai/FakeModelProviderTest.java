// The fake providers checked against the official SDKs, so the AI front's tests rest on the real wire formats.
package dev.sluice.ai;

import java.util.List;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.StopReason;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import dev.sluice.testing.FakeModelProvider;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FakeModelProviderTest
{
    @Test
    void theAnthropicFakeSpeaksWhatAnthropicsSdkReadsStreamedAndNot() throws Exception
    {
        try (FakeModelProvider fake = FakeModelProvider.start("anthropic"))
        {
            AnthropicClient client = AnthropicOkHttpClient.builder().baseUrl(fake.uri().toString()).apiKey("test").maxRetries(0).build();
            try
            {
                MessageCreateParams params = MessageCreateParams.builder().model("claude-x").maxTokens(100).system("Be brief.").addUserMessage("Say hi").build();
                Message message = client.messages().create(params);
                assertEquals("Hello from anthropic: Say hi", message.content().get(0).asText().text());
                assertEquals(StopReason.END_TURN, message.stopReason().orElseThrow());
                assertTrue(message.usage().inputTokens() > 0);

                MessageAccumulator accumulator = MessageAccumulator.create();
                try (StreamResponse<RawMessageStreamEvent> stream = client.messages().createStreaming(params))
                {
                    stream.stream().forEach(accumulator::accumulate);
                }
                Message streamed = accumulator.message();
                assertEquals("Hello from anthropic: Say hi", streamed.content().get(0).asText().text());
                assertEquals(StopReason.END_TURN, streamed.stopReason().orElseThrow());
                assertEquals(5, streamed.usage().outputTokens());
            }
            finally
            {
                client.close();
            }
        }
    }

    @Test
    void theOpenAiFakeSpeaksWhatOpenAisSdkReadsStreamedAndNot() throws Exception
    {
        try (FakeModelProvider fake = FakeModelProvider.start("openai"))
        {
            OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(fake.uri() + "/v1").apiKey("test").maxRetries(0).build();
            try
            {
                ChatCompletionCreateParams params = ChatCompletionCreateParams.builder().model("gpt-x").addUserMessage("Say hi")
                    .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build();
                ChatCompletion completion = client.chat().completions().create(params);
                assertEquals("Hello from openai: Say hi", completion.choices().get(0).message().content().orElseThrow());
                StringBuilder text = new StringBuilder();
                List<Long> usage = new java.util.ArrayList<>();
                try (com.openai.core.http.StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params))
                {
                    stream.stream().forEach(chunk ->
                    {
                        chunk.choices().forEach(choice -> choice.delta().content().ifPresent(text::append));
                        chunk.usage().ifPresent(u -> usage.add(u.completionTokens()));
                    });
                }
                assertEquals("Hello from openai: Say hi", text.toString());
                assertEquals(List.of(5L), usage);
            }
            finally
            {
                client.close();
            }
        }
    }
}
