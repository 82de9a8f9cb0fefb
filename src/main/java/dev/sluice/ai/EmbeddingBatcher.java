// Merges embeddings requests arriving within a short window into one provider call, and splits the answer back.
package dev.sluice.ai;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.client.BufferingResponseListener;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * With {@code ai.embeddings.batch-window} set, an embeddings request waits up to that long for
 * others to the same target with the same parameters (model, {@code dimensions},
 * {@code encoding_format}, …; strings and token arrays are never mixed), and all go to the
 * provider as one request — sooner when {@code ai.embeddings.batch-max} inputs are gathered.
 * The answer's vectors are handed back by position, renumbered from 0 for each caller, and the
 * provider's prompt tokens are split between the callers in proportion to their inputs' token
 * counts (o200k), so each is charged its own share and the shares add up to what the provider
 * billed. When the merged call fails, every caller gets that failure as its own attempt's, and
 * falls back as it would alone.
 */
final class EmbeddingBatcher
{
    private final AiFront front;
    private final Scheduler scheduler;
    private final Map<String, Batch> open = new HashMap<>();

    EmbeddingBatcher(AiFront front, Scheduler scheduler)
    {
        this.front = front;
        this.scheduler = scheduler;
    }

    boolean batching(Governance governance)
    {
        return governance.batchWindow().toNanos() > 0;
    }

    /** One caller in a batch: its inputs' place in the merged input, and their token count. */
    private record Member(ProviderAttempt attempt, int offset, int count, long tokens)
    {
    }

    private static final class Batch
    {
        final String key;
        final AiSettings.Target target;
        final AiSettings.Provider provider;
        final ObjectNode template;
        final ArrayNode inputs;
        final List<Member> members = new ArrayList<>();
        Scheduler.Task timer;
        boolean sent;

        Batch(String key, AiSettings.Target target, AiSettings.Provider provider, ObjectNode template)
        {
            this.key = key;
            this.target = target;
            this.provider = provider;
            this.template = template;
            this.inputs = template.putArray("input");
        }
    }

    void submit(Governance governance, AiSettings.Target target, AiSettings.Provider provider, ObjectNode body, ProviderAttempt attempt)
    {
        JsonNode input = body.path("input");
        ArrayNode items = AnthropicTranslation.JSON.createArrayNode();
        boolean tokens;
        if (input.isTextual())
        {
            items.add(input);
            tokens = false;
        }
        else if (input.isArray() && !input.isEmpty() && input.get(0).isNumber())
        {
            // One token array.
            items.add(input);
            tokens = true;
        }
        else
        {
            items.addAll((ArrayNode)input);
            tokens = !items.isEmpty() && items.get(0).isArray();
        }
        ObjectNode parameters = body.deepCopy();
        parameters.remove("input");
        parameters.remove("user");
        parameters.put("model", target.model());
        String key = target.id() + "\n" + tokens + "\n" + new TreeMap<>(fields(parameters));
        long count = TokenCounter.embeddingInput(body);
        Batch flush = null;
        synchronized (open)
        {
            Batch batch = open.get(key);
            if (batch == null)
            {
                Batch fresh = new Batch(key, target, provider, parameters);
                batch = fresh;
                open.put(key, batch);
                batch.timer = scheduler.schedule(() -> flush(fresh), governance.batchWindow().toNanos(), TimeUnit.NANOSECONDS);
            }
            batch.members.add(new Member(attempt, batch.inputs.size(), items.size(), count));
            batch.inputs.addAll(items);
            if (batch.inputs.size() >= governance.batchMax())
            {
                open.remove(key);
                flush = batch;
            }
        }
        if (flush != null)
        {
            flush.timer.cancel();
            flush(flush);
        }
    }

    private static Map<String, String> fields(ObjectNode node)
    {
        Map<String, String> fields = new HashMap<>();
        node.fields().forEachRemaining(field -> fields.put(field.getKey(), field.getValue().toString()));
        return fields;
    }

