// An IPv4 or IPv6 address block, parsed without any DNS lookup.
package dev.sluice.exchange;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/**
 * {@code 10.0.0.0/8}, {@code 2001:db8::/32}, or a single address. Only IP literals are accepted,
 * so parsing never resolves a name.
 */
public record Cidr(byte[] network, int prefixLength, String text)
{
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

    public static Cidr parse(String text)
    {
        int slash = text.indexOf('/');
        String address = slash < 0 ? text : text.substring(0, slash);
        byte[] bytes = literal(address);
        if (bytes == null)
        {
            throw new IllegalArgumentException("an IP address or CIDR block such as 10.0.0.0/8 or 2001:db8::/32");
        }
        int bits = bytes.length * 8;
        int prefix = bits;
        if (slash >= 0)
        {
            try
            {
                prefix = Integer.parseInt(text.substring(slash + 1));
            }
            catch (NumberFormatException x)
            {
                prefix = -1;
            }
            if (prefix < 0 || prefix > bits)
            {
                throw new IllegalArgumentException("a prefix length from 0 to " + bits);
            }
        }
        return new Cidr(mask(bytes, prefix), prefix, text);
    }

    /**
     * The bytes of an IP literal, or null when the text is not one. Never touches DNS.
     */
    public static byte[] literal(String address)
    {
        if (address == null)
        {
            return null;
        }
        String bare = address.startsWith("[") && address.endsWith("]") ? address.substring(1, address.length() - 1) : address;
        if (bare.indexOf(':') < 0)
        {
            // Every request's client address goes through here: IPv4 is read by hand, without regex or resolver.
            return ipv4(bare);
        }
        if (!IPV6.matcher(bare).matches())
        {
            return null;
        }
        try
        {
            // A literal of this shape is parsed, not resolved.
            return InetAddress.getByName(bare).getAddress();
        }
        catch (UnknownHostException | SecurityException x)
        {
            return null;
        }
    }

    /**
     * A client address as nginx writes {@code $remote_addr} and as {@code X-Forwarded-For} and
     * logs carry it: IPv4 as it is; IPv6 without brackets in RFC 5952's short form
     * ({@code ::1}, {@code 2001:db8::5}), where Jetty reports {@code [0:0:0:0:0:0:0:1]}. Anything
     * that is not an IP literal comes back unchanged.
     */
    public static String canonical(String address)
    {
        if (address == null || address.indexOf(':') < 0)
        {
            return address;
        }
        byte[] bytes = literal(address);
        if (bytes == null)
        {
            return address;
        }
        if (bytes.length == 4)
        {
            // An IPv4-mapped address: the IPv4 client it is.
            return (bytes[0] & 0xff) + "." + (bytes[1] & 0xff) + "." + (bytes[2] & 0xff) + "." + (bytes[3] & 0xff);
        }
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++)
        {
            groups[i] = ((bytes[2 * i] & 0xff) << 8) | (bytes[2 * i + 1] & 0xff);
        }
        // The longest run of two or more zero groups (the first of equal ones) becomes "::".
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; )
        {
            int j = i;
            while (j < 8 && groups[j] == 0)
            {
                j++;
            }
            if (j - i > bestLength)
            {
                bestStart = i;
                bestLength = j - i;
            }
            i = j == i ? i + 1 : j;
        }
        StringBuilder text = new StringBuilder(39);
        for (int i = 0; i < 8; i++)
        {
            if (i == bestStart)
            {
                text.append("::");
                i += bestLength - 1;
                continue;
            }
            if (text.length() > 0 && text.charAt(text.length() - 1) != ':')
            {
                text.append(':');
            }
            text.append(Integer.toHexString(groups[i]));
        }
        return text.toString();
    }

    /** Four decimal octets (at most three digits, at most 255 each) separated by dots, or null. */
    static byte[] ipv4(String text)
    {
        byte[] bytes = new byte[4];
        int octet = 0;
        int value = 0;
        int digits = 0;
        for (int i = 0; i < text.length(); i++)
        {
            char c = text.charAt(i);
            if (c >= '0' && c <= '9')
            {
                value = value * 10 + (c - '0');
                if (++digits > 3 || value > 255)
                {
                    return null;
                }
            }
            else if (c == '.' && digits > 0 && octet < 3)
            {
                bytes[octet++] = (byte)value;
                value = 0;
                digits = 0;
            }
            else
            {
                return null;
            }
        }
        if (octet != 3 || digits == 0)
        {
            return null;
        }
        bytes[3] = (byte)value;
        return bytes;
    }

    private static byte[] mask(byte[] bytes, int prefix)
    {
        byte[] masked = bytes.clone();
        for (int i = 0; i < masked.length; i++)
        {
            int keep = Math.max(0, Math.min(8, prefix - i * 8));
            masked[i] = (byte)(masked[i] & (0xff << (8 - keep)));
        }
        return masked;
    }

    public boolean contains(byte[] address)
    {
        if (address == null || address.length != network.length)
        {
            return false;
        }
        int whole = prefixLength / 8;
        for (int i = 0; i < whole; i++)
        {
            if (address[i] != network[i])
            {
                return false;
            }
        }
        int rest = prefixLength % 8;
        if (rest == 0)
        {
            return true;
        }
        int mask = (0xff << (8 - rest)) & 0xff;
        return (address[whole] & mask) == (network[whole] & 0xff);
    }

    @Override
    public boolean equals(Object other)
    {
        return other instanceof Cidr cidr && cidr.text.equals(text);
    }

    @Override
    public int hashCode()
    {
        return text.hashCode();
    }

    @Override
    public String toString()
    {
        return text;
    }
}
