// How the AI cache's entries are written to its off-heap tier: lengths and bytes, no Java serialization.
package dev.sluice.ai;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;

import org.ehcache.spi.serialization.Serializer;
import org.ehcache.spi.serialization.SerializerException;

/** Ehcache makes it by reflection, with a class loader. */
public final class AiCacheSerializer implements Serializer<AiCache.Entry>
{
    public AiCacheSerializer(ClassLoader loader)
    {
    }

    @Override
    public ByteBuffer serialize(AiCache.Entry entry) throws SerializerException
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
    public AiCache.Entry read(ByteBuffer buffer) throws SerializerException
    {
        byte[] all = new byte[buffer.remaining()];
        buffer.get(all);
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(all)))
        {
            return new AiCache.Entry(read(in), read(in), read(in), in.readUTF(), in.readUTF(), in.readLong(), in.readLong(), in.readLong(), in.readLong());
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
    public boolean equals(AiCache.Entry entry, ByteBuffer buffer) throws SerializerException
    {
        return serialize(entry).equals(buffer);
    }
}
