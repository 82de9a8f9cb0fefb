// The AI response cache: complete answers stored by a hash of the normalised request, replayed as a stream or as JSON.
package dev.sluice.ai;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
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

/**
 * Exact-match caching of chat and embeddings answers on Ehcache, with the HTTP cache's tiers: a
 * heap tier in entries, an off-heap tier with {@code ai.cache.off-heap}, and a persistent disk
 * tier with {@code ai.cache.disk.directory}, whose answers survive a restart.
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
        this.spec = spec;
        CacheManager made;
        try
        {
            made = manager(spec, spec.diskDirectory());
        }
        catch (RuntimeException x)
        {
            // Most likely another Sluice holds the directory: answers are cached in memory only then.
            AiFront.LOG.error("The AI cache's disk tier in {} could not be opened ({}); caching in memory only", spec.diskDirectory(), x.toString());
            made = manager(spec, null);
        }
        manager = made;
        cache = manager.getCache(CACHE, String.class, Entry.class);
    }

    private static CacheManager manager(Governance.CacheSpec spec, java.nio.file.Path disk)
    {
        long offHeapBytes = spec.offHeapBytes();
        ResourcePoolsBuilder pools = ResourcePoolsBuilder.newResourcePoolsBuilder().heap(spec.maxEntries(), EntryUnit.ENTRIES);
        if (offHeapBytes > 0)
        {
            pools = pools.offheap(Math.max(1, offHeapBytes >> 20), MemoryUnit.MB);
        }
        if (disk != null)
        {
            pools = pools.disk(Math.max(1, spec.diskBytes() >> 20), MemoryUnit.MB, true);
        }
        CacheConfigurationBuilder<String, Entry> configuration = CacheConfigurationBuilder
            .newCacheConfigurationBuilder(String.class, Entry.class, pools)
            .withValueSerializer(AiCacheSerializer.class)
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
        return disk == null ? CacheManagerBuilder.newCacheManagerBuilder().withCache(CACHE, configuration).build(true)
            : CacheManagerBuilder.newCacheManagerBuilder().with(CacheManagerBuilder.persistence(disk.toFile())).withCache(CACHE, configuration).build(true);
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

    /**
     * Whether the request may be answered from or stored in the cache at all: not for several
     * choices, nor when it offers Claude a server tool or asks for a web search
     * ({@code web_search_options}): a search's results are of the moment.
     */
    static boolean cacheable(ObjectNode body)
    {
        JsonNode n = body.get("n");
        if (n != null && !n.isNull() && n.asInt(1) != 1)
        {
            return false;
        }
        for (JsonNode tool : body.path("tools"))
        {
            if (AnthropicTools.serverTool(tool))
            {
                return false;
            }
        }
        JsonNode search = body.get("web_search_options");
        return search == null || search.isNull();
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
        if (operation == AiFront.Operation.CHAT && (!storable(parsed.path("choices").path(0).path("finish_reason").asText(null))
            || parsed.path("choices").path(0).path("message").has(AnthropicTools.RAW_CONTENT)))
        {
            // Nor an answer with Claude's own blocks (citations, a server tool's), which the cache's other form of it would lose.
            return false;
        }
        byte[] events = operation == AiFront.Operation.CHAT ? AnswerForms.chunks(parsed) : new byte[0];
        return put(key, answer, events, AnswerForms.usageChunk(parsed.path("id").asText("chatcmpl-sluice"), parsed.path("created").asLong(),
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
            JsonNode delta = chunk.path("choices").path(0).path("delta");
            if (chunk.has("error") || delta.has(AnthropicTools.RAW_BLOCKS) || delta.has("citations"))
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
        ObjectNode answer = AnswerForms.assemble(chunks, usage);
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
        return put(key, json, events.toByteArray(), AnswerForms.usageChunk(answer.path("id").asText(), answer.path("created").asLong(), answer.path("model").asText(""),
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

    @Override
    public void close()
    {
        manager.close();
    }
}
