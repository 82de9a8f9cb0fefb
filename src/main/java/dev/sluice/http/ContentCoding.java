// A body's Content-Encoding, and gzip read and written whole within a bound: for transforms and checks that must see content.
package dev.sluice.http;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Sluice reads a body's content only to transform or check it. It can undo gzip, the one coding
 * the JDK reads; a body in any other coding is passed on as it is, or refused where reading it is
 * required.
 */
public final class ContentCoding
{
    private ContentCoding()
    {
    }

    /** The coding a {@code Content-Encoding} value names: null for none or {@code identity}, else the value trimmed. */
    public static String of(String contentEncoding)
    {
        if (contentEncoding == null)
        {
            return null;
        }
        String trimmed = contentEncoding.trim();
        return trimmed.isEmpty() || trimmed.equalsIgnoreCase("identity") ? null : trimmed;
    }

    /** Whether a coding from {@link #of} is gzip (or its old name x-gzip), alone. */
    public static boolean gzip(String coding)
    {
        return coding != null && (coding.equalsIgnoreCase("gzip") || coding.equalsIgnoreCase("x-gzip"));
    }

    /**
     * The decompressed bytes, or null when they would be more than {@code max}: a small gzip
     * body can inflate to gigabytes, so no more than {@code max + 1} bytes are ever produced.
     *
     * @throws IOException when the bytes are not gzip
     */
    public static byte[] gunzip(byte[] data, long max) throws IOException
    {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(data)))
        {
            byte[] out = in.readNBytes((int)Math.min(Integer.MAX_VALUE - 8, max + 1));
            return out.length > max ? null : out;
        }
    }

    public static byte[] gzip(byte[] data) throws IOException
    {
        ByteArrayOutputStream out = new ByteArrayOutputStream(data.length / 2 + 64);
        try (GZIPOutputStream zip = new GZIPOutputStream(out))
        {
            zip.write(data);
        }
        return out.toByteArray();
    }
}
