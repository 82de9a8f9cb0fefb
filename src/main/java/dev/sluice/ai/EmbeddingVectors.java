// Embedding vectors in the encoding the client asked for, whatever the provider sent.
package dev.sluice.ai;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * OpenAI's Node SDK (6.x) asks for {@code encoding_format = base64} unless told otherwise and
 * decodes each vector from base64 (little-endian float32s); OpenAI-compatible servers that ignore
 * the field answer lists of numbers, which that SDK then reads as empty vectors. Such an answer
 * is re-encoded as OpenAI would have sent it, so every provider behind an alias looks the same.
 */
final class EmbeddingVectors
{
    private EmbeddingVectors()
    {
    }

    /** Whether the request asked for base64 vectors. */
    static boolean base64Asked(JsonNode request)
    {
        return "base64".equals(request.path("encoding_format").asText(null));
    }

    /**
     * Rewrites, in place, every vector of the answer given as a list of numbers as base64; true
     * when any was. A vector with anything but numbers in it is left as it is.
     */
    static boolean toBase64(JsonNode answer)
    {
        boolean changed = false;
        for (JsonNode item : answer.path("data"))
        {
            JsonNode vector = item.path("embedding");
            if (!vector.isArray() || !(item instanceof ObjectNode object))
            {
                continue;
            }
            ByteBuffer packed = ByteBuffer.allocate(vector.size() * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            boolean numbers = true;
            for (JsonNode value : vector)
            {
                numbers &= value.isNumber();
                packed.putFloat(value.floatValue());
            }
            if (numbers)
            {
                object.put("embedding", Base64.getEncoder().encodeToString(packed.array()));
                changed = true;
            }
        }
        return changed;
    }
}
