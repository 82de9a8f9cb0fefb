// Typed, validating access to a flat key/value configuration; collects every problem.
package dev.sluice.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.sluice.exchange.Cidr;

/**
 * Reads typed values out of the properties and remembers which keys were read, so that any key
 * nobody asked for (a typo, a setting from another version) is reported instead of ignored.
 * Problems are collected, not thrown, so the whole file is validated in one pass.
 *
 * <p>Values may refer to environment variables or system properties with {@code ${NAME}} or
 * {@code ${NAME:-default}}, which is how secrets stay out of the file.</p>
 */
public final class ConfigReader
{
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_.]*)(?::-([^}]*))?}");
    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h)");
    private static final Pattern SIZE = Pattern.compile("(\\d{1,12})\\s*([KMG]B)?", Pattern.CASE_INSENSITIVE);
    static final String DURATION_ALLOWED = "a duration such as 250ms, 5s, 2m or 1h";

    private final Map<String, String> values = new TreeMap<>();
    private final Set<String> read = new HashSet<>();
    /** Keys whose value referred to an unset variable: already reported, treated as absent-but-set. */
    private final Set<String> unresolved = new HashSet<>();
    private final List<String> problems = new ArrayList<>();

    public ConfigReader(Map<String, String> raw, Function<String, String> variables)
    {
        for (Map.Entry<String, String> entry : raw.entrySet())
        {
            values.put(entry.getKey().trim(), interpolate(entry.getKey().trim(), entry.getValue().trim(), variables));
        }
    }

    private String interpolate(String key, String value, Function<String, String> variables)
    {
        Matcher matcher = VARIABLE.matcher(value);
        StringBuilder result = new StringBuilder();
        while (matcher.find())
        {
            String name = matcher.group(1);
            if (requestReference(name))
            {
                // Filled per request by a transform template (dev.sluice.transform.Template), not here.
                matcher.appendReplacement(result, Matcher.quoteReplacement(matcher.group()));
                continue;
            }
            String replacement = variables.apply(name.startsWith("env.") ? name.substring(4) : name);
            if (replacement == null)
            {
                replacement = matcher.group(2);
            }
            if (replacement == null)
            {
                problems.add(ConfigException.unresolved(key, name));
                unresolved.add(key);
                replacement = "";
            }
            matcher.appendReplacement(result, Matcher.quoteReplacement(replacement));
        }
        matcher.appendTail(result);
        return result.toString();
    }

    /** Names a transform template fills from the request: ${route}, ${consumer.*}, ${jwt.claim.*}, ${client.*}, ${request.*}, ${header.*}, ${query.*}. */
    static boolean requestReference(String name)
    {
        return name.equals("route") || name.startsWith("consumer.") || name.startsWith("jwt.claim.") || name.startsWith("client.")
            || name.startsWith("request.") || name.startsWith("header.") || name.startsWith("query.");
    }

    /**
     * Whether a URL's port is absent or one a socket can have: {@link java.net.URI} takes any
     * digits, and a port of 0 or past 65535 would fail only on the first request (or 0 be read as
     * the scheme's default).
     */
    public static boolean portInRange(java.net.URI uri)
    {
        return uri.getPort() == -1 || uri.getPort() >= 1 && uri.getPort() <= 65535;
    }

    public Optional<String> optional(String key)
    {
        read.add(key);
        String value = unresolved.contains(key) ? null : values.get(key);
        return value == null || value.isEmpty() ? Optional.empty() : Optional.of(value);
    }

    /** Whether the key is present at all, even empty or with an unresolved variable (already reported). */
    public boolean isSet(String key)
    {
        read.add(key);
        return values.containsKey(key);
    }

    /** Whether the key's value named a variable that is not set (a problem already recorded). */
    public boolean isUnresolved(String key)
    {
        return unresolved.contains(key);
    }

    public String string(String key, String defaultValue)
    {
        return optional(key).orElse(defaultValue);
    }

    /**
     * A required value; records a problem and returns null when it is missing.
     */
    public String required(String key, String allowed)
    {
        Optional<String> value = optional(key);
        if (value.isEmpty())
        {
            if (!unresolved.contains(key))
            {
                problem(ConfigException.required(key, allowed));
            }
            return null;
        }
        return value.get();
    }

    public Duration duration(String key, Duration defaultValue)
    {
        Optional<String> value = optional(key);
        if (value.isEmpty())
        {
            return defaultValue;
        }
        Duration parsed = parseDuration(value.get());
        if (parsed == null)
        {
            invalid(key, value.get(), DURATION_ALLOWED);
            return defaultValue;
        }
        return parsed;
    }

    /** A duration that must not be zero; zero is reported and the default used. */
    public Duration positiveDuration(String key, Duration defaultValue)
    {
        Duration value = duration(key, defaultValue);
        if (value.isZero())
        {
            invalid(key, "0", "a positive duration such as 250ms, 5s or 2m");
            return defaultValue;
        }
        return value;
    }

    static Duration parseDuration(String text)
    {
        if ("0".equals(text))
        {
            return Duration.ZERO;
        }
        Matcher matcher = DURATION.matcher(text);
        if (!matcher.matches())
        {
            return null;
        }
        long amount = Long.parseLong(matcher.group(1));
        return switch (matcher.group(2))
        {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            default -> Duration.ofHours(amount);
        };
    }

    public int integer(String key, int defaultValue, int min, int max)
    {
        Optional<String> value = optional(key);
        if (value.isEmpty())
        {
            return defaultValue;
        }
        try
        {
            int parsed = Integer.parseInt(value.get());
            if (parsed >= min && parsed <= max)
            {
                return parsed;
            }
        }
        catch (NumberFormatException ignored)
        {
            // reported below
        }
        invalid(key, value.get(), "a whole number from " + min + " to " + max);
        return defaultValue;
    }

    /** A share written {@code 20%} (or {@code 20}), from 0 to 100. */
    public int percent(String key, int defaultValue)
    {
        Optional<String> value = optional(key);
        if (value.isEmpty())
        {
            return defaultValue;
        }
        String text = value.get().endsWith("%") ? value.get().substring(0, value.get().length() - 1).trim() : value.get();
        try
        {
            int parsed = Integer.parseInt(text);
            if (parsed >= 0 && parsed <= 100)
            {
                return parsed;
            }
        }
        catch (NumberFormatException ignored)
        {
            // reported below
        }
        invalid(key, value.get(), "a percentage from 0% to 100%");
        return defaultValue;
    }

    /** A size in bytes written {@code 512}, {@code 64KB}, {@code 10MB} or {@code 1GB}, up to {@code max}. */
    public long size(String key, long defaultValue, long max)
    {
        Optional<String> value = optional(key);
        if (value.isEmpty())
        {
            return defaultValue;
        }
        Matcher matcher = SIZE.matcher(value.get());
        if (matcher.matches())
        {
            long amount = Long.parseLong(matcher.group(1));
            long unit = switch (matcher.group(2) == null ? "" : matcher.group(2).toUpperCase(Locale.ROOT))
            {
                case "KB" -> 1024L;
                case "MB" -> 1024L * 1024;
                case "GB" -> 1024L * 1024 * 1024;
                default -> 1L;
            };
            if (amount <= max / unit)
            {
                return amount * unit;
            }
        }
        invalid(key, value.get(), "a size such as 512, 64KB or 10MB, at most " + max + " bytes");
        return defaultValue;
    }

    public boolean bool(String key, boolean defaultValue)
    {
        Optional<String> value = optional(key);
        if (value.isEmpty())
        {
            return defaultValue;
        }
        return switch (value.get().toLowerCase(Locale.ROOT))
        {
            case "true" -> true;
            case "false" -> false;
            default ->
            {
                invalid(key, value.get(), "true or false");
                yield defaultValue;
            }
        };
    }

    /**
     * One of the allowed words, lower-cased; the default when the key is absent, reported and the
     * default when it is none of them ("allowed: a, b or c").
     */
    public String choice(String key, String defaultValue, List<String> allowed)
    {
        String value = string(key, defaultValue).toLowerCase(Locale.ROOT);
        if (allowed.contains(value))
        {
            return value;
        }
        String last = allowed.get(allowed.size() - 1);
        invalid(key, value, allowed.size() == 1 ? last : String.join(", ", allowed.subList(0, allowed.size() - 1)) + " or " + last);
        return defaultValue;
    }

    /** {@link #choice} as an enum constant: the word upper-cased, '-' as '_'. */
    public <E extends Enum<E>> E choice(String key, E defaultValue, Class<E> type)
    {
        List<String> allowed = new ArrayList<>();
        for (E constant : type.getEnumConstants())
        {
            allowed.add(constant.name().toLowerCase(Locale.ROOT).replace('_', '-'));
        }
        String word = choice(key, defaultValue.name().toLowerCase(Locale.ROOT).replace('_', '-'), allowed);
        return Enum.valueOf(type, word.toUpperCase(Locale.ROOT).replace('-', '_'));
    }

    /**
     * A comma-separated list, blanks dropped; empty when the key is absent.
     */
    public List<String> list(String key)
    {
        return optional(key)
            .map(value -> Arrays.stream(value.split(","))
                .map(String::trim)
                .filter(item -> !item.isEmpty())
                .toList())
            .orElse(List.of());
    }

    /**
     * The distinct names {@code N} of keys shaped {@code prefix + N + "." + rest}.
     */
    public Set<String> names(String prefix)
    {
        Set<String> names = new TreeSet<>();
        for (String key : values.keySet())
        {
            if (key.startsWith(prefix))
            {
                int dot = key.indexOf('.', prefix.length());
                if (dot > prefix.length())
                {
                    names.add(key.substring(prefix.length(), dot));
                }
            }
        }
        return names;
    }

    /**
     * The keys that start with the prefix, with the prefix removed.
     */
    public Set<String> keysUnder(String prefix)
    {
        Set<String> keys = new TreeSet<>();
        for (String key : values.keySet())
        {
            if (key.startsWith(prefix) && key.length() > prefix.length())
            {
                keys.add(key.substring(prefix.length()));
            }
        }
        return keys;
    }

    /**
     * As {@link #keysUnder}, marking those keys read: for a group the caller refuses as a whole
     * with one problem of its own, which should not come again as one unknown key per member.
     */
    public Set<String> takeAll(String prefix)
    {
        Set<String> keys = keysUnder(prefix);
        keys.forEach(key -> read.add(prefix + key));
        return keys;
    }

    /**
     * The key Sluice looked for that is closest to a typo (edit distance at most a fifth of its
     * length, at least 2), or null. Only keys the parser asked about count, so the suggestion
     * fits the route or issuer the typo is in.
     */
    static String nearest(String typo, Set<String> known)
    {
        String best = null;
        int bestDistance = Math.max(2, typo.length() / 5) + 1;
        for (String candidate : known)
        {
            if (Math.abs(candidate.length() - typo.length()) >= bestDistance)
            {
                continue;
            }
            int distance = distance(typo, candidate);
            if (distance < bestDistance)
            {
                best = candidate;
                bestDistance = distance;
            }
        }
        return best;
    }

    /** Levenshtein distance, case-insensitive. */
    static int distance(String a, String b)
    {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++)
        {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++)
            {
                int cost = Character.toLowerCase(a.charAt(i - 1)) == Character.toLowerCase(b.charAt(j - 1)) ? 0 : 1;
                current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }

    public void invalid(String key, String value, String allowed)
    {
        problem(ConfigException.invalid(key, value, allowed));
    }

    /** A comma-separated list of IPv4/IPv6 CIDR blocks (or addresses), {@code defaults} when unset; each bad one reported. */
    public List<Cidr> cidrs(String key, List<String> defaults)
    {
        List<String> items = optional(key).isPresent() ? list(key) : defaults;
        List<Cidr> blocks = new ArrayList<>();
        for (String item : items)
        {
            try
            {
                blocks.add(Cidr.parse(item));
            }
            catch (IllegalArgumentException x)
            {
                invalid(key, item, x.getMessage());
            }
        }
        return blocks;
    }

    public void problem(String message)
    {
        problems.add(message);
    }

    /** How many problems were reported so far (unknown keys not counted): to tell whether a group of keys added any. */
    public int reported()
    {
        return problems.size();
    }

    /**
     * Every problem found so far plus one for each key that nothing read.
     */
    public List<String> problems()
    {
        List<String> all = new ArrayList<>(problems);
        for (String key : values.keySet())
        {
            if (!read.contains(key))
            {
                all.add(ConfigException.unknown(key, nearest(key, read)));
            }
        }
        return all;
    }
}
