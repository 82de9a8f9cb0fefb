// Ehcache serializer for cache entries: a compact binary form for the off-heap and disk tiers.
package dev.sluice.cache;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.ehcache.spi.serialization.Serializer;
import org.ehcache.spi.serialization.SerializerException;

/**
 * Versioned by its first byte so a disk tier written by another version is read as a miss, not
 * as garbage. Java serialization is not used: it is slower, larger, and a disk file should never
 * be able to instantiate arbitrary classes.
 */
public final class EntrySerializer implements Serializer<CacheEntry>
{
    private static final byte RESPONSE = 1;
    private static final byte VARIANTS = 2;
    private static final byte VERSION = 1;

    public EntrySerializer()
    {
    }

    /** Ehcache's constructor form for persistent tiers. */
    public EntrySerializer(ClassLoader loader)
    {
    }

    @Override
    public ByteBuffer serialize(CacheEntry entry)
    {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(entry instanceof CachedResponse response ? response.body().length + 512 : 256);
        try (DataOutputStream out = new DataOutputStream(bytes))
        {
            out.writeByte(VERSION);
            if (entry instanceof CachedResponse response)
            {
                out.writeByte(RESPONSE);
                out.writeInt(response.status());
                out.writeInt(response.headers().size());
                for (String[] header : response.headers())
                {
                    writeString(out, header[0]);
                    writeString(out, header[1]);
                }
                out.writeLong(response.requestTime());
                out.writeLong(response.responseTime());
                writeString(out, response.url());
                out.writeLong(response.forcedTtl());
                out.writeInt(response.selecting().size());
                for (Map.Entry<String, String> selecting : response.selecting().entrySet())
                {
                    writeString(out, selecting.getKey());
                    out.writeBoolean(selecting.getValue() != null);
                    if (selecting.getValue() != null)
                    {
                        writeString(out, selecting.getValue());
                    }
                }
                out.writeInt(response.body().length);
                out.write(response.body());
            }
            else if (entry instanceof Variants variants)
            {
                out.writeByte(VARIANTS);
                out.writeInt(variants.vary().size());
                for (String name : variants.vary())
                {
                    writeString(out, name);
                }
                out.writeInt(variants.keys().size());
                for (String key : variants.keys())
                {
                    writeString(out, key);
                }
            }
        }
        catch (IOException x)
        {
            throw new UncheckedIOException(x);
        }
        return ByteBuffer.wrap(bytes.toByteArray());
    }

    @Override
    public CacheEntry read(ByteBuffer buffer) throws SerializerException
    {
        try
        {
            if (buffer.get() != VERSION)
            {
                throw new SerializerException("cache entry written by another version");
            }
            byte type = buffer.get();
            if (type == RESPONSE)
            {
                int status = buffer.getInt();
                int count = buffer.getInt();
                List<String[]> headers = new ArrayList<>(count);
                for (int i = 0; i < count; i++)
                {
                    headers.add(new String[] {readString(buffer), readString(buffer)});
                }
                long requestTime = buffer.getLong();
                long responseTime = buffer.getLong();
                String url = readString(buffer);
                long forcedTtl = buffer.getLong();
                int selectingCount = buffer.getInt();
                Map<String, String> selecting = new LinkedHashMap<>();
                for (int i = 0; i < selectingCount; i++)
                {
                    String name = readString(buffer);
                    selecting.put(name, buffer.get() != 0 ? readString(buffer) : null);
                }
                byte[] body = new byte[buffer.getInt()];
                buffer.get(body);
                return new CachedResponse(status, headers, body, requestTime, responseTime, url, selecting, forcedTtl);
            }
            if (type == VARIANTS)
            {
                int count = buffer.getInt();
                List<String> vary = new ArrayList<>(count);
                for (int i = 0; i < count; i++)
                {
                    vary.add(readString(buffer));
                }
                int keyCount = buffer.getInt();
                List<String> keys = new ArrayList<>(keyCount);
                for (int i = 0; i < keyCount; i++)
                {
                    keys.add(readString(buffer));
                }
                return new Variants(vary, keys);
            }
            throw new SerializerException("unknown cache entry type " + type);
        }
        catch (RuntimeException x)
        {
            throw new SerializerException("unreadable cache entry", x);
        }
    }

    @Override
    public boolean equals(CacheEntry entry, ByteBuffer buffer) throws ClassNotFoundException, SerializerException
    {
        return serialize(entry).equals(buffer);
    }

    private static void writeString(DataOutputStream out, String value) throws IOException
    {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    private static String readString(ByteBuffer buffer)
    {
        byte[] bytes = new byte[buffer.getInt()];
        buffer.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
