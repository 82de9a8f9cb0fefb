// Token counts: Anthropic's (POST /v1/messages/count_tokens), the provider's own or the front's estimate; OpenAI's Responses input_tokens, estimated.
package dev.sluice.ai;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.exchange.Exchange;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.Request;

/**
 * Claude Code asks {@code count_tokens} before each turn to decide when to compact a
 * conversation. The count is asked of the alias's first target when that is an Anthropic provider
 * (exact, and free there), else, or when that fails, estimated with the front's tokenizer (o200k,
 * which undercounts Claude's tokens somewhat), said by {@code X-Sluice-AI-Estimated}. Nothing is
 * reserved or charged; the client's body is counted as sent, before any prompt template of Sluice's.
 */
final class TokenCount
{
    /** How long a provider may take to count a prompt before Sluice estimates it instead. */
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    /** What Messages takes and counting does not: Anthropic refuses extra fields. */
    private static final List<String> NOT_COUNTED = List.of("max_tokens", "stream", "metadata", "stop_sequences", "temperature", "top_k", "top_p",
        "service_tier");

    private TokenCount()
    {
    }

    /**
     * OpenAI's {@code POST /responses/input_tokens}: estimated with the front's tokenizer, as no
     * provider behind the chat form counts a Responses request; nothing reserved or charged.
     *
     * @param translated the request in the chat form
     */
    static void estimate(HttpServletResponse response, Exchange exchange, ObjectNode translated) throws java.io.IOException
    {
        write(response, exchange, "{\"object\":\"response.input_tokens\",\"input_tokens\":" + TokenCounter.prompt(translated) + "}\n", true);
    }

    private static void write(HttpServletResponse response, Exchange exchange, String json, boolean estimated) throws java.io.IOException
    {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        response.setStatus(200);
        response.setContentType("application/json");
        response.setHeader("X-Sluice-AI-Estimated", Boolean.toString(estimated));
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
        exchange.addBytesOut(body.length);
    }

    /**
     * @param anthropic the request as the client sent it
     * @param translated the same in the OpenAI form the front works in, for the estimate
     */
    static void answer(AiFront front, HttpServletRequest request, HttpServletResponse response, Exchange exchange, AiSettings settings,
                       ObjectNode anthropic, ObjectNode translated, AiSettings.Model model) throws java.io.IOException
    {
        AiSettings.Target first = model.targets().get(0);
        AiSettings.Provider provider = settings.providers().get(first.provider());
        long tokens = provider != null && provider.type() == AiSettings.ProviderType.ANTHROPIC
            ? providerCount(front, provider, first, anthropic, AnthropicInbound.beta(request), exchange) : -1;
        boolean estimated = tokens < 0;
        if (estimated)
        {
            tokens = TokenCounter.prompt(translated);
        }
        write(response, exchange, "{\"input_tokens\":" + tokens + "}\n", estimated);
    }

    /** The provider's own count, or -1 when it could not give one in time. */
    private static long providerCount(AiFront front, AiSettings.Provider provider, AiSettings.Target target, ObjectNode anthropic, String beta,
                                      Exchange exchange)
    {
        ObjectNode payload = anthropic.deepCopy();
        payload.put("model", target.model());
        payload.remove(NOT_COUNTED);
        try
        {
            Request request = ProviderAttempt.providerRequest(front, provider, target, AiFront.Operation.CHAT, false,
                AnthropicTranslation.JSON.writeValueAsBytes(payload));
            request.path(request.getPath() + "/count_tokens").timeout(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            if (beta != null)
            {
                request.headers(headers -> headers.put(AnthropicInbound.BETA_HEADER, beta));
            }
            ContentResponse answer = request.send();
            JsonNode count = answer.getStatus() == 200 ? AnthropicTranslation.JSON.readTree(answer.getContent()).get("input_tokens") : null;
            if (count != null && count.isIntegralNumber() && count.asLong() >= 0)
            {
                return count.asLong();
            }
            AiFront.LOG.info("{} provider '{}' did not count tokens (status {}); estimated instead", exchange.id(), target.provider(),
                answer.getStatus());
        }
        catch (InterruptedException x)
        {
            Thread.currentThread().interrupt();
        }
        catch (Exception x)
        {
            AiFront.LOG.info("{} provider '{}' did not count tokens ({}); estimated instead", exchange.id(), target.provider(), x.toString());
        }
        return -1;
    }
}