    private void flush(Batch batch)
    {
        synchronized (open)
        {
            if (batch.sent)
            {
                return;
            }
            batch.sent = true;
            open.remove(batch.key, batch);
        }
        byte[] payload;
        try
        {
            payload = AnthropicTranslation.JSON.writeValueAsBytes(batch.template);
        }
        catch (IOException x)
        {
            fail(batch, 0, null, 0, x);
            return;
        }
        front.metrics.aiBatch(batch.members.size());
        ProviderAttempt.providerRequest(front, batch.provider, batch.target, AiFront.Operation.EMBEDDINGS, false, payload)
            .send(new BufferingResponseListener((int)Math.min(Integer.MAX_VALUE - 8, batch.members.get(0).attempt().maxResponseBody()))
            {
                @Override
                public void onComplete(Result result)
                {
                    int status = result.getResponse() == null ? 0 : result.getResponse().getStatus();
                    long retryAfter = 0;
                    String header = result.getResponse() == null ? null : result.getResponse().getHeaders().get(HttpHeader.RETRY_AFTER);
                    if (header != null)
                    {
                        try
                        {
                            retryAfter = Math.min(3600, Math.max(0, Long.parseLong(header.trim())));
                        }
                        catch (NumberFormatException x)
                        {
                            retryAfter = 1;
                        }
                    }
                    // An answer given in full before the whole request was taken is the answer.
                    Throwable failure = ProviderAttempt.failureOf(result);
                    if (failure != null || status != 200)
                    {
                        fail(batch, status, failure == null ? getContent() : null, retryAfter, failure);
                        return;
                    }
                    split(batch, getContent());
                }
            });
    }

    private static void fail(Batch batch, int status, byte[] body, long retryAfter, Throwable failure)
    {
        for (Member member : batch.members)
        {
            member.attempt().batched(status, body, retryAfter, failure);
        }
    }

    /** Hands each caller its vectors, renumbered, with its share of the prompt tokens. */
    private static void split(Batch batch, byte[] content)
    {
        JsonNode answer;
        try
        {
            answer = AnthropicTranslation.JSON.readTree(content);
        }
        catch (IOException x)
        {
            answer = null;
        }
        JsonNode[] byIndex = new JsonNode[batch.inputs.size()];
        boolean complete = answer != null && answer.path("data").isArray();
        if (complete)
        {
            for (JsonNode item : answer.path("data"))
            {
                int index = item.path("index").asInt(-1);
                if (index >= 0 && index < byIndex.length)
                {
                    byIndex[index] = item;
                }
            }
            for (JsonNode item : byIndex)
            {
                complete &= item != null;
            }
        }
        if (!complete)
        {
            // Not the answer the API documents: each caller judges it as its own (and falls back).
            fail(batch, 200, content, 0, null);
            return;
        }
        long billed = Usage.tokens(answer.path("usage").path("prompt_tokens"), -1);
        long counted = 0;
        for (Member member : batch.members)
        {
            counted += member.tokens();
        }
        long given = 0;
        for (int m = 0; m < batch.members.size(); m++)
        {
            Member member = batch.members.get(m);
            ObjectNode own = AnthropicTranslation.JSON.createObjectNode();
            own.put("object", "list");
            ArrayNode data = own.putArray("data");
            for (int i = 0; i < member.count(); i++)
            {
                ObjectNode item = ((ObjectNode)byIndex[member.offset() + i]).deepCopy();
                item.put("index", i);
                data.add(item);
            }
            own.put("model", answer.path("model").asText(batch.target.model()));
            if (billed >= 0)
            {
                // Shares in proportion to each caller's counted tokens; the last takes the rounding.
                long share = m == batch.members.size() - 1 ? billed - given
                    : counted == 0 ? billed / batch.members.size() : Math.round((double)billed * member.tokens() / counted);
                share = Math.max(0, Math.min(share, billed - given));
                given += share;
                own.putObject("usage").put("prompt_tokens", share).put("total_tokens", share);
            }
            byte[] body;
            try
            {
                body = AnthropicTranslation.JSON.writeValueAsBytes(own);
            }
            catch (IOException x)
            {
                member.attempt().batched(0, null, 0, x);
                continue;
            }
            member.attempt().batched(200, body, 0, null);
        }
    }
}
