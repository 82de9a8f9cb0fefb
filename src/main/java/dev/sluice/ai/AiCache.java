// The AI response cache: complete answers stored by a hash of the normalised request, replayed as a stream or as JSON.
package dev.sluice.ai;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.ehcache.Cache;
import org.ehcache.CacheManager;
import org.ehcache.config.builders.CacheConfigurationBuilder;
import org.ehcache.config.builders.CacheManagerBuilder;
import org.ehcache.config.builders.ResourcePoolsBuilder;
import org.ehcache.config.units.EntryUnit;
import org.ehcache.config.units.MemoryUnit;
import org.ehcache.expiry.ExpiryPolicy;
import org.ehcache.spi.serialization.Serializer;
import org.ehcache.spi.serialization.SerializerException;

/**
 * Exact-match caching of chat and embeddings answers on Ehcache (a heap tier in entries, and an
 * off-heap tier when {@code ai.cache.off-heap} is set, as the HTTP cache has).
 *
 * <p>The key is the SHA-256 of the operation, the consumer (unless {@code ai.cache.shared}) and
 * the request as the provider would get it after templates, guards and decorators, in canonical
 * JSON (object keys sorted, no whitespace), without the fields that do not change the answer
 * ({@code stream}, {@code stream_options}, {@code user}, {@code metadata}, {@code store}) and,
 * with {@code ai.cache.ignore-system}, without system and developer messages.</p>
 *
 * <p>Each entry holds both forms of one answer, made once when it is stored: the OpenAI JSON
 * answer, and its stream of chunks without the usage chunk and {@code [DONE]}. A streamed answer
 * keeps its own chunks (so a replay carries the same ids, content pieces and tool-call deltas)
 * and gets a JSON answer assembled from them; a JSON answer gets chunks made from it. A replay is
 * then the stored bytes, written at once (the provider's pacing collapsed), plus a usage chunk
 * when the client asked for one. Only complete answers are stored: not a stream that was cut or
 * ended in an error, not {@code finish_reason: length} unless allowed, not {@code n > 1}.</p>
 */
final class AiCache implements AutoCloseable
{
    static final String CONTROL_HEADER = "X-Sluice-Cache";
    static final String STATUS_HEADER = "X-Cache-Status";
    private static final Set<String> IGNORED = Set.of("stream", "stream_options", "user", "metadata", "store");
    private static final String CACHE = "ai-answers";

    private final CacheManager manager;
    private final Cache<String, Entry> cache;
    private final Governance.CacheSpec spec;

    /**
     * One stored answer.
     *
     * @param events the chunks as server-sent events, without usage chunk and {@code [DONE]}
     * @param usageChunk the usage chunk's event
     */
    record Entry(byte[] answer, byte[] events, byte[] usageChunk, String model, String provider, long promptTokens, long completionTokens,
        long createdMillis, long ttlMillis)
    {
    }

    /** What the client asked of the cache in {@code X-Sluice-Cache}. */
    record Control(boolean read, boolean write, Duration ttl)
    {
        static final Control DEFAULT = new Control(true, true, null);
    }

    AiCache(Governance.CacheSpec spec)
    {
        long offHeapBytes = spec.offHeapBytes();
        this.spec = spec;
        ResourcePoolsBuilder pools = ResourcePoolsBuilder.newResourcePoolsBuilder().heap(spec.maxEntries(), EntryUnit.ENTRIES);
        if (offHeapBytes > 0)
        {
            pools = pools.offheap(Math.max(1, offHeapBytes >> 20), MemoryUnit.MB);
        }
        CacheConfigurationBuilder<String, Entry> configuration = CacheConfigurationBuilder
            .newCacheConfigurationBuilder(String.class, Entry.class, pools)
            .withValueSerializer(EntrySerializer.class)
            .withExpiry(new ExpiryPolicy<String, Entry>()
            {
                @Override
                public Duration getExpiryForCreation(String key, Entry value)
                {
                    return Duration.ofMillis(value.ttlMillis());
                }

                @Override
                public Duration getExpiryForAccess(String key, Supplier<? extends Entry> value)
                {
                    return null;
                }

                @Override
                public Duration getExpiryForUpdate(String key, Supplier<? extends Entry> oldValue, Entry newValue)
                {
                    return Duration.ofMillis(newValue.ttlMillis());
                }
            });
        manager = CacheManagerBuilder.newCacheManagerBuilder().withCache(CACHE, configuration).build(true);
        cache = manager.getCache(CACHE, String.class, Entry.class);
    }

