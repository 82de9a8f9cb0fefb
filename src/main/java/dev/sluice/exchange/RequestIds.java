// Request ids: accept a sane one from the client, else make one.
package dev.sluice.exchange;

import java.util.concurrent.ThreadLocalRandom;

/**
 * An incoming id is kept when it is 1 to 128 characters of letters, digits and {@code -._:},
 * which covers UUIDs, W3C trace ids and most gateways' formats, and keeps log lines and headers
 * free of injected text. Otherwise a new 32-hex-digit id is made; it identifies, it does not
 * authorise, so a fast non-cryptographic source is enough.
 */
public final class RequestIds
{
    static final int MAX_LENGTH = 128;
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private RequestIds()
    {
    }

    public static boolean isAcceptable(String id)
    {
        if (id == null || id.isEmpty() || id.length() > MAX_LENGTH)
        {
            return false;
        }
        for (int i = 0; i < id.length(); i++)
        {
            char c = id.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '-' || c == '.' || c == '_' || c == ':';
            if (!ok)
            {
                return false;
            }
        }
        return true;
    }

    public static String accept(String incoming)
    {
        return isAcceptable(incoming) ? incoming : generate();
    }

    public static String generate()
    {
        return randomHex(32);
    }

    /** {@code digits} random lower-case hex digits, for ids that identify and never authorise. */
    static String randomHex(int digits)
    {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        char[] text = new char[digits];
        long bits = 0;
        for (int i = 0; i < digits; i++)
        {
            if (i % 16 == 0)
            {
                bits = random.nextLong();
            }
            text[i] = HEX[(int)(bits >>> (60 - 4 * (i % 16))) & 0xf];
        }
        return new String(text);
    }
}
