// The end user's id a client sends (user, metadata.user_id) in the form each provider takes.
package dev.sluice.ai;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * Claude Code sends a JSON object of about 150 characters as its {@code metadata.user_id}
 * ({@code {"device_id":…,"account_uuid":…,"session_id":…}}), which becomes the chat form's
 * {@code user}. OpenAI refuses a {@code user} over 64 characters with 400 ("Invalid 'user': string
 * too long. Expected a string with maximum length 64"), OpenRouter one over 128, and
 * Anthropic-compatible servers such as DeepSeek's a {@code user_id} outside
 * {@code [a-zA-Z0-9_-]}. Such an id goes as its SHA-256 in hex: 64 characters of that set, the
 * same for the same user, so it still tells the provider's abuse detection one user from another,
 * and says nothing of what it was made from.
 */
final class UserIds
{
    /** OpenAI's limit on {@code user}. */
    static final int OPENAI_MAX = 64;

    /** What Anthropic's API documents for {@code metadata.user_id}: an opaque id of up to 256 characters; the set is DeepSeek's. */
    private static final Pattern ANTHROPIC = Pattern.compile("[A-Za-z0-9_-]{1,256}");

    private UserIds()
    {
    }

    /** The id as an OpenAI-style provider takes it. */
    static String forOpenAi(String user)
    {
        return user.length() <= OPENAI_MAX ? user : sha256(user);
    }

    /** The id as an Anthropic-style provider takes it. */
    static String forAnthropic(String user)
    {
        return ANTHROPIC.matcher(user).matches() ? user : sha256(user);
    }

    private static String sha256(String text)
    {
        try
        {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        }
        catch (NoSuchAlgorithmException x)
        {
            throw new IllegalStateException("Every Java platform has SHA-256", x);
        }
    }
}