    /** Reads {@code X-Sluice-Cache}; null when its value is not one Sluice knows. */
    static Control control(String header, Duration max)
    {
        if (header == null || header.isBlank())
        {
            return Control.DEFAULT;
        }
        String value = header.trim().toLowerCase(java.util.Locale.ROOT);
        if (value.equals("no-cache"))
        {
            return new Control(false, true, null);
        }
        if (value.equals("no-store"))
        {
            return new Control(false, false, null);
        }
        if (value.startsWith("ttl=") && value.length() > 4 && value.length() <= 14 && value.substring(4).chars().allMatch(Character::isDigit))
        {
            long seconds = Long.parseLong(value.substring(4));
            if (seconds > 0)
            {
                Duration ttl = Duration.ofSeconds(seconds);
                return new Control(true, true, ttl.compareTo(max) > 0 ? max : ttl);
            }
        }
        return null;
    }

    /** The entry's key: operation, partition and the normalised request. */
    String key(AiFront.Operation operation, String partition, ObjectNode body)
    {
        StringBuilder canonical = new StringBuilder(256);
        canonical.append(operation.name()).append('\n').append(spec.shared() ? "*" : partition == null ? "-" : partition).append('\n');
        canonical.append('{');
        boolean first = true;
        for (Map.Entry<String, JsonNode> field : sorted(body))
        {
            if (IGNORED.contains(field.getKey()))
            {
                continue;
            }
            JsonNode value = field.getValue();
            if (spec.ignoreSystem() && field.getKey().equals("messages") && value.isArray())
            {
                ArrayNode kept = AnthropicTranslation.JSON.createArrayNode();
                for (JsonNode message : value)
                {
                    String role = message.path("role").asText();
                    if (!role.equals("system") && !role.equals("developer"))
                    {
                        kept.add(message);
                    }
                }
                value = kept;
            }
            if (!first)
            {
                canonical.append(',');
            }
            first = false;
            canonical.append(AnthropicTranslation.JSON.getNodeFactory().textNode(field.getKey()).toString()).append(':');
            canonical(value, canonical);
        }
        canonical.append('}');
        try
        {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical.toString().getBytes(StandardCharsets.UTF_8)));
        }
        catch (NoSuchAlgorithmException x)
        {
            throw new IllegalStateException(x);
        }
    }

    private static List<Map.Entry<String, JsonNode>> sorted(JsonNode object)
    {
        TreeMap<String, JsonNode> fields = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext();)
        {
            Map.Entry<String, JsonNode> field = it.next();
            fields.put(field.getKey(), field.getValue());
        }
        return new ArrayList<>(fields.entrySet());
    }

    private static void canonical(JsonNode node, StringBuilder out)
    {
        if (node.isObject())
        {
            out.append('{');
            boolean first = true;
            for (Map.Entry<String, JsonNode> field : sorted(node))
            {
                if (!first)
                {
                    out.append(',');
                }
                first = false;
                out.append(AnthropicTranslation.JSON.getNodeFactory().textNode(field.getKey()).toString()).append(':');
                canonical(field.getValue(), out);
            }
            out.append('}');
        }
        else if (node.isArray())
        {
            out.append('[');
            for (int i = 0; i < node.size(); i++)
            {
                if (i > 0)
                {
                    out.append(',');
                }
                canonical(node.get(i), out);
            }
            out.append(']');
        }
        else if (node.isNumber())
        {
            // 1, 1.0 and 1e0 are one number to a model.
            out.append(node.decimalValue().stripTrailingZeros().toPlainString());
        }
        else
        {
            out.append(node.toString());
        }
    }

    Entry get(String key)
    {
        try
        {
            return cache.get(key);
        }
        catch (RuntimeException x)
        {
            AiFront.LOG.debug("AI cache read failed: {}", x.toString());
            return null;
        }
    }

    /** Whether the request may be answered from or stored in the cache at all. */
    static boolean cacheable(ObjectNode body)
    {
        JsonNode n = body.get("n");
        return n == null || n.isNull() || n.asInt(1) == 1;
    }

    /**
     * Stores a JSON answer (from a non-streamed request).
     *
     * @return whether it was stored
     */
    boolean storeAnswer(String key, byte[] answer, Usage usage, String provider, Duration ttl, AiFront.Operation operation)
    {
        JsonNode parsed;
        try
        {
            parsed = AnthropicTranslation.JSON.readTree(answer);
        }
        catch (IOException x)
        {
            return false;
        }
        if (operation == AiFront.Operation.CHAT && !storable(parsed.path("choices").path(0).path("finish_reason").asText(null)))
        {
            return false;
        }
        byte[] events = operation == AiFront.Operation.CHAT ? chunks(parsed) : new byte[0];
        return put(key, answer, events, usageChunk(parsed.path("id").asText("chatcmpl-sluice"), parsed.path("created").asLong(),
            parsed.path("model").asText(""), usage), parsed.path("model").asText(null), provider, usage, ttl);
    }

    /**
     * Stores a streamed answer from the events the client got.
     *
     * @return whether it was stored
     */
    boolean storeStream(String key, byte[] sse, Usage usage, String provider, Duration ttl)
    {
        List<JsonNode> chunks = new ArrayList<>();
        ByteArrayOutputStream events = new ByteArrayOutputStream(sse.length);
        for (String frame : new String(sse, StandardCharsets.UTF_8).split("\n\n"))
        {
            if (!frame.startsWith("data: ") || frame.equals("data: [DONE]"))
            {
                continue;
            }
            JsonNode chunk;
            try
            {
                chunk = AnthropicTranslation.JSON.readTree(frame.substring(6));
            }
            catch (IOException x)
            {
                return false;
            }
            if (chunk.has("error"))
            {
                return false;
            }
            if (chunk.path("choices").isArray() && chunk.path("choices").isEmpty() && chunk.path("usage").isObject())
            {
                continue;
            }
            chunks.add(chunk);
            events.writeBytes((frame + "\n\n").getBytes(StandardCharsets.UTF_8));
        }
        if (chunks.isEmpty())
        {
            return false;
        }
        ObjectNode answer = assemble(chunks, usage);
        if (!storable(answer.path("choices").path(0).path("finish_reason").asText(null)))
        {
            return false;
        }
        byte[] json;
        try
        {
            json = AnthropicTranslation.JSON.writeValueAsBytes(answer);
        }
        catch (IOException x)
        {
            return false;
        }
        return put(key, json, events.toByteArray(), usageChunk(answer.path("id").asText(), answer.path("created").asLong(), answer.path("model").asText(""),
            usage), answer.path("model").asText(null), provider, usage, ttl);
    }

    private boolean storable(String finishReason)
    {
        return finishReason != null && (!finishReason.equals("length") || spec.storeTruncated());
    }

    private boolean put(String key, byte[] answer, byte[] events, byte[] usageChunk, String model, String provider, Usage usage, Duration ttl)
    {
        if (answer.length + events.length > spec.maxEntryBytes())
        {
            return false;
        }
        Duration life = ttl != null ? ttl : spec.ttl();
        try
        {
            cache.put(key, new Entry(answer, events, usageChunk, model == null ? "" : model, provider, usage.promptTokens(), usage.completionTokens(),
                System.currentTimeMillis(), life.toMillis()));
            return true;
        }
        catch (RuntimeException x)
        {
            AiFront.LOG.debug("AI cache write failed: {}", x.toString());
            return false;
        }
    }

    /** One JSON answer from a stream's chunks: content and refusal joined, tool calls merged by index. */
    static ObjectNode assemble(List<JsonNode> chunks, Usage usage)
    {
        JsonNode head = chunks.get(0);
        StringBuilder content = new StringBuilder();
        StringBuilder refusal = null;
        Map<Integer, ObjectNode> calls = new TreeMap<>();
        String finish = null;
        boolean anyContent = false;
        for (JsonNode chunk : chunks)
        {
            JsonNode choice = chunk.path("choices").path(0);
            JsonNode delta = choice.path("delta");
            if (delta.path("content").isTextual())
            {
                content.append(delta.path("content").asText());
                anyContent = true;
            }
            if (delta.path("refusal").isTextual())
            {
                refusal = refusal == null ? new StringBuilder() : refusal;
                refusal.append(delta.path("refusal").asText());
            }
            for (JsonNode call : delta.path("tool_calls"))
            {
                ObjectNode merged = calls.computeIfAbsent(call.path("index").asInt(), index ->
                {
                    ObjectNode fresh = AnthropicTranslation.JSON.createObjectNode();
                    fresh.put("id", "");
                    fresh.put("type", "function");
                    fresh.putObject("function").put("name", "").put("arguments", "");
                    return fresh;
                });
                if (call.path("id").isTextual())
                {
                    merged.put("id", call.path("id").asText());
                }
                ObjectNode function = (ObjectNode)merged.get("function");
                if (call.path("function").path("name").isTextual())
                {
                    function.put("name", function.path("name").asText() + call.path("function").path("name").asText());
                }
                if (call.path("function").path("arguments").isTextual())
                {
                    function.put("arguments", function.path("arguments").asText() + call.path("function").path("arguments").asText());
                }
            }
            if (choice.path("finish_reason").isTextual())
            {
                finish = choice.path("finish_reason").asText();
            }
        }
        ObjectNode answer = AnthropicTranslation.JSON.createObjectNode();
        answer.put("id", head.path("id").asText("chatcmpl-sluice"));
        answer.put("object", "chat.completion");
        answer.put("created", head.path("created").asLong());
        answer.put("model", head.path("model").asText(""));
        ObjectNode choice = answer.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode message = choice.putObject("message");
        message.put("role", "assistant");
        if (anyContent || calls.isEmpty())
        {
            message.put("content", content.toString());
        }
        else
        {
            message.putNull("content");
        }
        if (refusal != null)
        {
            message.put("refusal", refusal.toString());
        }
        else
        {
            message.putNull("refusal");
        }
        if (!calls.isEmpty())
        {
            ArrayNode list = message.putArray("tool_calls");
            calls.values().forEach(list::add);
        }
        choice.putNull("logprobs");
        if (finish == null)
        {
            choice.putNull("finish_reason");
        }
        else
        {
            choice.put("finish_reason", finish);
        }
        answer.set("usage", usageNode(usage));
        return answer;
    }

    /** A stream of chunks made from a JSON answer: role, content, tool calls, then the finish reason. */
    static byte[] chunks(JsonNode answer)
    {
        String id = answer.path("id").asText("chatcmpl-sluice");
        long created = answer.path("created").asLong();
        String model = answer.path("model").asText("");
        JsonNode choice = answer.path("choices").path(0);
        JsonNode message = choice.path("message");
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        ObjectNode role = AnthropicTranslation.JSON.createObjectNode().put("role", "assistant").put("content", "");
        event(out, id, created, model, role, null);
        if (message.path("content").isTextual() && !message.path("content").asText().isEmpty())
        {
            event(out, id, created, model, AnthropicTranslation.JSON.createObjectNode().put("content", message.path("content").asText()), null);
        }
        if (message.path("refusal").isTextual())
        {
            event(out, id, created, model, AnthropicTranslation.JSON.createObjectNode().put("refusal", message.path("refusal").asText()), null);
        }
        int index = 0;
        for (JsonNode call : message.path("tool_calls"))
        {
            ObjectNode delta = AnthropicTranslation.JSON.createObjectNode();
            ObjectNode item = delta.putArray("tool_calls").addObject();
            item.put("index", index++);
            item.set("id", call.path("id"));
            item.put("type", "function");
            item.set("function", call.path("function"));
            event(out, id, created, model, delta, null);
        }
        event(out, id, created, model, AnthropicTranslation.JSON.createObjectNode(), choice.path("finish_reason").asText("stop"));
        return out.toByteArray();
    }

    private static void event(ByteArrayOutputStream out, String id, long created, String model, ObjectNode delta, String finish)
    {
        ObjectNode chunk = AnthropicTranslation.JSON.createObjectNode();
        chunk.put("id", id);
        chunk.put("object", "chat.completion.chunk");
        chunk.put("created", created);
        chunk.put("model", model);
        ObjectNode choice = chunk.putArray("choices").addObject();
        choice.put("index", 0);
        choice.set("delta", delta);
        choice.putNull("logprobs");
        if (finish == null)
        {
            choice.putNull("finish_reason");
        }
        else
        {
            choice.put("finish_reason", finish);
        }
        out.writeBytes(("data: " + chunk + "\n\n").getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] usageChunk(String id, long created, String model, Usage usage)
    {
        ObjectNode chunk = AnthropicTranslation.JSON.createObjectNode();
        chunk.put("id", id);
        chunk.put("object", "chat.completion.chunk");
        chunk.put("created", created);
        chunk.put("model", model);
        chunk.putArray("choices");
        chunk.set("usage", usageNode(usage));
        return ("data: " + chunk + "\n\n").getBytes(StandardCharsets.UTF_8);
    }

    private static ObjectNode usageNode(Usage usage)
    {
        ObjectNode node = AnthropicTranslation.JSON.createObjectNode();
        node.put("prompt_tokens", usage.promptTokens());
        node.put("completion_tokens", usage.completionTokens());
        node.put("total_tokens", usage.totalTokens());
        return node;
    }

    @Override
    public void close()
    {
        manager.close();
    }

    /** Entries for the off-heap tier: lengths and bytes, no Java serialization. */
    public static final class EntrySerializer implements Serializer<Entry>
    {
        public EntrySerializer(ClassLoader loader)
        {
        }

        @Override
        public ByteBuffer serialize(Entry entry) throws SerializerException
        {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(entry.answer().length + entry.events().length + 256);
            try (DataOutputStream out = new DataOutputStream(bytes))
            {
                write(out, entry.answer());
                write(out, entry.events());
                write(out, entry.usageChunk());
                out.writeUTF(entry.model());
                out.writeUTF(entry.provider());
                out.writeLong(entry.promptTokens());
                out.writeLong(entry.completionTokens());
                out.writeLong(entry.createdMillis());
                out.writeLong(entry.ttlMillis());
            }
            catch (IOException x)
            {
                throw new SerializerException(x);
            }
            return ByteBuffer.wrap(bytes.toByteArray());
        }

        private static void write(DataOutputStream out, byte[] bytes) throws IOException
        {
            out.writeInt(bytes.length);
            out.write(bytes);
        }

        @Override
        public Entry read(ByteBuffer buffer) throws SerializerException
        {
            byte[] all = new byte[buffer.remaining()];
            buffer.get(all);
            try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(all)))
            {
                return new Entry(read(in), read(in), read(in), in.readUTF(), in.readUTF(), in.readLong(), in.readLong(), in.readLong(), in.readLong());
            }
            catch (IOException x)
            {
                throw new SerializerException(x);
            }
        }

        private static byte[] read(DataInputStream in) throws IOException
        {
            byte[] bytes = new byte[in.readInt()];
            in.readFully(bytes);
            return bytes;
        }

        @Override
        public boolean equals(Entry entry, ByteBuffer buffer) throws SerializerException
        {
            return serialize(entry).equals(buffer);
        }
    }
}
