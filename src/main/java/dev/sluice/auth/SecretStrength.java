// Recognises shared secrets that are long enough but easy to guess, before they sign or verify a token.
package dev.sluice.auth;

import java.util.HashMap;
import java.util.Map;

/**
 * An HMAC secret of 32 bytes can still be guessed offline from one token when it is a pattern
 * ({@code aaaa…}, {@code abcabc…}, {@code 0123…}) or has little randomness. Plain logic: the
 * parser refuses what {@link #weakness} names and warns on what {@link #looksLikeWords} finds.
 * The secret itself never appears in a message.
 */
final class SecretStrength
{
    /** An estimate below this many bits (per-character entropy times length) is refused. */
    static final double MIN_BITS = 100;

    private SecretStrength()
    {
    }

    /** Why the secret is weak, or null when nothing obvious is wrong. */
    static String weakness(String secret)
    {
        int length = secret.length();
        for (int unit = 1; unit <= length / 2; unit++)
        {
            if (length % unit == 0 && secret.substring(0, unit).repeat(length / unit).equals(secret))
            {
                return "it is one short sequence repeated";
            }
        }
        int consecutive = 0;
        for (int i = 1; i < length; i++)
        {
            int step = secret.charAt(i) - secret.charAt(i - 1);
            if (step == 1 || step == -1 || step == 0)
            {
                consecutive++;
            }
        }
        if (consecutive * 4 >= (length - 1) * 3)
        {
            return "it is mostly runs of neighbouring characters";
        }
        Map<Character, Integer> counts = new HashMap<>();
        for (int i = 0; i < length; i++)
        {
            counts.merge(secret.charAt(i), 1, Integer::sum);
        }
        if (counts.size() < 10)
        {
            return "it uses only " + counts.size() + " distinct characters";
        }
        double perCharacter = 0;
        for (int count : counts.values())
        {
            double p = (double)count / length;
            perCharacter -= p * Math.log(p) / Math.log(2);
        }
        double bits = perCharacter * length;
        if (bits < MIN_BITS)
        {
            return "about " + Math.round(bits) + " bits of randomness, under " + Math.round(MIN_BITS);
        }
        return null;
    }

    /** Letters and word separators with few digits: a passphrase, guessable by dictionary. */
    static boolean looksLikeWords(String secret)
    {
        int letters = 0;
        int digits = 0;
        for (int i = 0; i < secret.length(); i++)
        {
            char c = secret.charAt(i);
            if (Character.isLetter(c))
            {
                letters++;
            }
            else if (Character.isDigit(c))
            {
                digits++;
            }
            else if (c != '-' && c != '_' && c != ' ' && c != '.')
            {
                return false;
            }
        }
        return letters >= secret.length() * 3 / 4 && digits <= 4;
    }
}
