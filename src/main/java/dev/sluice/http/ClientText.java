// Text a client wrote, made safe to quote back in an error: cut short, printable ASCII only.
package dev.sluice.http;

/** One rule for every error that names what the client sent (a method, a coding, a model, a path). */
public final class ClientText
{
    private ClientText()
    {
    }

    /** At most {@code max} characters (then "..."), each outside printable ASCII shown as '?'. */
    public static String quoted(String text, int max)
    {
        String cut = text.length() > max ? text.substring(0, max) + "..." : text;
        StringBuilder out = new StringBuilder(cut.length());
        for (int i = 0; i < cut.length(); i++)
        {
            char c = cut.charAt(i);
            out.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return out.toString();
    }
}
